"""The defects painted on synthetic test images (DEFECT_TYPES) and how hard they are: each image
draws a severity t ~ U(SEVERITY_RANGE); every knob below is interpolated low -> high at t plus
N(0, SEVERITY_JITTER), so small defects tend to be faint and large ones strong. Masks cover
exactly where a defect was drawn."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass

import numpy as np
from scipy import ndimage
from scipy.spatial import cKDTree

from adbench.data.synthetic.categories import _grain_pattern, _weave_pattern
from adbench.data.synthetic.raster import (
    LIGHT_ANGLE,
    Field,
    FloatImage,
    _blend,
    _colour,
    _coverage,
    _pixel_grid,
    _polar,
    _smooth_noise,
    _smoothstep,
)

# --- Difficulty. Each defect image draws severity t ~ U(SEVERITY_RANGE); every knob below is
# interpolated low -> high at t plus N(0, SEVERITY_JITTER) (clipped to [0, 1]), so small defects
# tend to be faint (subtle) and large ones strong (obvious). Sizes are fractions of the image side.
SEVERITY_RANGE = (0.15, 1.0)


SEVERITY_JITTER = 0.15


SCRATCH_LENGTH = (0.08, 0.45)  # curve length


SCRATCH_HALF_WIDTH = (0.0025, 0.009)  # floored at 0.5 px


SCRATCH_CONTRAST = (0.20, 0.85)  # blend weight toward near-white or near-black


HOLE_RADIUS = (0.012, 0.06)  # floored at 1.5 px


HOLE_DEPTH = (0.25, 0.95)  # darkening of the hole floor


STAIN_RADIUS = (0.035, 0.13)


STAIN_ALPHA = (0.10, 0.60)  # peak blend weight of the stain colour


FOREIGN_RADIUS = (0.02, 0.10)


FOREIGN_CONTRAST = (0.05, 1.0)  # 0: patch matched to local colour and flattened, 1: as rendered


DEFORMATION_RADIUS = (0.06, 0.15)


DEFORMATION_SHIFT = (0.008, 0.045)  # peak displacement, floored at 1 px


MASK_WEIGHT_MIN = 0.2  # a pixel belongs to the mask where the defect's weight reaches this


DEFORMATION_MASK_MIN_PX = 0.5  # ... or, for deformation, where the displacement reaches this


MIN_MASK_PIXELS = 6


MIN_MEAN_CHANGE = 1.5 / 255  # a drawn defect must change its mask by this much on average


PLACEMENT_MARGIN = 0.08  # defect centres keep this far from the image border


STAIN_COLOURS = (
    (0.42, 0.28, 0.12),  # coffee
    (0.55, 0.25, 0.08),  # rust
    (0.12, 0.12, 0.16),  # oil
    (0.30, 0.38, 0.55),  # ink
    (0.93, 0.92, 0.86),  # residue
    (0.35, 0.45, 0.20),  # mould
)


@dataclass(frozen=True)
class Stroke:
    """Where and how strongly one defect is drawn."""

    centre: np.ndarray  # (y, x) in pixels
    severity: float  # in [0, 1]


Painter = Callable[
    [FloatImage, Field, Stroke, np.random.Generator, str], tuple[FloatImage, np.ndarray]
]


def _paint_defect(
    defect: str, base: FloatImage, foreground: Field, rng: np.random.Generator, category: str
) -> tuple[FloatImage, np.ndarray]:
    """Paint one defect; returns (image with the defect inside the mask, bool mask).

    Redraws (deterministically) until the defect covers at least MIN_MASK_PIXELS and changes
    them by MIN_MEAN_CHANGE on average; later attempts are forced to full severity.
    """
    painter = _PAINTERS[defect]
    severity = rng.uniform(*SEVERITY_RANGE)
    for attempt in range(12):
        stroke = Stroke(_defect_centre(defect, base, foreground, rng), severity)
        painted, mask = painter(base, foreground, stroke, rng, category)
        if _is_visible(base, painted, mask):
            return painted, mask
        if attempt >= 5:
            severity = 1.0
    raise RuntimeError(f"could not draw a visible {defect} defect on {category}")


def _is_visible(base: FloatImage, painted: FloatImage, mask: np.ndarray) -> bool:
    if mask.sum() < MIN_MASK_PIXELS:
        return False
    change = np.abs(np.clip(painted, 0, 1) - np.clip(base, 0, 1)).max(axis=2)
    return float(change[mask].mean()) >= MIN_MEAN_CHANGE


def _defect_centre(
    defect: str, base: FloatImage, foreground: Field, rng: np.random.Generator
) -> np.ndarray:
    """A random defect centre on the part, away from the border; deformations seek structure."""
    size = base.shape[0]
    weights = ndimage.binary_erosion(foreground > 0.99, iterations=2).astype(np.float64)
    margin = max(1, int(PLACEMENT_MARGIN * size))
    weights[:margin], weights[-margin:], weights[:, :margin], weights[:, -margin:] = 0, 0, 0, 0
    if defect == "deformation":
        edges = np.hypot(*np.gradient(base.mean(axis=2)))
        weights = weights * (ndimage.gaussian_filter(edges, 0.03 * size) + 1e-3)
    if weights.sum() <= 0:
        weights = np.ones_like(weights)
    flat = rng.choice(weights.size, p=(weights / weights.sum()).ravel())
    return np.array(divmod(int(flat), size), dtype=np.float64) + rng.uniform(0, 1, 2)


def _knob(bounds: tuple[float, float], severity: float, rng: np.random.Generator) -> float:
    """Interpolate bounds at severity plus a little independent jitter."""
    t = float(np.clip(severity + rng.normal(0.0, SEVERITY_JITTER), 0.0, 1.0))
    return bounds[0] + (bounds[1] - bounds[0]) * t


def _composite(
    base: FloatImage, top: FloatImage | np.ndarray, weight: Field, strength: float = 1.0
) -> tuple[FloatImage, np.ndarray]:
    """Blend top over base by strength * weight; the mask is where weight >= MASK_WEIGHT_MIN."""
    mask = weight >= MASK_WEIGHT_MIN
    return np.where(mask[..., None], _blend(base, top, strength * weight), base), mask


def _irregular_radius(
    rng: np.random.Generator, angle: Field, radius: float, roughness: float
) -> Field:
    """radius modulated by a few random low harmonics of the polar angle."""
    harmonics = np.arange(2, 6)[:, None, None]
    amplitudes = rng.uniform(0.0, roughness, 4)[:, None, None] / (harmonics / 2)
    phases = rng.uniform(0.0, 2 * np.pi, 4)[:, None, None]
    return radius * (1.0 + np.sum(amplitudes * np.cos(harmonics * angle + phases), axis=0))


def _paint_scratch(
    base: FloatImage, foreground: Field, stroke: Stroke, rng: np.random.Generator, category: str
) -> tuple[FloatImage, np.ndarray]:
    """A thin curved bright or dark line, tapering at both ends."""
    size = base.shape[0]
    length = _knob(SCRATCH_LENGTH, stroke.severity, rng) * size
    half_width = max(0.5, _knob(SCRATCH_HALF_WIDTH, stroke.severity, rng) * size)
    contrast = _knob(SCRATCH_CONTRAST, stroke.severity, rng)
    n_points = max(16, int(4 * length))
    along = np.linspace(0.0, 1.0, n_points)
    heading = rng.uniform(0.0, 2 * np.pi) + rng.normal(0.0, 0.8) * (along - 0.5)
    heading = heading + 0.1 * np.sin(2 * np.pi * rng.uniform(0.5, 2.0) * along)
    steps = np.stack([np.sin(heading), np.cos(heading)], axis=1) * (length / n_points)
    path = np.cumsum(steps, axis=0)
    path = path - path[n_points // 2] + stroke.centre
    widths = half_width * (0.4 + 0.6 * np.sin(np.pi * along) ** 0.5)
    distance, nearest = cKDTree(path).query(np.stack(_pixel_grid(size), axis=-1).reshape(-1, 2))
    line = np.clip(widths[nearest] + 0.5 - distance, 0.0, 1.0).reshape(size, size)
    ink = _colour((0.97, 0.97, 0.95)) if rng.random() < 0.5 else _colour((0.03, 0.03, 0.04))
    return _composite(base, ink, line * foreground, strength=contrast)


def _paint_hole(
    base: FloatImage, foreground: Field, stroke: Stroke, rng: np.random.Generator, category: str
) -> tuple[FloatImage, np.ndarray]:
    """A dark, roughly round pit with lit far wall and a raised rim catching the light."""
    size = base.shape[0]
    radius = max(1.5, _knob(HOLE_RADIUS, stroke.severity, rng) * size)
    depth = _knob(HOLE_DEPTH, stroke.severity, rng)
    _, _, distance, angle = _polar(size, stroke.centre)
    edge = distance - _irregular_radius(rng, angle, radius, 0.12)
    inside = _coverage(edge)
    floor = np.clip(-edge / (0.45 * radius), 0.0, 1.0) ** 0.7
    darkness = depth * (0.5 + 0.5 * floor)
    pit = _blend(base, _colour((0.03, 0.025, 0.02)), darkness)
    wall_light = -np.cos(angle - LIGHT_ANGLE) * (1.0 - floor) * 0.2 * depth
    pit = pit + wall_light[..., None]
    rim_width = max(1.0, 0.3 * radius)
    rim = np.exp(-((np.maximum(edge, 0.0) / rim_width) ** 2)) * (1.0 - inside)
    rim_light = rng.uniform(0.3, 1.0) * 0.25 * depth * np.cos(angle - LIGHT_ANGLE)
    change = inside[..., None] * (pit - base) + (rim * rim_light)[..., None]
    mask = np.maximum(inside, rim) * foreground >= MASK_WEIGHT_MIN
    return np.where(mask[..., None], base + foreground[..., None] * change, base), mask


def _paint_stain(
    base: FloatImage, foreground: Field, stroke: Stroke, rng: np.random.Generator, category: str
) -> tuple[FloatImage, np.ndarray]:
    """A smooth irregular colour blob blended at low to medium alpha, darker at its edge."""
    size = base.shape[0]
    radius = max(2.0, _knob(STAIN_RADIUS, stroke.severity, rng) * size)
    alpha = _knob(STAIN_ALPHA, stroke.severity, rng)
    _, _, distance, angle = _polar(size, stroke.centre)
    relative = distance / _irregular_radius(rng, angle, radius, 0.3)
    body = np.clip(1.0 - relative**2, 0.0, 1.0) ** 0.5
    tide_line = rng.uniform(0.0, 0.6) * np.exp(-(((relative - 0.9) / 0.08) ** 2))
    texture = 1.0 + 0.25 * _smooth_noise(rng, size, max(1.0, radius / 3))
    profile = np.clip((body + tide_line) * texture, 0.0, 1.0) * (relative < 1.0)
    tint = _colour(STAIN_COLOURS[int(rng.integers(len(STAIN_COLOURS)))])
    weight = profile * foreground
    return _composite(base, tint, weight, strength=alpha)


def _paint_foreign_texture(
    base: FloatImage, foreground: Field, stroke: Stroke, rng: np.random.Generator, category: str
) -> tuple[FloatImage, np.ndarray]:
    """An irregular blob filled with a patch of another texture, more or less camouflaged."""
    size = base.shape[0]
    radius = max(2.0, _knob(FOREIGN_RADIUS, stroke.severity, rng) * size)
    contrast = _knob(FOREIGN_CONTRAST, stroke.severity, rng)
    _, _, distance, angle = _polar(size, stroke.centre)
    blob = _coverage(distance - _irregular_radius(rng, angle, radius, 0.35)) * foreground
    patch = _foreign_patch(rng, size, category)
    weights = blob[..., None] / max(float(blob.sum()), 1e-9)
    local_mean = (base * weights).sum(axis=(0, 1))
    patch_mean = (patch * weights).sum(axis=(0, 1))
    detail = (patch - patch_mean) * (0.2 + 0.8 * contrast)
    patch = local_mean + (patch_mean - local_mean) * contrast + detail
    return _composite(base, patch, blob)


def _foreign_patch(rng: np.random.Generator, size: int, category: str) -> FloatImage:
    """A full-size texture unlike the category's own: weave, grain, speckle or rust."""
    kinds = ("weave", "grain", "speckle", "rust")
    kind = kinds[int(rng.integers(len(kinds)))]
    first = rng.uniform(0.15, 0.85, 3)
    second = first * rng.uniform(0.45, 0.85)
    if kind == "weave":
        period = size / (rng.uniform(4.0, 7.0) if category == "weave" else rng.uniform(6.0, 20.0))
        return _weave_pattern(
            rng, size, period=period, angle=rng.uniform(0.3, 1.2), warp_rgb=first, weft_rgb=second
        )
    if kind == "grain":
        period = size / rng.uniform(18.0, 30.0)
        return _grain_pattern(
            rng,
            size,
            ring_period=period,
            angle=rng.uniform(0.4, 1.2),
            light_rgb=first,
            dark_rgb=second,
        )
    if kind == "speckle":
        spots = _smoothstep(0.3, 0.8, _smooth_noise(rng, size, rng.uniform(0.8, 2.0)))
        return _blend(np.broadcast_to(first, (size, size, 3)), second, spots)
    grit = 0.6 * _smooth_noise(rng, size, 3.0) + 0.4 * _smooth_noise(rng, size, 0.7)
    rust = _colour((0.55, 0.28, 0.10)) * (1.0 + 0.25 * grit)[..., None]
    return np.clip(rust, 0.0, 1.0)


def _paint_deformation(
    base: FloatImage, foreground: Field, stroke: Stroke, rng: np.random.Generator, category: str
) -> tuple[FloatImage, np.ndarray]:
    """A local warp (swirl, bulge and push mixed) by a smooth, compactly supported field."""
    size = base.shape[0]
    radius = max(4.0, _knob(DEFORMATION_RADIUS, stroke.severity, rng) * size)
    shift = max(1.0, _knob(DEFORMATION_SHIFT, stroke.severity, rng) * size)
    dy, dx, distance, _ = _polar(size, stroke.centre)
    envelope = np.clip(1.0 - (distance / radius) ** 2, 0.0, 1.0) ** 2
    swirl, bulge, push = rng.dirichlet((1.0, 1.0, 1.0)) * rng.choice([-1.0, 1.0], 3)
    direction = rng.uniform(0.0, 2 * np.pi)
    field_y = (swirl * dx + bulge * dy) / radius + push * np.sin(direction)
    field_x = (-swirl * dy + bulge * dx) / radius + push * np.cos(direction)
    field_y, field_x = field_y * envelope, field_x * envelope
    peak = float(np.hypot(field_y, field_x).max())
    if peak <= 0:
        return base, np.zeros((size, size), dtype=bool)
    field_y, field_x = field_y * (shift / peak), field_x * (shift / peak)
    ys, xs = _pixel_grid(size)
    coords = np.stack([ys - 0.5 - field_y, xs - 0.5 - field_x])
    warped = np.stack(
        [ndimage.map_coordinates(base[..., c], coords, order=1, mode="nearest") for c in range(3)],
        axis=-1,
    )
    mask = np.hypot(field_y, field_x) >= DEFORMATION_MASK_MIN_PX
    return np.where(mask[..., None], warped, base), mask


_PAINTERS: dict[str, Painter] = {
    "scratch": _paint_scratch,
    "hole": _paint_hole,
    "stain": _paint_stain,
    "foreign_texture": _paint_foreign_texture,
    "deformation": _paint_deformation,
}
