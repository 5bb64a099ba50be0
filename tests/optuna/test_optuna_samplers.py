"""The grid sampler walks the whole grid; a custom search space adds its own parameters."""

from __future__ import annotations

from optuna.trial import TrialState
from toy_runs import run_toy, trials


def test_grid_sampler_runs_every_combination_once(tmp_path):
    storage = f"sqlite:///{tmp_path / 'study.db'}"
    result = run_toy(
        tmp_path, storage, "hydra/sweeper/sampler=grid", "hydra.sweeper.n_trials=10",
        "x=choice(0.0,1.0)", "y=range(0,2)",
    )  # fmt: skip
    assert result.returncode == 0, result.stderr
    combos = sorted((t.params["x"], t.params["y"]) for t in trials(storage))
    assert combos == [(0.0, 0), (0.0, 1), (1.0, 0), (1.0, 1)]  # stops at the grid's end


def test_custom_search_space_params_are_recorded(tmp_path):
    storage = f"sqlite:///{tmp_path / 'study.db'}"
    result = run_toy(
        tmp_path, storage, "hydra.sweeper.custom_search_space=__main__.suggest_z",
        "hydra.sweeper.n_trials=2",
    )  # fmt: skip
    assert result.returncode == 0, result.stderr
    recorded = trials(storage)
    assert [t.state for t in recorded] == [TrialState.COMPLETE] * 2
    assert all(5 <= t.params["z"] <= 7 and {"x", "y"} <= set(t.params) for t in recorded)
