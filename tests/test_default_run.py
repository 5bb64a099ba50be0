"""The README's main job and the feature methods on the built-in data (slow: minutes each)."""

from __future__ import annotations

import json
import subprocess
import sys

import pytest


@pytest.mark.slow
@pytest.mark.parametrize(
    "model",
    ["patchcore", "padim", "cflow"],
)
def test_feature_method_finds_the_built_in_defects(tmp_path, model):
    result = subprocess.run(
        [sys.executable, "-m", "adbench", f"model={model}", f"output_dir={tmp_path}"],
        capture_output=True,
        text=True,
        timeout=1800,
    )
    assert result.returncode == 0, result.stderr[-3000:]
    summary = json.loads((tmp_path / "metrics.json").read_text())
    assert summary["metrics"]["image_auroc"] >= 0.9
    assert "image_auroc" in result.stdout
    assert list((tmp_path / "heatmaps").rglob("*.png"))
