"""`python stop_at_step.py SIGNAL STEP ADBENCH_ARGS...`: the adbench command, sending itself
SIGNAL (TERM or KILL) when training reaches STEP, as a scheduler or the OOM killer would.
`STEP` written `12v`: during the validation at step 12, in its first batch."""

from __future__ import annotations

import os
import signal
import sys

import lightning as L

from adbench.__main__ import cli
from adbench.tasks import train as train_task


class StopAtStep(L.Callback):
    def __init__(self, signal_number: int, step: str) -> None:
        self.signal_number = signal_number
        self.step, self.in_validation = int(step.rstrip("v")), step.endswith("v")

    def on_train_batch_start(self, trainer: L.Trainer, *args) -> None:
        if not self.in_validation:
            self._stop_at(trainer)

    def on_validation_batch_start(self, trainer: L.Trainer, *args) -> None:
        if self.in_validation and not trainer.sanity_checking:
            self._stop_at(trainer)

    def _stop_at(self, trainer: L.Trainer) -> None:
        if trainer.global_step == self.step:
            self.step = -1  # once
            os.kill(os.getpid(), self.signal_number)


def main() -> None:
    name, step = sys.argv[1], sys.argv[2]
    stop = StopAtStep(getattr(signal, f"SIG{name}"), step)
    training_callbacks = train_task._training_callbacks
    train_task._training_callbacks = lambda *args: [*training_callbacks(*args), stop]
    sys.argv[1:] = sys.argv[3:]
    cli()


if __name__ == "__main__":
    main()
