"""Atomic JSON / CSV / text writers: the old file or the complete new one, never a part."""

import csv
import json
import os

import pytest

from adbench import io as adbench_io
from adbench.io import write_csv_atomic, write_json_atomic


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

    monkeypatch.setattr(adbench_io.os, "replace", crash)
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
