"""W&B sweep files checked offline with W&B's own code: the `sweeps` package validates them and
proposes runs (`sweeps.next_run`), wandb's agent helpers build each run's command.

`wandb sweep` needs a server; this catches a broken key on the laptop instead of the cluster.
"""

from __future__ import annotations

import copy
import json
import sys
import warnings
from collections.abc import Sequence
from pathlib import Path
from typing import Any

import yaml

from adbench.errors import AdbenchError

ARGS_MACROS = ("${args}", "${args_no_hyphens}", "${args_json}", "${args_override_hydra}")
ENTRY = ("-m", "adbench")  # a sweep command runs `python -m adbench ...`
DRY_RUN_OUTPUT = "output_dir=sweep-dry-run"  # composing only: nothing is written there


def load_sweep(path: str | Path) -> dict:
    """The sweep file as a dict; AdbenchError naming the file when it is missing or not YAML."""
    path = Path(path)
    if not path.is_file():
        raise AdbenchError(f"{path}: no such sweep file (see sweeps/ for examples)")
    try:
        sweep = yaml.safe_load(path.read_text())
    except yaml.YAMLError as error:
        raise AdbenchError(f"{path}: not valid YAML: {' '.join(str(error).split())}") from error
    if not isinstance(sweep, dict):
        raise AdbenchError(f"{path}: a sweep file is a mapping (method, metric, parameters, ...)")
    return sweep


def _sweeps():
    """The `sweeps` package, imported without its pydantic-v2 notes."""
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", UserWarning)
        import sweeps
    return sweeps


def sweep_problems(sweep: dict) -> list[str]:
    """Violations of W&B's sweep schema, plus what adbench needs: an adbench command that
    passes the parameters as Hydra overrides."""
    try:
        problems = list(dict.fromkeys(_sweeps().schema_violations_from_proposed_config(sweep)))
    except ValueError as error:
        problems = [str(error)]
    command = sweep.get("command")
    if not isinstance(command, list) or not command:
        return [*problems, "command: missing (e.g. [${env}, ${interpreter}, -m, adbench, ...])"]
    words = [str(word) for word in command]
    if not _entry_index(words):
        problems.append("command: does not run `${interpreter} -m adbench`")
    if not any(macro in words for macro in ARGS_MACROS):
        problems.append("command: passes no parameters: add ${args_no_hyphens}")
    if not (sweep.get("metric") or {}).get("name"):
        problems.append("metric.name: missing (e.g. val_image_auroc)")
    return problems


def propose_run(sweep: dict, runs: Sequence[Any]):
    """W&B's next proposed run (a sweeps.SweepRun) given the runs so far; None when a grid is
    exhausted."""
    return _sweeps().next_run(sweep, list(runs), validate=True)


def run_params(proposed) -> dict[str, Any]:
    """{parameter: value} of a proposed run."""
    return {name: item["value"] for name, item in proposed.config.items()}


def finished_run(proposed, metric: str, value: float | None, failed: bool):
    """`proposed` as a finished (or failed) sweeps.SweepRun with its metric, for the next
    proposal."""
    sweeps = _sweeps()
    return sweeps.SweepRun(
        name=proposed.name,
        config=proposed.config,
        state=sweeps.RunState.failed if failed else sweeps.RunState.finished,
        summary_metrics={} if value is None else {metric: value},
    )


def run_command(sweep: dict, proposed, interpreter: str = "python") -> list[str]:
    """The command W&B's agent would run for `proposed` (its macro expansion, step by step);
    the agent's ${interpreter} is `python`, a local agent passes its own sys.executable."""
    from wandb.sdk.launch.sweeps.utils import create_sweep_command, create_sweep_command_args

    template = create_sweep_command(copy.deepcopy(sweep["command"]))  # fills ${envvar:NAME}
    macros = create_sweep_command_args({"args": proposed.config})
    macros["args_json"] = [json.dumps(macros["args_dict"])]
    macros.update(
        interpreter=[interpreter],
        program=[str(sweep.get("program", ""))],
        env=[] if sys.platform == "win32" else ["/usr/bin/env"],
    )
    command: list[str] = []
    for word in map(str, template):
        if word.startswith("${") and word.endswith("}"):
            command += [str(value) for value in macros.get(word[2:-1]) or []]
        else:
            command.append(word)
    return command


def _entry_index(words: Sequence[str]) -> int:
    """Index just past `-m adbench` in a command, 0 when absent."""
    for index in range(len(words) - 1):
        if tuple(words[index : index + 2]) == ENTRY:
            return index + 2
    return 0


def hydra_overrides(command: Sequence[str]) -> list[str]:
    """The Hydra overrides of an adbench command (the words after `-m adbench`)."""
    start = _entry_index(command)
    if not start:
        raise AdbenchError(f"command {' '.join(command)!r} does not run `python -m adbench`")
    return list(command[start:])


def compose_run_config(overrides: Sequence[str]):
    """The adbench config these overrides compose into, resolved (Hydra's compose API; a
    placeholder output_dir unless one is given, since no Hydra run sets it here)."""
    from omegaconf import OmegaConf

    from adbench.compose import compose_adbench

    overrides = list(overrides)
    if not any(o.split("=", 1)[0].lstrip("+~") == "output_dir" for o in overrides):
        overrides.append(DRY_RUN_OUTPUT)
    cfg = compose_adbench(overrides)
    OmegaConf.resolve(cfg)  # bad interpolations fail here
    return cfg


def compose_problem(overrides: Sequence[str]) -> str | None:
    """None when the overrides compose into a complete, resolvable config, else why not."""
    try:
        compose_run_config(overrides)
    except Exception as error:  # any composition failure is the answer, not a crash
        return " ".join(str(error).split())
    return None


def metric_value(run_dir: Path, name: str) -> float | None:
    """A sweep metric from a finished run's metrics.json: `val_*` from validation, `test_*`
    from the test metrics."""
    path = Path(run_dir) / "metrics.json"
    if not path.is_file():
        return None
    summary = json.loads(path.read_text())
    value = summary.get("validation", {}).get(name)
    if value is None and name.startswith("test_"):
        value = summary.get("metrics", {}).get(name.removeprefix("test_"))
    return None if value is None else float(value)
