"""Hydra launchers beside adbench: joblib runs local jobs in parallel, submitit composes."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

import pytest
import yaml
from configs import compose_adbench
from omegaconf import DictConfig


def hydra_config(*overrides: str) -> DictConfig:
    """The composed config including its `hydra` node, as `--cfg hydra` shows it."""
    return compose_adbench(*overrides, with_hydra=True)


def test_slurm_launcher_composes_with_ddp_on_several_nodes():
    cfg = hydra_config(
        "hydra/launcher=submitit_slurm",
        "hydra.launcher.partition=gpu",
        "hydra.launcher.nodes=2",
        "hydra.launcher.tasks_per_node=4",
        "hydra.launcher.gpus_per_node=4",
        "trainer=ddp",
        "trainer.num_nodes=2",
        "trainer.devices=4",
    )
    launcher = cfg.hydra.launcher
    assert launcher._target_.endswith("submitit_launcher.SlurmLauncher")
    assert (launcher.partition, launcher.nodes, launcher.tasks_per_node) == ("gpu", 2, 4)
    assert cfg.trainer.strategy._target_ == "adbench.ddp.AnomalyDDPStrategy"
    assert (cfg.trainer.num_nodes, cfg.trainer.devices) == (2, 4)


def test_local_launchers_compose():
    local = hydra_config("hydra/launcher=submitit_local", "hydra.launcher.timeout_min=5")
    assert local.hydra.launcher._target_.endswith("submitit_launcher.LocalLauncher")
    joblib = hydra_config("hydra/launcher=joblib", "hydra.launcher.n_jobs=2")
    assert joblib.hydra.launcher._target_.endswith("joblib_launcher.JoblibLauncher")
    assert joblib.hydra.launcher.n_jobs == 2


@pytest.mark.slow  # three Python processes start torch and Lightning: ~15 s of CPU
def test_joblib_multirun_of_two_tiny_jobs_completes(mvtec_tree: Path, tmp_path: Path):
    sweep = tmp_path / "sweep"
    done = subprocess.run(
        [
            sys.executable,
            "-m",
            "adbench",
            "-m",
            "hydra/launcher=joblib",
            "hydra.launcher.n_jobs=2",
            "model=patchcore,padim",
            "dataset=mvtec",
            f"dataset.root={mvtec_tree}",
            "dataset.category=cat",
            "dataset.image_size=64",
            "logger=none",
            "output.heatmaps=false",
            f"hydra.sweep.dir={sweep}",
        ],
        capture_output=True,
        text=True,
        timeout=600,
        cwd=tmp_path,
    )
    assert done.returncode == 0, done.stderr[-3000:]
    multirun = yaml.safe_load((sweep / "multirun.yaml").read_text())
    assert multirun["hydra"]["launcher"]["_target_"].endswith("JoblibLauncher")
    finished = sorted(path.parent.name for path in sweep.glob("*/metrics.json"))
    assert len(finished) == 2, finished
    assert "Joblib.Parallel(n_jobs=2," in done.stdout + done.stderr  # the launcher's log line
