"""adbench's config composed from overrides with Hydra's compose API (outside a Hydra run)."""

from __future__ import annotations

from collections.abc import Sequence

from hydra import compose, initialize_config_module
from hydra.core.global_hydra import GlobalHydra
from omegaconf import DictConfig


def compose_adbench(overrides: Sequence[str]) -> DictConfig:
    """The composed, unresolved config; Hydra's global state is cleared before and after."""
    GlobalHydra.instance().clear()
    try:
        with initialize_config_module("adbench.conf", version_base="1.3"):
            return compose("config", overrides=list(overrides))
    finally:
        GlobalHydra.instance().clear()
