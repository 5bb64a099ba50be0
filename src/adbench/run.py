"""One run of `task=`: the checks every run passes, its directory, then the task's module
(adbench.tasks: train, test, predict, benchmark, export, preview)."""

from __future__ import annotations

import logging
import warnings
from collections.abc import Callable
from pathlib import Path
from typing import Any

import lightning as L
from lightning.pytorch.utilities.rank_zero import rank_zero_only
from omegaconf import DictConfig, OmegaConf

from adbench.errors import AdbenchError
from adbench.runs.settings import check_run_settings
from adbench.runs.start import recorded_validation, start_run
from adbench.sweeps.job_status import in_multirun
from adbench.tasks.benchmark import benchmark
from adbench.tasks.export import export
from adbench.tasks.predict import predict
from adbench.tasks.preview import preview
from adbench.tasks.test import test
from adbench.tasks.train import train

TASKS: dict[str, Callable[[DictConfig, Path], Any]] = {
    "train": train, "test": test, "predict": predict, "benchmark": benchmark, "export": export,
    "preview": preview,
}  # fmt: skip

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
    if cfg.task == "train":
        return train(cfg, out_dir, start.checkpoint).validation.get("val_image_auroc")
    result = TASKS[cfg.task](cfg, out_dir)
    return result if cfg.task == "benchmark" else None  # a sweep over images/s
