"""Validation anomalies that look like real defects, at every strength from invisible to obvious.

Each held-out normal gets one of VALIDATION_KINDS at a strength s ~ U(STRENGTH_RANGE): the kind's
knobs (size, opacity, contrast, blur) grow with s. Faint ones are hard or impossible to see, so
the validation AUROC does not sit at 1.0 and can still rank settings. The mask holds the pixels
the anomaly changed by at least MIN_PIXEL_CHANGE; a draw that changes too little is redrawn.
"""

from __future__ import annotations

from collections.abc import Callable

import cv2
import numpy as np

from adbench.synthesis.regions import (
    box_weight,
    ellipse_weight,
    perlin_weight,
    random_box,
    stroke_weight,
)

FloatImage = np.ndarray  # HxWx3 float32 in [0, 1]
# (image, generator, strength in [0, 1]) -> (changed image, region weight HxW in [0, 1])
Kind = Callable[[FloatImage, np.random.Generator, float], tuple[FloatImage, np.ndarray]]

STRENGTH_RANGE = (0.0, 1.0)
MIN_PIXEL_CHANGE = 3 / 255  # a pixel is in the mask where some channel moved this much
MIN_MASK_PIXELS = 8
MAX_DRAWS = 8
REGION_RADIUS_SMALLEST = (0.03, 0.08)  # radius range at strength 0 ...
REGION_RADIUS_LARGEST = (0.08, 0.2)  # ... and at strength 1


def _lerp(bounds: tuple[float, float], strength: float) -> float:
    low, high = bounds
    return low + (high - low) * strength


def _region_radius(strength: float) -> tuple[float, float]:
    """Radius range (fractions of the shorter side) of a region anomaly: larger when stronger."""
    return _lerp(REGION_RADIUS_SMALLEST, strength), _lerp(REGION_RADIUS_LARGEST, strength)


def _blend(image: FloatImage, content: FloatImage, weight: np.ndarray) -> FloatImage:
    return image + (content - image) * weight[..., None]


def cut_paste(image: FloatImage, rng: np.random.Generator, strength: float):
    """A patch of the same image pasted elsewhere (CutPaste), seamlessly (Poisson, NSA-style)
    or plainly, at an opacity that grows with strength."""
    shape = image.shape[:2]
    side = (_lerp((0.04, 0.12), strength), _lerp((0.08, 0.25), strength))
    target = random_box(shape, rng, side)
    top, left, box_h, box_w = target
    src_top = int(rng.integers(0, shape[0] - box_h + 1))
    src_left = int(rng.integers(0, shape[1] - box_w + 1))
    patch = image[src_top : src_top + box_h, src_left : src_left + box_w]
    if rng.random() < 0.5:
        patch = patch[::-1] if rng.random() < 0.5 else patch[:, ::-1]
    pasted = image.copy()
    pasted[top : top + box_h, left : left + box_w] = patch
    weight = box_weight(shape, target)
    if rng.random() < 0.5:  # seamless: Poisson blending keeps the patch's gradients only
        source, destination = (np.clip(a * 255, 0, 255).astype(np.uint8) for a in (pasted, image))
        centre = (left + box_w // 2, top + box_h // 2)
        mask = (weight * 255).astype(np.uint8)
        cloned = cv2.seamlessClone(source, destination, mask, centre, cv2.NORMAL_CLONE)
        pasted = cloned.astype(np.float32) / 255.0
    return _blend(image, pasted, weight * _lerp((0.25, 1.0), strength)), weight


def texture_swap(image: FloatImage, rng: np.random.Generator, strength: float):
    """A Perlin-shaped region filled with the image's own texture from elsewhere, turned."""
    shape = image.shape[:2]
    weight = perlin_weight(shape, rng, _region_radius(strength))
    offset = rng.integers(shape[0] // 4, 3 * shape[0] // 4), rng.integers(0, shape[1])
    content = np.roll(image, offset, axis=(0, 1))
    if shape[0] == shape[1]:
        content = np.rot90(content, k=int(rng.integers(1, 4)))
    return _blend(image, content, weight * _lerp((0.2, 1.0), strength)), weight


def scratch(image: FloatImage, rng: np.random.Generator, strength: float):
    """A thin, smooth, lighter or darker curve."""
    shape = image.shape[:2]
    length = _lerp((0.08, 0.5), strength) * rng.uniform(0.6, 1.0)
    width_px = _lerp((0.6, 1.5), strength) * max(1.0, min(shape) / 128)
    weight = stroke_weight(shape, rng, length, width_px)
    colour = 1.0 if rng.random() < 0.5 else 0.0
    content = np.full_like(image, colour)
    return _blend(image, content, weight * _lerp((0.08, 0.8), strength)), weight


def local_blur(image: FloatImage, rng: np.random.Generator, strength: float):
    """A soft region out of focus (a smudge, a film, a lens defect)."""
    shape = image.shape[:2]
    weight = ellipse_weight(shape, rng, _region_radius(strength))
    sigma = _lerp((0.6, 4.0), strength) * max(1.0, min(shape) / 128)
    blurred = cv2.GaussianBlur(image, (0, 0), sigma)
    return _blend(image, blurred, weight), weight


def colour_shift(image: FloatImage, rng: np.random.Generator, strength: float):
    """A region lighter, darker or tinted (discolouration, stain without texture)."""
    shape = image.shape[:2]
    weight = ellipse_weight(shape, rng, _region_radius(strength))
    magnitude = _lerp((0.02, 0.3), strength)
    direction = rng.choice([-1.0, 1.0]) * (0.6 + 0.4 * rng.uniform(-1, 1, 3))
    content = np.clip(image + magnitude * direction.astype(np.float32), 0, 1)
    return _blend(image, content, weight), weight


def hole(image: FloatImage, rng: np.random.Generator, strength: float):
    """A small dark pit with a lit rim (a puncture, a missing bit of material)."""
    shape = image.shape[:2]
    radius = _lerp((0.012, 0.05), strength)
    weight = ellipse_weight(shape, rng, (radius * 0.7, radius))
    depth = _lerp((0.1, 0.9), strength)
    shaded = image * (1 - depth * weight[..., None])
    rim = np.clip(weight - cv2.GaussianBlur(weight, (0, 0), 1.0), 0, 1) * depth * 0.5
    return np.clip(shaded + rim[..., None], 0, 1), np.maximum(weight, rim > 0.02)


VALIDATION_KINDS: dict[str, Kind] = {
    "cut_paste": cut_paste,
    "texture_swap": texture_swap,
    "scratch": scratch,
    "local_blur": local_blur,
    "colour_shift": colour_shift,
    "hole": hole,
}


def add_validation_anomaly(
    image: np.ndarray, rng: np.random.Generator, kinds: tuple[str, ...] = tuple(VALIDATION_KINDS)
) -> tuple[np.ndarray, np.ndarray]:
    """One anomaly of a random kind and strength on an HxWx3 uint8 image.

    Returns (uint8 image, bool mask of the changed pixels); outside the mask the image is
    unchanged. A draw that changes fewer than MIN_MASK_PIXELS pixels is redrawn, at most
    MAX_DRAWS times (the last draw is kept at full strength).
    """
    original = image.astype(np.float32) / 255.0
    for attempt in range(MAX_DRAWS):
        kind = VALIDATION_KINDS[kinds[int(rng.integers(len(kinds)))]]
        strength = rng.uniform(*STRENGTH_RANGE) if attempt < MAX_DRAWS - 1 else 1.0
        changed, weight = kind(original, rng, float(strength))
        changed = np.clip(changed, 0, 1)
        mask = (weight > 0) & (np.abs(changed - original).max(axis=2) >= MIN_PIXEL_CHANGE)
        if mask.sum() >= MIN_MASK_PIXELS:
            break
    out = image.copy()
    out[mask] = np.round(changed[mask] * 255).astype(np.uint8)
    return out, mask
