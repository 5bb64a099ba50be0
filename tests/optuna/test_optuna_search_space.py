"""Hydra sweep syntax -> Optuna distributions, as hydra-optuna-sweeper reads it."""

from __future__ import annotations

import pytest
from optuna.distributions import CategoricalDistribution, FloatDistribution, IntDistribution

from hydra_plugins.adbench_optuna_sweeper._errors import SweeperError
from hydra_plugins.adbench_optuna_sweeper._search_space import build_search_space


def test_each_sweep_becomes_its_distribution():
    space = build_search_space(
        {
            "a": "interval(0.1, 0.5)",
            "b": "tag(log, interval(1e-5, 1e-2))",
            "c": "int(interval(2, 8))",
            "c_float": "interval(2, 8)",
            "d": "range(1, 10, 2)",
            "e": "choice(plain, vae)",
            "f": "choice([1, 2], [2, 3])",
            "g": "range(0.0, 1.0, 0.5)",
        },
        [],
    )
    dists = space.distributions
    assert dists["a"] == FloatDistribution(0.1, 0.5)
    assert dists["b"] == FloatDistribution(1e-5, 1e-2, log=True)
    assert dists["c"] == IntDistribution(2, 8)
    assert dists["c_float"] == FloatDistribution(2.0, 8.0)  # Hydra's interval is a float one
    assert dists["d"] == IntDistribution(1, 9, step=2)  # Python's range: stop excluded
    assert dists["e"] == CategoricalDistribution(["plain", "vae"])
    assert dists["f"] == CategoricalDistribution(["[1,2]", "[2,3]"])
    assert dists["g"] == CategoricalDistribution([0.0, 0.5])


def test_command_line_wins_and_fixed_values_reach_every_trial():
    space = build_search_space(
        {"model.lr": "interval(0.1, 0.5)", "model.k": "range(1, 4)"},
        ["model.lr=0.3", "model=padim", "model.k=choice(7, 9)"],
    )
    assert set(space.distributions) == {"model.k"}
    assert space.distributions["model.k"] == CategoricalDistribution([7, 9])
    assert space.overrides({"model.k": 9}) == ("model.k=9", "model.lr=0.3", "model=padim")


def test_grid_lists_every_value_and_refuses_intervals():
    space = build_search_space({"k": "range(1, 4)", "n": "choice(a, b)"}, [])
    assert space.grid() == {"k": [1, 2, 3], "n": ["a", "b"]}
    with pytest.raises(SweeperError, match=r"hydra\.sweeper\.params\.x: the grid sampler"):
        build_search_space({"x": "interval(0, 1.5)"}, []).grid()


@pytest.mark.parametrize(
    ("params", "match"),
    [({"k": "range(5, 1)"}, "an empty range"), ({"k": "interval(0,"}, "hydra.sweeper.params")],
)
def test_bad_search_spaces_name_the_key_in_one_line(params, match):
    with pytest.raises(SweeperError, match=match) as error:
        build_search_space(params, [])
    assert "\n" not in str(error.value)
