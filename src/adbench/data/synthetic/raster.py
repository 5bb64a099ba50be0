"""Drawing primitives of the synthetic set: float images and fields on a pixel grid, smooth
noise, soft coverage, blending, colours, sensor noise."""

from __future__ import annotations

import functools

import numpy as np
from scipy import ndimage

# --- Normal variation and mask rules.
SENSOR_NOISE_SIGMA = 0.010  # per-pixel Gaussian noise (mostly luminance), on a 0..1 scale


LIGHT_ANGLE = -0.75 * np.pi  # light from the top left (image y axis points down)


FloatImage = np.ndarray  # (H, W, 3) float64 in [0, 1]


Field = np.ndarray  # (H, W) float64


def _to_uint8(image: FloatImage) -> np.ndarray:
    return np.rint(np.clip(image, 0.0, 1.0) * 255.0).astype(np.uint8)


def _sensor_noise(rng: np.random.Generator, size: int) -> FloatImage:
    luminance = rng.normal(0.0, SENSOR_NOISE_SIGMA, (size, size, 1))
    chroma = rng.normal(0.0, SENSOR_NOISE_SIGMA / 3, (size, size, 3))
    return luminance + chroma


@functools.lru_cache(maxsize=8)
def _pixel_grid(size: int) -> tuple[Field, Field]:
    """Pixel-centre coordinates (y, x), read-only."""
    ys, xs = np.mgrid[0:size, 0:size].astype(np.float64) + 0.5
    ys.flags.writeable = False
    xs.flags.writeable = False
    return ys, xs


def _local_coords(size: int, centre: np.ndarray, angle: float) -> tuple[Field, Field]:
    """Coordinates (u, v) of every pixel in a frame centred at centre and rotated by angle."""
    ys, xs = _pixel_grid(size)
    dy, dx = ys - centre[0], xs - centre[1]
    cos, sin = np.cos(angle), np.sin(angle)
    return cos * dx + sin * dy, -sin * dx + cos * dy


def _polar(size: int, centre: np.ndarray) -> tuple[Field, Field, Field, Field]:
    """(dy, dx, distance, angle) of every pixel relative to centre."""
    ys, xs = _pixel_grid(size)
    dy, dx = ys - centre[0], xs - centre[1]
    return dy, dx, np.hypot(dy, dx), np.arctan2(dy, dx)


def _smooth_noise(rng: np.random.Generator, size: int, sigma: float | tuple[float, float]) -> Field:
    """Gaussian-filtered white noise with unit standard deviation (periodic).

    Wide filters run on a coarser grid (a step of about a third of sigma per axis), then the
    result is upsampled bilinearly: the same look at a fraction of the cost.
    """
    sigmas = np.broadcast_to(np.asarray(sigma, dtype=np.float64), (2,))
    steps = np.maximum(1, (sigmas // 3).astype(np.int64))
    coarse_shape = tuple(int(n) for n in -(-size // steps))
    field = ndimage.gaussian_filter(rng.standard_normal(coarse_shape), sigmas / steps, mode="wrap")
    if (steps > 1).any():
        field = ndimage.zoom(field, steps, order=1)[:size, :size]
    return field / (field.std() + 1e-12)


def _coverage(signed_distance: Field) -> Field:
    """Anti-aliased inside-ness of a shape given its signed distance in pixels (negative inside)."""
    return np.clip(0.5 - signed_distance, 0.0, 1.0)


def _smoothstep(low: float, high: float, x: Field) -> Field:
    t = np.clip((x - low) / (high - low), 0.0, 1.0)
    return t * t * (3.0 - 2.0 * t)


def _blend(base: FloatImage, top: FloatImage | np.ndarray, weight: Field) -> FloatImage:
    return base + (np.asarray(top) - base) * weight[..., None]


def _colour(rgb: tuple[float, float, float]) -> np.ndarray:
    return np.array(rgb, dtype=np.float64)
