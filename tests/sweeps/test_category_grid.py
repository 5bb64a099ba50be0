"""`python -m adbench -m dataset.category=...`: a folder per category, one results table, and a
failed job that neither stops the others nor hides in the exit status."""

from __future__ import annotations

import csv
import json

import pytest
from adbench_command import adbench_command

TINY = [
    "dataset.source_size=48",
    "dataset.n_train=12",
    "dataset.n_test_good=2",
    "dataset.n_test_per_defect=1",
    "dataset.image_size=32",
    "logger=none",
    "output.heatmaps=false",
    "output.roc_curve=false",
    "+trainer.enable_progress_bar=false",
]


@pytest.fixture(scope="module")
def grid(tmp_path_factory):
    """Two built-in categories and one that does not exist, in one multirun."""
    tmp = tmp_path_factory.mktemp("grid")
    sweep = tmp / "sweep"
    result = adbench_command(
        "-m", "dataset.category=weave,nope,grain", f"dataset.root={tmp / 'data'}",
        f"hydra.sweep.dir={sweep}", *TINY, cwd=tmp, timeout=600,
    )  # fmt: skip
    return result, sweep


def rows(sweep):
    with open(sweep / "results.csv") as handle:
        return {row["job"]: row for row in csv.DictReader(handle)}


def test_jobs_land_in_folders_named_after_their_category(grid):
    _, sweep = grid
    assert {"weave", "grain", "nope"} <= {path.name for path in sweep.iterdir()}
    for category in ("weave", "grain"):
        summary = json.loads((sweep / category / "metrics.json").read_text())
        assert summary["dataset"] == f"synthetic/{category}"


def test_table_has_both_rows_and_the_mean(grid):
    result, sweep = grid
    table = rows(sweep)
    assert list(table) == ["weave", "nope", "grain", "mean"]
    ok = [float(table[c]["image_auroc"]) for c in ("weave", "grain")]
    assert float(table["mean"]["image_auroc"]) == pytest.approx(sum(ok) / 2, abs=1e-6)
    assert (sweep / "results.md").read_text() in result.stdout  # printed as written


def test_failed_job_is_a_row_with_its_error_and_the_others_complete(grid):
    result, sweep = grid
    table = rows(sweep)
    assert table["nope"]["status"] == "failed" and "nope" in table["nope"]["error"]
    assert table["weave"]["status"] == table["grain"]["status"] == "ok"  # grain ran after it
    assert result.returncode == 1, result.stderr[-2000:]
    assert "Traceback" not in result.stderr
    assert "1 of 3 jobs failed" in result.stderr


def test_the_sweep_report_compares_the_jobs_links_their_pages_and_sorts(grid, tmp_path):
    """The sweep's report.html in a real browser: a row per job, the failed one with its error,
    the mean, links to the jobs' own pages; a click on a header sorts the jobs."""
    from browser import opened

    _, sweep = grid
    errors: list[str] = []
    with opened(sweep / "report.html", errors) as page:
        table = page.locator("table.sortable").first
        jobs = table.locator("tbody tr td:nth-child(1)").all_inner_texts()
        assert jobs == ["weave", "nope", "grain"]
        assert table.locator("tfoot tr td:nth-child(1)").all_inner_texts() == ["mean"]
        link = table.locator("a", has_text="weave")
        assert link.get_attribute("href") == "weave/report.html"
        assert (sweep / "weave" / "report.html").is_file()
        failed = page.locator("section", has_text="Failed jobs").inner_text()
        assert "nope" in failed and "error" in failed
        header = table.locator("th", has_text="job")
        header.click()
        assert table.locator("tbody tr td:nth-child(1)").all_inner_texts() == sorted(jobs)
        assert table.locator("tfoot tr td:nth-child(1)").all_inner_texts() == ["mean"]
        page.screenshot(path=str(tmp_path / "sweep.png"), full_page=True)
    assert not errors, errors
