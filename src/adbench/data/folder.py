"""A Folder layout as in anomalib: a folder of normals, one of anomalies, optional masks."""

from __future__ import annotations

import random
from pathlib import Path

from adbench.data.samples import Sample, list_images
from adbench.errors import AdbenchError


def scan_folder(
    normal_dir: str | Path,
    abnormal_dir: str | Path,
    mask_dir: str | Path | None = None,
    normal_test_dir: str | Path | None = None,
    normal_test_split: float = 0.2,
    seed: int = 0,
) -> tuple[list[Sample], list[Sample]]:
    """Train and test samples; without normal_test_dir a seeded share of normals is held out."""
    normals = _images(normal_dir, "dataset.normal_dir")
    abnormals = _images(abnormal_dir, "dataset.abnormal_dir")
    if normal_test_dir:
        train_normals = normals
        test_normals = _images(normal_test_dir, "dataset.normal_test_dir")
    else:
        if not 0 < normal_test_split < 1:
            raise AdbenchError(f"dataset.normal_test_split={normal_test_split} must lie in (0, 1)")
        shuffled = normals.copy()
        random.Random(seed).shuffle(shuffled)
        n_test = max(1, round(len(shuffled) * normal_test_split))
        test_normals, train_normals = sorted(shuffled[:n_test]), sorted(shuffled[n_test:])
        if not train_normals:
            raise AdbenchError(f"dataset.normal_dir={normal_dir}: too few normals to hold out")
    masks = _masks_by_stem(mask_dir)
    test = [Sample(p, 0) for p in test_normals]
    test += [Sample(p, 1, masks.get(p.stem), "anomalous") for p in abnormals]
    return [Sample(p, 0) for p in train_normals], test


def _images(directory: str | Path | None, key: str) -> list[Path]:
    if not directory:
        raise AdbenchError(f"{key} is not set: pass {key}=DIR (a folder of images)")
    path = Path(directory).expanduser()
    if not path.is_dir():
        raise AdbenchError(f"{key}={directory}: no such directory")
    images = list_images(path)
    if not images:
        raise AdbenchError(f"{key}={directory} holds no images (.png, .jpg, .bmp, .tif)")
    return images


def _masks_by_stem(mask_dir: str | Path | None) -> dict[str, Path]:
    """Masks matched to images by file stem ("x.png" or "x_mask.png" for image "x.jpg")."""
    if not mask_dir:
        return {}
    masks = {}
    for mask in _images(mask_dir, "dataset.mask_dir"):
        stem = mask.stem.removesuffix("_mask")
        masks[stem] = mask
    return masks
