"""A resumed run's CSV log keeps the history before the checkpoint (Lightning's CSVLogger
starts metrics.csv afresh)."""

from __future__ import annotations

import csv
from pathlib import Path

import lightning as L
from lightning.pytorch.loggers import CSVLogger

METRICS_FILE = "metrics.csv"


def read_log_history(log_dir: Path) -> list[dict[str, str]]:
    """The rows of log_dir/metrics.csv as written (empty cells dropped), or none."""
    file = Path(log_dir) / METRICS_FILE
    if not file.is_file():
        return []
    with file.open(newline="") as handle:
        return [
            {key: value for key, value in row.items() if value not in ("", None)}
            for row in csv.DictReader(handle)
        ]


class LogHistory(L.Callback):
    """The metrics.csv rows of the run's CSV loggers, read before training resumes (Lightning
    then deletes the file), logged again up to the step it resumes from, before anything new."""

    def __init__(self, loggers: list) -> None:
        self.history = [
            (logger, read_log_history(Path(logger.log_dir)))
            for logger in loggers
            if isinstance(logger, CSVLogger)
        ]

    def on_train_start(self, trainer: L.Trainer, module: L.LightningModule) -> None:
        self._log_again(trainer)

    def on_fit_end(self, trainer: L.Trainer, module: L.LightningModule) -> None:
        self._log_again(trainer)  # resumed after training ended: no training started

    def _log_again(self, trainer: L.Trainer) -> None:
        for logger, rows in self.history:
            for row in rows:
                step = int(float(row.get("step", 0)))
                if step < trainer.global_step:
                    logger.log_metrics({k: v for k, v in row.items() if k != "step"}, step)
        self.history = []
