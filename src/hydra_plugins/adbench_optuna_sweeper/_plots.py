"""Optuna's own matplotlib plots of a finished study, saved beside optimization_results.yaml:
the optimisation history and the parameter importances (single-objective studies)."""

from __future__ import annotations

import logging
import warnings
from pathlib import Path

import optuna
from optuna.trial import TrialState

log = logging.getLogger(__name__)

HISTORY_FILE = "optuna_history.png"
IMPORTANCES_FILE = "optuna_importances.png"


def write_plots(study: optuna.Study, sweep_dir: str | Path) -> list[Path]:
    """Write the plots the study supports (history: one completed trial; importances: two,
    with a parameter that varied); returns the files written. A plot that cannot be drawn is a
    logged note, never a failed sweep."""
    import matplotlib

    matplotlib.use("Agg")  # no display in a sweep: draw to files only
    from matplotlib import pyplot
    from optuna.visualization import matplotlib as plots

    if len(study.directions) != 1:
        return []
    completed = study.get_trials(deepcopy=False, states=(TrialState.COMPLETE,))
    wanted = {HISTORY_FILE: plots.plot_optimization_history}
    if len(completed) >= 2 and any(_varied(completed, name) for name in completed[0].params):
        wanted[IMPORTANCES_FILE] = plots.plot_param_importances
    if not completed:
        return []
    written = []
    for name, plot in wanted.items():
        path = Path(sweep_dir) / name
        try:
            with warnings.catch_warnings():
                warnings.simplefilter("ignore", optuna.exceptions.ExperimentalWarning)
                axes = plot(study)
            figure = axes.figure
            figure.set_size_inches(6.4, 4.2)
            figure.tight_layout()
            figure.savefig(path, dpi=100)
            pyplot.close(figure)
            written.append(path)
        except (ValueError, RuntimeError) as error:
            log.warning(f"{name} not written: {type(error).__name__}: {error}")
    return written


def _varied(trials: list, name: str) -> bool:
    return len({repr(trial.params.get(name)) for trial in trials}) > 1
