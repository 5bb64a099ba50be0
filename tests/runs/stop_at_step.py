"""`python stop_at_step.py SIGNAL STEP ADBENCH_ARGS...`: the adbench command, sending itself
SIGNAL (TERM or KILL) when training reaches STEP, as a scheduler or the OOM killer would.
`STEP` written `12v`: during the validation at step 12, in its first batch."""

from __future__ import annotations

import os
import signal
import sys

import lightning as L
from training_hook import cli_with_callback


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
    cli_with_callback(StopAtStep(getattr(signal, f"SIG{name}"), step), sys.argv[3:])


if __name__ == "__main__":
    main()
