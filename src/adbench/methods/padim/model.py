"""PaDiM as a pure torch module (Defard et al., ICPR 2020): per-position Gaussians over the
concatenated backbone features (or a seeded random subset of them), Mahalanobis distance maps."""

from __future__ import annotations

import torch
import torch.nn.functional as F
from torch import nn

from adbench.backbones import FeatureExtractor
from adbench.methods.buffers import resize_fitted_buffers
from adbench.methods.padim.gaussian import PositionGaussianAccumulator, mahalanobis
from adbench.methods.padim.leave_one_out import LeaveOneOutGaussians
from adbench.postprocess import GaussianSmoothing

FITTED = ("mean", "whitening")


class PadimModel(nn.Module):
    """Eval forward: images in [0, 1] (B,3,H,W) -> (image scores (B,), anomaly maps (B,1,H,W))."""

    def __init__(
        self,
        extractor: FeatureExtractor,
        n_features: int | None = None,
        eps: float = 0.01,
        covariance_shrinkage: float = 0.0,
        smoothing_sigma: float = 4.0,
        seed: int = 0,
    ) -> None:
        super().__init__()
        self.extractor = extractor
        self.eps = eps
        self.covariance_shrinkage = covariance_shrinkage
        total = sum(extractor.channels)
        n_features = total if n_features is None else min(n_features, total)
        generator = torch.Generator().manual_seed(seed)
        index = torch.randperm(total, generator=generator)[:n_features].sort().values
        self.register_buffer("feature_index", index)
        self.register_buffer("mean", torch.empty(0, n_features))
        self.register_buffer("whitening", torch.empty(0, n_features, n_features))
        self.smoothing = GaussianSmoothing(smoothing_sigma)
        self.accumulator = PositionGaussianAccumulator()
        self.leave_one_out: LeaveOneOutGaussians | None = None  # out-of-fold scoring; not saved

    def embed(self, images: torch.Tensor) -> torch.Tensor:
        """(B, D, h, w): the chosen channels of all levels, upsampled to the finest level.

        Channels are chosen per level before upsampling (same result as choosing from the
        concatenation, as the index is sorted), so only the kept channels are upsampled.
        """
        levels = self.extractor(images)
        size = levels[0].shape[-2:]
        chosen = []
        start = 0
        for level in levels:
            end = start + level.shape[1]
            index = self.feature_index[(self.feature_index >= start) & (self.feature_index < end)]
            level = level.index_select(1, index - start)
            if level.shape[-2:] != size:
                level = F.interpolate(level, size=size, mode="nearest")
            chosen.append(level)
            start = end
        return torch.cat(chosen, dim=1)

    @torch.no_grad()
    def accumulate(self, images: torch.Tensor) -> torch.Tensor:
        """Add a batch to the statistics; returns its (B, D, P) features (on the CPU)."""
        features = self.embed(images).flatten(2).cpu()
        self.accumulator.add(features)
        return features

    def fit(self, out_of_fold: torch.Tensor | None = None) -> None:
        """Solve the accumulated statistics; the accumulator is emptied. `out_of_fold`: the
        (m, D, P) features of the accumulated images that validation scores, each without
        itself (its `sources` index: its row here)."""
        device = self.feature_index.device
        mean, whitening = self.accumulator.solve(self.eps, self.covariance_shrinkage)
        self.mean, self.whitening = mean.to(device), whitening.to(device)
        self.leave_one_out = None
        if out_of_fold is not None:
            if len(out_of_fold) > self.accumulator.count:
                raise ValueError(f"{len(out_of_fold)} features for {self.accumulator.count} images")
            moments = self.accumulator.moments()
            self.leave_one_out = LeaveOneOutGaussians.fit(
                out_of_fold, *moments, self.eps, self.covariance_shrinkage,
                count=self.accumulator.count,
            )  # fmt: skip
            self.leave_one_out = self.leave_one_out.to(device)
        self.accumulator = PositionGaussianAccumulator()

    def forward(
        self, images: torch.Tensor, sources: torch.Tensor | None = None
    ) -> tuple[torch.Tensor, torch.Tensor]:
        """`sources` (B,): each image's training item (-1: none), whose own contribution is
        then left out of the Gaussians it is measured against (out-of-fold scoring)."""
        embeddings = self.embed(images)
        batch, _, height, width = embeddings.shape
        distances = mahalanobis(embeddings.flatten(2), self.mean, self.whitening)
        if sources is not None and self.leave_one_out is not None and (sources >= 0).any():
            own = sources >= 0
            features = embeddings.flatten(2)[own]
            distances[own] = self.leave_one_out.distances(features, sources[own])
        maps = distances.view(batch, 1, height, width)
        maps = F.interpolate(maps, size=images.shape[-2:], mode="bilinear", align_corners=False)
        maps = self.smoothing(maps)
        return maps.amax(dim=(1, 2, 3)), maps

    def _load_from_state_dict(self, state_dict, prefix, *args, **kwargs) -> None:
        """Statistics' shapes depend on the image size: take them from the checkpoint."""
        resize_fitted_buffers(self, state_dict, prefix, FITTED)
        super()._load_from_state_dict(state_dict, prefix, *args, **kwargs)
