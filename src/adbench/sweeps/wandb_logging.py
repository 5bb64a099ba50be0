"""What a run sends to Weights & Biases beyond Lightning's metrics: the composed config, heatmap
panels, and the end of the run (one W&B run per job, also in a one-process multirun)."""

from __future__ import annotations

import sys
from collections.abc import Iterable
from pathlib import Path

from lightning.pytorch.loggers import Logger, WandbLogger
from omegaconf import DictConfig, OmegaConf

HEATMAP_KEY = "heatmaps"


def wandb_loggers(loggers: Iterable[Logger]) -> list[WandbLogger]:
    return [logger for logger in loggers if isinstance(logger, WandbLogger)]


def log_config(loggers: Iterable[Logger], cfg: DictConfig) -> None:
    """The composed, resolved config as the W&B run config (nested, as in config.yaml)."""
    for logger in wandb_loggers(loggers):
        logger.log_hyperparams(OmegaConf.to_container(cfg, resolve=True))


def pick_heatmaps(heatmap_dir: Path, limit: int) -> list[Path]:
    """Up to `limit` panels, taken in turn from each defect folder so that every type shows."""
    groups = [sorted(folder.glob("*.png")) for folder in sorted(heatmap_dir.glob("*/"))]
    groups.append(sorted(heatmap_dir.glob("*.png")))
    picked: list[Path] = []
    for index in range(max((len(group) for group in groups), default=0)):
        picked += [group[index] for group in groups if index < len(group)]
    return picked[: max(limit, 0)]


def log_heatmaps(loggers: Iterable[Logger], heatmap_dir: Path, limit: int) -> None:
    """Heatmap panels written by the run (image | ground truth | overlay) as W&B images."""
    targets = wandb_loggers(loggers)
    panels = pick_heatmaps(heatmap_dir, limit) if targets and heatmap_dir.is_dir() else []
    if not panels:
        return
    captions = [str(path.relative_to(heatmap_dir).with_suffix("")) for path in panels]
    for logger in targets:
        logger.log_image(HEATMAP_KEY, [str(path) for path in panels], caption=captions)


def finish_wandb_run(failed: bool) -> None:
    """End the current W&B run, if any, so that the next job of a multirun starts its own."""
    wandb = sys.modules.get("wandb")  # never import wandb just to find that no run exists
    if wandb is not None and getattr(wandb, "run", None) is not None:
        wandb.finish(exit_code=1 if failed else 0)
