"""An image folder that changes during the run (another program deletes or rewrites a test
image after the up-front check) ends in one line naming the image, and leaves no result."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

import pytest
from test_cli import assert_one_line_error

CHANGER = Path(__file__).with_name("change_at_step.py")


@pytest.mark.parametrize(
    ("action", "message"),
    [("delete", "No such file"), pytest.param("truncate", "truncated", marks=pytest.mark.slow)],
)
def test_a_test_image_changed_during_training_is_named_and_no_result_is_left(
    tmp_path, mvtec_tree, action, message
):
    image = mvtec_tree / "cat" / "test" / "dent" / "001.png"
    result = subprocess.run(
        [sys.executable, str(CHANGER), "0", action, str(image), "model=padim",
         "model.n_features=20", "dataset=mvtec", f"dataset.root={mvtec_tree}",
         "dataset.category=cat", "dataset.image_size=32", "logger=none",
         f"output_dir={tmp_path}/out"],
        capture_output=True, text=True, cwd=tmp_path, timeout=300,
        env={**os.environ, "PYTHONPATH": os.pathsep.join(sys.path)},
    )  # fmt: skip
    assert_one_line_error(result, f"cannot read image {image}", message)
    written = {path.name for path in (tmp_path / "out").iterdir()}
    assert not written & {"metrics.json", "scores.csv", "model.ckpt", "heatmaps"}
