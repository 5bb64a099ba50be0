"""Perlin noise and the thresholded, rotated Perlin masks that shape DRAEM's anomalies."""

from __future__ import annotations

import numpy as np
from scipy import ndimage


def _fade(t: np.ndarray) -> np.ndarray:
    return 6 * t**5 - 15 * t**4 + 10 * t**3


def perlin_noise(
    shape: tuple[int, int], resolution: tuple[int, int], rng: np.random.Generator
) -> np.ndarray:
    """2-D gradient noise of `shape` with `resolution` lattice cells per axis, roughly in [-1, 1].

    Any shape works (the lattice need not divide it): pixel coordinates are mapped onto the
    lattice, each pixel blends the dot products of its cell's four corner gradients. The noise
    is 0 on lattice points, so a lattice as fine as the pixel grid gives none.
    """
    height, width = shape
    cells_y, cells_x = resolution
    angles = rng.uniform(0, 2 * np.pi, (cells_y + 1, cells_x + 1))
    gradients = np.stack([np.cos(angles), np.sin(angles)], axis=-1)
    y = np.arange(height) * (cells_y / height)
    x = np.arange(width) * (cells_x / width)
    iy, ix = y.astype(int), x.astype(int)
    fy, fx = (y - iy)[:, None], (x - ix)[None, :]

    def corner(dy: int, dx: int) -> np.ndarray:
        g = gradients[iy[:, None] + dy, ix[None, :] + dx]
        return g[..., 0] * (fy - dy) + g[..., 1] * (fx - dx)

    ty, tx = _fade(fy), _fade(fx)
    top = corner(0, 0) + tx * (corner(0, 1) - corner(0, 0))
    bottom = corner(1, 0) + tx * (corner(1, 1) - corner(1, 0))
    return np.sqrt(2) * (top + ty * (bottom - top))


def perlin_mask(
    shape: tuple[int, int],
    rng: np.random.Generator,
    scale_exponents: tuple[int, int] = (0, 6),
    threshold: float = 0.5,
    max_rotation: float = 90.0,
) -> np.ndarray:
    """DRAEM's anomaly shape: Perlin noise of scale 2^[low, high) per axis, rotated, > threshold.

    Returns an HxW bool mask (possibly empty: then the sample stays clean).
    """
    low, high = scale_exponents
    resolution = (2 ** int(rng.integers(low, high)), 2 ** int(rng.integers(low, high)))
    noise = perlin_noise(shape, resolution, rng)
    angle = rng.uniform(-max_rotation, max_rotation)
    noise = ndimage.rotate(noise, angle, reshape=False, order=1, mode="constant", cval=0.0)
    return noise > threshold
