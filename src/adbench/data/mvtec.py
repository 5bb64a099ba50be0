"""The MVTec AD layout: category/{train/good, test/<defect>, ground_truth/<defect>/*_mask.png}."""

from __future__ import annotations

from pathlib import Path

from adbench.data.samples import NORMAL, Sample, list_images
from adbench.errors import AdbenchError

MVTEC_CATEGORIES = (
    "bottle", "cable", "capsule", "carpet", "grid", "hazelnut", "leather", "metal_nut",
    "pill", "screw", "tile", "toothbrush", "transistor", "wood", "zipper",
)  # fmt: skip

EXPECTED = "expected <root>/<category>/train/good/*.png and <root>/<category>/test/<defect>/*.png"


def scan_mvtec(root: str | Path, category: str) -> tuple[list[Sample], list[Sample]]:
    """Train (normal only) and test samples of one category of an MVTec-layout tree."""
    if root is None or str(root) in ("", "???"):
        raise AdbenchError(f"dataset.root is not set: pass dataset.root=DIR ({EXPECTED})")
    base = Path(root).expanduser() / category
    if not base.is_dir():
        found = sorted(p.name for p in Path(root).expanduser().glob("*") if p.is_dir())
        hint = (
            f"found categories: {', '.join(found)}" if found else f"{root} has no sub-directories"
        )
        known = " (one of the 15 MVTec AD categories)" if category in MVTEC_CATEGORIES else ""
        raise AdbenchError(f"no category {category!r}{known} under {root}: {EXPECTED}; {hint}")
    train_dir = base / "train" / NORMAL
    test_dir = base / "test"
    train = [Sample(p, 0) for p in _images_in(train_dir, base)]
    test: list[Sample] = []
    for defect_dir in sorted(p for p in _dir_or_fail(test_dir, base).iterdir() if p.is_dir()):
        defect = defect_dir.name
        for image in _images_in(defect_dir, base):
            if defect == NORMAL:
                test.append(Sample(image, 0))
            else:
                test.append(Sample(image, 1, _mask_for(base, defect, image), defect))
    if not test:
        raise AdbenchError(f"{test_dir} holds no images: {EXPECTED}")
    return train, test


def _dir_or_fail(directory: Path, base: Path) -> Path:
    if not directory.is_dir():
        found = ", ".join(sorted(p.name for p in base.iterdir())) or "nothing"
        raise AdbenchError(f"missing {directory} ({EXPECTED}); found in {base}: {found}")
    return directory


def _images_in(directory: Path, base: Path) -> list[Path]:
    images = list_images(_dir_or_fail(directory, base))
    if not images:
        raise AdbenchError(f"{directory} holds no images ({EXPECTED})")
    return images


def _mask_for(base: Path, defect: str, image: Path) -> Path | None:
    """ground_truth/<defect>/<stem>_mask.png; None when the tree ships no masks for it."""
    mask_dir = base / "ground_truth" / defect
    for candidate in (mask_dir / f"{image.stem}_mask.png", mask_dir / f"{image.stem}.png"):
        if candidate.is_file():
            return candidate
    return None
