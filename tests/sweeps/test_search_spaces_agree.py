"""One search space per method: the Optuna search (conf/hparams_search/NAME.yaml) and the W&B
sweep (sweeps/NAME.yml) sample the same keys from the same distributions."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest
import yaml
from omegaconf import OmegaConf
from optuna.distributions import CategoricalDistribution, FloatDistribution, IntDistribution

from adbench.methods.registry import method_names
from adbench.sweeps.wandb_sweeps import load_sweep
from hydra_plugins.adbench_optuna_sweeper._search_space import build_search_space

ROOT = Path(__file__).parents[2]


def optuna_space(method: str) -> dict[str, tuple]:
    params = OmegaConf.load(ROOT / "conf" / "hparams_search" / f"{method}.yaml").hydra.sweeper
    space = build_search_space(OmegaConf.to_container(params.params), [])
    assert not space.fixed, f"hparams_search={method} fixes {space.fixed}: a search samples"
    return {key: canonical(dist) for key, dist in space.distributions.items()}


def canonical(dist) -> tuple:
    if isinstance(dist, CategoricalDistribution):  # choices as command-line strings
        return ("choice", *sorted(map(repr, (yaml.safe_load(str(c)) for c in dist.choices))))
    if isinstance(dist, IntDistribution):
        return ("int", dist.low, dist.high, dist.step, dist.log)
    assert isinstance(dist, FloatDistribution)
    return ("float", dist.low, dist.high, dist.log)


def wandb_space(method: str) -> dict[str, tuple]:
    parameters = load_sweep(ROOT / "sweeps" / f"{method}.yml")["parameters"]
    return {key: wandb_canonical(spec) for key, spec in parameters.items()}


def wandb_canonical(spec: dict[str, Any]) -> tuple:
    if "values" in spec:
        return ("choice", *sorted(map(repr, spec["values"])))
    kind = spec["distribution"]
    if kind == "int_uniform":
        return ("int", spec["min"], spec["max"], 1, False)
    assert kind in ("uniform", "log_uniform_values"), kind
    return ("float", float(spec["min"]), float(spec["max"]), kind == "log_uniform_values")


@pytest.mark.parametrize("method", method_names())
def test_optuna_and_wandb_search_the_same_space(method):
    optuna, wandb = optuna_space(method), wandb_space(method)
    assert sorted(optuna) == sorted(wandb), f"{method}: the two searches vary different keys"
    for key in optuna:
        assert optuna[key] == wandb[key], f"{method}: {key} differs"
