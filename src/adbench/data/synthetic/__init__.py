"""Procedural anomaly-detection dataset, written once in the MVTec AD folder layout.

The default, offline dataset of the benchmark. Every category renders normal images with natural
variation (phase, position, rotation, colour, illumination, sensor noise) and test images with one
of DEFECT_TYPES painted on at a severity drawn per image, so defects range from subtle to obvious.
Ground-truth masks are exact: 255 where the defect was drawn, 0 elsewhere; outside the mask a
defective image is byte-identical to the clean image it was made from.

Layout (MVTec AD)::

    root/category/train/good/000.png
    root/category/test/good/000.png
    root/category/test/<defect>/000.png
    root/category/ground_truth/<defect>/000_mask.png
    root/category/.complete.json          # generation parameters, present once complete

Modules: categories.py renders the normal images, defects.py paints the defects (their difficulty:
SEVERITY_RANGE, SEVERITY_JITTER and per-defect (low, high) ranges), raster.py draws.
"""

from __future__ import annotations

from pathlib import Path
from typing import ClassVar

import numpy as np

from adbench.data import generated_tree
from adbench.data.generated_tree import ensure_mvtec_tree, image_rng, install_tree, require_choice
from adbench.data.synthetic.categories import _render_base
from adbench.data.synthetic.defects import _paint_defect
from adbench.data.synthetic.raster import _sensor_noise, _to_uint8

SYNTHETIC_CATEGORIES: tuple[str, ...] = ("weave", "grain", "nut", "chip")


TEXTURE_CATEGORIES: tuple[str, ...] = ("weave", "grain")


DEFECT_TYPES: tuple[str, ...] = ("scratch", "hole", "stain", "foreign_texture", "deformation")


GENERATOR_VERSION = 2  # bump when rendering changes: cached trees with another version regenerate


MARKER_NAME = generated_tree.MARKER_NAME


MIN_IMAGE_SIZE = 32


DATASET = "synthetic"  # in error messages


class GenerationParams(generated_tree.GenerationParams):
    """Everything that determines the files of one generated category."""

    MARKER_HEADER: ClassVar[dict[str, object]] = {
        "generator": "adbench.data.synthetic",
        "version": GENERATOR_VERSION,
        "defect_types": list(DEFECT_TYPES),
    }


def ensure_category(
    root: str | Path,
    category: str,
    *,
    image_size: int = 256,
    n_train: int = 80,
    n_test_good: int = 20,
    n_test_per_defect: int = 8,
    seed: int = 0,
) -> Path:
    """Generate root/category once in MVTec layout and return its path.

    Reuses the tree when already complete, i.e. when its marker file records these parameters;
    otherwise (re)generates it into a temporary sibling directory renamed into place at the end.
    Raises AdbenchError for an unknown category or invalid sizes.
    """
    params = _validated_params(category, image_size, n_train, n_test_good, n_test_per_defect, seed)
    return ensure_mvtec_tree(
        root, params, DEFECT_TYPES, render_normal_image, render_defect_example, DATASET
    )


def render_normal_image(
    category: str,
    *,
    split: str = "train/good",
    index: int = 0,
    seed: int = 0,
    image_size: int = 256,
) -> np.ndarray:
    """One normal (H, W, 3) uint8 image, exactly as written at <split>/<index>.png."""
    _check_category(category)
    rng = image_rng(seed, category, split, index)
    base, _ = _render_base(category, rng, image_size)
    return _to_uint8(base + _sensor_noise(rng, image_size))


def render_defect_example(
    category: str, defect: str, *, index: int = 0, seed: int = 0, image_size: int = 256
) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """(clean, defective, mask) for test/<defect>/<index>.png: uint8 images and a bool mask.

    The defective image is the file written to disk; clean is the same image without the defect,
    identical to it outside the mask.
    """
    _check_category(category)
    require_choice(f"{DATASET} defect type", defect, DEFECT_TYPES)
    rng = image_rng(seed, category, f"test/{defect}", index)
    base, foreground = _render_base(category, rng, image_size)
    painted, mask = _paint_defect(defect, base, foreground, rng, category)
    noise = _sensor_noise(rng, image_size)
    clean = _to_uint8(base + noise)
    defective = _to_uint8(np.where(mask[..., None], painted, base) + noise)
    return clean, defective, mask


def _validated_params(
    category: str,
    image_size: int,
    n_train: int,
    n_test_good: int,
    n_test_per_defect: int,
    seed: int,
) -> GenerationParams:
    _check_category(category)
    params = GenerationParams(category, image_size, n_train, n_test_good, n_test_per_defect, seed)
    return params.validated(DATASET, MIN_IMAGE_SIZE)


def _check_category(category: str) -> None:
    require_choice(f"{DATASET} category", category, SYNTHETIC_CATEGORIES)


def _install_tree(staging: Path, target: Path, params: GenerationParams) -> None:
    """Atomically rename staging to target, replacing a stale target, keeping a complete one."""
    install_tree(staging, target, params.marker(), DATASET)
