"""`python -m adbench -m hparams_search=...` end to end on the built-in data (slow)."""

from __future__ import annotations

import json

import optuna
import pytest
from adbench_command import adbench_command
from optuna.trial import TrialState

QUIET = ("preset=demo", "logger=none", "output.heatmaps=false", "output.roc_curve=false")


def search(tmp_path, method: str, *overrides: str) -> optuna.Study:
    storage = f"sqlite:///{tmp_path / 'study.db'}"
    result = adbench_command(
        "-m", f"hparams_search={method}", *QUIET, f"hydra.sweeper.storage={storage}",
        f"hydra.sweep.dir={tmp_path / 'sweep'}", *overrides, cwd=tmp_path, timeout=900,
    )  # fmt: skip
    assert result.returncode == 0, result.stderr[-3000:]
    return optuna.load_study(study_name=f"{method}_synthetic_weave", storage=storage)


@pytest.mark.slow
def test_a_trial_returns_the_validation_auroc_it_wrote(tmp_path):
    study = search(tmp_path, "padim", "hydra.sweeper.n_trials=1")
    (trial,) = study.trials
    assert trial.state == TrialState.COMPLETE
    metrics_file = next((tmp_path / "sweep").rglob("metrics.json"))
    metrics = json.loads(metrics_file.read_text())
    assert trial.value == pytest.approx(metrics["validation"]["val_image_auroc"])
    assert trial.user_attrs["adbench_job_dir"] == str(metrics_file.parent)
    assert trial.user_attrs["adbench_test_metrics"] == pytest.approx(metrics["metrics"])


@pytest.mark.slow
def test_crn_trials_below_the_threshold_are_pruned_at_their_first_validation(tmp_path):
    study = search(
        tmp_path, "crn", "hydra.sweeper.n_trials=2", "hydra/sweeper/pruner=threshold",
        "hydra.sweeper.pruner.lower=1.01",  # an AUROC is at most 1: every trial is pruned
    )  # fmt: skip
    assert [t.state for t in study.trials] == [TrialState.PRUNED, TrialState.PRUNED]
    assert all(list(t.intermediate_values) == [0] for t in study.trials)
    assert not list((tmp_path / "sweep").rglob("metrics.json"))  # pruned: no test run


def test_a_failed_adbench_trial_keeps_its_error_line(tmp_path):
    storage = f"sqlite:///{tmp_path / 'study.db'}"
    adbench_command(
        "-m", "hparams_search=padim", *QUIET, "dataset.category=nope", "hydra.sweeper.n_trials=1",
        f"hydra.sweeper.storage={storage}", f"hydra.sweep.dir={tmp_path / 'sweep'}", cwd=tmp_path,
    )  # fmt: skip
    (trial,) = optuna.load_study(study_name="padim_synthetic_nope", storage=storage).trials
    assert trial.state == TrialState.FAIL
    assert "unknown synthetic category 'nope'" in trial.user_attrs["adbench_failure"]
