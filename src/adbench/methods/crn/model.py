"""CRN as a pure torch module: competitive U-Net units; the anomaly map of an image is the
channel mean of |x - D(G(x))| with the generator and discriminator chosen on validation."""

from __future__ import annotations

import torch
from torch import nn

from adbench.methods.crn.pairing import Pair
from adbench.methods.crn.unet import UNet
from adbench.postprocess import GaussianSmoothing

SCORE_REDUCTIONS = ("mean", "max", "quantile")


class CrnModel(nn.Module):
    """Eval forward: images in [0, 1] (B,3,H,W) -> (image scores (B,), anomaly maps (B,1,H,W))."""

    def __init__(
        self,
        num_competitive_units: int = 12,
        network_depth: int = 5,
        base_width: int = 32,
        norm: str = "batch",
        dropout: float = 0.0,
        upsampling: str = "transpose",
        score_reduction: str = "mean",
        score_quantile: float = 0.99,
        smoothing_sigma: float = 0.0,
    ) -> None:
        super().__init__()
        if num_competitive_units < 2:
            raise ValueError(f"CRN needs at least 2 competitive units, got {num_competitive_units}")
        if score_reduction not in SCORE_REDUCTIONS:
            raise ValueError(
                f"unknown score reduction {score_reduction!r}: use one of "
                f"{', '.join(SCORE_REDUCTIONS)}"
            )
        self.units = nn.ModuleList(
            UNet(3, network_depth, base_width, norm, dropout, upsampling)
            for _ in range(num_competitive_units)
        )
        self.score_reduction = score_reduction
        self.score_quantile = score_quantile
        self.smoothing = GaussianSmoothing(smoothing_sigma)
        # the selected pair; buffers, so checkpoints carry the choice
        self.register_buffer("generator_index", torch.tensor(0))
        self.register_buffer("discriminator_index", torch.tensor(1))

    @property
    def pair(self) -> Pair:
        return int(self.generator_index), int(self.discriminator_index)

    def select(self, pair: Pair) -> None:
        """Use units pair = (generator, discriminator) from now on."""
        generator, discriminator = pair
        if generator == discriminator or not all(0 <= i < len(self.units) for i in pair):
            raise ValueError(f"invalid pair {pair} for {len(self.units)} units")
        self.generator_index.fill_(generator)
        self.discriminator_index.fill_(discriminator)

    def reconstruct(self, images: torch.Tensor, pair: Pair | None = None) -> torch.Tensor:
        """D(G(x)) with the selected pair (or the given one)."""
        generator, discriminator = self.pair if pair is None else pair
        return self.units[discriminator](self.units[generator](images))

    def anomaly_maps(self, images: torch.Tensor, reconstructions: torch.Tensor) -> torch.Tensor:
        """(B,1,H,W): channel mean of |x - D(G(x))| (then the optional Gaussian smoothing)."""
        return self.smoothing((images - reconstructions).abs().mean(dim=1, keepdim=True))

    def image_scores(self, maps: torch.Tensor) -> torch.Tensor:
        """(B,): the mean of each map (or its max, or a high quantile)."""
        flat = maps.flatten(1)
        if self.score_reduction == "mean":
            return flat.mean(dim=1)
        if self.score_reduction == "max":
            return flat.amax(dim=1)
        return torch.quantile(flat, self.score_quantile, dim=1)

    def score(
        self, images: torch.Tensor, pair: Pair | None = None
    ) -> tuple[torch.Tensor, torch.Tensor, torch.Tensor]:
        """(image scores, anomaly maps, reconstructions D(G(x)))."""
        reconstructions = self.reconstruct(images, pair)
        maps = self.anomaly_maps(images, reconstructions)
        return self.image_scores(maps), maps, reconstructions

    def forward(self, images: torch.Tensor) -> tuple[torch.Tensor, torch.Tensor]:
        scores, maps, _ = self.score(images)
        return scores, maps
