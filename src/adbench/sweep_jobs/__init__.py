"""Multirun support: job folders named after the swept values, failed jobs recorded instead of
ending the sweep, and one results table per sweep."""

from adbench.sweep_jobs.job_status import FAILURE_FILE, read_failure, record_failure
from adbench.sweep_jobs.labels import register_job_dir_resolver

__all__ = ["FAILURE_FILE", "read_failure", "record_failure", "register_job_dir_resolver"]
