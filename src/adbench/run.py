"""Orchestration of one run: train (fit, calibrate on validation, test), test a saved model,
predict, benchmark, export, or preview the training data."""

from __future__ import annotations

import logging
import sys
import time
import warnings
from pathlib import Path

import lightning as L
import torch
from hydra.utils import instantiate
from lightning.pytorch.utilities.rank_zero import rank_zero_only
from omegaconf import DictConfig, OmegaConf

from adbench.checkpoints import load_module, method_chosen_on_command_line
from adbench.data import PredictDataModule
from adbench.data.geometry import geometry_of, layout_of
from adbench.errors import AdbenchError
from adbench.export.task import export
from adbench.optuna_pruning import pruned_at, pruning_callbacks, record_trial_outputs
from adbench.outputs import write_predictions, write_test_outputs
from adbench.reporting import format_metrics_table, write_csv_atomic, write_json_atomic
from adbench.runs.checkpointing import ResumeCheckpoint, publish_model, remove_training_checkpoints
from adbench.runs.finite_loss import FiniteLoss
from adbench.runs.layout import RESUME_CHECKPOINT, TRAINED_CHECKPOINT
from adbench.runs.log_history import LogHistory
from adbench.runs.seeding import BatchSeeding
from adbench.runs.settings import check_run_settings
from adbench.runs.start import recorded_validation, start_run
from adbench.sweep_jobs.job_status import in_multirun
from adbench.tensorboard_logging import log_run_to_tensorboard
from adbench.throughput import benchmark
from adbench.visualize import save_panel
from adbench.visualize.preview import preview_grid, preview_tiles
from adbench.wandb_logging import log_config, log_heatmaps

UNREADABLE_FILE = "unreadable.csv"  # task=predict: input images skipped, with the reason
TASKS = ("train", "test", "predict", "benchmark", "export", "preview")

# Lightning's notes that are expected here (methods without optimizer, frozen backbones, ...)
EXPECTED_WARNINGS = (
    r".*configure_optimizers.* returned `None`",
    r".*`training_step` returned `None`",
    r".*module\(s\) in eval mode",
    r".*does not have many workers",
    r".*smaller than the logging interval",
    r".*isinstance\(treespec, LeafSpec\)",
    r".*sync_dist=True.*in distributed setting",  # DDP: results are gathered, ranks agree
    r".*Using `DistributedSampler` with the dataloaders",  # DDP: its repeats are dropped
    # resume=: the sampler goes on mid-epoch and the CSV history is logged again (runs/)
    r".*resuming from a checkpoint that ended before the epoch ended",
    r".*Previous log files in this directory will be deleted",
)


def quiet_lightning() -> None:
    """Hide Lightning's start-up chatter and the warnings that are expected in adbench."""
    for pattern in EXPECTED_WARNINGS:
        warnings.filterwarnings("ignore", message=pattern)
    for name in ("lightning.pytorch", "lightning.fabric"):
        logging.getLogger(name).setLevel(logging.WARNING)


def run(cfg: DictConfig) -> float | None:
    """Run cfg.task; returns the validation image AUROC of a train run (for sweepers), or the
    images/s of a benchmark run."""
    if cfg.task not in TASKS:
        raise AdbenchError(f"task={cfg.task} is unknown: use one of {', '.join(TASKS)}")
    if cfg.task == "train" and cfg.ckpt_path:
        raise AdbenchError(
            f"ckpt_path={cfg.ckpt_path} is read by task=test, predict, export and benchmark; a "
            "train run fits a new model: to continue training a checkpoint pass resume=PATH"
        )
    check_run_settings(cfg)
    out_dir = Path(cfg.output_dir)
    # DDP: the ranks that rank 0 launches write into its directory
    start = start_run(cfg, out_dir, in_multirun(), claim=rank_zero_only.rank == 0)
    if start.done:
        print(f"{out_dir}: this job finished earlier with the same settings; results kept")
        return recorded_validation(out_dir)
    quiet_lightning()
    L.seed_everything(cfg.seed, verbose=False)
    OmegaConf.save(cfg, out_dir / "config.yaml", resolve=True)
    if cfg.task == "predict":
        predict(cfg, out_dir)
        return None
    if cfg.task == "benchmark":
        return benchmark(cfg, out_dir, train)
    if cfg.task == "export":
        export(cfg, out_dir)
        return None
    if cfg.task == "test":
        evaluate(cfg, out_dir)
        return None
    if cfg.task == "preview":
        preview(cfg, out_dir)
        return None
    return train(cfg, out_dir, start.checkpoint)


def train(cfg: DictConfig, out_dir: Path, checkpoint: Path | None = None) -> float | None:
    """Fit (from `checkpoint` when resuming), calibrate, test; the validation image AUROC."""
    module, datamodule = build(cfg)
    trainer = _trainer(cfg)
    trainer.callbacks.extend(_training_callbacks(cfg, out_dir, module, trainer, checkpoint))
    log_config(trainer.loggers, cfg)
    started = time.perf_counter()
    trainer.fit(module, datamodule=datamodule, ckpt_path=checkpoint)
    fit_seconds = time.perf_counter() - started
    if pruned_at(trainer) is not None:
        print(f"Optuna pruned this trial at validation {pruned_at(trainer)}: no test")
        remove_training_checkpoints(out_dir)
        return module.val_metrics.get("val_image_auroc")
    trainer.save_checkpoint(out_dir / TRAINED_CHECKPOINT)  # model.ckpt once the test is written
    test_seconds = _timed_test(trainer, module, datamodule)
    if not trainer.is_global_zero:  # DDP: all ranks hold the gathered results; rank 0 writes
        return module.val_metrics.get("val_image_auroc")
    context = {
        "validation": module.val_metrics,
        "validation_split": datamodule.validation_summary(),
    }
    timing = {"fit_seconds": round(fit_seconds, 2), "test_seconds": round(test_seconds, 2)}
    write_test_report(cfg, out_dir, module, context, timing)
    record_trial_outputs(out_dir, module.test_metrics)
    logged_heatmaps = cfg.output.get("logged_heatmaps", 0)
    log_heatmaps(trainer.loggers, out_dir / "heatmaps", logged_heatmaps)
    figures = module.val_metrics | {f"test_{k}": v for k, v in module.test_metrics.items()}
    log_run_to_tensorboard(trainer.loggers, cfg, figures, out_dir, logged_heatmaps)
    publish_model(out_dir)
    return module.val_metrics.get("val_image_auroc")


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


def evaluate(cfg: DictConfig, out_dir: Path) -> None:
    """task=test: a saved model, with the calibration in its checkpoint, on a labelled dataset's
    test split; the same outputs as a train run's test, nothing refitted."""
    module = load_module(cfg.ckpt_path, method_chosen_on_command_line())
    geometry = geometry_of(module.input_format)  # the checkpoint's size and resize win
    datamodule = instantiate(
        cfg.dataset,
        image_size=module.image_size,
        resize=geometry["resize"],
        resize_fill=geometry["fill"],
        _convert_="all",
    )
    if layout_of(datamodule.input_format()) != layout_of(module.input_format):
        raise AdbenchError(
            f"ckpt_path={cfg.ckpt_path} was trained on images read as "
            f"{module.input_format or 'image files'}, but dataset={_dataset_name(cfg)} reads "
            f"{datamodule.input_format() or 'image files'}: test on the kind of data it learnt"
        )
    trainer = _trainer(cfg)
    test_seconds = _timed_test(trainer, module, datamodule)
    if trainer.is_global_zero:
        context = {"checkpoint": str(Path(cfg.ckpt_path).expanduser().resolve())}
        write_test_report(cfg, out_dir, module, context, {"test_seconds": round(test_seconds, 2)})


def _timed_test(trainer: L.Trainer, module: L.LightningModule, datamodule) -> float:
    started = time.perf_counter()
    trainer.test(module, datamodule=datamodule, verbose=False)
    return time.perf_counter() - started


def write_test_report(
    cfg: DictConfig, out_dir: Path, module: L.LightningModule, context: dict, timing: dict
) -> None:
    """scores.csv, heatmaps, ROC and metrics.json (last: a run is complete once it exists) of a
    test pass, and its table on stdout."""
    figure_notes = write_test_outputs(
        out_dir,
        module.test_results,
        module.calibration,
        cfg.output.heatmaps,
        cfg.output.roc_curve,
        geometry_of(module.input_format),
    )
    summary = {
        "model": module.name,
        "dataset": _dataset_name(cfg),
        "metrics": module.test_metrics,
        **context,
        "notes": module.test_notes + figure_notes,
        "calibration": module.calibration.as_dict(),
        "timing": {**timing, "test_images": len(module.test_results)},
    }
    write_json_atomic(out_dir / "metrics.json", summary)
    print(format_metrics_table(module.test_metrics, title=f"{module.name} on {summary['dataset']}"))
    for note in summary["notes"]:
        print(f"note: {note}")
    print(f"outputs: {out_dir}")


def build(cfg: DictConfig) -> tuple[L.LightningModule, L.LightningDataModule]:
    """The method's module and the datamodule; a method that calibrates out of fold trains on
    every normal, validation normals included."""
    module = instantiate(cfg.model, _convert_="all")
    datamodule = instantiate(
        cfg.dataset,
        out_of_fold=module.out_of_fold,
        trains_in_batches=module.spec.trains,
        _convert_="all",
    )
    module.input_format = datamodule.input_format()
    return module, datamodule


def predict(cfg: DictConfig, out_dir: Path) -> None:
    if not cfg.predict.input:
        raise AdbenchError("predict.input is not set: pass predict.input=DIR (a folder of images)")
    if not isinstance(cfg.predict.input, str):
        raise AdbenchError(f"predict.input={cfg.predict.input} is not one folder: one per run")
    module = load_module(cfg.ckpt_path, method_chosen_on_command_line())
    datamodule = PredictDataModule(
        cfg.predict.input,
        module.image_size,
        cfg.predict.batch_size,
        cfg.dataset.num_workers,
        module.input_format,
    )
    batches = _trainer(cfg, logger=False).predict(module, datamodule=datamodule)
    paths = [path for batch in batches for path in batch["path"]]
    scores = torch.cat([batch["scores"] for batch in batches])
    maps = torch.cat([batch["maps"] for batch in batches])[:, 0]
    geometry = geometry_of(module.input_format)
    write_predictions(
        out_dir, paths, scores, maps, module.calibration, cfg.output.heatmaps, geometry
    )
    module.extra_predict_outputs(out_dir, batches)
    print(f"scored {len(paths)} images: {out_dir / 'anomaly_scores.csv'}")
    if datamodule.unreadable:
        write_csv_atomic(out_dir / UNREADABLE_FILE, ["file", "reason"], datamodule.unreadable)
        first = datamodule.unreadable[0][0]
        print(
            f"adbench: warning: {len(datamodule.unreadable)} image(s) could not be read and have "
            f"no score (first: {first}): listed in {out_dir / UNREADABLE_FILE}",
            file=sys.stderr,
        )


def preview(cfg: DictConfig, out_dir: Path) -> None:
    """task=preview: preview.png, a grid of training samples as the method will see them."""
    datamodule = instantiate(cfg.dataset, _convert_="all")
    datamodule.setup("fit")
    tiles = preview_tiles(datamodule.train_dataloader(), cfg.preview.samples)
    path = out_dir / "preview.png"
    save_panel(path, preview_grid(tiles, cfg.preview.columns))
    print(f"{len(tiles)} training samples: {path}")


def _trainer(cfg: DictConfig, logger=None) -> L.Trainer:
    if logger is None:
        logger = instantiate(cfg.logger) if cfg.logger else False
    return instantiate(cfg.trainer, logger=logger)


def _dataset_name(cfg: DictConfig) -> str:
    category = cfg.dataset.get("category")
    return f"{cfg.dataset._target_.rsplit('.', 1)[-1].removesuffix('DataModule').lower()}" + (
        f"/{category}" if category else ""
    )
