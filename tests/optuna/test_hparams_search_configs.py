"""Every conf/hparams_search option composes, and its search space names real keys."""

from __future__ import annotations

import warnings
from pathlib import Path

import optuna
import pytest
from configs import compose_adbench
from hydra.core.hydra_config import HydraConfig
from hydra.utils import instantiate
from omegaconf import OmegaConf
from optuna.distributions import CategoricalDistribution

from hydra_plugins.adbench_optuna_sweeper._search_space import build_search_space

CONF = Path(__file__).parents[2] / "conf"
SEARCHES = sorted(p.stem for p in (CONF / "hparams_search").glob("*.yaml") if p.stem != "optuna")
SWEEPER = "hydra_plugins.adbench_optuna_sweeper.optuna_sweeper.OptunaSweeper"


def compose_with_hydra(*overrides: str):
    return compose_adbench(*overrides, with_hydra=True)


def test_every_method_has_a_search():
    methods = {p.stem for p in (CONF / "model").glob("*.yaml")}
    assert methods == set(SEARCHES)


@pytest.mark.parametrize("method", SEARCHES)
def test_search_composes_selects_its_model_and_names_real_keys(method):
    cfg = compose_with_hydra(f"hparams_search={method}")
    sweeper = cfg.hydra.sweeper
    assert sweeper._target_ == SWEEPER
    assert sweeper.direction == "maximize"
    assert sweeper.storage.startswith("sqlite:///")
    assert cfg.hydra.runtime.choices.model == method
    HydraConfig.instance().set_config(cfg)
    study_name = OmegaConf.to_container(sweeper, resolve=True)["study_name"]
    assert study_name == f"{method}_synthetic_weave"  # model, dataset, category

    space = build_search_space(OmegaConf.to_container(sweeper.params), [])
    assert space.distributions and not space.fixed
    # one trial's values: each key is a config group option or an existing config key
    trial = {}
    for key, dist in space.distributions.items():
        if isinstance(dist, CategoricalDistribution):
            trial[key] = dist.choices[-1]
        else:
            trial[key] = dist.high
        if key in cfg.hydra.runtime.choices:
            assert (CONF / key / f"{trial[key]}.yaml").is_file(), (key, trial[key])
        else:
            absent = object()  # a key may default to null (model.n_features: every channel)
            found = OmegaConf.select(cfg, key, default=absent)
            assert found is not absent, f"{key} is not a key of model={method}"
    overrides = [f"hparams_search={method}", *space.overrides(trial)]
    trial_cfg = compose_with_hydra(*overrides)
    for key, value in trial.items():
        if key not in cfg.hydra.runtime.choices and not isinstance(value, str):
            assert OmegaConf.select(trial_cfg, key) == pytest.approx(value)


def test_optuna_alone_searches_the_command_line_over_any_method():
    cfg = compose_with_hydra("hparams_search=optuna", "model=padim")
    assert cfg.hydra.sweeper._target_ == SWEEPER
    assert cfg.hydra.sweeper.params is None
    assert cfg.model._target_.endswith("PadimModule")


@pytest.mark.parametrize(
    "choice",
    [
        *(f"hydra/sweeper/sampler={name}" for name in ("tpe", "random", "cmaes", "nsgaii")),
        *(f"hydra/sweeper/pruner={name}" for name in ("median", "percentile", "hyperband")),
        "hydra/sweeper/pruner=successive_halving",
        "hydra/sweeper/pruner=threshold hydra.sweeper.pruner.lower=0.5",
    ],
)
def test_every_sampler_and_pruner_option_builds_without_deprecation_notes(choice):
    cfg = compose_with_hydra("hparams_search=cflow", *choice.split())
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        sampler = instantiate(cfg.hydra.sweeper.sampler)
        pruner = instantiate(cfg.hydra.sweeper.pruner)
    assert isinstance(sampler, optuna.samplers.BaseSampler)
    assert isinstance(pruner, optuna.pruners.BasePruner)
