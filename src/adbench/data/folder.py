"""A Folder layout as in anomalib: folders of normals and of anomalies, optional masks.

Every folder key takes one path or a list of them, relative to `root` when one is given (as
anomalib's Folder does); an anomaly's defect type is the name of the folder it came from.
"""

from __future__ import annotations

from collections.abc import Sequence
from pathlib import Path

from adbench.data.samples import Sample, list_images
from adbench.data.splits import seeded_share
from adbench.errors import AdbenchError
from adbench.image_files import IMAGE_EXTENSIONS

Folders = str | Path | Sequence[str | Path] | None


def scan_folder(
    normal_dir: Folders,
    abnormal_dir: Folders,
    mask_dir: Folders = None,
    normal_test_dir: Folders = None,
    normal_test_split: float = 0.2,
    seed: int = 0,
    root: str | Path | None = None,
    extensions: Sequence[str] | None = None,
) -> tuple[list[Sample], list[Sample]]:
    """Train and test samples; without normal_test_dir a seeded share of normals is held out."""
    suffixes = _suffixes(extensions)

    def images(value: Folders, key: str) -> list[tuple[Path, Path]]:
        return _images(_folders(value, key, root), key, suffixes)

    normals = [image for image, _ in images(normal_dir, "dataset.normal_dir")]
    abnormals = images(abnormal_dir, "dataset.abnormal_dir")
    if normal_test_dir:
        train_normals = normals
        test_normals = [image for image, _ in images(normal_test_dir, "dataset.normal_test_dir")]
    else:
        if len(normals) < 2:
            raise AdbenchError(f"dataset.normal_dir={normal_dir}: too few normals to hold out")
        test_normals, train_normals = map(sorted, seeded_share(normals, normal_test_split, seed))
    masks = _masks_by_stem(images(mask_dir, "dataset.mask_dir") if mask_dir else [])
    test = [Sample(p, 0) for p in test_normals]
    test += [Sample(p, 1, masks.get(p.stem), folder.name) for p, folder in abnormals]
    return [Sample(p, 0) for p in train_normals], test


def _folders(value: Folders, key: str, root: str | Path | None) -> list[Path]:
    """One folder or a list of them, each under root when relative."""
    if not value:
        raise AdbenchError(f"{key} is not set: pass {key}=DIR (a folder of images, or a list)")
    values = [value] if isinstance(value, str | Path) else list(value)
    base = Path(root).expanduser() if root else None
    folders = []
    for item in values:
        if not isinstance(item, str | Path):
            raise AdbenchError(f"{key}={value}: expected a folder path or a list of them")
        path = Path(item).expanduser()
        folders.append(base / path if base is not None and not path.is_absolute() else path)
    return folders


def _images(folders: list[Path], key: str, suffixes: tuple[str, ...]) -> list[tuple[Path, Path]]:
    """(image, its folder) for every image in the folders, each folder checked."""
    found = []
    for folder in folders:
        if not folder.is_dir():
            raise AdbenchError(f"{key}={folder}: no such directory")
        images = list_images(folder, suffixes)
        if not images:
            raise AdbenchError(f"{key}={folder} holds no images ({', '.join(suffixes)})")
        found += [(image, folder) for image in images]
    return found


def _suffixes(extensions: Sequence[str] | None) -> tuple[str, ...]:
    if extensions is None:
        return IMAGE_EXTENSIONS
    if isinstance(extensions, str) or not extensions:
        raise AdbenchError(
            f"dataset.extensions={extensions}: expected a list such as [.png,.jpg] (null: all)"
        )
    return tuple(f".{e.lower().lstrip('.')}" for e in extensions)


def _masks_by_stem(masks: list[tuple[Path, Path]]) -> dict[str, Path]:
    """Masks matched to images by file stem ("x.png" or "x_mask.png" for image "x.jpg")."""
    return {mask.stem.removesuffix("_mask"): mask for mask, _ in masks}
