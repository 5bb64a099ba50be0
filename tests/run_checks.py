"""Checks shared by the methods' run tests: a saved model predicts what its test run scored.

Imported by test modules as `from run_checks import ...` (tests/ is on pytest's pythonpath).
"""

from __future__ import annotations

import csv
from collections.abc import Callable
from pathlib import Path

import pytest

from adbench.run import run


def read_csv(path: Path) -> list[dict[str, str]]:
    with open(path) as file:
        return list(csv.DictReader(file))


def assert_predict_reproduces_test_scores(
    compose_config: Callable, model: str, run_dir: Path, images: Path, predict_dir: Path
) -> None:
    """task=predict with run_dir/model.ckpt on `images` gives the raw scores of the test run."""
    test_scores = {r["file"]: float(r["raw_score"]) for r in read_csv(run_dir / "scores.csv")}
    predict = compose_config(
        f"model={model}", "task=predict", f"ckpt_path={run_dir / 'model.ckpt'}",
        f"predict.input={images}", f"output_dir={predict_dir}", "output.heatmaps=false",
    )  # fmt: skip
    run(predict)
    predicted = read_csv(predict_dir / "anomaly_scores.csv")
    assert len(predicted) == len(list(images.iterdir()))
    for row in predicted:
        assert float(row["raw_score"]) == pytest.approx(test_scores[row["file"]], rel=1e-5)
