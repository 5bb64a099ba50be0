"""DRAEM as a pure torch module: reconstruct, segment [image, reconstruction], pool the map."""

from __future__ import annotations

from typing import NamedTuple

import torch
import torch.nn.functional as F
from torch import nn

from adbench.methods.draem.bottlenecks import is_variational, make_bottleneck
from adbench.methods.draem.networks import DiscriminativeNetwork, ReconstructiveNetwork
from adbench.postprocess import GaussianSmoothing

INPUT_MULTIPLE = 32  # the discriminative U-Net pools five times


class DraemOutputs(NamedTuple):
    """What training needs: the reconstruction, segmentation logits and the bottleneck's KL."""

    reconstruction: torch.Tensor  # (B, 3, H, W)
    logits: torch.Tensor  # (B, 2, H, W); channel 1 = anomalous
    kl: torch.Tensor  # scalar; 0 without a variational bottleneck


class DraemModel(nn.Module):
    """Eval forward: images in [0, 1] (B,3,H,W) -> (image scores (B,), anomaly maps (B,1,H,W)).

    The map is the softmax probability of the anomaly class (optionally Gaussian-smoothed); the
    image score is the maximum of that probability averaged over pool_size x pool_size windows,
    the window capped at a quarter of the shorter side (odd) for small images.
    """

    def __init__(
        self,
        reconstruction_network: str = "plain",
        base_width: int = 128,
        disc_base_width: int = 64,
        attention_reduction: int = 8,
        pool_size: int = 21,
        smoothing_sigma: float = 0.0,
    ) -> None:
        super().__init__()
        self.reconstruction_network = reconstruction_network
        self.variational = is_variational(reconstruction_network)  # its reconstruction has a KL
        bottleneck = make_bottleneck(reconstruction_network, 8 * base_width, attention_reduction)
        self.reconstructive = ReconstructiveNetwork(base_width, bottleneck)
        self.discriminative = DiscriminativeNetwork(disc_base_width)
        self.pool_size = pool_size
        self.smoothing = GaussianSmoothing(smoothing_sigma)

    def outputs(self, images: torch.Tensor) -> DraemOutputs:
        """Reconstruction, segmentation of [image, reconstruction], and the KL term."""
        reconstruction, kl = self.reconstructive(images)
        logits = self.discriminative(torch.cat([images, reconstruction], dim=1))
        return DraemOutputs(reconstruction, logits, kl)

    def score_pool_size(self, height: int, width: int) -> int:
        """pool_size, capped at min(height, width) // 4 and made odd (at least 1)."""
        size = min(self.pool_size, min(height, width) // 4)
        return max(1, size if size % 2 else size - 1)

    def forward(self, images: torch.Tensor) -> tuple[torch.Tensor, torch.Tensor]:
        probability = torch.softmax(self.outputs(images).logits, dim=1)[:, 1:]
        pool = self.score_pool_size(*images.shape[-2:])
        pooled = F.avg_pool2d(probability, pool, stride=1, padding=pool // 2)
        return pooled.amax(dim=(1, 2, 3)), self.smoothing(probability)
