"""report.html for a run directory (and, from it, the page a person looks at first)."""

from __future__ import annotations

from pathlib import Path

from adbench.errors import AdbenchError
from adbench.io import write_text_atomic
from adbench.report.run_page import run_report

REPORT_FILE = "report.html"


def write_report(directory: str | Path) -> Path:
    """Write DIRECTORY/report.html for a finished run; returns its path."""
    directory = Path(directory)
    if not (directory / "metrics.json").is_file():
        raise AdbenchError(
            f"{directory}: no metrics.json here: pass the directory of a finished run"
        )
    path = directory / REPORT_FILE
    write_text_atomic(path, run_report(directory))
    return path
