"""report.html of a sweep (grid, Optuna or local W&B), from its jobs' folders: the results table
(sortable, linking each job's own page), failed jobs with their error, the mean rows, image
AUROC per job by method, validation against test image AUROC over the jobs, and for an Optuna
study the optimisation history and parameter importances its sweeper drew."""

from __future__ import annotations

from collections.abc import Sequence
from pathlib import Path

from matplotlib.backends.backend_agg import FigureCanvasAgg
from matplotlib.figure import Figure

from adbench.report import html
from adbench.sweeps.results_table import FAILED, JobResult, table_rows
from hydra_plugins.adbench_optuna_sweeper._plots import HISTORY_FILE, IMPORTANCES_FILE

OPTUNA_PLOTS = {  # drawn into the sweep folder by adbench's Optuna sweeper
    HISTORY_FILE: "Optuna: the objective of every trial and the best so far",
    IMPORTANCES_FILE: "Optuna: how much each parameter mattered to the objective (fANOVA)",
}


def sweep_report(sweep_dir: Path, jobs: Sequence[JobResult]) -> str:
    header, rows = table_rows(jobs)
    for row, job in zip(rows, jobs, strict=False):  # job rows first, then classes, then means
        page = job.directory / "report.html"
        if page.is_file():
            row[0] = html.Link(row[0]).to(str(page.relative_to(sweep_dir)))
    body = len(jobs) + sum(len(job.classes) for job in jobs)
    job_rows, mean_rows = rows[:body], rows[body:]
    sections = [html.section("Results", html.table(header, job_rows, footer=mean_rows))]
    failed = [[job.label, job.error] for job in jobs if job.status == FAILED]
    if failed:
        sections.append(html.section("Failed jobs", html.table(["job", "error"], failed)))
    done = [job for job in jobs if "image_auroc" in job.metrics]
    figures = []
    if done:
        figures.append(html.figure(html.png_image(_bars(done), "image AUROC per job"),
                                   "test image AUROC per job, coloured by method"))  # fmt: skip
    validated = [job for job in done if "val_image_auroc" in job.metrics]
    if validated:
        scatter = html.png_image(_scatter(validated), "validation vs test")
        figures.append(
            html.figure(scatter, "does the validation AUROC a sweep optimises track test?")
        )
    figures += [
        html.figure(html.png_image(path, caption), caption)
        for name, caption in OPTUNA_PLOTS.items()
        if (path := sweep_dir / name).is_file()
    ]
    if figures:
        sections.append(html.section("Figures", *figures))
    return html.page(f"sweep {sweep_dir.name}: {len(jobs)} jobs", sections)


def _bars(jobs: Sequence[JobResult]) -> Figure:
    figure = Figure(figsize=(6, 0.35 * len(jobs) + 1.2), dpi=100)
    FigureCanvasAgg(figure)
    axes = figure.add_subplot()
    models = list(dict.fromkeys(job.model or "" for job in jobs))
    colours = {model: f"C{index}" for index, model in enumerate(models)}
    axes.barh([job.label for job in jobs], [job.metrics["image_auroc"] for job in jobs],
              color=[colours[job.model or ""] for job in jobs])  # fmt: skip
    for model, colour in colours.items():
        axes.bar(0, 0, color=colour, label=model or "method")  # legend entries only
    axes.set(xlim=(0, 1), xlabel="test image AUROC")
    axes.invert_yaxis()
    axes.legend(loc="lower right")
    figure.tight_layout()
    return figure


def _scatter(jobs: Sequence[JobResult]) -> Figure:
    figure = Figure(figsize=(4.5, 4.5), dpi=100)
    FigureCanvasAgg(figure)
    axes = figure.add_subplot()
    axes.scatter([job.metrics["val_image_auroc"] for job in jobs],
                 [job.metrics["image_auroc"] for job in jobs])  # fmt: skip
    for job in jobs:
        axes.annotate(job.label, (job.metrics["val_image_auroc"], job.metrics["image_auroc"]),
                      fontsize=7)  # fmt: skip
    axes.plot([0, 1], [0, 1], ls="--", lw=1, color="grey")
    axes.set(xlim=(0, 1.01), ylim=(0, 1.01), xlabel="validation image AUROC",
             ylabel="test image AUROC")  # fmt: skip
    figure.tight_layout()
    return figure


def job_directories(jobs: Sequence[JobResult]) -> list[Path]:
    """The folders of the jobs that finished (their metrics.json exists)."""
    return [job.directory for job in jobs if (job.directory / "metrics.json").is_file()]
