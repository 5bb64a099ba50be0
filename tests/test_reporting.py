"""Metric tables and atomic JSON / CSV writers."""

import csv
import json
import os

import pytest

from adbench import reporting
from adbench.reporting import (
    format_metrics_table,
    format_table,
    write_csv_atomic,
    write_json_atomic,
)


def test_table_sorted_aligned_four_decimals() -> None:
    table = format_metrics_table({"pixel_auroc": 0.971234, "image_auroc": 1, "x": float("nan")})
    lines = table.splitlines()
    assert lines[0].split("|")[1].strip() == "metric"
    assert [line.split("|")[1].strip() for line in lines[2:]] == ["image_auroc", "pixel_auroc", "x"]
    assert [line.split("|")[2].strip() for line in lines[2:]] == ["1.0000", "0.9712", "nan"]
    assert len({len(line) for line in lines}) == 1  # aligned columns
    assert table == format_metrics_table(
        {"x": float("nan"), "image_auroc": 1, "pixel_auroc": 0.971234}
    )


def test_table_title_and_escaping() -> None:
    table = format_metrics_table({"a|b": 0.5}, title="bottle")
    assert table.startswith("### bottle\n\n| metric")
    assert "a\\|b" in table


def test_json_round_trip_creates_parents(tmp_path) -> None:
    path = tmp_path / "run" / "metrics.json"
    write_json_atomic(path, {"image_auroc": 0.9, "nested": {"k": [1, 2]}})
    assert json.loads(path.read_text()) == {"image_auroc": 0.9, "nested": {"k": [1, 2]}}
    write_json_atomic(path, {"image_auroc": 0.8})
    assert json.loads(path.read_text()) == {"image_auroc": 0.8}
    assert os.listdir(path.parent) == ["metrics.json"]


def test_json_unserialisable_keeps_old_file(tmp_path) -> None:
    path = tmp_path / "metrics.json"
    write_json_atomic(path, {"ok": 1})
    with pytest.raises(TypeError):
        write_json_atomic(path, {"bad": object()})
    assert json.loads(path.read_text()) == {"ok": 1}
    assert os.listdir(tmp_path) == ["metrics.json"]


def test_crash_before_rename_keeps_old_file_and_no_temp(tmp_path, monkeypatch) -> None:
    path = tmp_path / "metrics.json"
    write_json_atomic(path, {"ok": 1})

    def crash(*_args) -> None:
        raise OSError("disk full")

    monkeypatch.setattr(reporting.os, "replace", crash)
    with pytest.raises(OSError, match="disk full"):
        write_json_atomic(path, {"ok": 2})
    assert json.loads(path.read_text()) == {"ok": 1}
    assert os.listdir(tmp_path) == ["metrics.json"]


def test_written_file_has_normal_permissions(tmp_path) -> None:
    path = tmp_path / "metrics.json"
    write_json_atomic(path, {})
    umask = os.umask(0)
    os.umask(umask)
    assert path.stat().st_mode & 0o777 == 0o666 & ~umask


def test_csv_round_trip(tmp_path) -> None:
    path = tmp_path / "out" / "results.csv"
    rows = [["bottle", 0.9, 1], ["cable, wires", 0.75, 2]]
    write_csv_atomic(path, ["category", "auroc", "seed"], rows)
    with path.open(newline="") as handle:
        assert list(csv.reader(handle)) == [
            ["category", "auroc", "seed"],
            ["bottle", "0.9", "1"],
            ["cable, wires", "0.75", "2"],
        ]


def test_csv_ragged_row_raises_before_writing(tmp_path) -> None:
    path = tmp_path / "results.csv"
    with pytest.raises(ValueError, match="row 1 has 1 cells"):
        write_csv_atomic(path, ["a", "b"], [[1, 2], [3]])
    assert not path.exists()


def test_each_float_column_gets_the_decimals_it_needs() -> None:
    table = format_table(["a", "b", "c"], [[14.3, 0.9225, 3], [100.0, 0.9, 12]])
    rows = [[cell.strip() for cell in line.split("|")[1:-1]] for line in table.splitlines()[2:]]
    assert rows == [["14.3", "0.9225", "3"], ["100.0", "0.9000", "12"]]
