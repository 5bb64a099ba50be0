"""Sweeps and tracking: multirun job folders named after the swept values, failed jobs recorded
instead of ending the sweep, one results table per sweep (Hydra callback), the local W&B sweep
agent, W&B and TensorBoard logging, and Optuna's reporting and pruning."""

from adbench.sweeps.job_status import FAILURE_FILE, read_failure, record_failure
from adbench.sweeps.labels import register_job_dir_resolver

__all__ = ["FAILURE_FILE", "read_failure", "record_failure", "register_job_dir_resolver"]
