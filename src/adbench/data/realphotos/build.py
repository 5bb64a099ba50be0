"""Writing one real-photo category to disk in the MVTec AD layout, once, atomically.

Layout::

    root/category/train/good/000.png
    root/category/test/good/000.png
    root/category/test/<kind>/000.png
    root/category/ground_truth/<kind>/000_mask.png
    root/category/.complete.json          # generation parameters, present once complete

Every image is a shot drawn from a generator seeded by (seed, category, split, index) only, so a
tree is reproducible file by file. The tree is staged in a temporary sibling folder and renamed
into place; a complete tree with the same parameters is reused, anything else is regenerated
(see adbench.data.generated_tree, shared with the synthetic dataset).
"""

from __future__ import annotations

from pathlib import Path
from typing import ClassVar

import numpy as np

from adbench.data import generated_tree
from adbench.data.generated_tree import ensure_mvtec_tree, image_rng, require_choice
from adbench.data.realphotos.painter import DEFECT_KINDS, paint_defect
from adbench.data.realphotos.shots import render_shot
from adbench.data.realphotos.sources import PHOTO_SOURCES

REALPHOTO_CATEGORIES: tuple[str, ...] = tuple(PHOTO_SOURCES)
GENERATOR_VERSION = 1  # bump when shots or defects change: cached trees then regenerate
MARKER_NAME = generated_tree.MARKER_NAME
MIN_IMAGE_SIZE = 32
INSTALL_ATTEMPTS = generated_tree.INSTALL_ATTEMPTS
DATASET = "realphotos"  # in error messages


class GenerationParams(generated_tree.GenerationParams):
    """Everything that determines the files of one generated category."""

    MARKER_HEADER: ClassVar[dict[str, object]] = {
        "generator": "adbench.data.realphotos",
        "version": GENERATOR_VERSION,
        "defect_kinds": list(DEFECT_KINDS),
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
    check_category(category)
    params = GenerationParams(category, image_size, n_train, n_test_good, n_test_per_defect, seed)
    params = params.validated(DATASET, MIN_IMAGE_SIZE)
    return ensure_mvtec_tree(
        root, params, DEFECT_KINDS, render_normal, render_defect_example, DATASET
    )


def render_normal(
    category: str, split: str = "train/good", index: int = 0, seed: int = 0, image_size: int = 256
) -> np.ndarray:
    """The (H, W, 3) uint8 normal shot written at <split>/<index>.png."""
    check_category(category)
    return render_shot(category, image_rng(seed, category, split, index), image_size)


def render_defect_example(
    category: str, kind: str, index: int = 0, seed: int = 0, image_size: int = 256
) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """(clean, defective, mask) of test/<kind>/<index>.png: uint8 images and a bool mask.

    defective is the file written to disk, clean the shot it was painted on; they are identical
    outside the mask.
    """
    check_category(category)
    require_choice("defect kind", kind, DEFECT_KINDS)
    rng = image_rng(seed, category, f"test/{kind}", index)
    clean = render_shot(category, rng, image_size)
    defective, mask = paint_defect(clean, kind, rng)
    return clean, defective, mask


def check_category(category: str) -> None:
    require_choice(f"{DATASET} category", category, REALPHOTO_CATEGORIES)
