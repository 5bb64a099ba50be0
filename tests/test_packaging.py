"""conf/ ships inside the wheel: an installed adbench finds its configs from any directory."""

from __future__ import annotations

import os
import subprocess
import sys
import zipfile
from pathlib import Path

ROOT = Path(__file__).parents[1]


def test_wheel_carries_every_config_and_runs_from_elsewhere(tmp_path):
    subprocess.run(
        [sys.executable, "-m", "pip", "wheel", "--quiet", "--no-deps", "--no-build-isolation",
         str(ROOT), "-w", str(tmp_path / "wheel")],
        check=True, capture_output=True,
    )  # fmt: skip
    wheel = next((tmp_path / "wheel").glob("adbench-*.whl"))
    shipped = {n for n in zipfile.ZipFile(wheel).namelist() if n.endswith(".yaml")}
    expected = {
        "adbench/conf/" + str(p.relative_to(ROOT / "conf")) for p in (ROOT / "conf").rglob("*.yaml")
    }
    assert expected <= shipped, expected - shipped

    target = tmp_path / "site"
    zipfile.ZipFile(wheel).extractall(target)
    elsewhere = tmp_path / "elsewhere"
    elsewhere.mkdir()
    env = {**os.environ, "PYTHONPATH": str(target)}
    result = subprocess.run(
        [sys.executable, "-c", "import adbench, sys; print(adbench.__file__)"],
        capture_output=True, text=True, cwd=elsewhere, env=env, check=True,
    )  # fmt: skip
    assert result.stdout.startswith(str(target))
    result = subprocess.run(
        [sys.executable, "-m", "adbench", "+experiment=patchcore_paper", "--cfg", "job"],
        capture_output=True, text=True, cwd=elsewhere, env=env, check=True,
    )  # fmt: skip
    assert "wide_resnet50_2" in result.stdout
