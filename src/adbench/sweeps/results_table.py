"""One table for a whole multirun: a row per job, a column per metric, a row per class of the
jobs that trained one model over several (dataset.category=[a,b]), and the mean row (plus a
mean row per model when models are swept together with other keys).

Jobs are found on disk (every folder with Hydra's .hydra/overrides.yaml under the sweep dir), so
the table works whatever launcher ran them. A job's metrics come from its metrics.json; a failed
job has failed.json instead (see job_status) and shows as a failed row with its error.
"""

from __future__ import annotations

import json
import math
from collections.abc import Sequence
from dataclasses import dataclass, field
from pathlib import Path

import yaml

from adbench.io import write_csv_atomic, write_text_atomic
from adbench.sweeps.job_status import read_failure
from adbench.sweeps.labels import job_label
from adbench.tables import format_table

TABLE_NAME = "results"  # results.csv and results.md in the sweep dir
# preferred column order; any other test metric follows, sorted
METRIC_ORDER = (
    "image_auroc",
    "pixel_auroc",
    "pixel_aupro_30",
    "image_aupr",
    "pixel_aupr",
    "image_f1_max_oracle",
    "pixel_f1_max_oracle",
    "ad_mean",
)
EXTRA_COLUMNS = ("val_image_auroc", "fit_seconds")  # the sweep objective and the cost
OK, FAILED, NO_METRICS = "ok", "failed", "no metrics"
MAX_ERROR_CHARS = 120  # in the markdown table; the CSV keeps the whole line
CSV_DECIMALS = 6  # the markdown table shows 4 (tables.format_table)


@dataclass
class JobResult:
    """What one job left behind."""

    num: int
    label: str
    directory: Path
    status: str
    metrics: dict[str, float] = field(default_factory=dict)
    error: str = ""
    model: str | None = None  # the swept model choice, if the sweep varies `model`
    classes: dict[str, dict[str, float]] = field(default_factory=dict)  # one model, several


def _read_yaml(path: Path):
    with open(path, encoding="utf-8") as handle:
        return yaml.safe_load(handle)


def _metrics(summary: dict) -> dict[str, float]:
    values = dict(summary.get("metrics", {}))
    validation = summary.get("validation", {})
    if "val_image_auroc" in validation:
        values["val_image_auroc"] = validation["val_image_auroc"]
    if "fit_seconds" in summary.get("timing", {}):
        values["fit_seconds"] = summary["timing"]["fit_seconds"]
    return {key: float(value) for key, value in values.items() if value is not None}


def read_job(directory: Path, keys: Sequence[str]) -> JobResult:
    """The result of the job in `directory` (which holds Hydra's .hydra/ folder)."""
    overrides = _read_yaml(directory / ".hydra" / "overrides.yaml") or []
    hydra_cfg = _read_yaml(directory / ".hydra" / "hydra.yaml") or {}
    num = int(hydra_cfg.get("hydra", {}).get("job", {}).get("num", -1))
    label = job_label(overrides, keys) or " ".join(overrides) or str(num)
    model = job_label(overrides, ["model"]) if "model" in keys else None
    error = read_failure(directory)
    if error is not None:
        return JobResult(num, label, directory, FAILED, error=error, model=model)
    metrics_file = directory / "metrics.json"
    if not metrics_file.is_file():
        return JobResult(num, label, directory, NO_METRICS, model=model)
    summary = json.loads(metrics_file.read_text())
    classes = {
        name: _metrics({"metrics": values}) for name, values in summary.get("classes", {}).items()
    }
    return JobResult(num, label, directory, OK, _metrics(summary), model=model, classes=classes)


def collect_jobs(sweep_dir: str | Path, keys: Sequence[str]) -> list[JobResult]:
    """Every job under `sweep_dir`, in job-number order."""
    folders = {path.parent.parent for path in Path(sweep_dir).rglob(".hydra/overrides.yaml")}
    jobs = [read_job(folder, keys) for folder in folders if folder != Path(sweep_dir)]
    return sorted(jobs, key=lambda job: (job.num, job.label))


def metric_columns(jobs: Sequence[JobResult]) -> list[str]:
    """Columns for every metric any job reported: the usual ones first, then the rest."""
    seen = {name for job in jobs for name in job.metrics}
    known = [*METRIC_ORDER, *EXTRA_COLUMNS]
    others = sorted(seen - set(known))
    return (
        [name for name in METRIC_ORDER if name in seen]
        + others
        + [name for name in EXTRA_COLUMNS if name in seen]
    )


def _mean(values: list[float]) -> float | None:
    finite = [value for value in values if math.isfinite(value)]
    return sum(finite) / len(finite) if finite else None


def table_rows(jobs: Sequence[JobResult]) -> tuple[list[str], list[list]]:
    """Header and rows (job, status, metrics..., error), then a row per class of each job over
    several (status `class`), then the means over the ok jobs (not over their classes): one
    per model when the sweep varies the model and other keys, then the overall mean. The error
    column only when a job failed."""
    columns = metric_columns(jobs)
    errors = any(job.error for job in jobs)
    header = ["job", "status", *columns, *(["error"] if errors else [])]
    rows = [
        [job.label, job.status, *(job.metrics.get(c) for c in columns)]
        + ([job.error] if errors else [])
        for job in jobs
    ]
    rows += [
        [f"{job.label} / {name}", "class", *(figures.get(c) for c in columns)]
        + ([""] if errors else [])
        for job in jobs
        for name, figures in job.classes.items()
    ]
    models = list(dict.fromkeys(job.model for job in jobs if job.model))
    groups = [(f"mean {model}", [job for job in jobs if job.model == model]) for model in models]
    if len(groups) == 1 or len(groups) == len(jobs):  # nothing but the models is swept
        groups = []
    for label, group in [*groups, ("mean", list(jobs))]:
        done = [job for job in group if job.status == OK]
        means = [_mean([job.metrics[c] for job in done if c in job.metrics]) for c in columns]
        status = f"{len(done)}/{len(group)} ok"
        rows.append([label, status, *means, *([""] if errors else [])])
    return header, rows


def _csv_cell(value):
    if value is None:
        return ""
    return round(value, CSV_DECIMALS) if isinstance(value, float) else value


def _markdown_cell(column: str, value):
    if column == "fit_seconds" and value is not None:
        return round(value)
    if column == "error" and len(value) > MAX_ERROR_CHARS:
        return value[: MAX_ERROR_CHARS - 3] + "..."
    return value


def write_results_table(sweep_dir: str | Path, jobs: Sequence[JobResult]) -> str:
    """Write results.csv (full precision) and results.md (rounded) to the sweep dir; returns
    the markdown table."""
    header, rows = table_rows(jobs)
    write_csv_atomic(
        Path(sweep_dir) / f"{TABLE_NAME}.csv",
        header,
        [[_csv_cell(value) for value in row] for row in rows],
    )
    readable = [
        [_markdown_cell(column, value) for column, value in zip(header, row, strict=True)]
        for row in rows
    ]
    markdown = format_table(header, readable, title=f"multirun results: {sweep_dir}")
    write_text_atomic(Path(sweep_dir) / f"{TABLE_NAME}.md", markdown)
    return markdown
