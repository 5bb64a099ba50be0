"""DRAEM's random appearance changes of the anomaly source: three of ten operations per sample
(gamma, brightness, sharpness, hue/saturation, solarize, posterize, invert, autocontrast,
equalize, rotation), as in the paper's imgaug pipeline, on HxWx3 uint8 arrays."""

from __future__ import annotations

from collections.abc import Callable

import numpy as np
from PIL import Image, ImageEnhance, ImageOps

Operation = Callable[[np.ndarray, np.random.Generator], np.ndarray]


def _gamma(image: np.ndarray, rng: np.random.Generator) -> np.ndarray:
    gamma = rng.uniform(0.5, 2.0, size=3)  # per channel
    return (255 * (image / 255.0) ** gamma).astype(np.uint8)


def _brightness(image: np.ndarray, rng: np.random.Generator) -> np.ndarray:
    out = image * rng.uniform(0.8, 1.2) + rng.uniform(-30, 30)
    return np.clip(out, 0, 255).astype(np.uint8)


def _sharpness(image: np.ndarray, rng: np.random.Generator) -> np.ndarray:
    enhanced = ImageEnhance.Sharpness(Image.fromarray(image)).enhance(rng.uniform(0.0, 2.0))
    return np.asarray(enhanced)


def _hue_saturation(image: np.ndarray, rng: np.random.Generator) -> np.ndarray:
    hsv = np.asarray(Image.fromarray(image).convert("HSV")).astype(int)
    hue_shift, saturation_shift = rng.integers(-50, 51, size=2)
    hsv[..., 0] = (hsv[..., 0] + hue_shift) % 256
    hsv[..., 1] = np.clip(hsv[..., 1] + saturation_shift, 0, 255)
    return np.asarray(Image.fromarray(hsv.astype(np.uint8), "HSV").convert("RGB"))


def _solarize(image: np.ndarray, rng: np.random.Generator) -> np.ndarray:
    if rng.random() < 0.5:
        return image
    threshold = rng.uniform(32, 128)
    return np.where(image >= threshold, 255 - image, image).astype(np.uint8)


def _posterize(image: np.ndarray, rng: np.random.Generator) -> np.ndarray:
    bits = int(rng.integers(1, 9))
    return np.asarray(ImageOps.posterize(Image.fromarray(image), bits))


def _invert(image: np.ndarray, rng: np.random.Generator) -> np.ndarray:
    return 255 - image


def _autocontrast(image: np.ndarray, rng: np.random.Generator) -> np.ndarray:
    return np.asarray(ImageOps.autocontrast(Image.fromarray(image)))


def _equalize(image: np.ndarray, rng: np.random.Generator) -> np.ndarray:
    return np.asarray(ImageOps.equalize(Image.fromarray(image)))


def _rotate(image: np.ndarray, rng: np.random.Generator) -> np.ndarray:
    rotated = Image.fromarray(image).rotate(rng.uniform(-45, 45), resample=Image.BILINEAR)
    return np.asarray(rotated)


OPERATIONS: tuple[Operation, ...] = (
    _gamma,
    _brightness,
    _sharpness,
    _hue_saturation,
    _solarize,
    _posterize,
    _invert,
    _autocontrast,
    _equalize,
    _rotate,
)


def random_appearance(image: np.ndarray, rng: np.random.Generator, n_ops: int = 3) -> np.ndarray:
    """Apply `n_ops` distinct operations, chosen and parameterised by `rng`, in random order."""
    chosen = rng.choice(len(OPERATIONS), size=min(n_ops, len(OPERATIONS)), replace=False)
    out = np.ascontiguousarray(image, dtype=np.uint8)
    for index in chosen:
        out = np.ascontiguousarray(OPERATIONS[int(index)](out, rng), dtype=np.uint8)
    return out
