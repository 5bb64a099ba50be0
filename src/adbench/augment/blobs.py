"""Synthetic anomalies for validation: an irregular blob filled with foreign content.

They range from faint to obvious (size, opacity and contrast are drawn per sample), so that a
validation AUROC does not sit at 1.0 for every setting: model selection and searches need a
metric that can still tell settings apart.
"""

from __future__ import annotations

import numpy as np
from scipy import ndimage


def blob_mask(shape: tuple[int, int], rng: np.random.Generator) -> np.ndarray:
    """An irregular, connected-looking blob covering roughly 0.2-6% of the image."""
    height, width = shape
    noise = ndimage.gaussian_filter(rng.standard_normal(shape), sigma=min(shape) / 24)
    yy, xx = np.mgrid[0:height, 0:width]
    cy, cx = rng.uniform(0.2, 0.8) * height, rng.uniform(0.2, 0.8) * width
    ry, rx = rng.uniform(0.03, 0.15, size=2) * np.array([height, width])
    ellipse = ((yy - cy) / ry) ** 2 + ((xx - cx) / rx) ** 2
    mask = ellipse + 0.6 * noise / (noise.std() + 1e-8) < 1.0
    if not mask.any():
        mask[int(cy), int(cx)] = True
    return mask


def foreign_content(image: np.ndarray, rng: np.random.Generator) -> np.ndarray:
    """Content that does not belong: the image itself rotated and re-coloured, or smooth noise
    around the image's own brightness."""
    if rng.random() < 0.5:
        rotated = np.rot90(image, k=int(rng.integers(1, 4)))[: image.shape[0], : image.shape[1]]
        if rotated.shape != image.shape:
            rotated = image[::-1, ::-1]
        shift = rng.uniform(-40, 40, size=3)
        return np.clip(rotated.astype(np.float32) + shift, 0, 255)
    smooth = ndimage.gaussian_filter(rng.uniform(0, 255, image.shape), sigma=(2, 2, 0))
    contrast = rng.uniform(1.0, 4.0)
    brightness = image.mean() + rng.uniform(-50, 50)
    return np.clip((smooth - smooth.mean()) * contrast + brightness, 0, 255)


def add_blob_anomaly(image: np.ndarray, rng: np.random.Generator) -> tuple[np.ndarray, np.ndarray]:
    """Blend foreign content into a blob of an HxWx3 uint8 image; returns (image, bool mask)."""
    mask = blob_mask(image.shape[:2], rng)
    alpha = rng.uniform(0.3, 1.0)
    content = foreign_content(image, rng)
    out = image.astype(np.float32)
    out[mask] = (1 - alpha) * out[mask] + alpha * content[mask]
    return out.round().astype(np.uint8), mask
