"""report.html of one run, from what the run wrote: metrics.json, scores.csv, heatmaps/,
roc_curve.png, pro_curve.png and config.yaml."""

from __future__ import annotations

import csv
import json
from pathlib import Path

import numpy as np
from matplotlib.backends.backend_agg import FigureCanvasAgg
from matplotlib.figure import Figure

from adbench.report import html

GALLERY_SIZE = 6  # images per gallery


def run_report(run_dir: Path) -> str:
    """The page of a finished run (its metrics.json must exist)."""
    summary = json.loads((run_dir / "metrics.json").read_text())
    rows = _read_scores(run_dir / "scores.csv")
    title = f"{summary.get('model', 'run')} on {summary.get('dataset', run_dir.name)}"
    sections = [
        html.section("Metrics", _metrics_table(summary), *map(html.note, summary.get("notes", []))),
        html.section("Scores", *_figures(run_dir, rows)),
        *_galleries(run_dir, rows),
        html.section("Calibration", _calibration_table(summary.get("calibration", {}))),
    ]
    config = run_dir / "config.yaml"
    if config.is_file():
        sections.append(html.section("Config", html.folded("config.yaml", config.read_text())))
    return html.page(title, sections)


def _metrics_table(summary: dict) -> str:
    """Test metrics beside the validation figure of the same name (val_ prefix)."""
    test, validation = summary.get("metrics", {}), summary.get("validation", {})
    names = sorted(set(test) | {key.removeprefix("val_") for key in validation})
    rows = [[name, test.get(name), validation.get(f"val_{name}")] for name in names]
    return html.table(["metric", "test", "validation"], rows)


def _calibration_table(calibration: dict) -> str:
    return html.table(["value", "raw"], [[key, value] for key, value in calibration.items()])


def _read_scores(path: Path) -> list[dict]:
    if not path.is_file():
        return []
    with path.open(newline="") as handle:
        return list(csv.DictReader(handle))


def _figures(run_dir: Path, rows: list[dict]) -> list[str]:
    """The ROC and PRO curves the run drew, and the histogram of normalised scores by label."""
    figures = []
    roc = run_dir / "roc_curve.png"
    if roc.is_file():
        figures.append(html.figure(html.png_image(roc, "ROC curve"), "image ROC (test)"))
    pro = run_dir / "pro_curve.png"
    if pro.is_file():
        caption = "pixel per-region overlap against false positive rate (test)"
        figures.append(html.figure(html.png_image(pro, "PRO curve"), caption))
    if rows:
        figures.append(
            html.figure(
                html.png_image(_histogram(rows), "score histogram"),
                "normalised test scores; 0.5 is the threshold fitted on validation",
            )
        )
    return figures


def _histogram(rows: list[dict]) -> Figure:
    figure = Figure(figsize=(4.5, 3.4), dpi=100)
    FigureCanvasAgg(figure)
    axes = figure.add_subplot()
    scores = np.array([float(row["normalized_score"]) for row in rows])
    labels = np.array([int(row["label"]) for row in rows])
    bins = np.linspace(0, 1, 21)
    for label, name, colour in ((0, "normal", "tab:blue"), (1, "anomalous", "tab:red")):
        axes.hist(scores[labels == label], bins=bins, alpha=0.6, label=name, color=colour)
    axes.axvline(0.5, color="black", ls="--", lw=1, label="threshold")
    axes.set(xlabel="normalised score", ylabel="images")
    axes.legend()
    figure.tight_layout()
    return figure


def _galleries(run_dir: Path, rows: list[dict]) -> list[str]:
    """Worst missed defects, worst false alarms and best detections, as the run's heatmap
    panels (image | ground truth | heatmap) with file, score and defect type."""
    score = lambda row: float(row["normalized_score"])  # noqa: E731
    anomalous = [row for row in rows if row["label"] == "1"]
    normal = [row for row in rows if row["label"] == "0"]
    galleries = (
        (
            "Hardest defects (lowest scores of anomalous images; missed below 0.5)",
            sorted(anomalous, key=score),
        ),
        ("Worst false alarms (highest scores of normal images)", sorted(normal, key=score)[::-1]),
        (
            "Best detections (highest scores of anomalous images)",
            sorted(anomalous, key=score)[::-1],
        ),
    )
    sections = []
    for heading, chosen in galleries:
        panels = [
            html.figure(
                html.png_image(panel, Path(row["file"]).name),
                f"{Path(row['file']).name} ({_kind(row)}): score {score(row):.3f}",
            )
            for row in chosen[:GALLERY_SIZE]
            if (panel := _panel(run_dir, row)) is not None
        ]
        if panels:
            sections.append(html.section(heading, *panels))
    return sections


def _kind(row: dict) -> str:
    """The defect type, after the class in a run over several."""
    return f"{row['class']}/{row['defect_type']}" if row.get("class") else row["defect_type"]


def _panel(run_dir: Path, row: dict) -> Path | None:
    """The heatmap panel the run wrote for this image, if it did."""
    folder = run_dir / "heatmaps" / row.get("class", "") / row["defect_type"]
    panel = folder / f"{Path(row['file']).stem}.png"
    return panel if panel.is_file() else None
