"""The Lightning trainer of a run, as its config and logger say."""

from __future__ import annotations

import lightning as L
from hydra.utils import instantiate
from omegaconf import DictConfig


def make_trainer(cfg: DictConfig, logger=None) -> L.Trainer:
    """cfg.trainer with cfg.logger (None: the configured one; False: none)."""
    if logger is None:
        logger = instantiate(cfg.logger) if cfg.logger else False
    return instantiate(cfg.trainer, logger=logger)
