"""What a run sends to TensorBoard beyond Lightning's scalars: its composed config as hparams
with the validation and test metrics (the HParams tab ranks runs by val_image_auroc, never a
placeholder hp_metric), the heatmap panels and the ROC curve."""

from __future__ import annotations

from collections.abc import Iterable
from pathlib import Path

import numpy as np
from lightning.pytorch.loggers import Logger, TensorBoardLogger
from omegaconf import DictConfig, OmegaConf
from PIL import Image

from adbench.sweeps.wandb_logging import HEATMAP_KEY, pick_heatmaps


def log_run_to_tensorboard(
    loggers: Iterable[Logger],
    cfg: DictConfig,
    metrics: dict[str, float],
    out_dir: Path,
    heatmap_limit: int,
) -> None:
    """metrics: the run's validation (val_*) and test figures, shown beside its hparams."""
    for logger in loggers:
        if not isinstance(logger, TensorBoardLogger):
            continue
        logger.log_hyperparams(OmegaConf.to_container(cfg, resolve=True), metrics=metrics)
        heatmap_dir = out_dir / "heatmaps"
        panels = pick_heatmaps(heatmap_dir, heatmap_limit) if heatmap_dir.is_dir() else []
        for path in panels:
            tag = f"{HEATMAP_KEY}/{path.relative_to(heatmap_dir).with_suffix('')}"
            logger.experiment.add_image(tag, _pixels(path), dataformats="HWC")
        if (out_dir / "roc_curve.png").is_file():
            logger.experiment.add_image(
                "roc_curve", _pixels(out_dir / "roc_curve.png"), dataformats="HWC"
            )
        logger.experiment.flush()


def _pixels(path: Path) -> np.ndarray:
    with Image.open(path) as image:
        return np.asarray(image.convert("RGB"))
