"""Methods fitted in one pass over the training normals, without gradient steps."""

from __future__ import annotations

from abc import abstractmethod

import torch

from adbench.methods.base import AnomalyModule
from adbench.methods.distributed import (
    dataset_length,
    gather_in_path_order,
    gather_objects,
    without_padding,
    world_size,
)


class OnePassModule(AnomalyModule):
    """`collect` sees every training batch; `finish_fit` runs once before validation.

    Lightning validates before `on_train_epoch_end`, so the fit is finished at the start of
    validation (and at epoch end, for runs without validation).

    Out of fold (`out_of_fold`, set by a method that supports it): every training normal is
    fitted and validation scores each one, and its synthetic-anomaly copies, with the model
    `forward(images, sources)` minus that image's own contribution; `sources` are the items'
    positions in `training_items`.
    """

    requests_out_of_fold = False  # a method that supports it sets its model.out_of_fold here

    def __init__(self, **kwargs) -> None:
        super().__init__(**kwargs)
        self._collected = False
        self.collected_paths: list[str] = []  # this rank's training items, in collect order
        self._training_items: dict[str, int] = {}  # path -> its position in the fit
        self.scored_paths: set[str] | None = None  # validation's training images (None: all)
        self.automatic_optimization = False  # no optimizer: steps return None (also under DDP)

    @abstractmethod
    def collect(self, images: torch.Tensor, paths: list[str]) -> None:
        """Take in one batch of training images (and their files)."""

    @abstractmethod
    def finish_fit(self) -> None:
        """Build the model from everything collected."""

    @property
    def out_of_fold(self) -> bool:
        """Requested, and not tiled (a tile's training image is not tracked)."""
        return self.requests_out_of_fold and self.tiler is None

    def on_fit_start(self) -> None:
        """Note the training images that validation will score out of fold."""
        samples = getattr(getattr(self.trainer, "datamodule", None), "val_samples", None)
        self.scored_paths = None if samples is None else {str(s.image) for s in samples}

    def scored(self, paths: list[str]) -> list[bool]:
        """Which of these training images validation scores out of fold (all when unknown)."""
        return [self.scored_paths is None or path in self.scored_paths for path in paths]

    def training_items(
        self, batches: list[torch.Tensor], paths: list[str] | None = None
    ) -> list[torch.Tensor]:
        """All ranks' collected per-item tensors (rows of each batch of `collect`) in path
        order; each path's position in it is kept for out-of-fold validation. `paths`: the
        items the batches hold, when not every collected one."""
        paths = self.collected_paths if paths is None else paths
        items = gather_in_path_order(batches, paths)
        everyone = sorted(path for part in gather_objects(list(paths)) for path in part)
        self._training_items = {path: item for item, path in enumerate(everyone)}
        return items

    def validation_forward(self, batch: dict) -> tuple[torch.Tensor, torch.Tensor]:
        """Out of fold: a training image is scored by the model without its own contribution."""
        if not self.out_of_fold or not self._training_items:
            return super().validation_forward(batch)
        items = [self._training_items.get(path, -1) for path in batch["path"]]
        return self.model(batch["image"], torch.tensor(items, device=batch["image"].device))

    def configure_optimizers(self) -> None:
        return None

    def training_step(self, batch: dict, batch_idx: int) -> None:
        if world_size() > 1:  # DDP: no item counted twice
            length = dataset_length(self.trainer.train_dataloader)
            batch = without_padding(batch, len(self.collected_paths), length)
            if not len(batch["image"]):
                return
        with torch.no_grad():
            self.collect(self.training_images(batch), list(batch["path"]))
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
