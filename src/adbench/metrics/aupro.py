"""AUPRO: area under the per-region-overlap curve up to a false-positive-rate limit.

Regions are the 8-connected components of each ground-truth mask. For a threshold t, a region's
overlap is the fraction of its pixels with score >= t; PRO(t) is the mean overlap over all regions
of all images and FPR(t) the fraction of normal pixels with score >= t.

Normal and anomalous scores are sorted once; FPR and PRO at any threshold are then a
``searchsorted`` away. Between two consecutive anomalous scores PRO is constant, so the exact
curve only needs points at the distinct anomalous scores (just above and at each of them).
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
import torch
from scipy import ndimage
from torch import Tensor

from adbench.metrics.classification import check_binary_inputs

# Connect pixels to their 8 neighbours inside one image, never across images of the batch.
_STRUCTURE_8_CONNECTED_2D = np.zeros((3, 3, 3), dtype=bool)
_STRUCTURE_8_CONNECTED_2D[1] = True


def label_regions(masks: np.ndarray) -> tuple[np.ndarray, int]:
    """Label 8-connected regions of (N, H, W) bool masks, ids unique across the batch (0 = none)."""
    regions, n_regions = ndimage.label(masks, structure=_STRUCTURE_8_CONNECTED_2D)
    return regions, int(n_regions)


@dataclass(frozen=True)
class SortedPixels:
    """Ascending normal scores; ascending anomalous scores with their suffix overlap weights.

    ``overlap_from[i]`` is the PRO contributed by anomalous pixels ``i, i+1, ...`` (so
    ``overlap_from[0]`` is 1 and the appended last entry is 0).
    """

    normal: np.ndarray
    anomalous: np.ndarray
    overlap_from: np.ndarray

    @classmethod
    def from_pixels(cls, scores: np.ndarray, regions: np.ndarray, n_regions: int) -> SortedPixels:
        """Split flat scores by flat region ids (0 = normal) and sort each part."""
        is_anomalous = regions > 0
        normal = np.sort(scores[~is_anomalous])
        anomalous_scores = scores[is_anomalous]
        anomalous_regions = regions[is_anomalous]
        order = np.argsort(anomalous_scores)
        region_sizes = np.bincount(anomalous_regions, minlength=n_regions + 1)
        # every region weighs 1 / n_regions, shared equally by its pixels
        weights = 1.0 / (n_regions * region_sizes[anomalous_regions[order]])
        overlap_from = np.append(np.cumsum(weights[::-1])[::-1], 0.0)
        return cls(normal=normal, anomalous=anomalous_scores[order], overlap_from=overlap_from)

    def fpr_pro(self, thresholds: np.ndarray, *, strict: bool = False) -> tuple[np.ndarray, ...]:
        """FPR and PRO predicting anomalous when score >= threshold (score > t if ``strict``)."""
        side = "right" if strict else "left"
        n_normal_below = np.searchsorted(self.normal, thresholds, side=side)
        fpr = (self.normal.size - n_normal_below) / self.normal.size
        pro = self.overlap_from[np.searchsorted(self.anomalous, thresholds, side=side)]
        return fpr, pro


def pro_curve(pixels: SortedPixels) -> tuple[np.ndarray, np.ndarray]:
    """Exact (fpr, pro) curve, fpr non-decreasing from (0, 0) to (1, 1).

    Each distinct anomalous score v contributes the points just above v and at v; normal-only
    thresholds in between lie on horizontal segments and change no area.
    """
    values = pixels.anomalous
    distinct = values[np.append(values[1:] != values[:-1], True)][::-1]  # descending
    fpr_above, pro_above = pixels.fpr_pro(distinct, strict=True)
    fpr_at, pro_at = pixels.fpr_pro(distinct)
    fpr = np.stack([fpr_above, fpr_at], axis=1).reshape(-1)
    pro = np.stack([pro_above, pro_at], axis=1).reshape(-1)
    return np.concatenate(([0.0], fpr, [1.0])), np.concatenate(([0.0], pro, [pro_at[-1]]))


def pro_curve_of(maps: Tensor, masks: Tensor) -> tuple[np.ndarray, np.ndarray]:
    """The exact (fpr, pro) curve of (N, H, W) raw maps against (N, H, W) masks (as `aupro`)."""
    return pro_curve(_sorted_pixels(maps, masks))


def sampled_pro_curve(pixels: SortedPixels, num_thresholds: int) -> tuple[np.ndarray, np.ndarray]:
    """(fpr, pro) at ``num_thresholds`` thresholds evenly spaced from the max to the min score."""
    high = max(pixels.normal[-1], pixels.anomalous[-1])
    low = min(pixels.normal[0], pixels.anomalous[0])
    fpr, pro = pixels.fpr_pro(np.linspace(high, low, num_thresholds))
    return np.concatenate(([0.0], fpr)), np.concatenate(([0.0], pro))


def area_up_to(x: np.ndarray, y: np.ndarray, x_limit: float) -> float:
    """Trapezoidal area under y(x) for x in [x[0], x_limit]; x non-decreasing, y interpolated."""
    stop = int(np.searchsorted(x, x_limit, side="right"))  # x[:stop] <= x_limit
    xs, ys = x[:stop], y[:stop]
    if stop < x.size and xs[-1] < x_limit:
        weight = (x_limit - x[stop - 1]) / (x[stop] - x[stop - 1])
        xs = np.append(xs, x_limit)
        ys = np.append(ys, y[stop - 1] + weight * (y[stop] - y[stop - 1]))
    return float(np.sum(np.diff(xs) * (ys[1:] + ys[:-1])) / 2.0)


def _sorted_pixels(maps: Tensor, masks: Tensor) -> SortedPixels:
    """Validate (N, H, W) maps and masks, label regions and sort the pixels."""
    if maps.ndim != 3:
        raise ValueError(f"maps must be (N, H, W), got shape {tuple(maps.shape)}")
    flat_scores, flat_masks = check_binary_inputs(maps, masks)
    regions, n_regions = label_regions(flat_masks.numpy().reshape(tuple(maps.shape)))
    regions = regions.reshape(-1)
    if n_regions == 0 or bool(flat_masks.all()):
        raise ValueError("AUPRO undefined: masks need both anomalous and normal pixels")
    if flat_scores.dtype not in (torch.float32, torch.float64):
        flat_scores = flat_scores.to(torch.float64)
    return SortedPixels.from_pixels(flat_scores.numpy(), regions, n_regions)


def aupro(
    maps: Tensor, masks: Tensor, fpr_limit: float = 0.3, num_thresholds: int | None = None
) -> float:
    """Normalised AUPRO of (N, H, W) raw anomaly maps against (N, H, W) masks; 1.0 is perfect.

    The PRO curve is integrated over FPR in [0, fpr_limit] and divided by ``fpr_limit``.
    ``num_thresholds=None`` uses every distinct score as a threshold (exact); an int evaluates
    that many thresholds evenly spaced between the min and max score, like binned
    implementations. Raises ValueError without anomalous or without normal pixels.
    """
    if not 0.0 < fpr_limit <= 1.0:
        raise ValueError(f"fpr_limit must be in (0, 1], got {fpr_limit}")
    if num_thresholds is not None and num_thresholds < 2:
        raise ValueError(f"num_thresholds must be >= 2 or None, got {num_thresholds}")
    pixels = _sorted_pixels(maps, masks)
    if num_thresholds is None:
        fpr, pro = pro_curve(pixels)
    else:
        fpr, pro = sampled_pro_curve(pixels, num_thresholds)
    return area_up_to(fpr, pro, fpr_limit) / fpr_limit
