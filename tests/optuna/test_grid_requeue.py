"""Grid searches: a point whose trial was interrupted is run again by the next run."""

from __future__ import annotations

from contextlib import suppress

import optuna
from optuna.trial import TrialState

from hydra_plugins.adbench_optuna_sweeper._study import (
    INTERRUPTED_ATTR,
    requeue_unfinished_grid_points,
)

SPACE = {"x": optuna.distributions.CategoricalDistribution([1, 2])}


def tell(study: optuna.Study, trial: optuna.Trial, **kwargs) -> None:
    with suppress(RuntimeError):  # the grid sampler calls Study.stop() when every point is taken
        study.tell(trial, **kwargs)


def test_an_interrupted_grid_point_is_queued_again_once():
    optuna.logging.set_verbosity(optuna.logging.WARNING)
    study = optuna.create_study(sampler=optuna.samplers.GridSampler({"x": [1, 2]}, seed=0))
    interrupted = study.ask(SPACE)
    interrupted.set_user_attr(INTERRUPTED_ATTR, True)
    tell(study, interrupted, state=TrialState.FAIL)
    tell(study, study.ask(SPACE), values=1.0)
    assert study.sampler.is_exhausted(study)  # Optuna counts the FAIL as visited

    requeue_unfinished_grid_points(study)
    redo = study.ask(SPACE)
    assert redo.params == interrupted.params
    tell(study, redo, values=2.0)
    requeue_unfinished_grid_points(study)
    assert not study.get_trials(states=(TrialState.WAITING,))
    assert sorted(t.params["x"] for t in study.trials if t.state == TrialState.COMPLETE) == [1, 2]
