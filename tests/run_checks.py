"""Checks shared by the methods' tests: a short quiet training on a few images, and a saved
model that predicts what its test run scored.

Imported by test modules as `from run_checks import ...` (tests/ is on pytest's pythonpath).
"""

from __future__ import annotations

import csv
from collections.abc import Callable
from pathlib import Path

import lightning as L
import pytest
import torch
from torch.utils.data import DataLoader

from adbench.run import run


def fit_on_images(
    module: L.LightningModule, images: torch.Tensor, epochs: int, batch_size: int
) -> L.Trainer:
    """Train `module` on `images` for `epochs` on the CPU, without logs, checkpoints or bars."""
    trainer = L.Trainer(
        max_epochs=epochs, accelerator="cpu", logger=False, enable_checkpointing=False,
        enable_progress_bar=False, enable_model_summary=False,
    )  # fmt: skip
    trainer.fit(module, DataLoader([{"image": image} for image in images], batch_size=batch_size))
    return trainer


def read_csv(path: Path) -> list[dict[str, str]]:
    with open(path) as file:
        return list(csv.DictReader(file))


def assert_predict_reproduces_test_scores(
    compose_config: Callable, model: str, run_dir: Path, images: Path, predict_dir: Path
) -> None:
    """task=predict with run_dir/model.ckpt on `images` gives the raw scores of the test run."""
    test_scores = {r["file"]: float(r["raw_score"]) for r in read_csv(run_dir / "scores.csv")}
    predict = compose_config(
        f"model={model}", "task=predict", f"ckpt_path={run_dir / 'model.ckpt'}",
        f"predict.input={images}", f"output_dir={predict_dir}", "output.heatmaps=false",
    )  # fmt: skip
    run(predict)
    predicted = read_csv(predict_dir / "anomaly_scores.csv")
    assert len(predicted) == len(list(images.iterdir()))
    for row in predicted:
        assert float(row["raw_score"]) == pytest.approx(test_scores[row["file"]], rel=1e-5)
