"""Training randomness drawn per batch: a resumed run draws what an uninterrupted one would."""

from __future__ import annotations

import random

import lightning as L
import numpy as np
import torch

TRAIN_STREAM, VALIDATION_STREAM = 0, 1


def seed_everything_from(*key: int) -> None:
    """Seed Python's, NumPy's and torch's global generators from a tuple of integers."""
    value = int(np.random.SeedSequence(list(key)).generate_state(1)[0])
    random.seed(value)
    np.random.seed(value)
    torch.manual_seed(value)


class BatchSeeding(L.Callback):
    """Reseeds the global generators before every training batch from (seed, rank, epoch,
    batch) and before every validation from (seed, rank, step): dropout, noise and sampling in a
    training step then depend on where training stands, not on what ran before in the process
    (a resumed run, a restarted dataloader)."""

    def __init__(self, seed: int) -> None:
        self.seed = seed

    def on_train_batch_start(self, trainer: L.Trainer, module, batch, batch_idx: int) -> None:
        seed_everything_from(
            self.seed, trainer.global_rank, TRAIN_STREAM, trainer.current_epoch, batch_idx
        )

    def on_validation_epoch_start(self, trainer: L.Trainer, module) -> None:
        seed_everything_from(self.seed, trainer.global_rank, VALIDATION_STREAM, trainer.global_step)
