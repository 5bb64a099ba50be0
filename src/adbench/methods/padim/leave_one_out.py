"""PaDiM out of fold: each training image's distance to the Gaussians fitted without it.

Removing training image s (features x_s, n images in all, d = x_s - mean) from a position's
fit moves the mean to mean - d / (n - 1) and the covariance, shrunk with weight w towards the
pooled covariance S (gaussian.shrunk_whitening), to

    C_-s = B - k d d^T,   B = (1 - w) scatter / (n - 2) + w S + eps * I,
    k = (1 - w) n / ((n - 1) (n - 2)),

a rank-one downdate of one shared matrix B. S, the mean over all positions, is kept as fitted
on all n images: image s weighs 1/n in it, spread over every position. Sherman-Morrison then
gives the Mahalanobis distance of any feature y to that leave-one-out Gaussian from B's
whitening W alone: with u = (y - mean + d / (n - 1)) @ W and v = d @ W,

    dist^2 = |u|^2 + k (u . v)^2 / (1 - k |v|^2).

So one extra Cholesky per position plus v for every training image that validation scores
(P x D floats each) score it, and its synthetic-anomaly copies, exactly as a fit without it
would.
"""

from __future__ import annotations

from dataclasses import dataclass

import torch

from adbench.errors import AdbenchError
from adbench.methods.padim.gaussian import shrunk_whitening, whiten

WHITENED_IMAGES = 16  # images whitened at a time while fitting


@dataclass
class LeaveOneOutGaussians:
    """The shared whitening of B and each training image's whitened offset v."""

    count: int
    downdate: float  # k
    mean: torch.Tensor  # (P, D) mean of all training images
    whitening: torch.Tensor  # (P, D, D) whitening of B
    offsets: torch.Tensor  # (m, P, D) v of each scored training image, in training-item order

    @classmethod
    def fit(
        cls,
        features: torch.Tensor,
        mean: torch.Tensor,
        scatter: torch.Tensor,
        eps: float,
        shrinkage: float = 0.0,
        count: int | None = None,
    ) -> LeaveOneOutGaussians:
        """From the (m, D, P) features of the training images to score and the moments
        (float64) of all `count` training images (None: m, every one)."""
        count = len(features) if count is None else count
        if count < 3:
            raise AdbenchError(
                f"PaDiM out of fold needs at least 3 training images, got {count}: add "
                "images or set model.out_of_fold=false"
            )
        pooled = scatter.mean(dim=0) / (count - 1)  # as in the fit on all n images
        whitening = shrunk_whitening(scatter, count - 2, pooled, shrinkage, eps)
        offsets = torch.cat([  # (m, P, D), a few images at a time: whiten's copies stay small
            whiten(part.float(), mean.float(), whitening).transpose(0, 1)
            for part in features.split(WHITENED_IMAGES)
        ])  # fmt: skip
        downdate = (1 - shrinkage) * count / ((count - 1) * (count - 2))
        return cls(count, downdate, mean.float(), whitening, offsets)

    def to(self, device: torch.device) -> LeaveOneOutGaussians:
        move = {name: getattr(self, name).to(device) for name in ("mean", "whitening", "offsets")}
        return LeaveOneOutGaussians(self.count, self.downdate, **move)

    def distances(self, features: torch.Tensor, sources: torch.Tensor) -> torch.Tensor:
        """Distances (B, P) of (B, D, P) features, each to the fit without its `sources` image
        (a training-item index; every source must be one)."""
        n, k = self.count, self.downdate
        v = self.offsets[sources].transpose(0, 1).double()  # (P, B, D)
        u = whiten(features, self.mean, self.whitening).double() + v / (n - 1)
        along = (u * v).sum(dim=2)
        squared = u.square().sum(dim=2) + k * along.square() / (1 - k * v.square().sum(dim=2))
        return squared.sqrt().T.float()
