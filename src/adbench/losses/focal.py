"""Focal loss (Lin et al. 2017) for per-pixel segmentation, as DRAEM's discriminative loss."""

from __future__ import annotations

import torch
import torch.nn.functional as F
from torch import nn


class FocalLoss(nn.Module):
    """Mean over pixels of -(1 - p_t)^gamma log p_t, p_t the softmax probability of the true class.

    `logits` are (B, C, H, W) class scores; `target` is (B, 1, H, W) or (B, H, W) class indices
    (for DRAEM: the anomaly mask, 0 normal, 1 anomalous). gamma = 0 gives cross-entropy.
    """

    def __init__(self, gamma: float = 2.0) -> None:
        super().__init__()
        self.gamma = float(gamma)

    def forward(self, logits: torch.Tensor, target: torch.Tensor) -> torch.Tensor:
        if target.dim() == logits.dim():
            target = target[:, 0]
        log_pt = F.log_softmax(logits, dim=1).gather(1, target.long().unsqueeze(1)).squeeze(1)
        return (-((1 - log_pt.exp()) ** self.gamma) * log_pt).mean()
