"""Optuna pruning for Lightning: report the validation metric, stop a trial the pruner drops.

Inside a job of `python -m adbench -m hparams_search=...` (adbench's Optuna sweeper, basic
launcher) the trainer gets an `OptunaPruning` callback. Each validation reports the metric at
step k = the trial's k-th validation (0-based), so epoch-trained methods (DRAEM, CFlow) and
step-trained ones (CRN, every val_check_interval steps) are compared validation by validation.
When the pruner says so, training stops and the sweeper records the trial as PRUNED.
optuna-integration's callback reports at `current_epoch`, which repeats for CRN's in-epoch
validations, hence this one.
"""

from __future__ import annotations

import math
from pathlib import Path
from typing import Any

import lightning as L

MONITOR = "val_image_auroc"  # what run() returns and the sweeper optimises
JOB_DIR_ATTR = "adbench_job_dir"  # trial user attributes of a finished job
TEST_METRICS_ATTR = "adbench_test_metrics"


class OptunaPruning(L.Callback):
    """Reports `monitor` after each validation; stops the trainer when the trial is pruned."""

    def __init__(self, trial: Any, monitor: str = MONITOR) -> None:
        self.trial = trial
        self.monitor = monitor
        self.validations = 0
        self.pruned_at: int | None = None

    def on_validation_end(self, trainer: L.Trainer, pl_module: L.LightningModule) -> None:
        if trainer.sanity_checking or self.monitor not in trainer.callback_metrics:
            return
        value = float(trainer.callback_metrics[self.monitor])
        step, self.validations = self.validations, self.validations + 1
        if not math.isfinite(value):
            return
        self.trial.report(value, step)
        if self.trial.should_prune():
            from hydra_plugins.adbench_optuna_sweeper.running_trial import PRUNED_AT_ATTR

            self.pruned_at = step
            self.trial.set_user_attr(PRUNED_AT_ATTR, step)
            trainer.should_stop = True


def pruning_callbacks() -> list[L.Callback]:
    """[OptunaPruning] inside a job of an Optuna sweep with a trial in this process, else []."""
    trial = _running_trial()
    return [OptunaPruning(trial)] if trial is not None else []


def record_trial_outputs(job_dir: Path, test_metrics: dict[str, float]) -> None:
    """Inside an Optuna sweep, the trial keeps where its job wrote and what it measured on test
    (user attributes JOB_DIR_ATTR and TEST_METRICS_ATTR), beside the validation value."""
    trial = _running_trial()
    if trial is not None:
        trial.set_user_attr(JOB_DIR_ATTR, str(job_dir))
        trial.set_user_attr(TEST_METRICS_ATTR, dict(test_metrics))


def _running_trial() -> Any | None:
    try:
        from hydra_plugins.adbench_optuna_sweeper import running_trial
    except ImportError:  # pragma: no cover - the plugin ships with adbench
        return None
    return running_trial.current()


def pruned_at(trainer: L.Trainer) -> int | None:
    """The validation at which Optuna pruned this trainer's trial, None if it was not pruned."""
    for callback in trainer.callbacks:
        if isinstance(callback, OptunaPruning) and callback.pruned_at is not None:
            return callback.pruned_at
    return None
