"""Two worker processes share one study (SQLite file) and record every trial exactly once."""

from __future__ import annotations

from toy_runs import assert_every_trial_recorded_once, run_two_workers


def test_two_workers_sharing_one_sqlite_study_record_every_trial_once(tmp_path):
    storage = f"sqlite:///{tmp_path / 'shared.db'}"
    run_two_workers(tmp_path, storage, "shared", n_trials=8)
    assert_every_trial_recorded_once(tmp_path, storage, "shared", 8)
