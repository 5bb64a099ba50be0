"""Composing adbench's config in tests with Hydra's compose API (never @hydra.main).

Imported by test modules as `from configs import compose_adbench` (tests/ is on pytest's
pythonpath).
"""

from __future__ import annotations

from hydra import compose, initialize_config_module
from hydra.core.global_hydra import GlobalHydra
from omegaconf import DictConfig


def compose_adbench(*overrides: str, with_hydra: bool = False) -> DictConfig:
    """The composed config for `overrides` (with its `hydra` node, as `--cfg hydra` shows it,
    when `with_hydra`)."""
    GlobalHydra.instance().clear()
    try:
        with initialize_config_module("adbench.conf", version_base="1.3"):
            return compose("config", overrides=list(overrides), return_hydra_config=with_hydra)
    finally:
        GlobalHydra.instance().clear()
