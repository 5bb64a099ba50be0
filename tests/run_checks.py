"""Helpers shared by the methods' tests: a short quiet training on a few images, and reading
a run's CSV files.

Imported by test modules as `from run_checks import ...` (tests/ is on pytest's pythonpath).
"""

from __future__ import annotations

import csv
from pathlib import Path

import lightning as L
import torch
from torch.utils.data import DataLoader


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
