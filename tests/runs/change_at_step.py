"""`python change_at_step.py STEP delete|truncate PATH ADBENCH_ARGS...`: the adbench command,
deleting PATH (or cutting it to half its bytes) when training reaches STEP, as another
program changing the image folder during the run would."""

from __future__ import annotations

import sys
from pathlib import Path

import lightning as L
from training_hook import cli_with_callback


class ChangeAtStep(L.Callback):
    def __init__(self, step: int, action: str, path: Path) -> None:
        self.step, self.action, self.path = step, action, path

    def on_train_batch_start(self, trainer: L.Trainer, *args) -> None:
        if trainer.global_step != self.step or not self.path.exists():
            return
        if self.action == "delete":
            self.path.unlink()
        else:
            content = self.path.read_bytes()
            self.path.write_bytes(content[: len(content) // 2])


def main() -> None:
    change = ChangeAtStep(int(sys.argv[1]), sys.argv[2], Path(sys.argv[3]))
    cli_with_callback(change, sys.argv[4:])


if __name__ == "__main__":
    main()
