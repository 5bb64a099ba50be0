"""The multirun results table: a row per job, failed rows with their error, and the mean."""

from __future__ import annotations

import csv
import json

import pytest
import yaml

from adbench.sweeps.job_status import read_failure, record_failure
from adbench.sweeps.results_table import collect_jobs, write_results_table


def make_job(sweep, name, num, overrides, metrics=None, error=None):
    job = sweep / name
    (job / ".hydra").mkdir(parents=True)
    (job / ".hydra" / "overrides.yaml").write_text(yaml.safe_dump(overrides))
    (job / ".hydra" / "hydra.yaml").write_text(yaml.safe_dump({"hydra": {"job": {"num": num}}}))
    if metrics is not None:
        summary = {
            "metrics": metrics,
            "validation": {"val_image_auroc": 0.5},
            "timing": {"fit_seconds": 12.4},
        }
        (job / "metrics.json").write_text(json.dumps(summary))
    if error is not None:
        record_failure(job, error, ValueError(error))
    return job


@pytest.fixture
def sweep(tmp_path):
    base = ["dataset=mvtec"]
    make_job(tmp_path, "cable", 1, [*base, "dataset.category=cable"], error="no such dir cable")
    make_job(tmp_path, "bottle", 0, [*base, "dataset.category=bottle"], {"image_auroc": 0.9})
    make_job(
        tmp_path, "grid", 2, [*base, "dataset.category=grid"],
        {"image_auroc": 0.7, "pixel_auroc": 0.8},
    )  # fmt: skip
    return tmp_path


def read_rows(path):
    with open(path) as handle:
        return list(csv.DictReader(handle))


def test_rows_in_job_order_with_failed_row_and_mean(sweep):
    markdown = write_results_table(sweep, collect_jobs(sweep, ["dataset.category"]))
    rows = read_rows(sweep / "results.csv")
    assert [r["job"] for r in rows] == ["bottle", "cable", "grid", "mean"]
    assert [r["status"] for r in rows[:3]] == ["ok", "failed", "ok"]
    assert rows[1]["error"] == "no such dir cable" and rows[1]["image_auroc"] == ""
    assert float(rows[3]["image_auroc"]) == pytest.approx(0.8)  # failed job left out
    assert float(rows[3]["pixel_auroc"]) == pytest.approx(0.8)  # over the jobs that have it
    assert rows[3]["status"] == "2/3 ok"
    assert (sweep / "results.md").read_text() == markdown


def test_markdown_is_readable_at_a_glance(sweep):
    markdown = write_results_table(sweep, collect_jobs(sweep, ["dataset.category"]))
    lines = markdown.splitlines()
    header = lines[2]
    assert header.split("|")[1].strip() == "job"
    assert header.index("image_auroc") < header.index("pixel_auroc") < header.index("fit_seconds")
    assert " 0.9 |" in markdown and " 0.8 |" in markdown  # the decimals the column needs
    assert " 12 |" in markdown and "12.4" not in markdown  # seconds as whole numbers
    assert any(line.startswith("| mean ") for line in lines)


def test_error_column_only_when_a_job_failed(tmp_path):
    make_job(tmp_path, "a", 0, ["seed=0"], {"image_auroc": 0.9})
    write_results_table(tmp_path, collect_jobs(tmp_path, ["seed"]))
    assert "error" not in read_rows(tmp_path / "results.csv")[0]


def test_failure_record_keeps_the_line_and_traceback(tmp_path):
    try:
        raise RuntimeError("boom\nsecond line")
    except RuntimeError as error:
        line = record_failure(tmp_path, None, error)
    assert line == "RuntimeError: boom" and read_failure(tmp_path) == line
    assert "Traceback" in json.loads((tmp_path / "failed.json").read_text())["traceback"]


def test_a_model_by_category_grid_gets_a_mean_row_per_model(tmp_path):
    for num, (model, category, auroc) in enumerate(
        [("patchcore", "a", 0.9), ("patchcore", "b", 0.7), ("padim", "a", 0.6), ("padim", "b", 0.4)]
    ):
        overrides = [f"model={model}", f"dataset.category={category}"]
        make_job(tmp_path, f"{model}-{category}", num, overrides, {"image_auroc": auroc})
    write_results_table(tmp_path, collect_jobs(tmp_path, ["model", "dataset.category"]))
    means = {r["job"]: float(r["image_auroc"]) for r in read_rows(tmp_path / "results.csv")[4:]}
    assert means == pytest.approx({"mean patchcore": 0.8, "mean padim": 0.5, "mean": 0.65})


def test_a_category_grid_has_no_per_model_rows(sweep):
    write_results_table(sweep, collect_jobs(sweep, ["dataset.category"]))
    assert [r["job"] for r in read_rows(sweep / "results.csv")][-1:] == ["mean"]
    assert len(read_rows(sweep / "results.csv")) == 4
