"""The normal images of the synthetic categories: woven and grained textures, a nut and a chip on
a background, each with natural variation (phase, pose, colour, illumination)."""

from __future__ import annotations

import functools
from collections.abc import Callable

import numpy as np
from scipy import ndimage

from adbench.data.synthetic.raster import (
    LIGHT_ANGLE,
    Field,
    FloatImage,
    _blend,
    _colour,
    _coverage,
    _local_coords,
    _pixel_grid,
    _smooth_noise,
    _smoothstep,
)

COLOUR_GAIN_SIGMA = 0.03  # global brightness jitter (plus a third of it per channel)


ILLUMINATION_SLOPE_SIGMA = 0.04  # linear illumination gradient across the image


Renderer = Callable[[np.random.Generator, int], tuple[FloatImage, Field]]


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
