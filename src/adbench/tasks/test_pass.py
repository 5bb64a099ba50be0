"""A test pass as a value (TestOutcome): the per-image outputs of every rank, the metrics drawn
from them with the model's calibration, notes on what was skipped, and its wall seconds.

With `pixel_bins` (eval.pixel_bins) the pixel metrics come from histograms filled batch by batch
(metrics/binned.py) over a range set by the calibration, instead of sorting every test pixel."""

from __future__ import annotations

import time
from dataclasses import replace

import lightning as L
import torch

from adbench.methods.base import AnomalyModule
from adbench.methods.distributed import gather_eval_results
from adbench.methods.results import (
    EvalResults,
    TestOutcome,
    compute_class_metrics,
    compute_metrics,
)
from adbench.metrics.binned import BinnedPixelMetrics
from adbench.metrics.regions import RegionSettings
from adbench.postprocess import Calibration

# the binned range: the validation maps' span, widened below by one span and above by two
BINNED_RANGE_BELOW, BINNED_RANGE_ABOVE = 1.0, 2.0


class _Collector(L.Callback):
    """Keeps the test steps' outputs; at the end gathers them over the ranks, measures them and
    logs the metrics (test_*) to the run's loggers."""

    def __init__(self, regions: RegionSettings | None, pixel_bins: int | None) -> None:
        self.regions = regions
        self.pixel_bins = pixel_bins
        self.binned: dict[str, BinnedPixelMetrics] = {}  # "" (all images) and each class
        self.results = EvalResults()
        self.outcome: TestOutcome | None = None

    def on_test_batch_end(self, trainer, module, outputs, batch, batch_idx, dataloader_idx=0):
        self.results.add(batch, *outputs)
        if self.pixel_bins and trainer.world_size == 1:  # DDP: binned from the gathered results
            self._bin(module.calibration, outputs[1][:, 0], batch)

    def _bin(self, calibration: Calibration, maps: torch.Tensor, batch: dict) -> None:
        """Add the batch's (B, H, W) maps of images with masks to the histograms of all images
        and of each image's class."""
        known = torch.as_tensor(batch["has_mask"]).bool()
        masks = batch["mask"][:, 0] > 0.5
        groups = batch.get("group", [""] * len(known))
        for name in {"", *groups}:
            chosen = known & torch.tensor([name in ("", group) for group in groups])
            if chosen.any():
                if name not in self.binned:
                    self.binned[name] = binned_metrics(calibration, self.pixel_bins)
                self.binned[name].update(maps[chosen], masks[chosen])

    def on_test_epoch_end(self, trainer: L.Trainer, module: AnomalyModule) -> None:
        results = gather_eval_results(self.results, trainer.test_dataloaders)
        if self.pixel_bins and trainer.world_size > 1:  # the merged results, binned at once
            data = results.stacked()
            merged = {"has_mask": data["has_mask"], "mask": data["masks"][:, None],
                      "group": results.groups}  # fmt: skip
            self._bin(module.calibration, data["maps"], merged)
        metrics, notes = compute_metrics(
            results, module.calibration, self.regions, binned=self.binned.get("")
        )
        per_class, class_notes = compute_class_metrics(
            results, module.calibration, self.regions, self.binned
        )
        for key, value in metrics.items():
            module.log(f"test_{key}", value)
        for name, figures in per_class.items():
            for key, value in figures.items():
                module.log(f"test_{name}/{key}", value)
        self.outcome = TestOutcome(
            results, metrics, notes + class_notes, per_class, self._binned_pro_curve()
        )

    def _binned_pro_curve(self) -> tuple | None:
        try:
            return self.binned[""].pro_curve() if "" in self.binned else None
        except ValueError:  # no defect pixel (or no normal one): no curve
            return None


def run_test_pass(
    trainer: L.Trainer,
    module: AnomalyModule,
    datamodule=None,
    dataloaders=None,
    regions: RegionSettings | None = None,
    pixel_bins: int | None = None,
) -> TestOutcome:
    """Test `module` on the datamodule's test split (or on `dataloaders`); what it measured
    (region metrics too with `regions`; pixel metrics binned with `pixel_bins`), with its
    seconds."""
    collector = _Collector(regions, pixel_bins)
    trainer.callbacks.append(collector)
    started = time.perf_counter()
    try:
        trainer.test(module, dataloaders, datamodule=datamodule, verbose=False)
    finally:
        trainer.callbacks.remove(collector)
    return replace(collector.outcome, seconds=time.perf_counter() - started)


def binned_metrics(calibration: Calibration, bins: int) -> BinnedPixelMetrics:
    """Histograms over the calibration's map range (validation), widened on both sides: test
    defects score above anything validation saw."""
    low, high = calibration.map_range()
    span = max(high - low, 1e-12)
    return BinnedPixelMetrics(
        low - BINNED_RANGE_BELOW * span, high + BINNED_RANGE_ABOVE * span, bins
    )
