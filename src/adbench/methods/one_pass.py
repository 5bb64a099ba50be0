"""Methods fitted in one pass over the training normals, without gradient steps."""

from __future__ import annotations

from abc import abstractmethod

import torch

from adbench.methods.base import AnomalyModule


class OnePassModule(AnomalyModule):
    """`collect` sees every training batch; `finish_fit` runs once before validation.

    Lightning validates before `on_train_epoch_end`, so the fit is finished at the start of
    validation (and at epoch end, for runs without validation).
    """

    def __init__(self, **kwargs) -> None:
        super().__init__(**kwargs)
        self._collected = False

    @abstractmethod
    def collect(self, images: torch.Tensor) -> None:
        """Take in one batch of training images."""

    @abstractmethod
    def finish_fit(self) -> None:
        """Build the model from everything collected."""

    def configure_optimizers(self) -> None:
        return None

    def training_step(self, batch: dict, batch_idx: int) -> None:
        with torch.no_grad():
            self.collect(self.training_images(batch))
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
