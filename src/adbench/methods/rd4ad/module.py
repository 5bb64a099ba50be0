"""RD4AD's thin Lightning wrapper: Adam on the bottleneck and decoder, the teacher frozen."""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

import torch

from adbench.methods.base import split_wiring
from adbench.methods.feature_method import FeatureMethodModule
from adbench.methods.rd4ad.model import Rd4adModel
from adbench.methods.registry import register_method


@register_method("rd4ad", trains=True)
class Rd4adModule(FeatureMethodModule):
    """`model=rd4ad`: reverse distillation, one gradient step per (tiled) image batch."""

    def __init__(
        self,
        backbone: dict,
        layers: Sequence[int | str],
        lr: float = 0.005,
        betas: Sequence[float] = (0.5, 0.999),
        **settings: Any,
    ) -> None:
        """`settings`: Rd4adModel's knobs (bottleneck_blocks, decoder_blocks, smoothing_sigma)
        and the wiring."""
        knobs, wiring = split_wiring(settings)
        super().__init__(backbone, layers, **wiring)
        self.save_hyperparameters()
        self.model = Rd4adModel(self.feature_extractor(), **knobs)
        self.lr = lr
        self.betas = tuple(betas)

    def configure_optimizers(self) -> torch.optim.Optimizer:
        trainable = [*self.model.bottleneck.parameters(), *self.model.decoder.parameters()]
        return torch.optim.Adam(trainable, lr=self.lr, betas=self.betas)

    def training_step(self, batch: dict, batch_idx: int) -> torch.Tensor:
        images = self.training_images(batch)
        loss = self.model.loss(images)
        self.log("train_loss", loss, prog_bar=True, batch_size=len(images))
        return loss
