"""Turning one photo into many camera shots that differ like real captures, never copies.

A shot is a square view of the photo (a random crop for a texture, the fixed view for an object),
moved, scaled and rotated a little, then given its own exposure, contrast and white balance and
mild sensor noise. The photo is resized once per image size so that a view maps about 1:1 onto
the output pixels; the jittered view is sampled bilinearly (vectorised, no Python pixel loops).
"""

from __future__ import annotations

import functools

import numpy as np
from PIL import Image
from scipy import ndimage

from adbench.data.realphotos.sources import OBJECT, PHOTO_SOURCES, is_grayscale, load_photo

# --- Geometric jitter per shot.
TEXTURE_SCALE = (0.9, 1.1)  # view side relative to the nominal one
TEXTURE_ROTATION_DEG = 8.0  # uniform in +-this
OBJECT_SCALE = (0.96, 1.04)
OBJECT_ROTATION_DEG = 3.0
OBJECT_SHIFT = 0.03  # uniform translation in +-this fraction of the view side, per axis

# --- Photometric jitter per shot (multiplicative, around 1) and sensor noise (0..1 scale).
EXPOSURE_SIGMA = 0.05  # global brightness gain
CONTRAST_SIGMA = 0.06  # gain around the shot's mean
WHITE_BALANCE_SIGMA = 0.025  # per-channel gain, colour photos only
NOISE_SIGMA = (0.004, 0.012)  # luminance noise level, drawn per shot
CHROMA_NOISE_RATIO = 0.35  # per-channel noise relative to luminance noise, colour photos only
JITTER_CLIP = 2.5  # Gaussian jitters are clipped at this many sigmas

FloatImage = np.ndarray  # (H, W, 3) float32 in [0, 1]


def render_shot(category: str, rng: np.random.Generator, image_size: int) -> np.ndarray:
    """One (image_size, image_size, 3) uint8 shot of the category's photo, drawn from rng."""
    photo, grayscale = _prepared_photo(category, image_size)
    view = _jittered_view(photo, category, rng, image_size)
    view = _photometric_jitter(view, rng, grayscale)
    view = view + _sensor_noise(rng, image_size, grayscale)
    return np.rint(np.clip(view, 0.0, 1.0) * 255.0).astype(np.uint8)


@functools.lru_cache(maxsize=4)
def _prepared_photo(category: str, image_size: int) -> tuple[FloatImage, bool]:
    """The photo resized so that a nominal view is image_size pixels wide, as float32."""
    source = PHOTO_SOURCES[category]
    photo = load_photo(category)
    height, width = photo.shape[:2]
    factor = image_size / (source.side * min(height, width))
    size = (max(1, round(width * factor)), max(1, round(height * factor)))
    resized = Image.fromarray(photo).resize(size, Image.Resampling.LANCZOS)
    array = np.asarray(resized, dtype=np.float32) / 255.0
    array.flags.writeable = False
    return array, is_grayscale(photo)


def _jittered_view(
    photo: FloatImage, category: str, rng: np.random.Generator, size: int
) -> FloatImage:
    source = PHOTO_SOURCES[category]
    height, width = photo.shape[:2]
    top, left, bottom, right = source.centre_box
    if source.kind == OBJECT:
        scale = rng.uniform(*OBJECT_SCALE)
        angle = np.deg2rad(rng.uniform(-OBJECT_ROTATION_DEG, OBJECT_ROTATION_DEG))
        shift = rng.uniform(-OBJECT_SHIFT, OBJECT_SHIFT, 2) * size
        centre = np.array([(top + bottom) / 2 * height, (left + right) / 2 * width]) + shift
    else:
        scale = rng.uniform(*TEXTURE_SCALE)
        angle = np.deg2rad(rng.uniform(-TEXTURE_ROTATION_DEG, TEXTURE_ROTATION_DEG))
        reach = scale * size / 2 * (abs(np.cos(angle)) + abs(np.sin(angle)))
        y = _uniform_inside(rng, top * height, bottom * height, reach, height - reach)
        x = _uniform_inside(rng, left * width, right * width, reach, width - reach)
        centre = np.array([y, x])
    return _sample_view(photo, centre - 0.5, scale, angle, size)


def _uniform_inside(
    rng: np.random.Generator, low: float, high: float, floor: float, ceiling: float
) -> float:
    """Uniform in [low, high] narrowed to [floor, ceiling] (the midpoint of the latter if empty)."""
    low, high = max(low, floor), min(high, ceiling)
    if low > high:
        return (floor + ceiling) / 2
    return float(rng.uniform(low, high))


def _sample_view(
    photo: FloatImage, centre: np.ndarray, scale: float, angle: float, size: int
) -> FloatImage:
    """Bilinear samples of a rotated, scaled square of photo around centre (pixel indices)."""
    offsets = (np.arange(size, dtype=np.float64) - (size - 1) / 2) * scale
    v, u = np.meshgrid(offsets, offsets, indexing="ij")
    cos, sin = np.cos(angle), np.sin(angle)
    coords = np.stack([centre[0] + cos * v - sin * u, centre[1] + sin * v + cos * u])
    channels = [
        ndimage.map_coordinates(photo[..., c], coords, order=1, mode="mirror") for c in range(3)
    ]
    return np.stack(channels, axis=-1)


def _photometric_jitter(view: FloatImage, rng: np.random.Generator, grayscale: bool) -> FloatImage:
    exposure = 1.0 + _clipped_normal(rng, EXPOSURE_SIGMA)
    contrast = 1.0 + _clipped_normal(rng, CONTRAST_SIGMA)
    balance = 1.0 + _clipped_normal(rng, WHITE_BALANCE_SIGMA, 3)
    if grayscale:
        balance[:] = 1.0
    mean = view.mean()
    return ((view - mean) * contrast + mean) * (exposure * balance).astype(np.float32)


def _sensor_noise(rng: np.random.Generator, size: int, grayscale: bool) -> FloatImage:
    sigma = rng.uniform(*NOISE_SIGMA)
    noise = rng.normal(0.0, sigma, (size, size, 1)).astype(np.float32)
    if grayscale:
        return np.repeat(noise, 3, axis=-1)
    chroma = rng.normal(0.0, sigma * CHROMA_NOISE_RATIO, (size, size, 3)).astype(np.float32)
    return noise + chroma


def _clipped_normal(rng: np.random.Generator, sigma: float, n: int | None = None) -> np.ndarray:
    return np.clip(rng.normal(0.0, sigma, n), -JITTER_CLIP * sigma, JITTER_CLIP * sigma)
