"""Writing one real-photo category to disk in the MVTec AD layout, once, atomically.

Layout::

    root/category/train/good/000.png
    root/category/test/good/000.png
    root/category/test/<kind>/000.png
    root/category/ground_truth/<kind>/000_mask.png
    root/category/.complete.json          # generation parameters, present once complete

Every image is a shot drawn from a generator seeded by (seed, category, split, index) only, so a
tree is reproducible file by file. The tree is staged in a temporary sibling folder and renamed
into place; a complete tree with the same parameters is reused, anything else is regenerated.
"""

from __future__ import annotations

import json
import os
import shutil
import uuid
import zlib
from dataclasses import asdict, dataclass
from pathlib import Path

import numpy as np
from PIL import Image

from adbench.data.realphotos.painter import DEFECT_KINDS, paint_defect
from adbench.data.realphotos.shots import render_shot
from adbench.data.realphotos.sources import PHOTO_SOURCES
from adbench.errors import AdbenchError

REALPHOTO_CATEGORIES: tuple[str, ...] = tuple(PHOTO_SOURCES)
GENERATOR_VERSION = 1  # bump when shots or defects change: cached trees then regenerate
MARKER_NAME = ".complete.json"
MIN_IMAGE_SIZE = 32
INSTALL_ATTEMPTS = 5


@dataclass(frozen=True)
class GenerationParams:
    """Everything that determines the files of one generated category."""

    category: str
    image_size: int
    n_train: int
    n_test_good: int
    n_test_per_defect: int
    seed: int

    def marker(self) -> dict[str, object]:
        return {
            "generator": "adbench.data.realphotos",
            "version": GENERATOR_VERSION,
            "defect_kinds": list(DEFECT_KINDS),
            **asdict(self),
        }


def ensure_realphotos(
    root: str | Path,
    category: str,
    seed: int = 0,
    image_size: int = 256,
    n_train: int = 60,
    n_test_good: int = 20,
    n_test_per_defect: int = 5,
) -> Path:
    """Generate root/category once in MVTec layout and return its path (reused when complete)."""
    params = _validated(category, image_size, n_train, n_test_good, n_test_per_defect, seed)
    root = Path(root).expanduser()
    target = root / category
    if _is_complete(target, params):
        return target
    staging = root / f".{category}.tmp-{os.getpid()}-{uuid.uuid4().hex[:8]}"
    try:
        staging.mkdir(parents=True)
    except OSError as error:
        raise AdbenchError(f"cannot write the realphotos dataset under {root}: {error}") from error
    try:
        _write_category(staging, params)
        text = json.dumps(params.marker(), indent=2, sort_keys=True) + "\n"
        (staging / MARKER_NAME).write_text(text)
        _install(staging, target, params)
    finally:
        shutil.rmtree(staging, ignore_errors=True)
    return target


def render_normal(
    category: str, split: str = "train/good", index: int = 0, seed: int = 0, image_size: int = 256
) -> np.ndarray:
    """The (H, W, 3) uint8 normal shot written at <split>/<index>.png."""
    check_category(category)
    return render_shot(category, _image_rng(seed, category, split, index), image_size)


def render_defect_example(
    category: str, kind: str, index: int = 0, seed: int = 0, image_size: int = 256
) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """(clean, defective, mask) of test/<kind>/<index>.png: uint8 images and a bool mask.

    defective is the file written to disk, clean the shot it was painted on; they are identical
    outside the mask.
    """
    check_category(category)
    if kind not in DEFECT_KINDS:
        raise AdbenchError(f"unknown defect kind {kind!r}: choose one of {', '.join(DEFECT_KINDS)}")
    rng = _image_rng(seed, category, f"test/{kind}", index)
    clean = render_shot(category, rng, image_size)
    defective, mask = paint_defect(clean, kind, rng)
    return clean, defective, mask


def check_category(category: str) -> None:
    if category not in PHOTO_SOURCES:
        raise AdbenchError(
            f"unknown realphotos category {category!r}: "
            f"choose one of {', '.join(REALPHOTO_CATEGORIES)}"
        )


# --------------------------------------------------------------------------- files on disk


def _validated(
    category: str,
    image_size: int,
    n_train: int,
    n_test_good: int,
    n_test_per_defect: int,
    seed: int,
) -> GenerationParams:
    check_category(category)
    for name, value, minimum in (
        ("image_size", image_size, MIN_IMAGE_SIZE),
        ("n_train", n_train, 1),
        ("n_test_good", n_test_good, 0),
        ("n_test_per_defect", n_test_per_defect, 0),
        ("seed", seed, 0),
    ):
        if isinstance(value, bool) or not isinstance(value, (int, np.integer)) or value < minimum:
            raise AdbenchError(
                f"realphotos dataset {name}={value!r} must be an integer >= {minimum}"
            )
    counts = (int(image_size), int(n_train), int(n_test_good), int(n_test_per_defect), int(seed))
    return GenerationParams(category, *counts)


def _write_category(directory: Path, params: GenerationParams) -> None:
    common = {"seed": params.seed, "image_size": params.image_size}
    for split, count in (("train/good", params.n_train), ("test/good", params.n_test_good)):
        folder = directory / split
        folder.mkdir(parents=True)
        for index in range(count):
            image = render_normal(params.category, split, index, **common)
            _save_png(image, folder / f"{index:03d}.png")
    for kind in DEFECT_KINDS:
        image_dir = directory / "test" / kind
        mask_dir = directory / "ground_truth" / kind
        image_dir.mkdir(parents=True)
        mask_dir.mkdir(parents=True)
        for index in range(params.n_test_per_defect):
            _, defective, mask = render_defect_example(params.category, kind, index, **common)
            _save_png(defective, image_dir / f"{index:03d}.png")
            _save_png(mask.astype(np.uint8) * 255, mask_dir / f"{index:03d}_mask.png")


def _save_png(array: np.ndarray, path: Path) -> None:
    Image.fromarray(array).save(path, format="PNG", compress_level=1)


def _is_complete(directory: Path, params: GenerationParams) -> bool:
    try:
        recorded = json.loads((directory / MARKER_NAME).read_text())
    except (OSError, ValueError):
        return False
    return recorded == params.marker()


def _install(staging: Path, target: Path, params: GenerationParams) -> None:
    """Rename staging to target, replacing a stale target and keeping a complete one."""
    for _ in range(INSTALL_ATTEMPTS):
        if _is_complete(target, params):
            return  # another process finished first: keep its tree
        if target.exists():
            _discard(target)
        try:
            staging.rename(target)
            return
        except OSError:
            continue  # the target reappeared in between: look again
    raise AdbenchError(f"could not install the realphotos dataset at {target}: it keeps changing")


def _discard(directory: Path) -> None:
    """Move a stale tree out of the way atomically, then delete it."""
    doomed = directory.with_name(f".{directory.name}.stale-{uuid.uuid4().hex[:8]}")
    try:
        directory.rename(doomed)
    except FileNotFoundError:
        return
    if doomed.is_dir():
        shutil.rmtree(doomed, ignore_errors=True)
    else:
        doomed.unlink(missing_ok=True)


def _image_rng(seed: int, category: str, split: str, index: int) -> np.random.Generator:
    """A generator that depends only on (seed, category, split, index)."""
    return np.random.default_rng([seed, _stable_hash(category), _stable_hash(split), index])


def _stable_hash(text: str) -> int:
    return zlib.crc32(text.encode("utf-8"))
