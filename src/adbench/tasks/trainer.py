"""The Lightning trainer of a run, as its config and logger say."""

from __future__ import annotations

import lightning as L
from hydra.errors import InstantiationException
from hydra.utils import instantiate
from omegaconf import DictConfig

from adbench.errors import AdbenchError


def make_trainer(cfg: DictConfig, logger=None) -> L.Trainer:
    """cfg.trainer with cfg.logger (None: the configured one; False: none). Lightning refusing
    a trainer.* setting is one line naming it."""
    if logger is None:
        logger = instantiate(cfg.logger) if cfg.logger else False
    try:
        return instantiate(cfg.trainer, logger=logger)
    except InstantiationException as error:
        cause = error.__cause__ or error
        raise AdbenchError(f"a trainer.* setting is refused by Lightning: {cause}") from error
