"""A test pass as a value (TestOutcome): the per-image outputs of every rank, the metrics drawn
from them with the model's calibration, notes on what was skipped, and its wall seconds."""

from __future__ import annotations

import time
from dataclasses import replace

import lightning as L

from adbench.methods.base import AnomalyModule
from adbench.methods.distributed import gather_eval_results
from adbench.methods.results import (
    EvalResults,
    TestOutcome,
    compute_class_metrics,
    compute_metrics,
)
from adbench.metrics.regions import RegionSettings


class _Collector(L.Callback):
    """Keeps the test steps' outputs; at the end gathers them over the ranks, measures them and
    logs the metrics (test_*) to the run's loggers."""

    def __init__(self, regions: RegionSettings | None) -> None:
        self.regions = regions
        self.results = EvalResults()
        self.outcome: TestOutcome | None = None

    def on_test_batch_end(self, trainer, module, outputs, batch, batch_idx, dataloader_idx=0):
        self.results.add(batch, *outputs)

    def on_test_epoch_end(self, trainer: L.Trainer, module: AnomalyModule) -> None:
        results = gather_eval_results(self.results, trainer.test_dataloaders)
        metrics, notes = compute_metrics(results, module.calibration, self.regions)
        per_class, class_notes = compute_class_metrics(results, module.calibration, self.regions)
        for key, value in metrics.items():
            module.log(f"test_{key}", value)
        for name, figures in per_class.items():
            for key, value in figures.items():
                module.log(f"test_{name}/{key}", value)
        self.outcome = TestOutcome(results, metrics, notes + class_notes, per_class)


def run_test_pass(
    trainer: L.Trainer,
    module: AnomalyModule,
    datamodule=None,
    dataloaders=None,
    regions: RegionSettings | None = None,
) -> TestOutcome:
    """Test `module` on the datamodule's test split (or on `dataloaders`); what it measured
    (region metrics too with `regions`), with its seconds."""
    collector = _Collector(regions)
    trainer.callbacks.append(collector)
    started = time.perf_counter()
    try:
        trainer.test(module, dataloaders, datamodule=datamodule, verbose=False)
    finally:
        trainer.callbacks.remove(collector)
    return replace(collector.outcome, seconds=time.perf_counter() - started)
