"""A run owns its output directory: never mix two runs' files."""

from __future__ import annotations

import shutil
from pathlib import Path

from adbench.errors import AdbenchError
from adbench.sweep_jobs.job_status import FAILURE_FILE

HYDRA_DIR = ".hydra"  # Hydra writes it (and the job's .log) before the run starts
# what a run that failed before writing any result leaves: replaced without a word
STALE_WITHOUT_RESULTS = ("config.yaml", FAILURE_FILE)


def claim_output_dir(out_dir: Path, overwrite: bool, resuming: bool) -> None:
    """Create `out_dir`, or accept it when it holds nothing but Hydra's own files (and the
    config of an attempt that failed before any result). Another run's files are refused, or
    cleared first with `overwrite`; a resumed run continues in its own directory."""
    try:
        out_dir.mkdir(parents=True, exist_ok=True)
    except OSError as error:
        raise AdbenchError(
            f"output_dir={out_dir} cannot be created ({error.strerror}): choose a writable "
            "output_dir"
        ) from error
    if resuming:
        return
    leftovers = sorted(path for path in out_dir.iterdir() if not _hydra_file(path))
    if all(path.name in STALE_WITHOUT_RESULTS for path in leftovers):
        overwrite = True  # an earlier attempt that failed before any result: replaced
    if leftovers and not overwrite:
        names = ", ".join(path.name for path in leftovers[:4]) + (
            ", ..." if len(leftovers) > 4 else ""
        )
        raise AdbenchError(
            f"output_dir={out_dir} already holds another run's files ({names}): choose a new "
            "output_dir, continue an unfinished run with resume=DIR, or pass "
            "output.overwrite=true to clear it first"
        )
    for path in leftovers:
        if path.is_dir() and not path.is_symlink():
            shutil.rmtree(path)
        else:
            path.unlink()


def _hydra_file(path: Path) -> bool:
    return path.name == HYDRA_DIR or (path.is_file() and path.suffix == ".log")
