"""A failed multirun job leaves failed.json in its folder so that the sweep can go on."""

from __future__ import annotations

import json
import math
import sys
import traceback
from pathlib import Path

from adbench.io import write_json_atomic

FAILURE_FILE = "failed.json"


def record_failure(job_dir: str | Path, message: str | None, error: BaseException) -> str:
    """Write failed.json (the one-line error, its type and traceback); returns the error line.

    `message` is the user-facing line of an AdbenchError; None for an unexpected error, whose
    last traceback line stands in for it.
    """
    line = message or f"{type(error).__name__}: {error}".strip().splitlines()[0]
    record = {
        "error": line,
        "type": type(error).__name__,
        "traceback": "".join(traceback.format_exception(error)),
    }
    write_json_atomic(Path(job_dir) / FAILURE_FILE, record)
    return line


def read_failure(job_dir: str | Path) -> str | None:
    """The recorded error line of a failed job, None when the job did not fail."""
    path = Path(job_dir) / FAILURE_FILE
    if not path.is_file():
        return None
    try:
        return str(json.loads(path.read_text())["error"])
    except (ValueError, KeyError, TypeError):
        return f"unreadable {path}"


def in_multirun() -> bool:
    """True inside a job of `python -m adbench -m ...` (any sweeper or launcher)."""
    from hydra.core.hydra_config import HydraConfig
    from hydra.types import RunMode

    return HydraConfig.initialized() and HydraConfig.get().mode == RunMode.MULTIRUN


def fail_multirun_job(error: BaseException, message: str | None) -> float:
    """Record a failed job in its folder, report it on stderr and return NaN: the sweep goes on,
    the results table shows the error, and search sweepers (Optuna) see a failed trial."""
    from hydra.core.hydra_config import HydraConfig

    runtime = HydraConfig.get()
    line = record_failure(runtime.runtime.output_dir, message, error)
    if message is None:  # a bug rather than bad input: keep its traceback in sight
        traceback.print_exception(error, file=sys.stderr)
    print(f"adbench: error: {line} (job {runtime.job.num} failed; the sweep goes on)",
          file=sys.stderr)  # fmt: skip
    return math.nan
