"""A finished study leaves Optuna's own history and importance plots in its sweep folder, and
the sweep's report shows them."""

from __future__ import annotations

from pathlib import Path

from PIL import Image
from toy_runs import run_toy

from adbench.report.sweep_page import sweep_report
from hydra_plugins.adbench_optuna_sweeper._plots import HISTORY_FILE, IMPORTANCES_FILE


def test_a_study_leaves_its_history_and_importance_plots_and_the_report_shows_them(tmp_path):
    result = run_toy(tmp_path, f"sqlite:///{tmp_path / 'study.db'}", "hydra.sweeper.n_trials=4")
    assert result.returncode == 0, result.stderr
    (sweep_dir,) = (tmp_path / "sweeps").iterdir()
    for name in (HISTORY_FILE, IMPORTANCES_FILE):
        with Image.open(sweep_dir / name) as plot:
            assert plot.size[0] >= 400 and len(plot.getcolors(1 << 16) or range(99)) > 10
    page = sweep_report(sweep_dir, [])
    assert page.count("<img") == 2 and "each parameter mattered" in page


def test_a_study_without_a_completed_trial_draws_nothing(tmp_path):
    result = run_toy(
        tmp_path, f"sqlite:///{tmp_path / 'study.db'}", "hydra.sweeper.n_trials=2", "y=choice(1)",
        "fail_y=1",
    )  # fmt: skip
    assert result.returncode == 0, result.stderr
    (sweep_dir,) = (tmp_path / "sweeps").iterdir()
    assert not [path.name for path in Path(sweep_dir).glob("*.png")]
