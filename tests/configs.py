"""Composing adbench's config in tests with Hydra's compose API (never @hydra.main).

Imported by test modules as `from configs import compose_adbench` (tests/ is on pytest's
pythonpath).
"""

from __future__ import annotations

from hydra import compose, initialize_config_module
from hydra.core.global_hydra import GlobalHydra
from omegaconf import DictConfig

# the suite's in-process runs skip report.html (0.25 s each): tests/report turns it on
LEAN = ("output.report=false",)


def compose_adbench(*overrides: str, with_hydra: bool = False) -> DictConfig:
    """The composed config for `overrides` (with its `hydra` node, as `--cfg hydra` shows it,
    when `with_hydra`), LEAN first, so that `overrides` may change it back."""
    GlobalHydra.instance().clear()
    try:
        with initialize_config_module("adbench.conf", version_base="1.3"):
            overrides = [*LEAN, *overrides]
            return compose("config", overrides=overrides, return_hydra_config=with_hydra)
    finally:
        GlobalHydra.instance().clear()
