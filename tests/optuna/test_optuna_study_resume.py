"""A study persists in SQLite: interrupted, the same command resumes it to n_trials."""

from __future__ import annotations

import signal
import time

from optuna.trial import TrialState
from toy_runs import job_log, run_toy, start_toy, trials


def test_interrupted_study_resumes_to_the_full_count_in_the_same_file(tmp_path):
    storage = f"sqlite:///{tmp_path / 'study.db'}"
    wait_file = tmp_path / "waiting"
    worker = start_toy(tmp_path, storage, "wait_trial=1", f"wait_file={wait_file}")
    deadline = time.monotonic() + 120
    while not wait_file.exists() and time.monotonic() < deadline and worker.poll() is None:
        time.sleep(0.05)
    assert wait_file.exists(), worker.communicate()[0]
    worker.send_signal(signal.SIGINT)  # Ctrl-C during trial 1
    worker.communicate(timeout=60)
    assert worker.returncode != 0
    first = trials(storage)
    assert [t.state for t in first] == [TrialState.COMPLETE, TrialState.FAIL]
    assert first[1].user_attrs.get("adbench_interrupted") is True

    result = run_toy(tmp_path, storage)  # the same study, again
    assert result.returncode == 0, result.stderr
    states = [t.state for t in trials(storage)]
    complete, fail = TrialState.COMPLETE, TrialState.FAIL
    assert states == [complete, fail, complete, complete]  # n_trials=3: the interrupted redone
    assert [number for number, _ in job_log(tmp_path)] == [0, 1, 2, 3]

    again = run_toy(tmp_path, storage)  # a full study: nothing left to do
    assert again.returncode == 0, again.stderr
    assert len(trials(storage)) == 4
    assert "Study toy: 3/3 trials" in again.stdout


def test_failed_jobs_are_recorded_as_fail_and_the_study_goes_on(tmp_path):
    storage = f"sqlite:///{tmp_path / 'study.db'}"
    # the command line wins over hydra.sweeper.params: y in {1, 2}, x fixed
    result = run_toy(
        tmp_path, storage, "hydra.sweeper.n_trials=4", "y=choice(1,2)", "x=0.5",
        "fail_y=1", "raise_y=2",
    )  # fmt: skip
    assert result.returncode == 0, result.stderr
    recorded = trials(storage)
    assert len(recorded) == 4  # a failed trial counts towards n_trials: no endless retries
    assert {t.state for t in recorded} == {TrialState.FAIL}
    for trial in recorded:
        expected = "returned nan" if trial.params["y"] == 1 else "RuntimeError: y=2 is broken"
        assert expected in trial.user_attrs["adbench_failure"]
    jobs = (tmp_path / "jobs.txt").read_text().splitlines()
    assert {float(line.split()[2]) for line in jobs} == {0.5}  # the fixed x reached every job


def test_a_killed_workers_trial_goes_stale_and_is_redone(tmp_path):
    """SIGKILL leaves trial 1 RUNNING; its heartbeat stops, so the rerun fails it and redoes it."""
    storage = f"sqlite:///{tmp_path / 'study.db'}"
    beats = ("hydra.sweeper.heartbeat_interval=1", "hydra.sweeper.grace_period=2")
    wait_file = tmp_path / "waiting"
    worker = start_toy(tmp_path, storage, *beats, "wait_trial=1", f"wait_file={wait_file}")
    deadline = time.monotonic() + 120
    while not wait_file.exists() and time.monotonic() < deadline and worker.poll() is None:
        time.sleep(0.05)
    assert wait_file.exists(), worker.communicate()[0]
    worker.kill()
    worker.communicate(timeout=60)
    assert [t.state for t in trials(storage)] == [TrialState.COMPLETE, TrialState.RUNNING]
    time.sleep(3)  # past the grace period

    result = run_toy(tmp_path, storage, *beats)
    assert result.returncode == 0, result.stderr
    states = [t.state for t in trials(storage)]
    complete, fail = TrialState.COMPLETE, TrialState.FAIL
    assert states == [complete, fail, complete, complete]
