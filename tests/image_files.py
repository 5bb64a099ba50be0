"""Image files for tests: tiny textures with and without defects, written as PNGs.

Imported by test modules as `from image_files import ...` (tests/ is on pytest's pythonpath).
"""

from __future__ import annotations

from pathlib import Path

import numpy as np
from PIL import Image


def write_image(path: Path, array: np.ndarray) -> Path:
    path.parent.mkdir(parents=True, exist_ok=True)
    Image.fromarray(array).save(path)
    return path


def textured(rng: np.random.Generator, size: int = 64) -> np.ndarray:
    """A striped texture with a little noise: normals look alike, defects stand out."""
    x = np.arange(size)
    stripes = 128 + 60 * np.sin(x / 3.0 + rng.uniform(0, 0.3))[None, :, None]
    noise = rng.normal(0, 6, (size, size, 3))
    return np.clip(stripes + noise, 0, 255).astype(np.uint8)


def with_defect(image: np.ndarray, rng: np.random.Generator) -> tuple[np.ndarray, np.ndarray]:
    size = image.shape[0]
    mask = np.zeros(image.shape[:2], dtype=bool)
    y, x = rng.integers(8, size - 24, size=2)
    mask[y : y + 14, x : x + 14] = True
    out = image.copy()
    out[mask] = [230, 40, 40]
    return out, mask


def write_mvtec_tree(root: Path, category: str = "cat", seed: int = 0) -> Path:
    """root/category in MVTec layout: 10 train normals, 3 test normals, 3 'dent' anomalies +
    masks; returns root."""
    rng = np.random.default_rng(seed)
    base = root / category
    for i in range(10):
        write_image(base / "train" / "good" / f"{i:03d}.png", textured(rng))
    for i in range(3):
        write_image(base / "test" / "good" / f"{i:03d}.png", textured(rng))
        image, mask = with_defect(textured(rng), rng)
        write_image(base / "test" / "dent" / f"{i:03d}.png", image)
        write_image(
            base / "ground_truth" / "dent" / f"{i:03d}_mask.png", mask.astype(np.uint8) * 255
        )
    return root
