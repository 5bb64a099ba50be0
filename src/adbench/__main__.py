"""`python -m adbench` / `adbench`: compose the Hydra config, then run it."""

from __future__ import annotations

import errno
import os
import sys

import hydra
from omegaconf import DictConfig
from omegaconf.errors import MissingMandatoryValue

from adbench.config_errors import check_overrides
from adbench.config_groups import register_config_groups_resolver
from adbench.errors import AdbenchError
from adbench.runs.output_dir import check_run_dir_is_free
from adbench.runs.resume import command_line_for_resume
from adbench.sweeps import register_job_dir_resolver
from adbench.sweeps.job_status import fail_multirun_job, in_multirun

SIGTERM_MESSAGE = (
    "stopped by SIGTERM before the run finished: no test results were written (a run writes "
    "model.ckpt and metrics.json only when it completes)"
)
SIGTERM_RESUME_HINT = "; its training was saved: continue with resume={run_dir}"
DISK_ERRORS = (errno.ENOSPC, errno.EDQUOT, errno.EROFS, errno.EACCES, errno.EPERM)
SIGTERM_EXIT_STATUS = 143  # 128 + SIGTERM, what schedulers expect of a terminated job
DEBUG_VARIABLE = "ADBENCH_DEBUG"  # =1: user errors raise with their traceback instead of one line

register_job_dir_resolver()  # hydra.sweep.subdir: job folders named after the swept values
register_config_groups_resolver()  # hydra.help.template: the groups a user chooses from


@hydra.main(version_base="1.3", config_path="pkg://adbench.conf", config_name="config")
def main(cfg: DictConfig) -> float | None:
    """One run; in a multirun a failed job returns NaN (a failed Optuna trial) and the sweep
    goes on, its error recorded for the results table."""
    from adbench.run import run  # imported here so that --help stays fast
    from adbench.sweeps.wandb_logging import finish_wandb_run

    failed = True
    try:
        value = run(cfg)
        failed = False
        return value
    except SystemExit as stop:
        from lightning.pytorch.utilities.exceptions import SIGTERMException

        if not isinstance(stop, SIGTERMException):  # Lightning's is a SystemExit with code 0
            raise
        print(f"adbench: error: {SIGTERM_MESSAGE}{_resume_hint(cfg)}", file=sys.stderr)
        sys.exit(SIGTERM_EXIT_STATUS)
    except Exception as error:
        message = user_error(error)
        if in_multirun():
            return fail_multirun_job(error, message)
        if message is None or debugging():
            raise
        print(f"adbench: error: {message}", file=sys.stderr)
        sys.exit(2)
    finally:
        finish_wandb_run(failed)


def _resume_hint(cfg: DictConfig) -> str:
    """How to continue a stopped run, when it left a checkpoint to continue from."""
    from pathlib import Path

    from adbench.runs.layout import RESUME_CHECKPOINT

    run_dir = Path(cfg.output_dir)
    saved = (run_dir / RESUME_CHECKPOINT).is_file()
    return SIGTERM_RESUME_HINT.format(run_dir=run_dir) if saved else ""


def debugging() -> bool:
    """ADBENCH_DEBUG=1: a developer wants the traceback behind a one-line error."""
    return os.environ.get(DEBUG_VARIABLE, "") not in ("", "0")


def user_error(error: BaseException) -> str | None:
    """The one-line message of an AdbenchError, a missing config value or a full, read-only or
    forbidden disk behind `error`."""
    seen = error
    while seen is not None:
        if isinstance(seen, AdbenchError):
            return str(seen).strip().splitlines()[-1].removeprefix("adbench.errors.AdbenchError: ")
        if isinstance(seen, MissingMandatoryValue):
            key = seen.full_key
            return f"{key} is required and not set: pass {key}=VALUE on the command line"
        if isinstance(seen, OSError) and seen.errno in DISK_ERRORS:
            where = seen.filename or "an output file"
            return (
                f"cannot write {where}: {seen.strerror} (no result of this run was completed; "
                "free space, or choose a writable output_dir)"
            )
        seen = seen.__cause__ or seen.__context__
    return None


def cli() -> None:
    """The `adbench` command: `main` with `output_dir=DIR` naming the whole run directory."""
    if debugging():  # Hydra's own handler then shows the whole traceback too
        os.environ.setdefault("HYDRA_FULL_ERROR", "1")
    try:
        sys.argv[1:] = with_run_dir(command_line_for_resume(sys.argv[1:]))
        check_overrides(sys.argv[1:])
        check_run_dir_is_free(sys.argv[1:])
    except AdbenchError as error:
        if debugging():
            raise
        print(f"adbench: error: {error}", file=sys.stderr)
        sys.exit(2)
    main()


def with_run_dir(args: list[str]) -> list[str]:
    """Command-line overrides where `output_dir=DIR` also moves Hydra's own files (.hydra/, the
    log) into DIR, by adding `hydra.run.dir=DIR`. With -m it is an error: every job would write
    into the same folder."""
    chosen = [arg.split("=", 1)[1] for arg in args if arg.startswith("output_dir=")]
    if not chosen or any(arg.startswith("hydra.run.dir=") for arg in args):
        return args
    if any(arg in ("-m", "--multirun") for arg in args):
        raise AdbenchError(
            f"output_dir={chosen[-1]} with -m would put every job in one folder: pass "
            "hydra.sweep.dir=DIR instead (each job gets its own folder under it)"
        )
    return [*args, f"hydra.run.dir={chosen[-1]}"]


if __name__ == "__main__":
    cli()
