"""Run anomalib (in its own virtualenv, `make anomalib-venv`) on an MVTec-layout folder.

The job itself is `anomalib_job.py` beside this file, a standalone script for that venv's python;
this side only builds its command line and reads back its `PEER_RESULT` / `PEER_ERROR` line.
"""

from __future__ import annotations

import json
import os
import subprocess
import tempfile
from collections.abc import Sequence
from pathlib import Path
from typing import Any

from adbench.errors import AdbenchError

JOB_SCRIPT = Path(__file__).with_name("anomalib_job.py")
DEFAULT_VENV = ".venv-anomalib"
RESULT_PREFIX = "PEER_RESULT "
ERROR_PREFIX = "PEER_ERROR "


def anomalib_python(venv: str | Path = DEFAULT_VENV) -> Path:
    """The python of the anomalib virtualenv; a one-line AdbenchError if it is missing."""
    python = Path(venv) / "bin" / "python"
    if not python.exists():
        raise AdbenchError(
            f"no anomalib virtualenv at {venv} ({python} missing): run `make anomalib-venv`"
        )
    return python


def job_command(
    python: Path,
    root: str | Path,
    category: str,
    model: str,
    image_size: int,
    layers: Sequence[int],
    seed: int = 0,
    max_epochs: int | None = None,
    backbone: str = "tf_efficientnet_lite0",
    output_dir: str | Path | None = None,
    anomaly_source: str | Path | None = None,
    extra_args: Sequence[str] = (),
) -> list[str]:
    """The command line that runs one anomalib job."""
    command = [
        str(python), str(JOB_SCRIPT), "--root", str(root), "--category", category,
        "--model", model, "--image-size", str(image_size), "--backbone", backbone,
        "--layers", *map(str, layers), "--seed", str(seed),
    ]  # fmt: skip
    if max_epochs is not None:
        command += ["--max-epochs", str(max_epochs)]
    if output_dir is not None:
        command += ["--output-dir", str(output_dir)]
    if anomaly_source is not None:
        command += ["--anomaly-source", str(anomaly_source)]
    return [*command, *extra_args]


def parse_job_output(stdout: str, stderr: str, returncode: int) -> dict:
    """The job's result dict, or {"error": one line} for a failed or garbled job."""
    for line in reversed(stdout.splitlines()):
        if line.startswith(RESULT_PREFIX):
            try:
                result = json.loads(line.removeprefix(RESULT_PREFIX))
            except json.JSONDecodeError as error:
                return {"error": f"unreadable PEER_RESULT line ({error})"}
            if isinstance(result, dict):
                return result
            return {"error": "PEER_RESULT is not a JSON object"}
        if line.startswith(ERROR_PREFIX):
            return {"error": line.removeprefix(ERROR_PREFIX).strip() or "unknown error"}
    tail = (stderr.strip().splitlines() or stdout.strip().splitlines() or ["no output"])[-1]
    return {"error": f"anomalib job gave no PEER_RESULT (exit {returncode}): {tail.strip()}"}


def run_anomalib(
    python: Path,
    root: str | Path,
    category: str,
    model: str,
    image_size: int,
    layers: Sequence[int],
    timeout: float = 3600.0,
    **options: Any,
) -> dict:
    """Fit and test one anomalib model in the anomalib venv; a failed job gives {"error": ...}
    (never raises for it). `layers` are timm features_only indices, as in adbench's configs;
    `options` are job_command's (seed, max_epochs, backbone, output_dir, anomaly_source,
    extra_args); without output_dir the job writes to a temporary folder."""
    with tempfile.TemporaryDirectory(prefix="anomalib_peer_") as scratch:
        options["output_dir"] = options.get("output_dir") or scratch
        command = job_command(python, root, category, model, image_size, layers, **options)
        try:
            done = subprocess.run(
                command, capture_output=True, text=True, timeout=timeout, check=False,
                env={**os.environ, "HF_HUB_OFFLINE": "1"},
            )  # fmt: skip
        except subprocess.TimeoutExpired:
            return {"error": f"anomalib {model} job timed out after {timeout:.0f} s"}
        except OSError as error:
            return {"error": f"could not start {python}: {error}"}
    return parse_job_output(done.stdout, done.stderr, done.returncode)
