"""A test pass as a value (TestOutcome): the per-image outputs of every rank, the metrics drawn
from them with the model's calibration, notes on what was skipped, and its wall seconds.

In one process the maps are measured batch by batch (PixelTally) and their heatmaps written as
they come, so no map outlives its batch: with `pixel_bins` (eval.pixel_bins) the pixel metrics
come from histograms over a range set by the calibration, and memory does not grow with the
test set; without it the tally keeps the maps for the exact figures. Under DDP the ranks' maps
are gathered first and measured the same way."""

from __future__ import annotations

import time
from dataclasses import replace
from pathlib import Path

import lightning as L
import torch
from omegaconf import DictConfig

from adbench.data.geometry import geometry_of
from adbench.methods.base import AnomalyModule
from adbench.methods.distributed import GATHERED_CHUNK, gather_eval_results
from adbench.methods.results import (
    EvalResults,
    TestOutcome,
    compute_class_metrics,
    compute_metrics,
    new_pixel_tally,
)
from adbench.metrics.pixel_tally import PixelTally
from adbench.metrics.regions import Regions, RegionSettings, map_regions
from adbench.outputs import figures_not_written, write_heatmaps


class _Collector(L.Callback):
    """Keeps the test steps' scores and measures their maps (and writes their heatmaps) batch by
    batch; at the end gathers the ranks' results, draws the metrics and logs them (test_*) to
    the run's loggers."""

    def __init__(
        self, regions: RegionSettings | None, pixel_bins: int | None, heatmaps: Path | None
    ) -> None:
        self.regions = regions
        self.pixel_bins = pixel_bins
        self.heatmaps = heatmaps
        self.streamed = True
        self.results = EvalResults()
        self.tallies: dict[str, PixelTally] = {}  # "" (all images) and each class
        self.boxes: list[Regions] | None = None
        self.heatmap_notes: list[str] = []
        self.outcome: TestOutcome | None = None

    def on_test_start(self, trainer: L.Trainer, module: AnomalyModule) -> None:
        self.streamed = trainer.world_size == 1  # DDP: measured once gathered
        self.results = EvalResults(keep_maps=not self.streamed)
        fitted = module.calibration.fitted
        self.boxes = [] if self.regions is not None and fitted else None

    def on_test_batch_end(self, trainer, module, outputs, batch, batch_idx, dataloader_idx=0):
        scores, maps = outputs
        self.results.add(batch, scores, maps)
        if self.streamed:
            self._measure(trainer, module, maps.detach().float().cpu()[:, 0], batch)

    def _measure(
        self, trainer: L.Trainer, module: AnomalyModule, maps: torch.Tensor, batch: dict
    ) -> None:
        """Regions, pixel tallies (all images, and each image's class) and heatmaps of a batch
        of (B, H, W) maps."""
        calibration = module.calibration
        found = None
        if self.boxes is not None:
            threshold = calibration.raw_map_value(self.regions.threshold)
            found = map_regions(maps, threshold, self.regions.min_area)
            self.boxes += found
        groups = list(batch.get("group", [""] * len(maps)))
        masks = batch["mask"][:, 0] > 0.5 if "label" in batch else None
        if masks is not None:
            known = torch.as_tensor(batch["has_mask"]).bool()
            for name in {"", *groups}:
                chosen = known & torch.tensor([name in ("", group) for group in groups])
                if chosen.any():
                    if name not in self.tallies:
                        self.tallies[name] = new_pixel_tally(
                            calibration, self.regions, self.pixel_bins
                        )
                    picked = None if found is None else [
                        regions for regions, keep in zip(found, chosen, strict=True) if keep
                    ]  # fmt: skip
                    self.tallies[name].update(maps[chosen], masks[chosen], picked)
        if self.heatmaps is not None and trainer.is_global_zero and not self.heatmap_notes:
            kinds = batch.get("defect_type", ["unknown"] * len(maps))
            folders = [f"{g}/{k}" if g else k for g, k in zip(groups, kinds, strict=True)]
            shown = [None] * len(maps) if masks is None else [
                mask if has else None for mask, has in zip(masks, batch["has_mask"], strict=True)
            ]  # fmt: skip
            try:
                write_heatmaps(
                    self.heatmaps, list(batch["path"]), maps, calibration, shown, folders,
                    geometry_of(module.input_format),
                )  # fmt: skip
            except OSError as error:
                self.heatmap_notes.append(figures_not_written(error))

    def on_test_epoch_end(self, trainer: L.Trainer, module: AnomalyModule) -> None:
        results = gather_eval_results(self.results, trainer.test_dataloaders)
        if not self.streamed:
            self._measure_gathered(trainer, module, results)
        metrics, notes = compute_metrics(
            results, module.calibration, self.regions, tally=self.tallies.get("")
        )
        per_class, class_notes = compute_class_metrics(
            results, module.calibration, self.regions, self.tallies
        )
        for key, value in metrics.items():
            module.log(f"test_{key}", value)
        for name, figures in per_class.items():
            for key, value in figures.items():
                module.log(f"test_{name}/{key}", value)
        pro_curve = self.tallies[""].pro_curve() if "" in self.tallies else None
        self.outcome = TestOutcome(
            results,
            metrics,
            notes + class_notes + self.heatmap_notes,
            per_class,
            pro_curve,
            self.boxes,
        )

    def _measure_gathered(
        self, trainer: L.Trainer, module: AnomalyModule, results: EvalResults
    ) -> None:
        """DDP: the merged results measured as batches (every rank, heatmaps on rank 0)."""
        data = results.stacked()
        for start in range(0, len(results), GATHERED_CHUNK):
            part = slice(start, start + GATHERED_CHUNK)
            batch = {"path": results.paths[part], "defect_type": results.defect_types[part],
                     "group": results.groups[part]}  # fmt: skip
            if "labels" in data:
                batch |= {"label": data["labels"][part], "has_mask": data["has_mask"][part],
                          "mask": data["masks"][part, None].float()}  # fmt: skip
            self._measure(trainer, module, data["maps"][part], batch)


def run_test_pass(
    trainer: L.Trainer,
    module: AnomalyModule,
    datamodule=None,
    dataloaders=None,
    regions: RegionSettings | None = None,
    pixel_bins: int | None = None,
    heatmaps: Path | None = None,
) -> TestOutcome:
    """Test `module` on the datamodule's test split (or on `dataloaders`); what it measured
    (region metrics too with `regions`; pixel metrics binned with `pixel_bins`), with its
    seconds; with `heatmaps`, a panel per image written there during the pass."""
    collector = _Collector(regions, pixel_bins, heatmaps)
    trainer.callbacks.append(collector)
    started = time.perf_counter()
    try:
        trainer.test(module, dataloaders, datamodule=datamodule, verbose=False)
    finally:
        trainer.callbacks.remove(collector)
    return replace(collector.outcome, seconds=time.perf_counter() - started)


def heatmaps_dir(cfg: DictConfig, out_dir: Path) -> Path | None:
    """Where a run's test pass writes its heatmaps (output.heatmaps), or None."""
    return out_dir / "heatmaps" if cfg.output.heatmaps else None
