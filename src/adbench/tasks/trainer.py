"""The Lightning trainer of a run, as its config and logger say."""

from __future__ import annotations

import lightning as L
from omegaconf import DictConfig

from adbench.tasks.building import build_from


def make_trainer(cfg: DictConfig, logger=None) -> L.Trainer:
    """cfg.trainer with cfg.logger (None: the configured one; False: none)."""
    if logger is None:
        logger = build_from(cfg.logger, "logger") if cfg.logger else False
    return build_from(cfg.trainer, "trainer", logger=logger)
