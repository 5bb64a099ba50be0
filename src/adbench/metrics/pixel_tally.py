"""Every pixel figure of an evaluation, fed batch by batch with the maps of images that have
masks: the threshold-free figures (binned histograms in fixed memory, or exact from the kept
maps), F1/precision/recall at the fitted pixel threshold and the region metrics."""

from __future__ import annotations

import numpy as np
import torch
from torch import Tensor

from adbench.metrics.aupro import pro_curve_of
from adbench.metrics.binned import BinnedPixelMetrics
from adbench.metrics.evaluate import pixel_metrics
from adbench.metrics.regions import Regions, RegionTally
from adbench.metrics.thresholded import ThresholdTally


class PixelTally:
    """With `binned`, no map outlives its batch; without it, the maps are kept for the exact
    figures. `at_threshold` and `regions` (both need a fitted calibration) are optional."""

    def __init__(
        self,
        binned: BinnedPixelMetrics | None = None,
        at_threshold: ThresholdTally | None = None,
        regions: RegionTally | None = None,
    ) -> None:
        self.binned = binned
        self.at_threshold = at_threshold
        self.regions = regions
        self.kept: list[tuple[Tensor, Tensor]] = []  # exact: (maps, masks) of each update

    def update(self, maps: Tensor, masks: Tensor, found: list[Regions] | None = None) -> None:
        """Add (B, H, W) raw maps and their (B, H, W) bool masks (`found`: their regions at the
        region tally's threshold, when already drawn)."""
        if not len(maps):
            return
        if self.binned is not None:
            self.binned.update(maps, masks)
        else:
            self.kept.append((maps, masks))
        if self.at_threshold is not None:
            self.at_threshold.update(maps, masks)
        if self.regions is not None:
            self.regions.update(maps, masks, found)

    def compute(self, other: list[Regions] | None = None) -> tuple[dict[str, float], list[str]]:
        """The figures, and notes on binning (`other`: another detector's boxes on the same
        images, for the region comparison)."""
        if self.binned is not None:
            metrics, notes = self.binned.compute(), self.binned.notes()
        else:
            metrics, notes = pixel_metrics(*self._stacked()), []
        if self.at_threshold is not None:
            metrics |= self.at_threshold.compute()
        if self.regions is not None:
            metrics |= self.regions.compute(other)
        return metrics, notes

    def pro_curve(self) -> tuple[np.ndarray, np.ndarray] | None:
        """(FPR, PRO) over the images seen; None without a defect pixel or a normal one."""
        try:
            if self.binned is not None:
                return self.binned.pro_curve()
            maps, masks = self._stacked()
            if not masks.any() or masks.all():
                return None
            return pro_curve_of(maps, masks)
        except ValueError:
            return None

    def _stacked(self) -> tuple[Tensor, Tensor]:
        if not self.kept:
            raise ValueError("pixel metrics undefined: no image with a mask")
        maps, masks = zip(*self.kept, strict=True)
        return torch.cat(maps), torch.cat(masks)
