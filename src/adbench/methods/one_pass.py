"""Methods fitted in one pass over the training normals, without gradient steps."""

from __future__ import annotations

from abc import abstractmethod

import torch

from adbench.methods.base import AnomalyModule
from adbench.methods.distributed import dataset_length, without_padding, world_size


class OnePassModule(AnomalyModule):
    """`collect` sees every training batch; `finish_fit` runs once before validation.

    Lightning validates before `on_train_epoch_end`, so the fit is finished at the start of
    validation (and at epoch end, for runs without validation).
    """

    def __init__(self, **kwargs) -> None:
        super().__init__(**kwargs)
        self._collected = False
        self.collected_paths: list[str] = []  # this rank's training items, in collect order
        self.automatic_optimization = False  # no optimizer: steps return None (also under DDP)

    @abstractmethod
    def collect(self, images: torch.Tensor) -> None:
        """Take in one batch of training images."""

    @abstractmethod
    def finish_fit(self) -> None:
        """Build the model from everything collected."""

    def configure_optimizers(self) -> None:
        return None

    def training_step(self, batch: dict, batch_idx: int) -> None:
        if world_size() > 1:  # DDP: no item counted twice
            length = dataset_length(self.trainer.train_dataloader)
            batch = without_padding(batch, len(self.collected_paths), length)
            if not len(batch["image"]):
                return
        with torch.no_grad():
            self.collect(self.training_images(batch))
        self.collected_paths += list(batch["path"])
        self._collected = True

    def on_validation_epoch_start(self) -> None:
        self._finish()
        super().on_validation_epoch_start()

    def on_train_epoch_end(self) -> None:
        self._finish()

    def _finish(self) -> None:
        if self._collected:
            self.finish_fit()
            self._collected = False
            self.collected_paths = []
