"""What the tasks share: the Lightning trainer of a run, a timed test pass."""

from __future__ import annotations

import time

import lightning as L
from hydra.utils import instantiate
from omegaconf import DictConfig


def make_trainer(cfg: DictConfig, logger=None) -> L.Trainer:
    """cfg.trainer with cfg.logger (None: the configured one; False: none)."""
    if logger is None:
        logger = instantiate(cfg.logger) if cfg.logger else False
    return instantiate(cfg.trainer, logger=logger)


def timed_test(trainer: L.Trainer, module: L.LightningModule, datamodule) -> float:
    """Run the test pass; its wall seconds."""
    started = time.perf_counter()
    trainer.test(module, datamodule=datamodule, verbose=False)
    return time.perf_counter() - started
