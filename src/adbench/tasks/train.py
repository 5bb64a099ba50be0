"""`task=train` (the default): fit, calibrate on validation, test, write the outputs."""

from __future__ import annotations

import time
from dataclasses import dataclass
from pathlib import Path

import lightning as L
from omegaconf import DictConfig

from adbench.methods.results import TestOutcome
from adbench.metrics.regions import RegionSettings
from adbench.outputs import write_test_report
from adbench.runs.checkpointing import ResumeCheckpoint, publish_model, remove_training_checkpoints
from adbench.runs.finite_loss import FiniteLoss
from adbench.runs.layout import RESUME_CHECKPOINT, TRAINED_CHECKPOINT
from adbench.runs.log_history import LogHistory
from adbench.runs.seeding import BatchSeeding
from adbench.sweeps.optuna_pruning import pruned_at, pruning_callbacks, record_trial_outputs
from adbench.sweeps.tensorboard_logging import log_run_to_tensorboard
from adbench.sweeps.wandb_logging import log_config, log_heatmaps
from adbench.tasks.building import build_from
from adbench.tasks.test_pass import heatmaps_dir, run_test_pass
from adbench.tasks.trainer import make_trainer


@dataclass(frozen=True)
class TrainOutcome:
    """What a train run measured."""

    validation: dict[str, float]  # the final validation's val_* figures (what sweeps optimise)
    test: TestOutcome | None  # None: Optuna pruned the trial before its test
    fit_seconds: float


def train(cfg: DictConfig, out_dir: Path, checkpoint: Path | None = None) -> TrainOutcome:
    """Fit (from `checkpoint` when resuming), calibrate, test, and write the outputs."""
    module, datamodule = build(cfg)
    trainer = make_trainer(cfg)
    trainer.callbacks.extend(_training_callbacks(cfg, out_dir, module, trainer, checkpoint))
    log_config(trainer.loggers, cfg)
    started = time.perf_counter()
    trainer.fit(module, datamodule=datamodule, ckpt_path=checkpoint)
    fit_seconds = time.perf_counter() - started
    if pruned_at(trainer) is not None:
        print(f"Optuna pruned this trial at validation {pruned_at(trainer)}: no test")
        remove_training_checkpoints(out_dir)
        return TrainOutcome(module.val_metrics, None, fit_seconds)
    trainer.save_checkpoint(out_dir / TRAINED_CHECKPOINT)  # model.ckpt once the test is written
    test = run_test_pass(
        trainer, module, datamodule, regions=RegionSettings.from_config(cfg.eval),
        pixel_bins=cfg.eval.pixel_bins, heatmaps=heatmaps_dir(cfg, out_dir),
    )  # fmt: skip
    outcome = TrainOutcome(module.val_metrics, test, fit_seconds)
    if not trainer.is_global_zero:  # DDP: all ranks hold the gathered results; rank 0 writes
        return outcome
    context = {
        "validation": module.val_metrics,
        "validation_split": datamodule.validation_summary(),
    }
    write_test_report(cfg, out_dir, module, test, context, {"fit_seconds": round(fit_seconds, 2)})
    record_trial_outputs(out_dir, test.metrics)
    logged_heatmaps = cfg.output.get("logged_heatmaps", 0)
    log_heatmaps(trainer.loggers, out_dir / "heatmaps", logged_heatmaps)
    figures = module.val_metrics | {f"test_{k}": v for k, v in test.metrics.items()}
    log_run_to_tensorboard(trainer.loggers, cfg, figures, out_dir, logged_heatmaps)
    publish_model(out_dir)
    return outcome


def _training_callbacks(
    cfg: DictConfig,
    out_dir: Path,
    module: L.LightningModule,
    trainer: L.Trainer,
    checkpoint: Path | None,
) -> list[L.Callback]:
    """Per-batch seeding, the finite-loss guard, the checkpoint for resume= (methods that
    train), the resumed run's log history, and Optuna's reporting and pruning inside a study."""
    callbacks: list[L.Callback] = [BatchSeeding(cfg.seed), FiniteLoss()]
    if module.spec.trains:
        every = cfg.checkpoint.every_minutes
        callbacks.append(ResumeCheckpoint(out_dir / RESUME_CHECKPOINT, every))
    if checkpoint is not None:
        callbacks.append(LogHistory(trainer.loggers))
    return [*callbacks, *pruning_callbacks()]


def build(cfg: DictConfig) -> tuple[L.LightningModule, L.LightningDataModule]:
    """The method's module and the datamodule; a method that calibrates out of fold trains on
    every normal, validation normals included."""
    module = build_from(cfg.model, "model", _convert_="all")
    datamodule = build_from(
        cfg.dataset,
        "dataset",
        out_of_fold=module.out_of_fold,
        trains_in_batches=module.spec.trains,
        _convert_="all",
    )
    module.input_format = datamodule.input_format()
    return module, datamodule
