"""The README's main job: the default run, exactly as `make demo` runs it (slow: ~1 minute)."""

from __future__ import annotations

import json
import subprocess
import sys

import pytest


@pytest.mark.slow
def test_default_run_finds_the_built_in_defects(tmp_path):
    result = subprocess.run(
        [sys.executable, "-m", "adbench", f"output_dir={tmp_path}"],
        capture_output=True, text=True, timeout=900,
    )  # fmt: skip
    assert result.returncode == 0, result.stderr[-3000:]
    summary = json.loads((tmp_path / "metrics.json").read_text())
    assert summary["metrics"]["image_auroc"] >= 0.9
    assert "image_auroc" in result.stdout
    assert list((tmp_path / "heatmaps").rglob("*.png"))
