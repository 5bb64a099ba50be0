"""For the scripts here that run the adbench command with one more Lightning callback in its
training (stop_at_step.py, change_at_step.py)."""

from __future__ import annotations

import sys

import lightning as L

from adbench.__main__ import cli
from adbench.tasks import train as train_task


def cli_with_callback(callback: L.Callback, argv: list[str]) -> None:
    """The adbench command on `argv`, `callback` added to its training's callbacks."""
    training_callbacks = train_task._training_callbacks
    train_task._training_callbacks = lambda *args: [*training_callbacks(*args), callback]
    sys.argv[1:] = argv
    cli()
