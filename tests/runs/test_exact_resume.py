"""A training run killed mid-way (SIGTERM or SIGKILL) and resumed with `resume=RUN_DIR` or
`resume=last` ends with exactly the metrics, calibration, scores and log of an uninterrupted
run with the same seed (DRAEM with its VAE bottleneck draws noise in every step; CRN trains
random pairs of units with step-counted training and validations mid-epoch)."""

from __future__ import annotations

import json
import os
import shutil
import subprocess
import sys
from pathlib import Path

import pytest
import torch
from adbench_command import adbench_command

STOPPER = Path(__file__).with_name("stop_at_step.py")
COMMON = [
    "dataset.n_train=20",  # 16 training normals after the validation hold-out: 4 batches of 4
    "dataset.n_test_good=6",
    "dataset.n_test_per_defect=3",
    "dataset.source_size=64",
    "dataset.batch_size=4",
    "output.heatmaps=false",
    "output.roc_curve=false",
    "checkpoint.every_minutes=0",  # a checkpoint at every validation (and DRAEM's epoch ends)
]
METHODS = {
    "draem": [
        "model=draem", "preset=demo", "model.reconstruction_network=vae", "trainer.max_epochs=4",
        "dataset.image_size=32", "model.base_width=4", "model.disc_base_width=4",
    ],
    "crn": [
        "model=crn", "preset=demo", "trainer.max_steps=20", "trainer.val_check_interval=6",
        "dataset.eval_batch_size=2",  # validations at steps 6, 12, 18 and 20, several batches
    ],
}  # fmt: skip
# (method, signal, step it arrives at, how the run is resumed, step of the checkpoint it leaves);
# `make test` runs one SIGTERM and one SIGKILL case (~15 s each), `make test-slow` the others
SLOW = pytest.mark.slow
CASES = [
    ("draem", "TERM", 6, "dir", 7),  # mid-epoch: the batch under way ends, then saved
    pytest.param("draem", "KILL", 10, "last", 8, marks=SLOW),  # epoch 2's checkpoint stands
    pytest.param("crn", "TERM", 9, "dir", 10, marks=SLOW),  # between two validations, mid-epoch
    pytest.param("crn", "TERM", "12v", "dir", 12, marks=SLOW),  # in step 12's validation: ends it
    ("crn", "KILL", 15, "dir", 12),  # the checkpoint at the validation of step 12 stands
]


def adbench(*args: str, cwd: Path, stop: tuple[str, int | str] | None = None):
    """The adbench command; with `stop`, in a real interpreter that the signal then stops."""
    if stop is None:
        return adbench_command(*args, cwd=cwd, timeout=600)
    command = [sys.executable, str(STOPPER), stop[0], str(stop[1]), *args]
    env = {**os.environ, "PYTHONPATH": os.pathsep.join(sys.path)}
    return subprocess.run(command, capture_output=True, text=True, cwd=cwd, env=env, timeout=600)


@pytest.fixture(scope="module")
def uninterrupted(tmp_path_factory) -> dict[str, Path]:
    """Each method's uninterrupted run."""
    root = tmp_path_factory.mktemp("uninterrupted")
    runs = {}
    for method, args in METHODS.items():
        out = root / method
        result = adbench(*args, *COMMON, f"dataset.root={root}/data", f"output_dir={out}", cwd=root)
        assert result.returncode == 0, result.stderr[-2000:]
        runs[method] = out
    return runs


def outcome(run_dir: Path) -> dict:
    summary = json.loads((run_dir / "metrics.json").read_text())
    return {
        "metrics": summary["metrics"],
        "calibration": summary["calibration"],
        "validation": summary["validation"],
        "scores": (run_dir / "scores.csv").read_text(),
        "log": (run_dir / "logs" / "metrics.csv").read_text(),
    }


@pytest.mark.parametrize(("method", "signal_name", "step", "resume", "saved_step"), CASES)
def test_killed_run_resumes_to_the_uninterrupted_result(
    uninterrupted, tmp_path, method, signal_name, step, resume, saved_step
):
    data = uninterrupted[method].parent / "data"
    args = [*METHODS[method], *COMMON, f"dataset.root={data}"]
    if resume == "dir":
        args.append(f"output_dir={tmp_path / 'run'}")  # else the default outputs/<model>/...
    killed = adbench(*args, cwd=tmp_path, stop=(signal_name, step))
    runs = [path.parent.parent for path in tmp_path.glob("**/checkpoints/last.ckpt")]
    assert len(runs) == 1, killed.stderr[-2000:]
    run_dir = runs[0]
    saved = torch.load(run_dir / "checkpoints" / "last.ckpt", weights_only=True)
    assert saved["global_step"] == saved_step
    assert not (run_dir / "metrics.json").exists() and not (run_dir / "model.ckpt").exists()
    if signal_name == "TERM":
        assert killed.returncode == 143
        assert f"resume={run_dir}" in killed.stderr.splitlines()[-1]
    else:
        assert killed.returncode == -9

    target = "last" if resume == "last" else str(run_dir)
    resumed = adbench(f"resume={target}", cwd=tmp_path)  # the run's own settings are replayed
    assert resumed.returncode == 0, resumed.stderr[-2000:]
    assert outcome(run_dir) == outcome(uninterrupted[method])
    assert not (run_dir / "checkpoints").exists()  # finished: model.ckpt is what remains


def test_a_run_stopped_while_testing_resumes_from_its_trained_model(uninterrupted, tmp_path):
    full = uninterrupted["draem"]
    run_dir = tmp_path / "stopped"  # what a kill during the test leaves: no results yet
    for name in (".hydra", "logs"):
        shutil.copytree(full / name, run_dir / name)
    shutil.copy(full / "config.yaml", run_dir / "config.yaml")
    (run_dir / "checkpoints").mkdir()
    shutil.copy(full / "model.ckpt", run_dir / "checkpoints" / "trained.ckpt")
    resumed = adbench(f"resume={run_dir}", cwd=tmp_path)
    assert resumed.returncode == 0, resumed.stderr[-2000:]
    assert outcome(run_dir) == outcome(full)


@pytest.mark.slow  # ~20 s
def test_a_sweep_run_again_keeps_its_finished_jobs_and_continues_the_others(
    uninterrupted, tmp_path
):
    data = uninterrupted["crn"].parent / "data"
    sweep = tmp_path / "sweep"
    command = [
        "-m", *METHODS["crn"], *COMMON, f"dataset.root={data}", "seed=1,0",
        f"hydra.sweep.dir={sweep}",
    ]  # fmt: skip
    assert adbench(*command, cwd=tmp_path).returncode == 0
    finished = (sweep / "1" / "metrics.json").stat().st_mtime_ns
    job = sweep / "0"  # as a kill during its test leaves it: trained, no results yet
    for name in ("metrics.json", "scores.csv"):
        (job / name).unlink()
    (job / "checkpoints").mkdir()
    (job / "model.ckpt").rename(job / "checkpoints" / "trained.ckpt")
    again = adbench(*command, cwd=tmp_path)
    assert again.returncode == 0, again.stderr[-2000:]
    assert "finished earlier with the same settings" in again.stdout
    assert (sweep / "1" / "metrics.json").stat().st_mtime_ns == finished  # kept, not redone
    assert outcome(job) == outcome(uninterrupted["crn"])  # tested from its trained checkpoint
    assert (job / "model.ckpt").is_file() and not (job / "checkpoints").exists()
    assert "| 0 " in (sweep / "results.md").read_text()
