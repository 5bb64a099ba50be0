"""Training stops, naming the step, when its loss is no longer a finite number."""

from __future__ import annotations

import math

import lightning as L
import torch

from adbench.errors import AdbenchError


class FiniteLoss(L.Callback):
    """After every training batch: a NaN or infinite loss is a one-line error naming the step
    (the weights are ruined from there on, so nothing is saved or tested)."""

    def on_train_batch_end(self, trainer: L.Trainer, module, outputs, batch, batch_idx) -> None:
        loss = outputs.get("loss") if isinstance(outputs, dict) else outputs
        if not isinstance(loss, torch.Tensor):
            return
        value = float(loss.detach().float().mean())
        if not math.isfinite(value):
            raise AdbenchError(
                f"the training loss became {value} at step {trainer.global_step} (epoch "
                f"{trainer.current_epoch}, batch {batch_idx}): lower model.lr, or look for "
                "broken training images"
            )
