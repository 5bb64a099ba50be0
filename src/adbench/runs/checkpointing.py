"""RUN/checkpoints/last.ckpt: what `resume=RUN` continues from."""

from __future__ import annotations

import os
import time
from pathlib import Path

import lightning as L
from lightning.pytorch.trainer.states import TrainerFn
from lightning.pytorch.utilities.exceptions import SIGTERMException

from adbench.runs.layout import MODEL_FILE, RESUME_CHECKPOINT, TRAINED_CHECKPOINT


class ResumeCheckpoint(L.Callback):
    """Keeps `path` up to date for an exact resume: rewritten (atomically: a kill while writing
    leaves the previous one) at the end of a validation, or of an epoch when training counts
    epochs, once `every_minutes` have passed since the last write (0: every time), and when
    SIGTERM stops training. It records where in the training data the run stood, and a resumed
    run's datamodule starts there (`resume_at`). (Resuming from the end of an epoch of a
    step-counted training, CRN's, Lightning would train one batch too many.)"""

    def __init__(self, path: Path, every_minutes: float) -> None:
        self.path = Path(path)
        self.every_seconds = 60 * every_minutes
        self.position = (0, 0)  # (epoch, batches of it done)
        self.last_write = time.monotonic()
        self.sigterm_deferred = False
        self.trainer: L.Trainer | None = None

    def state_dict(self) -> dict:
        epoch, batches_done = self.position
        return {"epoch": epoch, "batches_done": batches_done}

    def load_state_dict(self, state: dict) -> None:
        """Restoring a checkpoint (after `setup`, before the training data is requested)."""
        self.position = (state["epoch"], state["batches_done"])
        if self.trainer is not None and self.trainer.datamodule is not None:
            self.trainer.datamodule.resume_at(*self.position)

    def setup(self, trainer: L.Trainer, module: L.LightningModule, stage: str) -> None:
        self.trainer = trainer

    def on_train_batch_end(self, trainer: L.Trainer, module, outputs, batch, batch_idx) -> None:
        self.position = (trainer.current_epoch, batch_idx + 1)
        if trainer.received_sigterm and not _last_batch(trainer, batch_idx):
            self.write(trainer)  # training stops after this batch: save before its validation

    def on_train_epoch_end(self, trainer: L.Trainer, module: L.LightningModule) -> None:
        self.position = (trainer.current_epoch + 1, 0)
        if _counts_epochs(trainer):
            self._write_if_due(trainer)

    def on_validation_batch_end(self, trainer: L.Trainer, *args) -> None:
        """A SIGTERM during a validation in training waits for its end (a half-run validation
        cannot be resumed exactly): hidden from Lightning's evaluation loop until then."""
        if trainer.state.fn == TrainerFn.FITTING and trainer.received_sigterm:
            trainer._signal_connector.received_sigterm = False  # Lightning's own flag
            self.sigterm_deferred = True

    def on_validation_end(self, trainer: L.Trainer, module: L.LightningModule) -> None:
        if trainer.sanity_checking:
            return
        if self.sigterm_deferred:
            trainer._signal_connector.received_sigterm = True  # training stops after this
            self.sigterm_deferred = False
        if trainer.received_sigterm:
            self.write(trainer)
        else:
            self._write_if_due(trainer)

    def on_exception(self, trainer: L.Trainer, module, exception: BaseException) -> None:
        """SIGTERM between two epochs of an epoch-counted training: save there."""
        if not isinstance(exception, SIGTERMException) or trainer.state.fn != TrainerFn.FITTING:
            return
        if not trainer.validating and self.position[1] == 0 and _counts_epochs(trainer):
            self.write(trainer)

    def _write_if_due(self, trainer: L.Trainer) -> None:
        if time.monotonic() - self.last_write >= self.every_seconds:
            self.write(trainer)

    def write(self, trainer: L.Trainer) -> None:
        temporary = self.path.with_name(f".{self.path.name}.partial")
        if trainer.is_global_zero:
            self.path.parent.mkdir(parents=True, exist_ok=True)
        trainer.save_checkpoint(temporary)
        if trainer.is_global_zero:
            os.replace(temporary, self.path)
        self.last_write = time.monotonic()


def publish_model(run_dir: Path) -> None:
    """A finished run: its trained checkpoint becomes model.ckpt, the training checkpoints go."""
    trained = run_dir / TRAINED_CHECKPOINT
    if trained.is_file():
        os.replace(trained, run_dir / MODEL_FILE)
    remove_training_checkpoints(run_dir)


def remove_training_checkpoints(run_dir: Path) -> None:
    """The checkpoints/ folder of a run that finished or was pruned."""
    folder = run_dir / RESUME_CHECKPOINT.parent
    for name in (RESUME_CHECKPOINT.name, TRAINED_CHECKPOINT.name):
        (folder / name).unlink(missing_ok=True)
    if folder.is_dir() and not any(folder.iterdir()):
        folder.rmdir()


def _counts_epochs(trainer: L.Trainer) -> bool:
    return trainer.max_steps == -1


def _last_batch(trainer: L.Trainer, batch_idx: int) -> bool:
    """Whether training ends with this batch (Lightning does not resume that point exactly)."""
    if 0 < trainer.max_steps <= trainer.global_step:
        return True
    epochs = trainer.max_epochs or -1
    last_epoch = 0 < epochs <= trainer.current_epoch + 1
    return last_epoch and batch_idx + 1 >= trainer.num_training_batches
