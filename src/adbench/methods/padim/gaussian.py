"""One multivariate Gaussian per feature-map position, fitted from running sums.

Memory stays flat in the number of training images: only the count, the per-position sum and
the per-position sum of outer products are kept (float64), then solved once.
"""

from __future__ import annotations

import torch

SOLVE_CHUNK = 512  # positions whose covariances are factored at once


class PositionGaussianAccumulator:
    """Accumulate (B, D, P) feature batches; `solve` gives means and whitening matrices."""

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

    def moments(self) -> tuple[torch.Tensor, torch.Tensor]:
        """Means (P, D) and scatter matrices sum (x - mean)(x - mean)^T (P, D, D), float64."""
        if self.sum is None or self.count < 2:
            raise ValueError("PaDiM needs at least 2 training images to estimate covariances")
        mean = self.sum / self.count
        return mean, self.outer - self.count * mean.unsqueeze(2) * mean.unsqueeze(1)

    def solve(self, eps: float, shrinkage: float = 0.0) -> tuple[torch.Tensor, torch.Tensor]:
        """Means (P, D) and float32 whitening matrices W (P, D, D) of each position's
        covariance shrunk towards the pooled one (`shrunk_whitening`) + eps * I."""
        mean, scatter = self.moments()
        pooled = scatter.mean(dim=0) / (self.count - 1)
        return mean.float(), shrunk_whitening(scatter, self.count - 1, pooled, shrinkage, eps)


def shrunk_whitening(
    scatter: torch.Tensor, divisor: float, pooled: torch.Tensor, weight: float, eps: float
) -> torch.Tensor:
    """Float32 whitening matrices (P, D, D) of (1 - weight) * scatter / divisor + weight *
    pooled + eps * I, solved in float64 a chunk of positions at a time (the float64
    temporaries of all positions at once would be several times the scatter's own size).

    A position's covariance is estimated from as many samples as training images (often fewer
    than feature channels); the pooled within-position covariance (their mean over the
    positions) is well estimated but ignores where a feature sits. Shrinking towards it keeps
    each position's own mean and the directions it varies in, with the pooled shape filling in
    what a few dozen images cannot tell."""
    positions, dims, _ = scatter.shape
    whitening = torch.empty(positions, dims, dims, dtype=torch.float32)
    for start in range(0, positions, SOLVE_CHUNK):
        chunk = scatter[start : start + SOLVE_CHUNK] * ((1 - weight) / divisor)
        if weight:
            chunk += weight * pooled
        whitening[start : start + SOLVE_CHUNK] = regularised_whitening(chunk, eps)
    return whitening


def regularised_whitening(covariance: torch.Tensor, eps: float) -> torch.Tensor:
    """W = L^-T (P, D, D) for the Cholesky factor L of covariance + eps * I (float64).

    |(x - mean) @ W| is then the Mahalanobis distance: one batched matrix product at test time
    (faster than triangular solves on a CPU, and a plain MatMul in ONNX).
    """
    regularised = covariance + eps * torch.eye(covariance.shape[-1], dtype=covariance.dtype)
    return whitening_from_cholesky(torch.linalg.cholesky(regularised))


def whitening_from_cholesky(cholesky: torch.Tensor) -> torch.Tensor:
    """W = L^-T (P, D, D) for lower Cholesky factors L, solved in float64."""
    lower = cholesky.double()
    identity = torch.eye(lower.shape[-1], dtype=lower.dtype).expand_as(lower)
    inverse = torch.linalg.solve_triangular(lower, identity, upper=False)
    return inverse.transpose(1, 2).to(cholesky.dtype)


def whiten(features: torch.Tensor, mean: torch.Tensor, whitening: torch.Tensor) -> torch.Tensor:
    """(B, D, P) features -> (P, B, D) whitened offsets (x - mean) @ W of each position."""
    centred = (features.permute(2, 0, 1) - mean.unsqueeze(1)).contiguous()  # (P, B, D)
    return torch.bmm(centred, whitening)


def mahalanobis(
    features: torch.Tensor, mean: torch.Tensor, whitening: torch.Tensor
) -> torch.Tensor:
    """Distances (B, P) of (B, D, P) features to per-position Gaussians (means (P, D),
    whitening matrices (P, D, D))."""
    return whiten(features, mean, whitening).square().sum(dim=2).sqrt().T
