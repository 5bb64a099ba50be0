"""DRAEM's thin Lightning wrapper: Adam on both networks, LR x gamma at fractions of the epochs.

Training batches come from augmentation=draem: `augmented_image` (with synthetic anomalies),
`anomaly_mask`, and the clean `image` that the reconstruction must recover.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

import torch

from adbench.errors import AdbenchError
from adbench.methods.base import AnomalyModule, split_wiring
from adbench.methods.draem.loss import DraemLoss, check_loss_config
from adbench.methods.draem.model import INPUT_MULTIPLE, DraemModel
from adbench.methods.registry import register_method


# no tiling: training pairs images with synthetic anomalies and masks
@register_method("draem", trains=True, supports_tiling=False)
class DraemModule(AnomalyModule):
    """`model=draem`: the network variant and the loss are hyperparameters of the checkpoint."""

    def __init__(
        self,
        kl_weight: float = 0.001,
        lr: float = 1e-4,
        lr_milestones: Sequence[float] = (0.8, 0.9),
        lr_gamma: float = 0.2,
        loss: dict | None = None,
        **settings: Any,
    ) -> None:
        """`settings`: DraemModel's knobs (reconstruction_network, base_width, disc_base_width,
        attention_reduction, pool_size, smoothing_sigma) and the wiring."""
        knobs, wiring = split_wiring(settings)
        super().__init__(**wiring)
        self.save_hyperparameters()
        check_image_size(self.image_size)
        check_loss_config(loss)
        self.model = DraemModel(**knobs)
        self.kl_weight = kl_weight
        self.criterion: DraemLoss | None = None  # built for fitting only (LPIPS loads weights)

    def setup(self, stage: str) -> None:
        if stage == "fit" and self.criterion is None:
            self.criterion = DraemLoss(self.hparams.loss)

    def configure_optimizers(self) -> dict:
        optimizer = torch.optim.Adam(self.model.parameters(), lr=self.hparams.lr)
        scheduler = torch.optim.lr_scheduler.MultiStepLR(
            optimizer, self.lr_milestone_epochs(), gamma=self.hparams.lr_gamma
        )
        return {
            "optimizer": optimizer,
            "lr_scheduler": {"scheduler": scheduler, "interval": "epoch"},
        }

    def lr_milestone_epochs(self) -> list[int]:
        """Epochs after which the LR drops: the milestone fractions of trainer.max_epochs."""
        epochs = self.trainer.max_epochs or 0
        if epochs <= 0:
            raise AdbenchError(
                f"model=draem drops its learning rate at fractions of trainer.max_epochs, which "
                f"is {self.trainer.max_epochs}: set trainer.max_epochs=N"
            )
        return sorted(int(fraction * epochs) for fraction in self.hparams.lr_milestones)

    def training_step(self, batch: dict, batch_idx: int) -> torch.Tensor:
        if "augmented_image" not in batch:
            raise AdbenchError(
                "model=draem trains on synthetic anomalies, but the training batches have none: "
                "use augmentation=draem"
            )
        if self.criterion is None:
            self.setup("fit")
        outputs = self.model.outputs(batch["augmented_image"])
        total, parts = self.criterion(
            outputs.reconstruction, batch["image"], outputs.logits, batch["anomaly_mask"]
        )
        if self.model.variational:
            total = total + self.kl_weight * outputs.kl
            parts["kl"] = outputs.kl
        size = len(batch["image"])
        self.log("train_loss", total, prog_bar=True, batch_size=size)
        self.log_dict({f"train_{k}": v.detach() for k, v in parts.items()}, batch_size=size)
        return total

    def on_save_checkpoint(self, checkpoint: dict) -> None:
        """Record the variant; leave the loss's frozen weights (LPIPS) out of the file."""
        super().on_save_checkpoint(checkpoint)
        checkpoint["adbench"]["variant"] = {
            "reconstruction_network": self.model.reconstruction_network,
            "loss": self.hparams.loss,
        }
        checkpoint["state_dict"] = {
            key: value
            for key, value in checkpoint["state_dict"].items()
            if not key.startswith("criterion.")
        }


def check_image_size(image_size: Any) -> None:
    """DRAEM's U-Net needs both sides to be multiples of 32."""
    sides = [image_size] * 2 if isinstance(image_size, int) else list(image_size)
    if any(int(side) % INPUT_MULTIPLE for side in sides):
        raise AdbenchError(
            f"model=draem needs dataset.image_size in multiples of {INPUT_MULTIPLE} "
            f"(its U-Net pools five times): got {image_size}"
        )
