"""A local W&B sweep agent: `python -m adbench.sweep_local sweeps/crn.yml --count 2`.

Validates the sweep file against W&B's schema, asks W&B's own search logic (`sweeps.next_run`)
for runs, and executes the commands W&B's agent would run (offline: WANDB_MODE defaults to
offline; sync the runs later with `wandb sync DIR/run-*/wandb/offline-run-*`). Each run's
metric is read back from its metrics.json and fed to the next proposal (Bayesian search).
`--dry-run` only composes each proposed run's config with Hydra's compose API. Overrides after
the file are added to every run (`... sweeps/crn.yml --count 2 preset=demo` on a laptop).
"""

from __future__ import annotations

import argparse
import math
import os
import subprocess
import sys
import time
from collections.abc import Sequence
from pathlib import Path

from adbench.errors import AdbenchError
from adbench.sweeps.wandb_sweeps import (
    compose_problem,
    finished_run,
    hydra_overrides,
    load_sweep,
    metric_value,
    propose_run,
    run_command,
    run_params,
    sweep_problems,
)
from adbench.tables import format_table


def parse_args(argv: list[str] | None = None) -> argparse.Namespace:
    parser = argparse.ArgumentParser(
        prog="python -m adbench.sweep_local", description=__doc__.splitlines()[0]
    )
    parser.add_argument("sweep_file", type=Path, help="a W&B sweep file, e.g. sweeps/crn.yml")
    parser.add_argument(
        "overrides", nargs="*", help="Hydra overrides added to every run, e.g. preset=demo"
    )
    parser.add_argument("--count", type=int, default=1, help="runs to propose (default 1)")
    parser.add_argument(
        "--dry-run", action="store_true", help="only compose each proposed run's config"
    )
    parser.add_argument(
        "--out", type=Path, default=None,
        help="where runs write (default outputs/sweep_local/<sweep>/<time>)",
    )  # fmt: skip
    return parser.parse_intermixed_args(argv)


def _shown(value) -> str:
    return f"{value:.4g}" if isinstance(value, float) else str(value)


def execute(command: list[str], run_dir: Path) -> int:
    """Run one proposed command (its outputs in run_dir); returns its exit code."""
    env = {**os.environ, "WANDB_MODE": os.environ.get("WANDB_MODE", "offline")}
    print("$ " + " ".join(command), flush=True)
    return subprocess.run([*command, f"output_dir={run_dir}"], env=env, check=False).returncode


def sweep_local(
    sweep_file: Path,
    count: int,
    dry_run: bool,
    out: Path | None,
    extra: Sequence[str] = (),
) -> int:
    """Propose and check (or execute) `count` runs, `extra` overrides appended to each; prints
    a summary; returns the exit code."""
    sweep = load_sweep(sweep_file)
    problems = sweep_problems(sweep)
    if problems:
        raise AdbenchError(f"{sweep_file}: {'; '.join(problems)}")
    if count < 1:
        raise AdbenchError(f"--count {count}: propose at least one run (--count 1)")
    metric = sweep["metric"]["name"]
    out = out or Path("outputs/sweep_local") / sweep_file.stem / time.strftime("%Y-%m-%d_%H-%M-%S")
    runs, rows, failures = [], [], 0
    for index in range(count):
        proposed = propose_run(sweep, runs)
        if proposed is None:
            print(f"the {sweep['method']} search proposes no more runs after {index}")
            break
        proposed.name = f"run-{index}"
        command = [*run_command(sweep, proposed, interpreter=sys.executable), *extra]
        params = " ".join(f"{k}={_shown(v)}" for k, v in run_params(proposed).items())
        if dry_run:
            problem = compose_problem(hydra_overrides(command))
            value, status = None, "composes" if problem is None else f"error: {problem}"
            failed = problem is not None
        else:
            code = execute(command, out / proposed.name)
            value = metric_value(out / proposed.name, metric)
            failed = code != 0 or value is None or not math.isfinite(value)
            status = f"exit {code}" + ("" if value is not None else f", no {metric}")
        failures += failed
        runs.append(finished_run(proposed, metric, value, failed))
        rows.append([proposed.name, params, value, status])
    print(format_table(["run", "parameters", metric, "status"], rows, title=str(sweep_file)))
    if failures:
        print(f"adbench: error: {failures} of {len(rows)} runs failed", file=sys.stderr)
    return 1 if failures else 0


def main(argv: list[str] | None = None) -> int:
    args = parse_args(argv)
    try:
        return sweep_local(args.sweep_file, args.count, args.dry_run, args.out, args.overrides)
    except AdbenchError as error:
        print(f"adbench: error: {error}", file=sys.stderr)
        return 2


if __name__ == "__main__":
    sys.exit(main())
