"""Greedy k-center coreset selection on a random projection (PatchCore, Sec. 3.2)."""

from __future__ import annotations

import numpy as np
import torch


@torch.no_grad()
def greedy_coreset(
    vectors: torch.Tensor,
    n_select: int,
    projection_dim: int = 128,
    generator: torch.Generator | None = None,
) -> torch.Tensor:
    """Indices of `n_select` rows chosen by farthest-point sampling.

    Distances are measured after a Johnson-Lindenstrauss random projection to `projection_dim`
    dimensions (none when the vectors are already that small). Each step updates every point's
    distance to its nearest chosen centre with one matrix-vector product. The loop runs in
    NumPy: its many small element-wise steps cost microseconds there, while torch's intra-op
    threads add a fixed overhead to each (milliseconds on a busy 2-core machine).
    """
    n_total = len(vectors)
    if n_select >= n_total:
        return torch.arange(n_total)
    points = vectors.float().cpu()
    if projection_dim and points.shape[1] > projection_dim:
        projection = torch.randn(points.shape[1], projection_dim, generator=generator)
        points = points @ (projection / projection_dim**0.5)
    start = int(torch.randint(n_total, (1,), generator=generator))
    return torch.from_numpy(_farthest_points(points.numpy(), n_select, start))


def _farthest_points(points: np.ndarray, n_select: int, start: int) -> np.ndarray:
    squared_norms = np.einsum("ij,ij->i", points, points)
    min_distances = np.full(len(points), np.inf, dtype=np.float32)
    selected = np.empty(n_select, dtype=np.int64)
    current = start
    for step in range(n_select):
        selected[step] = current
        # |p - c|^2 = |p|^2 - 2 p.c + |c|^2
        distances = squared_norms - 2 * (points @ points[current]) + squared_norms[current]
        np.minimum(min_distances, distances, out=min_distances)
        current = int(np.argmax(min_distances))
    return selected
