"""A run owns its output directory: never mix two runs' files."""

from __future__ import annotations

import os
import shutil
from pathlib import Path

from adbench.errors import AdbenchError
from adbench.sweeps.job_status import FAILURE_FILE

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
    leftovers = _leftovers(out_dir)
    if not overwrite and _another_runs(leftovers):
        raise _owned_by_another_run(out_dir, leftovers)
    for path in leftovers:
        if path.is_dir() and not path.is_symlink():
            shutil.rmtree(path)
        else:
            path.unlink()


def check_run_dir_is_free(args: list[str]) -> None:
    """Before Hydra writes .hydra/ into a single run's explicit `hydra.run.dir` (output_dir=DIR):
    refuse a folder that holds another run's files, whose own record of its settings (read by
    `resume=DIR`) Hydra would otherwise overwrite. Resumed runs, `output.overwrite=true`,
    sweeps (each job checks its own folder) and the DDP ranks that rank 0 launches into its
    folder (LOCAL_RANK > 0) are left to claim_output_dir."""
    values = dict(arg.split("=", 1) for arg in args if "=" in arg)
    run_dir = values.get("hydra.run.dir")
    if (
        run_dir is None
        or os.environ.get("LOCAL_RANK", "0") != "0"
        or "resume" in values
        or values.get("output.overwrite", "").lower() == "true"
        or any(arg in ("-m", "--multirun") for arg in args)
        or not Path(run_dir).is_dir()
    ):
        return
    leftovers = _leftovers(Path(run_dir))
    if _another_runs(leftovers):
        raise _owned_by_another_run(Path(run_dir), leftovers)


def _leftovers(out_dir: Path) -> list[Path]:
    return sorted(path for path in out_dir.iterdir() if not _hydra_file(path))


def _another_runs(leftovers: list[Path]) -> bool:
    """Anything beyond what an attempt that failed before any result leaves."""
    return any(path.name not in STALE_WITHOUT_RESULTS for path in leftovers)


def _owned_by_another_run(out_dir: Path, leftovers: list[Path]) -> AdbenchError:
    names = ", ".join(path.name for path in leftovers[:4]) + (", ..." if len(leftovers) > 4 else "")
    return AdbenchError(
        f"output_dir={out_dir} already holds another run's files ({names}): choose a new "
        "output_dir, continue an unfinished run with resume=DIR, or pass "
        "output.overwrite=true to clear it first"
    )


def _hydra_file(path: Path) -> bool:
    return path.name == HYDRA_DIR or (path.is_file() and path.suffix == ".log")
