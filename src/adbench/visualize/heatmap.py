"""Side-by-side qualitative panels: image | ground truth | anomaly heatmap with predicted region."""

from __future__ import annotations

from functools import lru_cache
from pathlib import Path

import matplotlib
import numpy as np
from PIL import Image
from scipy import ndimage

HEATMAP_ALPHA = 0.5
MASK_ALPHA = 0.35
GROUND_TRUTH_COLOR = (255, 0, 0)
PREDICTION_COLOR = (255, 255, 255)
DEFAULT_THRESHOLD = 0.5


@lru_cache(maxsize=1)
def _jet_lut() -> np.ndarray:
    """256 x 3 uint8 lookup table of matplotlib's jet colormap."""
    rgba = matplotlib.colormaps["jet"](np.linspace(0.0, 1.0, 256))
    return np.round(rgba[:, :3] * 255).astype(np.uint8)


def colorize(values: np.ndarray) -> np.ndarray:
    """Map HxW values in [0, 1] (clipped, NaN -> 0) to HxWx3 uint8 jet colours."""
    clean = np.clip(np.nan_to_num(values, nan=0.0), 0.0, 1.0)
    return _jet_lut()[np.round(clean * 255).astype(np.intp)]


def blend(
    base: np.ndarray, overlay: np.ndarray, alpha: float, where: np.ndarray | None = None
) -> np.ndarray:
    """``(1 - alpha) * base + alpha * overlay`` as uint8, only where ``where`` (HxW) is True."""
    mixed = np.round((1.0 - alpha) * base + alpha * np.asarray(overlay, dtype=np.float32))
    mixed = mixed.astype(np.uint8)
    if where is None:
        return mixed
    return np.where(where[..., None], mixed, base)


def outline(region: np.ndarray, thickness: int = 1) -> np.ndarray:
    """Inner boundary of a bool HxW region, ``thickness`` pixels wide (image border counts)."""
    if not region.any():
        return region.copy()
    return region & ~ndimage.binary_erosion(region, iterations=thickness, border_value=0)


def draw_outline(image: np.ndarray, region: np.ndarray, color: tuple[int, int, int]) -> np.ndarray:
    """Copy of ``image`` with the region's outline painted in ``color``."""
    thickness = max(1, min(region.shape) // 256)
    painted = image.copy()
    painted[outline(region, thickness)] = color
    return painted


def _as_rgb(image: np.ndarray) -> np.ndarray:
    """Accept HxW, HxWx1 or HxWx3 uint8; return HxWx3 uint8."""
    image = np.asarray(image)
    if image.dtype != np.uint8:
        raise ValueError(f"image must be uint8, got {image.dtype}")
    if image.ndim == 2:
        image = image[..., None]
    if image.ndim != 3 or image.shape[2] not in (1, 3):
        raise ValueError(f"image must be HxWx3 (or HxW grayscale), got shape {image.shape}")
    return np.repeat(image, 3, axis=2) if image.shape[2] == 1 else image


def _check_plane(name: str, plane: np.ndarray | None, shape: tuple[int, int]) -> None:
    if plane is not None and plane.shape != shape:
        raise ValueError(f"{name} shape {plane.shape} does not match image shape {shape}")


def ground_truth_view(image: np.ndarray, mask: np.ndarray) -> np.ndarray:
    """Image with the mask tinted and outlined in the ground-truth colour."""
    tinted = blend(image, np.array(GROUND_TRUTH_COLOR), MASK_ALPHA, where=mask)
    return draw_outline(tinted, mask, GROUND_TRUTH_COLOR)


def heatmap_view(image: np.ndarray, anomaly_map: np.ndarray, threshold: float) -> np.ndarray:
    """Jet heatmap blended on the image, predicted region (map >= threshold) outlined."""
    overlay = blend(image, colorize(anomaly_map), HEATMAP_ALPHA)
    return draw_outline(overlay, anomaly_map >= threshold, PREDICTION_COLOR)


def heatmap_panel(
    image: np.ndarray,
    anomaly_map: np.ndarray,
    mask: np.ndarray | None,
    *,
    threshold: float | None = None,
) -> np.ndarray:
    """One uint8 RGB panel: image | ground truth (skipped when mask is None) | heatmap.

    ``anomaly_map`` is HxW, already normalised to [0, 1]; the predicted region is
    ``map >= threshold`` (default 0.5, the normalised decision threshold).
    """
    rgb = _as_rgb(image)
    shape = rgb.shape[:2]
    anomaly_map = np.asarray(anomaly_map, dtype=np.float32)
    _check_plane("anomaly_map", anomaly_map, shape)
    views = [rgb]
    if mask is not None:
        mask = np.asarray(mask, dtype=bool)
        _check_plane("mask", mask, shape)
        views.append(ground_truth_view(rgb, mask))
    views.append(
        heatmap_view(rgb, anomaly_map, DEFAULT_THRESHOLD if threshold is None else threshold)
    )
    return np.concatenate(views, axis=1)


def save_panel(path: str | Path, panel: np.ndarray) -> None:
    """Write an HxWx3 uint8 panel as PNG, creating parent directories."""
    if panel.dtype != np.uint8 or panel.ndim != 3 or panel.shape[2] != 3:
        raise ValueError(f"panel must be HxWx3 uint8, got {panel.shape} {panel.dtype}")
    path = Path(path)
    path.parent.mkdir(parents=True, exist_ok=True)
    Image.fromarray(panel).save(path, format="PNG")
