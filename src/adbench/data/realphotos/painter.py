"""Defect painter of the real-photo benchmark: its own defect families, exact masks.

Kinds (none shares code or a shape family with adbench.synthesis (validation anomalies and
DRAEM's training anomalies) or adbench.data.synthetic):

- ``spatter``: a cluster of tiny irregular polygon droplets of one paint colour;
- ``glyph``: a character or short string stamped with a TrueType font, contrasting or close to
  the surface colour;
- ``star_stain``: a filled star whose pixels are multiplied by a tint colour;
- ``tear``: a band of rows (or columns) shifted sideways by whole pixels over part of its length;
  like channel_slip it keeps only the pixels where the move makes a visible difference
  (smoothed change >= DISPLACEMENT_MIN_CHANGE), so reshuffled sensor noise is not a defect;
- ``speckle``: an irregular polygon of strong per-pixel noise with salt-and-pepper dots;
- ``channel_slip``: one colour channel displaced by whole pixels inside an irregular polygon
  (colour fringes along every edge it crosses).

Each defect draws a severity t ~ U(SEVERITY_RANGE); every (low, high) knob below is interpolated
at t, so defects range from faint to obvious. The mask is exact: True where the defective image
differs from the clean one, and the two are byte-identical elsewhere. A draw that changes fewer
than MIN_MASK_PIXELS (or MIN_MASK_FRACTION of the image) pixels or less than MIN_MEAN_CHANGE on
average is redrawn from the same generator (so deterministically), with the severity ramping up
to 1 over SEVERITY_RAMP attempts; after MAX_ATTEMPTS the draw that changed most is kept.
Glyphs use DejaVu Sans Bold from matplotlib's data folder (Pillow's built-in font if missing).
"""

from __future__ import annotations

import functools
import importlib.util
from collections.abc import Callable
from pathlib import Path

import numpy as np
from PIL import Image, ImageDraw, ImageFont
from scipy import ndimage

from adbench.errors import AdbenchError

DEFECT_KINDS: tuple[str, ...] = (
    "spatter",
    "glyph",
    "star_stain",
    "tear",
    "speckle",
    "channel_slip",
)

# --- Severity and visibility. Sizes are fractions of the image side; levels are 0..255.
SEVERITY_RANGE = (0.0, 1.0)
MIN_MASK_FRACTION = 0.0005  # a defect changes at least this share of the image's pixels ...
MIN_MASK_PIXELS = 6  # ... and at least this many
MIN_MEAN_CHANGE = 6.0  # mean over the mask of the largest per-channel change, in levels
MAX_ATTEMPTS = 24
SEVERITY_RAMP = 8  # failed attempts over which the severity climbs to 1
DISPLACEMENT_MIN_CHANGE = 7.0  # tear/channel_slip keep pixels whose smoothed change reaches this
DISPLACEMENT_SMOOTHING = 1.5  # Gaussian sigma (px) of that smoothing: sensor noise averages out
DISPLACEMENT_CANDIDATES = 4  # the most textured of these placements wins (flat areas hide moves)
PLACEMENT_MARGIN = 0.1  # defect centres keep this far from the border
SUPERSAMPLE = 4  # shapes are drawn this many times larger, then box-averaged to coverage
COVERAGE_MIN = 0.3  # a shape paints the pixels it covers at least this much
REFERENCE_SIZE = 256  # pixel shifts below are given for this image side and scaled with it
MIN_SHIFT_PX = (1.0, 2.0)  # ... but never below this (small images)

# --- Per-kind knobs, (faint, obvious).
SPATTER_CLUSTER_RADIUS = (0.03, 0.11)
SPATTER_DROPLETS = (5, 40)
SPATTER_DROPLET_RADIUS = (0.005, 0.016)  # floored at 0.7 px
SPATTER_OPACITY = (0.1, 0.95)
GLYPH_HEIGHT = (0.06, 0.2)  # font size
GLYPH_CHARACTERS = "ABCDEFGHJKLMNPRSTUVWXYZ2345789#&@%?"
GLYPH_MAX_LENGTH = 3
GLYPH_ROTATION_DEG = 35.0
GLYPH_OPACITY = (0.35, 1.0)
GLYPH_NEAR_SURFACE_DELTA = (18.0, 90.0)  # levels away from the local colour (near-surface ink)
STAR_RADIUS = (0.04, 0.13)
STAR_POINTS = (4, 8)
STAR_INNER_RATIO = (0.35, 0.65)
STAR_TINT_STRENGTH = (0.12, 0.7)  # 0: no tint, 1: multiply by the tint colour itself
STAR_PLACEMENT_CANDIDATES = 3  # the brightest of these centres wins (multiplying black is moot)
TEAR_THICKNESS = (0.015, 0.08)  # floored at 2 px
TEAR_LENGTH = (0.2, 0.8)
TEAR_SHIFT_PX = (1.0, 9.0)  # at REFERENCE_SIZE, floored at MIN_SHIFT_PX
SPECKLE_RADIUS = (0.03, 0.1)
SPECKLE_AMPLITUDE = (8.0, 70.0)  # levels
SPECKLE_SALT = (0.0, 0.25)  # share of pixels set to near-black or near-white
SLIP_RADIUS = (0.05, 0.14)
SLIP_SHIFT_PX = (1.0, 6.0)  # at REFERENCE_SIZE, floored at MIN_SHIFT_PX

PAINT_COLOURS = np.array(
    [
        (245, 243, 236),  # white
        (18, 17, 20),  # black
        (196, 32, 28),  # red
        (236, 200, 36),  # yellow
        (30, 64, 190),  # blue
        (38, 150, 64),  # green
        (176, 44, 156),  # magenta
    ],
    dtype=np.float32,
)
TINT_COLOURS = np.array(
    [
        (0.35, 0.55, 1.0),  # blue
        (1.0, 0.45, 0.3),  # rust
        (0.45, 0.9, 0.4),  # green
        (0.9, 0.35, 0.9),  # violet
        (0.3, 0.3, 0.3),  # grey-black
    ],
    dtype=np.float32,
)
MIN_PAINT_DISTANCE = 110.0  # contrasting paint is at least this far from the local colour

FloatImage = np.ndarray  # (H, W, 3) float32 on the 0..255 scale
Mask = np.ndarray  # (H, W) bool
Painter = Callable[[FloatImage, np.random.Generator, float], tuple[FloatImage, Mask]]


def paint_defect(
    image: np.ndarray, kind: str, rng: np.random.Generator, severity: float | None = None
) -> tuple[np.ndarray, np.ndarray]:
    """(defective, mask) for a clean (H, W, 3) uint8 square image.

    defective is uint8 and equals image wherever mask (bool) is False; mask is True exactly where
    the defect changed a pixel. severity in [0, 1] defaults to a draw from rng.
    """
    if kind not in PAINTERS:
        raise AdbenchError(f"unknown defect kind {kind!r}: choose one of {', '.join(DEFECT_KINDS)}")
    start = float(rng.uniform(*SEVERITY_RANGE)) if severity is None else float(severity)
    source = image.astype(np.float32)
    best: tuple[int, np.ndarray, np.ndarray] | None = None
    for attempt in range(MAX_ATTEMPTS):
        t = start + (1.0 - start) * min(1.0, attempt / SEVERITY_RAMP)
        painted, region = PAINTERS[kind](source, rng, t)
        defective, mask = _apply(image, painted, region)
        if is_visible(image, defective, mask):
            return defective, mask
        total = int(np.abs(defective.astype(np.int16) - image).sum())
        if best is None or total > best[0]:
            best = (total, defective, mask)
    if best is None or not best[2].any():
        raise AdbenchError(f"could not paint a visible {kind} defect on this image")
    return best[1], best[2]


def is_visible(clean: np.ndarray, defective: np.ndarray, mask: np.ndarray) -> bool:
    """Whether a defect changes enough pixels, enough on average."""
    if mask.sum() < max(MIN_MASK_PIXELS, MIN_MASK_FRACTION * mask.size):
        return False
    change = np.abs(defective.astype(np.int16) - clean.astype(np.int16)).max(axis=-1)
    return float(change[mask].mean()) >= MIN_MEAN_CHANGE


def _apply(clean: np.ndarray, painted: FloatImage, region: Mask) -> tuple[np.ndarray, Mask]:
    """Painted pixels inside region over clean; the mask is where that changed anything."""
    painted_u8 = np.rint(np.clip(painted, 0.0, 255.0)).astype(np.uint8)
    defective = np.where(region[..., None], painted_u8, clean)
    return defective, (defective != clean).any(axis=-1)


# --------------------------------------------------------------------------- defect kinds


def _spatter(image: FloatImage, rng: np.random.Generator, t: float) -> tuple[FloatImage, Mask]:
    size = image.shape[0]
    centre = _centre(rng, size)
    spread = _lerp(SPATTER_CLUSTER_RADIUS, t) * size
    count = round(_lerp(SPATTER_DROPLETS, t))
    droplets = centre + rng.normal(0.0, spread / 2, (count, 2))
    radii = np.maximum(_lerp(SPATTER_DROPLET_RADIUS, t) * size * rng.uniform(0.5, 1.6, count), 0.7)
    polygons = [
        _irregular_polygon(rng, c, r, int(rng.integers(5, 9)), 0.45)
        for c, r in zip(droplets, radii, strict=True)
    ]
    coverage = _coverage(size, polygons)
    colour = _contrasting_colour(rng, _local_colour(image, centre, spread))
    weight = coverage * _lerp(SPATTER_OPACITY, t)
    return _blend(image, colour, weight), coverage >= COVERAGE_MIN


def _glyph(image: FloatImage, rng: np.random.Generator, t: float) -> tuple[FloatImage, Mask]:
    size = image.shape[0]
    centre = _centre(rng, size)
    text = "".join(rng.choice(list(GLYPH_CHARACTERS), int(rng.integers(1, GLYPH_MAX_LENGTH + 1))))
    height = _lerp(GLYPH_HEIGHT, t) * size
    angle = rng.uniform(-GLYPH_ROTATION_DEG, GLYPH_ROTATION_DEG)
    coverage = _text_coverage(size, text, height, angle, centre)
    local = _local_colour(image, centre, height)
    if rng.random() < t:
        colour = _contrasting_colour(rng, local)
    else:  # ink close to the surface: a lighter or darker shade of it
        delta = _lerp(GLYPH_NEAR_SURFACE_DELTA, t)
        sign = 1.0 if local.mean() < 128 else -1.0
        colour = np.clip(local + sign * delta, 0.0, 255.0)
    weight = coverage * _lerp(GLYPH_OPACITY, t)
    return _blend(image, colour, weight), coverage >= COVERAGE_MIN


def _star_stain(image: FloatImage, rng: np.random.Generator, t: float) -> tuple[FloatImage, Mask]:
    size = image.shape[0]
    outer = _lerp(STAR_RADIUS, t) * size
    candidates = [_centre(rng, size) for _ in range(STAR_PLACEMENT_CANDIDATES)]
    centre = max(candidates, key=lambda c: float(_local_colour(image, c, outer).mean()))
    points = int(rng.integers(STAR_POINTS[0], STAR_POINTS[1] + 1))
    inner = outer * rng.uniform(*STAR_INNER_RATIO)
    angles = rng.uniform(0, 2 * np.pi) + np.arange(2 * points) * np.pi / points
    radii = np.where(np.arange(2 * points) % 2 == 0, outer, inner) * rng.uniform(
        0.85, 1.0, 2 * points
    )
    star = centre + np.stack([np.sin(angles), np.cos(angles)], axis=1) * radii[:, None]
    coverage = _coverage(size, [star])
    tint = TINT_COLOURS[rng.integers(len(TINT_COLOURS))]
    factor = 1.0 - (coverage * _lerp(STAR_TINT_STRENGTH, t))[..., None] * (1.0 - tint)
    return image * factor, coverage >= COVERAGE_MIN


def _tear(image: FloatImage, rng: np.random.Generator, t: float) -> tuple[FloatImage, Mask]:
    columns = rng.random() < 0.5
    work = image.transpose(1, 0, 2) if columns else image
    size = work.shape[0]
    thickness = max(2, round(_lerp(TEAR_THICKNESS, t) * size))
    length = max(4, round(_lerp(TEAR_LENGTH, t) * size))
    shift = round(max(_lerp(MIN_SHIFT_PX, t), _lerp(TEAR_SHIFT_PX, t) * size / REFERENCE_SIZE))
    shift *= int(rng.choice([-1, 1]))
    corners = [
        (int(rng.integers(0, size - thickness + 1)), int(rng.integers(0, size - length + 1)))
        for _ in range(DISPLACEMENT_CANDIDATES)
    ]
    top, left = max(corners, key=lambda c: float(work[c[0] : c[0] + thickness, c[1] :].std()))
    cols = np.arange(left, left + length)
    painted = work.copy()
    rows = slice(top, top + thickness)
    painted[rows, left : left + length] = work[rows][:, np.clip(cols - shift, 0, size - 1)]
    region = np.zeros(work.shape[:2], bool)
    region[rows, left : left + length] = True
    if columns:
        painted, region = painted.transpose(1, 0, 2), region.T
    return painted, _visible_change(image, painted, region)


def _speckle(image: FloatImage, rng: np.random.Generator, t: float) -> tuple[FloatImage, Mask]:
    size = image.shape[0]
    centre = _centre(rng, size)
    radius = _lerp(SPECKLE_RADIUS, t) * size
    polygon = _irregular_polygon(rng, centre, radius, int(rng.integers(6, 11)), 0.4)
    region = _coverage(size, [polygon]) >= 0.5
    amplitude = _lerp(SPECKLE_AMPLITUDE, t)
    noise = rng.choice([-1.0, 1.0], (size, size)) * amplitude * rng.uniform(0.5, 1.0, (size, size))
    noise = noise.astype(np.float32)[..., None]
    painted = image + noise
    outside = (painted < 0.0) | (painted > 255.0)
    painted = np.where(outside, image - noise, painted)  # reflect instead of clipping to no change
    salt = rng.random((size, size)) < _lerp(SPECKLE_SALT, t)
    dots = np.where(rng.random((size, size)) < 0.5, 12.0, 243.0).astype(np.float32)
    painted = np.where(salt[..., None], dots[..., None], painted)
    return painted, region


def _channel_slip(image: FloatImage, rng: np.random.Generator, t: float) -> tuple[FloatImage, Mask]:
    size = image.shape[0]
    radius = _lerp(SLIP_RADIUS, t) * size
    candidates = [
        (_centre(rng, size), int(rng.integers(3))) for _ in range(DISPLACEMENT_CANDIDATES)
    ]
    centre, channel = max(candidates, key=lambda c: _local_spread(image, c[0], radius, c[1]))
    polygon = _irregular_polygon(rng, centre, radius, int(rng.integers(5, 9)), 0.35)
    region = _coverage(size, [polygon]) >= 0.5
    distance = max(_lerp(MIN_SHIFT_PX, t), _lerp(SLIP_SHIFT_PX, t) * size / REFERENCE_SIZE)
    direction = rng.uniform(0, 2 * np.pi)
    dy, dx = round(distance * np.sin(direction)), round(distance * np.cos(direction))
    if dy == 0 and dx == 0:
        dx = 1
    index = np.arange(size)
    painted = image.copy()
    rows = np.clip(index - dy, 0, size - 1)[:, None]
    cols = np.clip(index - dx, 0, size - 1)[None, :]
    painted[..., channel] = image[rows, cols, channel]
    return painted, _visible_change(image, painted, region)


PAINTERS: dict[str, Painter] = {
    "spatter": _spatter,
    "glyph": _glyph,
    "star_stain": _star_stain,
    "tear": _tear,
    "speckle": _speckle,
    "channel_slip": _channel_slip,
}


# --------------------------------------------------------------------------- drawing helpers


def _visible_change(image: FloatImage, painted: FloatImage, region: Mask) -> Mask:
    """The part of region where moving pixels makes a visible difference, not just a reshuffle
    of sensor noise: the change, averaged over nearby region pixels, reaches the threshold."""
    change = np.abs(painted - image).max(axis=-1) * region
    inside = region.astype(np.float32)
    total = ndimage.gaussian_filter(change, DISPLACEMENT_SMOOTHING)
    weight = ndimage.gaussian_filter(inside, DISPLACEMENT_SMOOTHING)
    return region & (total >= DISPLACEMENT_MIN_CHANGE * np.maximum(weight, 1e-6))


def _lerp(bounds: tuple[float, float], t: float) -> float:
    return bounds[0] + (bounds[1] - bounds[0]) * t


def _centre(rng: np.random.Generator, size: int) -> np.ndarray:
    """A random (y, x) point at least PLACEMENT_MARGIN of the side from the border."""
    return rng.uniform(PLACEMENT_MARGIN * size, (1.0 - PLACEMENT_MARGIN) * size, 2)


def _irregular_polygon(
    rng: np.random.Generator, centre: np.ndarray, radius: float, vertices: int, roughness: float
) -> np.ndarray:
    """(vertices, 2) (y, x) points around centre, radii in [radius*(1-roughness), radius]."""
    angles = np.sort(rng.uniform(0, 2 * np.pi, vertices))
    radii = radius * rng.uniform(1.0 - roughness, 1.0, vertices)
    return centre + np.stack([np.sin(angles), np.cos(angles)], axis=1) * radii[:, None]


def _coverage(size: int, polygons: list[np.ndarray]) -> np.ndarray:
    """Per-pixel coverage in [0, 1] of filled (y, x) polygons, drawn supersampled."""
    canvas = Image.new("L", (size * SUPERSAMPLE, size * SUPERSAMPLE), 0)
    draw = ImageDraw.Draw(canvas)
    for polygon in polygons:
        points = polygon[:, ::-1] * SUPERSAMPLE  # PIL wants (x, y)
        draw.polygon([tuple(p) for p in points.tolist()], fill=255)
    return np.asarray(canvas.reduce(SUPERSAMPLE), dtype=np.float32) / 255.0


def _text_coverage(size: int, text: str, height: float, angle: float, centre: np.ndarray):
    """Coverage in [0, 1] of text of font size height, rotated by angle degrees, at centre."""
    font = _font(max(4, round(height * SUPERSAMPLE)))
    left, top, right, bottom = font.getbbox(text)
    pad = SUPERSAMPLE * 2
    stamp = Image.new("L", (right - left + 2 * pad, bottom - top + 2 * pad), 0)
    ImageDraw.Draw(stamp).text((pad - left, pad - top), text, font=font, fill=255)
    stamp = stamp.rotate(angle, resample=Image.Resampling.BICUBIC, expand=True)
    canvas = Image.new("L", (size * SUPERSAMPLE, size * SUPERSAMPLE), 0)
    corner = (
        round(centre[1] * SUPERSAMPLE - stamp.width / 2),
        round(centre[0] * SUPERSAMPLE - stamp.height / 2),
    )
    canvas.paste(stamp, corner)
    return np.asarray(canvas.reduce(SUPERSAMPLE), dtype=np.float32) / 255.0


@functools.lru_cache(maxsize=32)
def _font(size: int) -> ImageFont.FreeTypeFont | ImageFont.ImageFont:
    """DejaVu Sans Bold from matplotlib's data (a local file), else Pillow's built-in font."""
    spec = importlib.util.find_spec("matplotlib")
    for location in (spec.submodule_search_locations or []) if spec else []:
        path = Path(location) / "mpl-data" / "fonts" / "ttf" / "DejaVuSans-Bold.ttf"
        if path.is_file():
            return ImageFont.truetype(str(path), size)
    return ImageFont.load_default(size=size)


def _window(image: FloatImage, centre: np.ndarray, radius: float) -> FloatImage:
    """The square of half-side radius around centre."""
    size = image.shape[0]
    r = max(1, round(radius))
    y, x = (int(v) for v in np.clip(np.rint(centre), 0, size - 1))
    return image[max(0, y - r) : y + r + 1, max(0, x - r) : x + r + 1]


def _local_colour(image: FloatImage, centre: np.ndarray, radius: float) -> np.ndarray:
    """Mean colour of the square of half-side radius around centre."""
    return _window(image, centre, radius).reshape(-1, 3).mean(axis=0)


def _local_spread(image: FloatImage, centre: np.ndarray, radius: float, channel: int) -> float:
    """Standard deviation of one channel around centre: how much moving it can show."""
    return float(_window(image, centre, radius)[..., channel].std())


def _contrasting_colour(rng: np.random.Generator, local: np.ndarray) -> np.ndarray:
    """A random paint colour far from the local colour (the farthest if none is far enough)."""
    distance = np.linalg.norm(PAINT_COLOURS - local, axis=1)
    candidates = np.flatnonzero(distance >= MIN_PAINT_DISTANCE)
    if candidates.size == 0:
        return PAINT_COLOURS[int(np.argmax(distance))]
    return PAINT_COLOURS[int(rng.choice(candidates))]


def _blend(image: FloatImage, colour: np.ndarray, weight: np.ndarray) -> FloatImage:
    return image + (colour.astype(np.float32) - image) * weight[..., None]
