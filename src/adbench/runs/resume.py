"""What `resume=` names: a run directory (continued in place), `last` (the newest unfinished
run under outputs/) or a checkpoint file."""

from __future__ import annotations

from pathlib import Path

from adbench.errors import AdbenchError
from adbench.runs.layout import FINISHED_MARKER, MODEL_FILE, RESUME_CHECKPOINT, TRAINED_CHECKPOINT

RUNS_ROOT = Path("outputs")  # where runs go by default (hydra.run.dir)


def resume_checkpoint(value: str | None) -> Path | None:
    """The checkpoint that `resume=value` continues from (None: a fresh run)."""
    if not value:
        return None
    if value == "last":
        return _run_checkpoint(latest_unfinished_run())
    path = Path(value).expanduser()
    if path.is_dir():
        return _run_checkpoint(path)
    if not path.is_file():
        raise AdbenchError(
            f"resume={value}: no such run directory or checkpoint file (resume=RUN_DIR, "
            "resume=last, or resume=FILE.ckpt)"
        )
    return path


def resumed_run_dir(value: str | None) -> Path | None:
    """The run directory that `resume=value` continues in place, if it names one."""
    if not value:
        return None
    if value == "last":
        return latest_unfinished_run()
    path = Path(value).expanduser()
    return path if path.is_dir() else None


def resumed_in_place(checkpoint: Path, out_dir: Path) -> bool:
    """Whether a run resumed from `checkpoint` writes into that unfinished run's directory."""
    unfinished = not (out_dir / FINISHED_MARKER).exists()
    return unfinished and checkpoint.resolve().is_relative_to(out_dir.resolve())


def latest_unfinished_run(root: Path = RUNS_ROOT) -> Path:
    """The run under `root` whose checkpoint was written last, among runs that did not
    finish."""
    runs = {file.parent.parent for file in root.glob("**/checkpoints/*.ckpt")}
    runs |= {file.parent for file in root.glob(f"**/{MODEL_FILE}")}
    unfinished = [run for run in runs if not (run / FINISHED_MARKER).exists()]
    checkpoints = [file for file in map(unfinished_checkpoint, unfinished) if file]
    if not checkpoints:
        raise AdbenchError(
            f"resume=last: no unfinished run with a training checkpoint under {root}/: pass "
            "resume=RUN_DIR"
        )
    latest = max(checkpoints, key=lambda file: file.stat().st_mtime)
    return latest.parent if latest.name == MODEL_FILE else latest.parent.parent


def unfinished_checkpoint(run_dir: Path) -> Path | None:
    """What an unfinished run continues from: the state when its training ended (it stopped
    while testing or writing results), else its latest training checkpoint."""
    for checkpoint in (TRAINED_CHECKPOINT, MODEL_FILE, RESUME_CHECKPOINT):
        if (run_dir / checkpoint).is_file():
            return run_dir / checkpoint
    return None


def _run_checkpoint(run_dir: Path) -> Path:
    if (run_dir / FINISHED_MARKER).exists():
        raise AdbenchError(
            f"resume={run_dir}: that run finished (it has {FINISHED_MARKER}); to train it "
            f"further start a new run with resume={run_dir / MODEL_FILE}"
        )
    checkpoint = unfinished_checkpoint(run_dir)
    if checkpoint is None:
        raise AdbenchError(
            f"resume={run_dir}: no {RESUME_CHECKPOINT} there (the run stopped before its "
            "first checkpoint, or its method fits in one pass): run it again"
        )
    return checkpoint


def command_line_for_resume(args: list[str]) -> list[str]:
    """Command-line overrides for `resume=RUN_DIR` or `resume=last`: the run's own overrides
    (RUN_DIR/.hydra/overrides.yaml) replayed, then those given now (they win), and
    `hydra.run.dir=RUN_DIR`, so the run continues in place with its own settings. A checkpoint
    file whose name holds '=' (Lightning's epoch=N-step=M.ckpt) is quoted for Hydra's parser."""
    values = [arg.split("=", 1)[1] for arg in args if arg.startswith("resume=")]
    if not values:
        return args
    value = values[-1]
    if any(arg in ("-m", "--multirun") for arg in args):
        raise AdbenchError(
            f"resume={value} continues one run: drop -m (a sweep's jobs are resumed one by one)"
        )
    run_dir = resumed_run_dir(value)
    if run_dir is None:
        quoted = f"resume='{value}'" if "=" in value and value[0] not in "'\"" else None
        return [quoted if quoted and arg == f"resume={value}" else arg for arg in args]
    run_dir = run_dir.resolve()
    given = [arg for arg in args if not arg.startswith(("resume=", "hydra.run.dir="))]
    given_keys = {_key(arg) for arg in given}
    recorded = run_dir / ".hydra" / "overrides.yaml"
    replayed = []
    if recorded.is_file():
        from omegaconf import OmegaConf

        replayed = [
            str(arg)
            for arg in OmegaConf.load(recorded)
            if _key(str(arg)) not in given_keys | {"resume", "output_dir"}
        ]
    return [*replayed, *given, f"resume={run_dir}", f"hydra.run.dir={run_dir}"]


def _key(override: str) -> str:
    return override.split("=", 1)[0].lstrip("+~")
