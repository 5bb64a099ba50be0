"""report.html of a run: self-contained, its tables hold metrics.json's numbers, galleries show
the images scores.csv ranks worst and best."""

from __future__ import annotations

import json
import re
import subprocess
import sys
from html.parser import HTMLParser

import pytest

from adbench.errors import AdbenchError
from adbench.report import write_report


class Cells(HTMLParser):
    """Table cells by row, image sources, figure captions and links."""

    def __init__(self) -> None:
        super().__init__()
        self.rows: list[list[str]] = []
        self.sources: list[str] = []
        self.captions: list[str] = []
        self._in: str | None = None

    def handle_starttag(self, tag, attrs):
        attributes = dict(attrs)
        if tag == "tr":
            self.rows.append([])
        elif tag in ("td", "th", "figcaption"):
            self._in = tag
            if tag != "figcaption":
                self.rows[-1].append("")
            else:
                self.captions.append("")
        elif tag == "img":
            self.sources.append(attributes["src"])

    def handle_endtag(self, tag):
        if tag in ("td", "th", "figcaption"):
            self._in = None

    def handle_data(self, data):
        if self._in in ("td", "th"):
            self.rows[-1][-1] += data.strip()
        elif self._in == "figcaption":
            self.captions[-1] += data


def parsed(run_dir) -> Cells:
    cells = Cells()
    cells.feed((run_dir / "report.html").read_text())
    return cells


def test_every_run_ends_with_a_self_contained_report(finished_run):
    page = (finished_run / "report.html").read_text()
    cells = parsed(finished_run)
    assert cells.sources and all(src.startswith("data:image/png;base64,") for src in cells.sources)
    assert not re.search(r"(src|href)=\"https?://", page)  # nothing fetched from a network
    assert "config.yaml" in page and "<script>" in page
    assert any(caption.startswith("image ROC") for caption in cells.captions)
    assert any(caption.startswith("pixel per-region overlap") for caption in cells.captions)


def test_the_metrics_table_holds_metrics_json(finished_run):
    summary = json.loads((finished_run / "metrics.json").read_text())
    rows = {row[0]: row[1:] for row in parsed(finished_run).rows if row}
    for name, value in summary["metrics"].items():
        assert rows[name][0] == f"{value:.4f}"
    assert rows["image_auroc"][1] == f"{summary['validation']['val_image_auroc']:.4f}"


def test_the_galleries_show_the_worst_missed_defect_first(finished_run):
    import csv

    with (finished_run / "scores.csv").open() as handle:
        rows = list(csv.DictReader(handle))
    anomalous = sorted(
        (r for r in rows if r["label"] == "1"), key=lambda r: float(r["normalized_score"])
    )
    captions = parsed(finished_run).captions
    first_gallery_caption = next(c for c in captions if "): score" in c)
    assert first_gallery_caption.startswith(anomalous[0]["file"].rsplit("/", 1)[-1])


def test_the_command_writes_the_report_and_refuses_a_folder_without_a_run(finished_run, tmp_path):
    (finished_run / "report.html").unlink()
    result = subprocess.run([sys.executable, "-m", "adbench.report", str(finished_run)],
                            capture_output=True, text=True, check=False)  # fmt: skip
    assert result.returncode == 0 and (finished_run / "report.html").is_file()
    result = subprocess.run([sys.executable, "-m", "adbench.report", str(tmp_path)],
                            capture_output=True, text=True, check=False)  # fmt: skip
    assert result.returncode == 2 and "no metrics.json" in result.stderr
    with pytest.raises(AdbenchError, match=r"no metrics\.json"):
        write_report(tmp_path)
