"""A toy Hydra task for the Optuna sweeper's tests (run as a subprocess, never in pytest)."""

from __future__ import annotations

import math
import os
import time
from pathlib import Path

import hydra
from omegaconf import DictConfig

from hydra_plugins.adbench_optuna_sweeper import running_trial
from hydra_plugins.adbench_optuna_sweeper.running_trial import PRUNED_AT_ATTR


@hydra.main(version_base="1.3", config_path="conf", config_name="toy")
def main(cfg: DictConfig) -> float:
    trial = running_trial.current()
    with open(cfg.log_file, "a") as log:
        log.write(f"{trial.number} {os.getpid()} {cfg.x} {cfg.y}\n")
    if cfg.barrier_dir:
        wait_for_workers(Path(cfg.barrier_dir), cfg.workers)
    time.sleep(cfg.seconds)
    if cfg.wait_trial is not None and trial.number == cfg.wait_trial:
        Path(cfg.wait_file).write_text(str(os.getpid()))
        time.sleep(120)  # the test interrupts the worker here
    if cfg.report_prune:
        trial.report(cfg.x, 0)
        if trial.should_prune():
            trial.set_user_attr(PRUNED_AT_ATTR, 0)
    if cfg.raise_y is not None and cfg.y == cfg.raise_y:
        raise RuntimeError(f"y={cfg.y} is broken")
    if cfg.fail_y is not None and cfg.y == cfg.fail_y:
        return math.nan
    return (cfg.x - 1.0) ** 2 + cfg.y


def suggest_z(cfg: DictConfig, trial) -> None:
    """A custom search space (hydra.sweeper.custom_search_space=__main__.suggest_z)."""
    trial.suggest_int("z", 5, 7)


def wait_for_workers(folder: Path, workers: int, timeout: float = 60.0) -> None:
    """Both workers run trials at the same time: each one's first job waits for the other."""
    folder.mkdir(parents=True, exist_ok=True)
    (folder / str(os.getpid())).touch()
    deadline = time.monotonic() + timeout
    while len(list(folder.iterdir())) < workers and time.monotonic() < deadline:
        time.sleep(0.05)


if __name__ == "__main__":
    main()
