"""report.html for a run directory or a sweep directory: the page a person looks at first."""

from __future__ import annotations

from pathlib import Path

from omegaconf import OmegaConf

from adbench.errors import AdbenchError
from adbench.io import write_text_atomic
from adbench.report.run_page import run_report
from adbench.report.sweep_page import job_directories, sweep_report
from adbench.sweeps.labels import swept_keys
from adbench.sweeps.results_table import collect_jobs

REPORT_FILE = "report.html"


def write_report(directory: str | Path) -> Path:
    """Write DIRECTORY/report.html for a finished run, or for a sweep (its multirun.yaml is
    there), whose finished jobs get their own page first if they lack one; returns its path."""
    directory = Path(directory)
    if (directory / "multirun.yaml").is_file():
        jobs = collect_jobs(directory, swept_keys(OmegaConf.load(directory / "multirun.yaml")))
        for job_dir in job_directories(jobs):
            if not (job_dir / REPORT_FILE).is_file():
                write_text_atomic(job_dir / REPORT_FILE, run_report(job_dir))
        content = sweep_report(directory, jobs)
    elif (directory / "metrics.json").is_file():
        content = run_report(directory)
    else:
        raise AdbenchError(
            f"{directory}: no metrics.json or multirun.yaml here: pass the directory of a "
            "finished run or of a sweep"
        )
    path = directory / REPORT_FILE
    write_text_atomic(path, content)
    return path
