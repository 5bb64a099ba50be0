"""Helpers of the sweeper tests: run the toy app in a subprocess, read its study back."""

from __future__ import annotations

import os
import signal
import subprocess
import sys
from pathlib import Path

import optuna
from optuna.trial import FrozenTrial

TOY_APP = Path(__file__).parent / "toy_app" / "toy.py"


def toy_command(tmp_path: Path, storage: str, *overrides: str) -> list[str]:
    """`python toy.py -m ...` with its job log in tmp_path/jobs.txt."""
    return [
        sys.executable, str(TOY_APP), "-m",
        f"hydra.sweeper.storage={storage}", f"log_file={tmp_path / 'jobs.txt'}", *overrides,
    ]  # fmt: skip


def toy_env(tmp_path: Path, full_error: bool = True) -> dict[str, str]:
    """The toy's environment; full_error: Hydra prints whole tracebacks (test failures)."""
    env = {**os.environ, "TOY_SWEEP_DIR": str(tmp_path / "sweeps")}
    env.pop("HYDRA_FULL_ERROR", None)
    return {**env, "HYDRA_FULL_ERROR": "1"} if full_error else env


def run_toy(
    tmp_path: Path, storage: str, *overrides: str, full_error: bool = True
) -> subprocess.CompletedProcess:
    return subprocess.run(
        toy_command(tmp_path, storage, *overrides), env=toy_env(tmp_path, full_error),
        cwd=tmp_path, capture_output=True, text=True, timeout=300,
    )  # fmt: skip


def start_toy(tmp_path: Path, storage: str, *overrides: str) -> subprocess.Popen:
    """The toy in the background; Ctrl-C (SIGINT) reaches it as in a terminal, even when the
    tests themselves run with SIGINT ignored (a background job of a script, as in CI), which
    a child would otherwise inherit (Python then raises no KeyboardInterrupt)."""
    return subprocess.Popen(
        toy_command(tmp_path, storage, *overrides), env=toy_env(tmp_path), cwd=tmp_path,
        stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True,
        preexec_fn=_interruptible,
    )  # fmt: skip


def _interruptible() -> None:
    signal.signal(signal.SIGINT, signal.SIG_DFL)


def trials(storage: str, study_name: str = "toy") -> list[FrozenTrial]:
    return optuna.load_study(study_name=study_name, storage=storage).get_trials()


def job_log(tmp_path: Path) -> list[tuple[int, int]]:
    """(trial number, worker pid) of every job that ran."""
    lines = (tmp_path / "jobs.txt").read_text().splitlines()
    return [(int(line.split()[0]), int(line.split()[1])) for line in lines]


def run_two_workers(tmp_path: Path, storage: str, study_name: str, n_trials: int) -> None:
    """Two toy workers on one study; both run trials at the same time (a start barrier)."""
    overrides = (
        f"hydra.sweeper.study_name={study_name}", f"hydra.sweeper.n_trials={n_trials}",
        f"barrier_dir={tmp_path / 'barrier'}", "workers=2", "seconds=0.2",
    )  # fmt: skip
    workers = [start_toy(tmp_path, storage, *overrides) for _ in range(2)]
    outputs = [worker.communicate(timeout=300)[0] for worker in workers]
    for worker, output in zip(workers, outputs, strict=True):
        assert worker.returncode == 0, output


def assert_every_trial_recorded_once(tmp_path: Path, storage: str, study_name: str, n: int):
    """The study holds n COMPLETE trials, each run by exactly one job, shared by both workers."""
    from optuna.trial import TrialState

    recorded = trials(storage, study_name)
    complete = [t for t in recorded if t.state == TrialState.COMPLETE]
    assert len(complete) == n
    others = [t for t in recorded if t.state != TrialState.COMPLETE]
    assert all(t.user_attrs.get("adbench_surplus") for t in others), others  # a lost race only
    jobs = job_log(tmp_path)
    assert sorted(number for number, _ in jobs) == sorted(t.number for t in complete)
    assert len({pid for _, pid in jobs}) == 2  # both workers ran trials
