"""Pixel metrics fed batch by batch, in memory that does not grow with the test set.

Each pixel's raw map value falls into one of `bins` equal bins between `low` and `high` (values
outside go to the end bins). A growing histogram (`BinnedPixelMetrics.growing`, for validation,
where no range is known yet) keeps its bins on a grid of power-of-two widths that holds every
value seen, widening it (merging bins) as values come: it never clips, its bins stay under
2 x (max - min) / (bins - 1) wide, and its counts do not depend on the order of the batches.
Kept per bin: the count of normal pixels, of anomalous pixels, and the sum over the
ground-truth regions of the share of each region's pixels in it. The curves
are then read at the bin edges: FPR and TPR from suffix sums of the counts, PRO (the mean of
the regions' overlaps) from the suffix sums of the shares. Pixels within one bin count as tied,
as in binned implementations (ADEval, anomalib's binned curves); tests bound the error against
the exact figures of metrics.evaluate.pixel_metrics.
"""

from __future__ import annotations

import math

import numpy as np
import torch
from torch import Tensor

from adbench.metrics.aupro import area_up_to, label_regions
from adbench.metrics.evaluate import PIXEL_AUPRO_FPR_LIMIT

DEFAULT_BINS = 10_000


class BinnedPixelMetrics:
    """Pixel AUROC, AUPR, oracle F1-max and AUPRO up to an FPR limit, from histograms."""

    def __init__(self, low: float, high: float, bins: int = DEFAULT_BINS, grows: bool = False):
        if not (np.isfinite(low) and np.isfinite(high) and high > low) or bins < 2:
            raise ValueError(f"binned pixel metrics need low < high and bins >= 2: {low}, {high}")
        self.edges = torch.linspace(low, high, bins + 1, dtype=torch.float64)
        self.bins = bins
        self.grows = grows
        self.normal = torch.zeros(bins, dtype=torch.float64)
        self.anomalous = torch.zeros(bins, dtype=torch.float64)
        self.region_shares = torch.zeros(bins, dtype=torch.float64)
        self.regions = 0
        self.outside = 0  # pixels beyond low or high, counted in the end bins
        self.seen_min, self.seen_max = float("inf"), float("-inf")  # finite values only

    @classmethod
    def growing(cls, bins: int = DEFAULT_BINS) -> BinnedPixelMetrics:
        """A histogram whose range follows the values (see the module's docstring)."""
        return cls(0.0, 1.0, bins, grows=True)  # the first batch sets the range

    def update(self, maps: Tensor, masks: Tensor) -> None:
        """Add (B, H, W) raw maps with their (B, H, W) bool masks."""
        maps = maps.detach().cpu().to(torch.float64)
        masks = masks.detach().cpu().bool()
        if maps.shape != masks.shape or maps.ndim != 3:
            raise ValueError(f"maps {tuple(maps.shape)} and masks {tuple(masks.shape)}: (B, H, W)")
        finite = maps[torch.isfinite(maps)]
        if finite.numel():
            self._see(float(finite.min()), float(finite.max()))
        index = torch.bucketize(maps, self.edges[1:-1], right=True)  # bin of each pixel
        self.outside += int(((maps < self.edges[0]) | (maps > self.edges[-1])).sum())
        self.normal += torch.bincount(index[~masks], minlength=self.bins)
        self.anomalous += torch.bincount(index[masks], minlength=self.bins)
        regions, count = label_regions(masks.numpy())
        if count:
            ids = torch.from_numpy(regions[masks.numpy()]).long()
            sizes = torch.bincount(ids, minlength=count + 1).to(torch.float64)
            self.region_shares += torch.bincount(
                index[masks], weights=1.0 / sizes[ids], minlength=self.bins
            )
            self.regions += count

    @property
    def seen(self) -> bool:
        """Whether any finite value was added."""
        return self.seen_min <= self.seen_max

    def _see(self, low: float, high: float) -> None:
        """Note a batch's finite range; a growing histogram moves to the grid that holds
        everything seen (see `_grid`), merging its bins into the new ones."""
        first = not self.seen
        self.seen_min, self.seen_max = min(self.seen_min, low), max(self.seen_max, high)
        if not self.grows:
            return
        old_width = None if first else float(self.edges[1] - self.edges[0])
        width, start = _grid(self.seen_min, self.seen_max, self.bins, old_width)
        if old_width is not None:
            old_start = round(float(self.edges[0]) / old_width)
            ratio = round(width / old_width)  # a power of two
            target = torch.div(torch.arange(old_start, old_start + self.bins), ratio,
                               rounding_mode="floor") - start  # fmt: skip
            inside = (target >= 0) & (target < self.bins)  # the bins outside are empty
            for name in ("normal", "anomalous", "region_shares"):
                old = getattr(self, name)
                new = torch.zeros_like(old).index_add_(0, target[inside], old[inside])
                setattr(self, name, new)
        self.edges = (start + torch.arange(self.bins + 1, dtype=torch.float64)) * width

    def calibration(self, normal_quantile: float) -> tuple[float, float, float]:
        """(threshold, min, max) for postprocess.Calibration: the bin edge of the best F1 when
        both kinds of pixel were seen, else the `normal_quantile` of the values; the exact
        lowest and highest finite value."""
        tp, fp = _suffix_sums(self.anomalous), _suffix_sums(self.normal)
        n_pos, total = float(tp[-1]), float(tp[-1] + fp[-1])
        if 0 < n_pos < total:
            flagged_bins = int(_f1(tp, fp, n_pos).argmax())  # the top bins flagged
            threshold = float(self.edges[self.bins - flagged_bins])
        else:
            threshold = self._quantile(normal_quantile)
        return threshold, self.seen_min, self.seen_max

    def _quantile(self, share: float) -> float:
        """The value below which `share` of the pixels lie, interpolated within its bin."""
        counts = self.normal + self.anomalous
        below = counts.cumsum(0)
        wanted = share * float(below[-1])
        index = min(int(torch.searchsorted(below, torch.tensor(wanted, dtype=below.dtype))),
                    self.bins - 1)  # fmt: skip
        inside = (wanted - float(below[index] - counts[index])) / max(float(counts[index]), 1.0)
        width = float(self.edges[1] - self.edges[0])
        value = float(self.edges[index]) + min(max(inside, 0.0), 1.0) * width
        return min(max(value, self.seen_min), self.seen_max)

    def compute(self) -> dict[str, float]:
        """The pixel figures (metrics.evaluate's names). Raises ValueError without anomalous or
        without normal pixels."""
        n_pos = self._check()
        # predicted anomalous at or above each edge, from the top edge down (first point: none)
        tp = _suffix_sums(self.anomalous)
        fp = _suffix_sums(self.normal)
        tpr, fpr = tp / n_pos, fp / float(self.normal.sum())
        flagged = tp[1:] + fp[1:]
        precision = torch.where(flagged > 0, tp[1:] / flagged.clamp_min(1), torch.ones(1))
        _, pro = self.pro_curve()
        limit = PIXEL_AUPRO_FPR_LIMIT
        return {
            "pixel_auroc": float(torch.trapezoid(tpr, fpr)),
            "pixel_aupr": float(((tpr[1:] - tpr[:-1]) * precision).sum()),
            "pixel_f1_max_oracle": float(_f1(tp, fp, n_pos).max()),
            "pixel_aupro_30": area_up_to(fpr.numpy(), pro, limit) / limit,
        }

    def pro_curve(self) -> tuple[np.ndarray, np.ndarray]:
        """(FPR, PRO) at the bin edges from the top down, FPR non-decreasing from 0 to 1."""
        self._check()
        fpr = _suffix_sums(self.normal) / float(self.normal.sum())
        return fpr.numpy(), (_suffix_sums(self.region_shares) / self.regions).numpy()

    def _check(self) -> float:
        """The count of anomalous pixels; ValueError without anomalous or normal ones."""
        if not self.anomalous.sum() or not self.normal.sum():
            raise ValueError("pixel metrics undefined: masks need both anomalous and normal pixels")
        return float(self.anomalous.sum())

    def notes(self) -> list[str]:
        """A note when pixels fell outside the range (tied in the end bins)."""
        total = float(self.normal.sum() + self.anomalous.sum())
        if not self.outside:
            return []
        low, high = float(self.edges[0]), float(self.edges[-1])
        return [
            f"{self.outside} of {total:.0f} pixels fell outside the binned range "
            f"[{low:.4g}, {high:.4g}] and count as tied at its ends: the pixel metrics may be "
            "off; eval.pixel_bins=null computes them exactly"
        ]


def _grid(low: float, high: float, bins: int, width: float | None) -> tuple[float, int]:
    """(bin width, index of the first bin) of a growing histogram over [low, high]: the
    narrowest power-of-two width (at least `width`, the current one) whose `bins` bins, on the
    grid of that width's multiples, hold both. It depends only on low and high, so the counts
    do not depend on the order the values came in (DDP's gathered maps bin as one process's),
    and the width is under 2 x (high - low) / (bins - 1)."""
    span = max(high - low, abs(high) * 1e-6, 1e-12)
    narrowest = 2.0 ** math.ceil(math.log2(span / bins))
    width = narrowest if width is None else max(width, narrowest)
    while math.floor(low / width) + bins <= high / width:
        width *= 2
    return width, math.floor(low / width)


def _f1(tp: Tensor, fp: Tensor, n_pos: float) -> Tensor:
    """F1 at each edge from the counts flagged at or above it."""
    return 2 * tp / (tp + fp + n_pos)


def _suffix_sums(counts: Tensor) -> Tensor:
    """(bins + 1,) totals at or above each edge, from above the top edge (0) down to all."""
    return torch.cat([counts.new_zeros(1), counts.flip(0).cumsum(0)])
