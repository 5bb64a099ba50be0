"""Where a validation anomaly goes: soft region weights (HxW float in [0, 1]) of a few shapes."""

from __future__ import annotations

import cv2
import numpy as np

from adbench.synthesis.perlin import perlin_noise

Box = tuple[int, int, int, int]  # top, left, height, width


def random_box(shape: tuple[int, int], rng: np.random.Generator, side: tuple[float, float]) -> Box:
    """A box whose sides are fractions `side` of the image's, inside a 2-pixel margin."""
    height, width = shape
    box_h = int(np.clip(rng.uniform(*side) * height, 2, height - 4))
    box_w = int(np.clip(rng.uniform(*side) * width * rng.uniform(0.5, 2.0), 2, width - 4))
    top = int(rng.integers(2, height - box_h - 1))
    left = int(rng.integers(2, width - box_w - 1))
    return top, left, box_h, box_w


def box_weight(shape: tuple[int, int], box: Box) -> np.ndarray:
    top, left, box_h, box_w = box
    weight = np.zeros(shape, np.float32)
    weight[top : top + box_h, left : left + box_w] = 1.0
    return weight


def ellipse_weight(
    shape: tuple[int, int], rng: np.random.Generator, radius: tuple[float, float]
) -> np.ndarray:
    """A soft-edged, slightly irregular ellipse; radii are fractions of the shorter side."""
    height, width = shape
    yy, xx = np.mgrid[0:height, 0:width].astype(np.float32)
    cy, cx = rng.uniform(0.15, 0.85) * height, rng.uniform(0.15, 0.85) * width
    ry, rx = np.maximum(rng.uniform(*radius, size=2) * min(shape), 1.5)
    angle = rng.uniform(0, np.pi)
    dy, dx = yy - cy, xx - cx
    u = (dy * np.cos(angle) + dx * np.sin(angle)) / ry
    v = (-dy * np.sin(angle) + dx * np.cos(angle)) / rx
    wobble = 0.15 * perlin_noise(shape, (4, 4), rng)
    distance = np.sqrt(u**2 + v**2) + wobble
    return np.clip((1.15 - distance) / 0.3, 0, 1).astype(np.float32)


def perlin_weight(
    shape: tuple[int, int], rng: np.random.Generator, radius: tuple[float, float]
) -> np.ndarray:
    """A Perlin-shaped region (noise above a threshold) confined to a soft ellipse window."""
    cells = int(rng.integers(3, 9))
    noise = perlin_noise(shape, (cells, cells), rng)
    window = ellipse_weight(shape, rng, radius)
    return (window * np.clip((noise + 0.1) / 0.2, 0, 1)).astype(np.float32)


def stroke_weight(
    shape: tuple[int, int], rng: np.random.Generator, length: float, width_px: float
) -> np.ndarray:
    """A thin smooth curve (quadratic Bezier) of `length` (fraction of the side), anti-aliased."""
    height, width = shape
    side = min(shape)
    start = rng.uniform([0.1 * height, 0.1 * width], [0.9 * height, 0.9 * width])
    angle = rng.uniform(0, 2 * np.pi)
    end = start + length * side * np.array([np.sin(angle), np.cos(angle)])
    bend = (start + end) / 2 + rng.normal(0, 0.15 * length * side, 2)
    t = np.linspace(0, 1, 64)[:, None]
    points = (1 - t) ** 2 * start + 2 * (1 - t) * t * bend + t**2 * end
    canvas = np.zeros((height * 4, width * 4), np.uint8)  # drawn at 4x, then averaged down
    polyline = np.round(points[:, ::-1] * 4).astype(np.int32)
    cv2.polylines(canvas, [polyline], False, 255, max(1, round(width_px * 4)), cv2.LINE_AA)
    small = cv2.resize(canvas, (width, height), interpolation=cv2.INTER_AREA)
    return small.astype(np.float32) / 255.0
