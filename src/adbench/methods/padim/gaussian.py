"""One multivariate Gaussian per feature-map position, fitted from running sums.

Memory stays flat in the number of training images: only the count, the per-position sum and
the per-position sum of outer products are kept (float64), then solved once.
"""

from __future__ import annotations

import torch


class PositionGaussianAccumulator:
    """Accumulate (B, D, P) feature batches; `solve` gives means and Cholesky factors."""

    def __init__(self) -> None:
        self.count = 0
        self.sum: torch.Tensor | None = None  # (P, D)
        self.outer: torch.Tensor | None = None  # (P, D, D)

    def add(self, features: torch.Tensor) -> None:
        features = features.double()
        if self.sum is None:
            _, dims, positions = features.shape
            self.sum = features.new_zeros(positions, dims)
            self.outer = features.new_zeros(positions, dims, dims)
        self.count += features.shape[0]
        self.sum += features.sum(dim=0).T
        by_position = features.permute(2, 1, 0).contiguous()  # (P, D, B): one matmul each
        self.outer += torch.bmm(by_position, by_position.transpose(1, 2))

    def solve(self, eps: float) -> tuple[torch.Tensor, torch.Tensor]:
        """Means (P, D) and lower Cholesky factors (P, D, D) of covariance + eps * I."""
        if self.sum is None or self.count < 2:
            raise ValueError("PaDiM needs at least 2 training images to estimate covariances")
        mean = self.sum / self.count
        covariance = (self.outer - self.count * mean.unsqueeze(2) * mean.unsqueeze(1)) / (
            self.count - 1
        )
        covariance += eps * torch.eye(covariance.shape[-1], dtype=covariance.dtype)
        return mean.float(), torch.linalg.cholesky(covariance).float()


def mahalanobis(features: torch.Tensor, mean: torch.Tensor, cholesky: torch.Tensor) -> torch.Tensor:
    """Distances (B, P) of (B, D, P) features to per-position Gaussians, by triangular solves."""
    centred = features.permute(2, 1, 0) - mean.unsqueeze(2)  # (P, D, B)
    whitened = torch.linalg.solve_triangular(cholesky, centred, upper=False)
    return whitened.square().sum(dim=1).sqrt().T
