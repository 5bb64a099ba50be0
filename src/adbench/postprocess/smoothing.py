"""Gaussian smoothing of anomaly maps (torchvision's blur, as a module so export carries it)."""

from __future__ import annotations

import torch
from torch import nn
from torchvision.transforms.functional import gaussian_blur


class GaussianSmoothing(nn.Module):
    """Blur (B,1,H,W) maps with a Gaussian of `sigma` pixels; sigma 0 leaves them unchanged."""

    def __init__(self, sigma: float = 4.0) -> None:
        super().__init__()
        self.sigma = float(sigma)
        self.kernel_size = 2 * int(4.0 * self.sigma + 0.5) + 1

    def forward(self, maps: torch.Tensor) -> torch.Tensor:
        if self.sigma <= 0:
            return maps
        return gaussian_blur(maps, [self.kernel_size] * 2, [self.sigma] * 2)
