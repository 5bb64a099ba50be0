"""`task=predict`: a saved model scores a folder of new images (scores CSV, heatmaps)."""

from __future__ import annotations

import sys
from pathlib import Path

import torch
from omegaconf import DictConfig

from adbench.checkpoints import load_module, method_chosen_on_command_line
from adbench.data import PredictDataModule
from adbench.data.geometry import geometry_of
from adbench.errors import AdbenchError
from adbench.io import write_csv_atomic
from adbench.outputs import write_predictions
from adbench.tasks.trainer import make_trainer

UNREADABLE_FILE = "unreadable.csv"  # input images skipped, with the reason


def predict(cfg: DictConfig, out_dir: Path) -> None:
    """anomaly_scores.csv (and heatmaps) for every readable image of cfg.predict.input;
    unreadable ones are listed in unreadable.csv."""
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
    batches = make_trainer(cfg, logger=False).predict(module, datamodule=datamodule)
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
