"""CFlow's thin Lightning wrapper: every image batch yields many fiber batches, one Adam step
each, over every level's flow; the backbone stays frozen."""

from __future__ import annotations

from typing import Any

import torch

from adbench.methods.base import split_wiring
from adbench.methods.cflow.model import CflowModel, fiber_batches
from adbench.methods.feature_method import FeatureMethodModule
from adbench.methods.registry import register_method


# trainer=ddp: each optimiser step trains one level's flow, so DDP searches for unused parameters
@register_method("cflow", trains=True, ddp_find_unused_parameters=True)
class CflowModule(FeatureMethodModule):
    """`model=cflow`: conditional normalizing flows trained by maximum likelihood on normals."""

    def __init__(
        self,
        backbone: dict,
        layers: list[int | str],
        lr: float = 1e-3,
        fiber_batch_size: int = 256,
        **settings: Any,
    ) -> None:
        """`settings`: CflowModel's knobs (coupling_blocks, clamp_alpha, condition_vector,
        smoothing_sigma) and the wiring."""
        knobs, wiring = split_wiring(settings)
        super().__init__(backbone, layers, **wiring)
        self.save_hyperparameters()
        self.automatic_optimization = False  # one optimiser step per fiber batch
        self.model = CflowModel(self.feature_extractor(), **knobs)
        self.lr = lr
        self.fiber_batch_size = fiber_batch_size
        self.fiber_generator = torch.Generator().manual_seed(self.seed)

    def configure_optimizers(self) -> torch.optim.Optimizer:
        trainable = [p for p in self.model.decoders.parameters() if p.requires_grad]
        return torch.optim.Adam(trainable, lr=self.lr)

    def training_step(self, batch: dict, batch_idx: int) -> torch.Tensor:
        optimizer = self.optimizers()
        batches = fiber_batches(
            self.model.level_fibers(self.training_images(batch)),
            self.fiber_batch_size,
            self.fiber_generator,
        )
        losses = []
        for level, features, conditions in batches:
            loss = self.model.loss(level, features, conditions)
            optimizer.zero_grad()
            self.manual_backward(loss)
            optimizer.step()
            losses.append(loss.detach())
        mean_loss = torch.stack(losses).mean()
        self.log("train_loss", mean_loss, prog_bar=True, batch_size=len(batch["image"]))
        return mean_loss
