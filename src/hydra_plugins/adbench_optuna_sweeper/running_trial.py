"""The Optuna trial behind each Hydra job launched in this process (by job number).

The sweeper registers a trial before its job starts and releases it after; a job that wants to
report intermediate values (pruning) looks its trial up with `current()`. Jobs launched in
other processes (parallel launchers) find none and simply run without pruning.
"""

from __future__ import annotations

from typing import Any

PRUNED_AT_ATTR = "adbench_pruned_at_step"  # user attr set when a job stopped a pruned trial

_TRIALS: dict[int, Any] = {}


def register(job_num: int, trial: Any) -> None:
    _TRIALS[job_num] = trial


def release(job_num: int) -> None:
    _TRIALS.pop(job_num, None)


def current() -> Any | None:
    """The optuna.Trial of the Hydra job running now, or None outside an Optuna sweep."""
    from hydra.core.hydra_config import HydraConfig

    if not _TRIALS or not HydraConfig.initialized():
        return None
    num = HydraConfig.get().job.get("num")
    return _TRIALS.get(num) if num is not None else None
