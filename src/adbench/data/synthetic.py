"""Procedural anomaly-detection dataset, written once in the MVTec AD folder layout.

The default, offline dataset of the benchmark. Every category renders normal images with natural
variation (phase, position, rotation, colour, illumination, sensor noise) and test images with one
of DEFECT_TYPES painted on at a severity drawn per image, so defects range from subtle to obvious.
Ground-truth masks are exact: 255 where the defect was drawn, 0 elsewhere; outside the mask a
defective image is byte-identical to the clean image it was made from.

Layout (MVTec AD)::

    root/category/train/good/000.png
    root/category/test/good/000.png
    root/category/test/<defect>/000.png
    root/category/ground_truth/<defect>/000_mask.png
    root/category/.complete.json          # generation parameters, present once complete

Difficulty is tuned with the module constants below: SEVERITY_RANGE, SEVERITY_JITTER and the
per-defect (low, high) ranges, which are interpolated with each image's severity.
"""

from __future__ import annotations

import functools
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path
from typing import ClassVar

import numpy as np
from scipy import ndimage
from scipy.spatial import cKDTree

from adbench.data import generated_tree
from adbench.data.generated_tree import ensure_mvtec_tree, image_rng, install_tree, require_choice

SYNTHETIC_CATEGORIES: tuple[str, ...] = ("weave", "grain", "nut", "chip")
TEXTURE_CATEGORIES: tuple[str, ...] = ("weave", "grain")
DEFECT_TYPES: tuple[str, ...] = ("scratch", "hole", "stain", "foreign_texture", "deformation")

GENERATOR_VERSION = 2  # bump when rendering changes: cached trees with another version regenerate
MARKER_NAME = generated_tree.MARKER_NAME
MIN_IMAGE_SIZE = 32
DATASET = "synthetic"  # in error messages

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

# --- Normal variation and mask rules.
SENSOR_NOISE_SIGMA = 0.010  # per-pixel Gaussian noise (mostly luminance), on a 0..1 scale
COLOUR_GAIN_SIGMA = 0.03  # global brightness jitter (plus a third of it per channel)
ILLUMINATION_SLOPE_SIGMA = 0.04  # linear illumination gradient across the image
MASK_WEIGHT_MIN = 0.2  # a pixel belongs to the mask where the defect's weight reaches this
DEFORMATION_MASK_MIN_PX = 0.5  # ... or, for deformation, where the displacement reaches this
MIN_MASK_PIXELS = 6
MIN_MEAN_CHANGE = 1.5 / 255  # a drawn defect must change its mask by this much on average
PLACEMENT_MARGIN = 0.08  # defect centres keep this far from the image border

LIGHT_ANGLE = -0.75 * np.pi  # light from the top left (image y axis points down)
STAIN_COLOURS = (
    (0.42, 0.28, 0.12),  # coffee
    (0.55, 0.25, 0.08),  # rust
    (0.12, 0.12, 0.16),  # oil
    (0.30, 0.38, 0.55),  # ink
    (0.93, 0.92, 0.86),  # residue
    (0.35, 0.45, 0.20),  # mould
)

FloatImage = np.ndarray  # (H, W, 3) float64 in [0, 1]
Field = np.ndarray  # (H, W) float64
Renderer = Callable[[np.random.Generator, int], tuple[FloatImage, Field]]


class GenerationParams(generated_tree.GenerationParams):
    """Everything that determines the files of one generated category."""

    MARKER_HEADER: ClassVar[dict[str, object]] = {
        "generator": "adbench.data.synthetic",
        "version": GENERATOR_VERSION,
        "defect_types": list(DEFECT_TYPES),
    }


def ensure_category(
    root: str | Path,
    category: str,
    *,
    image_size: int = 256,
    n_train: int = 80,
    n_test_good: int = 20,
    n_test_per_defect: int = 8,
    seed: int = 0,
) -> Path:
    """Generate root/category once in MVTec layout and return its path.

    Reuses the tree when already complete, i.e. when its marker file records these parameters;
    otherwise (re)generates it into a temporary sibling directory renamed into place at the end.
    Raises AdbenchError for an unknown category or invalid sizes.
    """
    params = _validated_params(category, image_size, n_train, n_test_good, n_test_per_defect, seed)
    return ensure_mvtec_tree(
        root, params, DEFECT_TYPES, render_normal_image, render_defect_example, DATASET
    )


def render_normal_image(
    category: str,
    *,
    split: str = "train/good",
    index: int = 0,
    seed: int = 0,
    image_size: int = 256,
) -> np.ndarray:
    """One normal (H, W, 3) uint8 image, exactly as written at <split>/<index>.png."""
    _check_category(category)
    rng = image_rng(seed, category, split, index)
    base, _ = _render_base(category, rng, image_size)
    return _to_uint8(base + _sensor_noise(rng, image_size))


def render_defect_example(
    category: str, defect: str, *, index: int = 0, seed: int = 0, image_size: int = 256
) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """(clean, defective, mask) for test/<defect>/<index>.png: uint8 images and a bool mask.

    The defective image is the file written to disk; clean is the same image without the defect,
    identical to it outside the mask.
    """
    _check_category(category)
    require_choice(f"{DATASET} defect type", defect, DEFECT_TYPES)
    rng = image_rng(seed, category, f"test/{defect}", index)
    base, foreground = _render_base(category, rng, image_size)
    painted, mask = _paint_defect(defect, base, foreground, rng, category)
    noise = _sensor_noise(rng, image_size)
    clean = _to_uint8(base + noise)
    defective = _to_uint8(np.where(mask[..., None], painted, base) + noise)
    return clean, defective, mask


# --------------------------------------------------------------------------- files on disk


def _validated_params(
    category: str,
    image_size: int,
    n_train: int,
    n_test_good: int,
    n_test_per_defect: int,
    seed: int,
) -> GenerationParams:
    _check_category(category)
    params = GenerationParams(category, image_size, n_train, n_test_good, n_test_per_defect, seed)
    return params.validated(DATASET, MIN_IMAGE_SIZE)


def _check_category(category: str) -> None:
    require_choice(f"{DATASET} category", category, SYNTHETIC_CATEGORIES)


def _install_tree(staging: Path, target: Path, params: GenerationParams) -> None:
    """Atomically rename staging to target, replacing a stale target, keeping a complete one."""
    install_tree(staging, target, params.marker(), DATASET)


# --------------------------------------------------------------------------- shared helpers


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


# --------------------------------------------------------------------------- normal images


def _render_base(category: str, rng: np.random.Generator, size: int) -> tuple[FloatImage, Field]:
    """A noise-free normal image and its foreground coverage (all ones for textures)."""
    image, foreground = _RENDERERS[category](rng, size)
    return _photometric_jitter(rng, image), foreground


def _photometric_jitter(rng: np.random.Generator, image: FloatImage) -> FloatImage:
    size = image.shape[0]
    gain = 1.0 + rng.normal(0.0, COLOUR_GAIN_SIGMA) + rng.normal(0.0, COLOUR_GAIN_SIGMA / 3, 3)
    slope = rng.normal(0.0, ILLUMINATION_SLOPE_SIGMA, 2)
    ys, xs = _pixel_grid(size)
    ramp = 1.0 + slope[0] * (ys / size - 0.5) + slope[1] * (xs / size - 0.5)
    return image * gain * ramp[..., None]


def _weave_pattern(
    rng: np.random.Generator,
    size: int,
    *,
    period: float,
    angle: float,
    warp_rgb: np.ndarray,
    weft_rgb: np.ndarray,
) -> FloatImage:
    """A plain weave: warp (along v) and weft (along u) threads alternately over and under."""
    half_width = 0.41  # thread half-width in cells
    u, v = _local_coords(size, np.array([size / 2, size / 2]), angle)
    phase = rng.uniform(0.0, 2.0 * period, 2)
    cell_u, cell_v = (u + phase[0]) / period, (v + phase[1]) / period
    col, row = np.floor(cell_u), np.floor(cell_v)
    frac_u, frac_v = cell_u - col - 0.5, cell_v - row - 0.5
    warp_across = np.sqrt(np.clip(1.0 - (frac_u / half_width) ** 2, 0.0, 1.0))
    weft_across = np.sqrt(np.clip(1.0 - (frac_v / half_width) ** 2, 0.0, 1.0))
    warp_on_top = (col + row) % 2 == 0
    top_across = np.where(warp_on_top, warp_across, weft_across)
    top_along = np.where(warp_on_top, frac_v, frac_u)
    under_across = np.where(warp_on_top, weft_across, warp_across)
    top_visible = top_across > 0
    shade = np.where(
        top_visible, top_across * (0.6 + 0.4 * np.cos(np.pi * top_along)), 0.5 * under_across
    )
    shade = ndimage.gaussian_filter(0.22 + 0.78 * shade, 0.6)
    warp_visible = warp_on_top == top_visible
    thread_tone = rng.normal(0.0, 0.035, (2, 64))
    warp_tone = 1.0 + thread_tone[0][col.astype(np.int64) % 64]
    weft_tone = 1.0 + thread_tone[1][row.astype(np.int64) % 64]
    fibre_len = max(1.0, size / 30)
    warp_fibre = _smooth_noise(rng, size, (fibre_len, 0.5))
    weft_fibre = _smooth_noise(rng, size, (0.5, fibre_len))
    tone = np.where(
        warp_visible, warp_tone * (1 + 0.07 * warp_fibre), weft_tone * (1 + 0.07 * weft_fibre)
    )
    rgb = np.where(warp_visible[..., None], warp_rgb, weft_rgb)
    return rgb * (shade * tone)[..., None]


def _grain_pattern(
    rng: np.random.Generator,
    size: int,
    *,
    ring_period: float,
    angle: float,
    light_rgb: np.ndarray,
    dark_rgb: np.ndarray,
) -> FloatImage:
    """Wood-like growth rings bent by smooth turbulence, with fibres and pores along the grain."""
    u, v = _local_coords(size, np.array([size / 2, size / 2]), angle)
    wave = rng.uniform(0.02, 0.05) * size
    bend = 0.04 * size * _smooth_noise(rng, size, size / 6) + wave * np.sin(
        2 * np.pi * u / (1.6 * size) + rng.uniform(0, 2 * np.pi)
    )
    rings = (v + bend) / ring_period + rng.uniform(0.0, 1.0)
    frac = rings - np.floor(rings)
    latewood = _smoothstep(0.5, 0.9, frac) * (1.0 - _smoothstep(0.9, 1.0, frac))
    fibres = _smooth_noise(rng, size, (0.6, max(1.0, size / 12)))
    pores = np.clip(_smooth_noise(rng, size, (0.5, 1.8)) - 2.0, 0.0, 1.0)
    tone = np.clip(0.72 * latewood + 0.10 * fibres + 0.5 * pores + 0.12, 0.0, 1.0)
    return _blend(np.broadcast_to(light_rgb, (size, size, 3)), dark_rgb, tone)


def _render_weave(rng: np.random.Generator, size: int) -> tuple[FloatImage, Field]:
    image = _weave_pattern(
        rng,
        size,
        period=size / rng.uniform(11.5, 12.5),
        angle=np.deg2rad(rng.normal(0.0, 2.0)),
        warp_rgb=_colour((0.80, 0.72, 0.57)),
        weft_rgb=_colour((0.70, 0.62, 0.48)),
    )
    return image, np.ones((size, size))


def _render_grain(rng: np.random.Generator, size: int) -> tuple[FloatImage, Field]:
    image = _grain_pattern(
        rng,
        size,
        ring_period=size / rng.uniform(8.0, 10.0),
        angle=np.deg2rad(rng.normal(0.0, 3.0)),
        light_rgb=_colour((0.84, 0.66, 0.45)),
        dark_rgb=_colour((0.52, 0.33, 0.18)),
    )
    return image, np.ones((size, size))


def _object_pose(
    rng: np.random.Generator, size: int, max_shift: float, max_degrees: float
) -> tuple[np.ndarray, float]:
    centre = size / 2 + rng.uniform(-max_shift, max_shift, 2) * size
    return centre, np.deg2rad(rng.uniform(-max_degrees, max_degrees))


def _drop_shadow(foreground: Field, size: int) -> Field:
    shift = (0.015 * size, 0.010 * size)
    shadow = ndimage.shift(foreground, shift, order=1, mode="constant")
    return ndimage.gaussian_filter(shadow, 0.02 * size)


def _background(rng: np.random.Generator, size: int, rgb: tuple[float, float, float]) -> FloatImage:
    mottle = 1.0 + 0.03 * _smooth_noise(rng, size, size / 10)
    grit = 0.015 * _smooth_noise(rng, size, 0.7)
    return _colour(rgb) * (mottle + grit)[..., None]


def _render_nut(rng: np.random.Generator, size: int) -> tuple[FloatImage, Field]:
    """A hexagonal steel nut with chamfered corners and a threaded bore, on a dark surface."""
    centre, angle = _object_pose(rng, size, max_shift=0.025, max_degrees=12.0)
    u, v = _local_coords(size, centre, angle)
    radius, facing = np.hypot(u, v), np.arctan2(v, u) + angle
    apothem = 0.28 * size * (1.0 + rng.normal(0.0, 0.004))
    directions = np.deg2rad([0.0, 60.0, 120.0])[:, None, None]
    hex_distance = np.max(np.abs(u * np.cos(directions) + v * np.sin(directions)), axis=0)
    bore, thread_outer, chamfer = 0.12 * size, 0.155 * size, 1.04 * apothem
    body = _coverage(hex_distance - apothem)
    through = _coverage(radius - bore)  # inside the bore
    foreground = body * (1.0 - through)

    turning = np.interp(radius, np.linspace(0, size, 4 * size), rng.standard_normal(4 * size))
    turning = ndimage.gaussian_filter(turning, 0.4)
    toward_light = -(u * np.cos(LIGHT_ANGLE - angle) + v * np.sin(LIGHT_ANGLE - angle)) / apothem
    face = 0.86 - 0.07 * toward_light + 0.025 * turning
    bevel = 0.72 + 0.25 * np.cos(facing - LIGHT_ANGLE)
    pitch = 0.012 * size
    thread = 0.42 - 0.18 * np.cos(facing - LIGHT_ANGLE) + 0.07 * np.sin(2 * np.pi * radius / pitch)
    in_bevel = _coverage(chamfer - radius)  # 1 beyond the chamfer circle
    in_thread = _coverage(radius - thread_outer)  # 1 inside the threaded ring
    shade = face + (bevel - face) * in_bevel
    shade = shade + (thread - shade) * in_thread
    metal = _colour((0.70, 0.71, 0.74)) * shade[..., None]

    surface = _background(rng, size, (0.24, 0.25, 0.28))
    surface = surface * (1.0 - 0.55 * _drop_shadow(body, size))[..., None]
    bore_floor = surface * 0.55
    image = _blend(surface, bore_floor, through)
    image = _blend(image, metal, foreground)
    return image, foreground


@functools.lru_cache(maxsize=1)
def _chip_glyphs() -> np.ndarray:
    """Fixed 5x3 pixel glyphs of the chip's marking (the same on every chip)."""
    return np.random.default_rng(20240601).random((10, 5, 3)) < 0.55


def _chip_marking(u: Field, v: Field, size: int) -> Field:
    """1 where the laser marking (two rows of pseudo-characters) is printed, else 0."""
    cell = 0.011 * size
    glyphs = _chip_glyphs()
    marking = np.zeros_like(u)
    for first_glyph, count, top in ((0, 6, -0.055), (6, 4, 0.02)):
        width = count * 4 * cell
        col = np.floor((u + width / 2) / cell).astype(np.int64)
        row = np.floor((v - top * size) / cell).astype(np.int64)
        inside = (col >= 0) & (col < count * 4) & (row >= 0) & (row < 5) & (col % 4 < 3)
        glyph = first_glyph + np.clip(col // 4, 0, count - 1)
        lit = glyphs[glyph, np.clip(row, 0, 4), np.clip(col % 4, 0, 2)]
        marking = np.maximum(marking, (inside & lit).astype(np.float64))
    return ndimage.gaussian_filter(marking, 0.4)


def _rounded_box_distance(u: Field, v: Field, half: tuple[float, float], corner: float) -> Field:
    qu, qv = np.abs(u) - half[0] + corner, np.abs(v) - half[1] + corner
    outside = np.hypot(np.maximum(qu, 0.0), np.maximum(qv, 0.0))
    return outside + np.minimum(np.maximum(qu, qv), 0.0) - corner


def _render_chip(rng: np.random.Generator, size: int) -> tuple[FloatImage, Field]:
    """A black IC package with two rows of silver leads, a pin-1 dot and marking, on a PCB."""
    centre, angle = _object_pose(rng, size, max_shift=0.025, max_degrees=3.0)
    u, v = _local_coords(size, centre, angle)
    half_u, half_v = 0.27 * size, 0.17 * size
    body_distance = _rounded_box_distance(u, v, (half_u, half_v), 0.015 * size)
    body = _coverage(body_distance)

    n_pins, span, pin_half = 6, 0.2 * size, 0.018 * size
    pitch = 2 * span / (n_pins - 1)
    nearest = np.clip(np.round((u + span) / pitch), 0, n_pins - 1)
    du = u - (nearest * pitch - span)
    lead_mid, lead_half = half_v + 0.035 * size, 0.045 * size
    pin_distance = np.maximum(np.abs(du) - pin_half, np.abs(np.abs(v) - lead_mid) - lead_half)
    pins = _coverage(pin_distance) * (1.0 - body)
    lead_shade = 0.62 + 0.3 * np.cos(np.clip(du / pin_half, -1, 1) * np.pi / 2)
    lead_shade = lead_shade - 0.12 * np.clip((np.abs(v) - half_v) / (2 * lead_half), 0, 1)
    leads = _colour((0.80, 0.80, 0.78)) * lead_shade[..., None]

    grad_y, grad_x = np.gradient(body_distance)
    normal = np.arctan2(grad_y, grad_x)
    rim = _smoothstep(-0.014 * size, 0.0, body_distance)
    body_tone = 0.13 * (1.0 + 0.06 * _smooth_noise(rng, size, 0.8))
    body_tone = body_tone + 0.10 * rim * np.cos(normal - LIGHT_ANGLE)
    dot_distance = np.hypot(u + 0.205 * size, v - 0.095 * size) - 0.022 * size
    body_tone = body_tone - 0.05 * _coverage(dot_distance)
    body_rgb = np.repeat(body_tone[..., None], 3, axis=2)
    body_rgb = _blend(body_rgb, _colour((0.47, 0.47, 0.48)), 0.85 * _chip_marking(u, v, size))

    board = _background(rng, size, (0.10, 0.33, 0.19))
    foreground = np.clip(body + pins, 0.0, 1.0)
    board = board * (1.0 - 0.5 * _drop_shadow(foreground, size))[..., None]
    image = _blend(board, leads, pins)
    image = _blend(image, body_rgb, body)
    return image, foreground


_RENDERERS: dict[str, Renderer] = {
    "weave": _render_weave,
    "grain": _render_grain,
    "nut": _render_nut,
    "chip": _render_chip,
}


# --------------------------------------------------------------------------- defects


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
