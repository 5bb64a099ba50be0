"""Bad sweeper settings stop the sweep with one line naming the key and the fix."""

from __future__ import annotations

import pytest
from toy_runs import run_toy


@pytest.mark.parametrize(
    ("override", "expected"),
    [
        ("hydra.sweeper.direction=up", "hydra.sweeper.direction=up: use minimize or maximize"),
        ("x=range(5,1)", "x=range(5,1): an empty range"),
        ("hydra.sweeper.n_trials=0", "hydra.sweeper.n_trials and n_jobs must be at least 1"),
    ],
)
def test_bad_setting_gives_one_line_error(tmp_path, override, expected):
    result = run_toy(tmp_path, f"sqlite:///{tmp_path / 'study.db'}", override, full_error=False)
    assert result.returncode == 1
    first = result.stderr.strip().splitlines()[0]
    assert first.startswith("adbench: error: ") and expected in first, result.stderr
    assert "Traceback" not in result.stderr
