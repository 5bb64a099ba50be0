"""Greedy k-center coreset selection on a random projection (PatchCore, Sec. 3.2).

Farthest-point sampling repeatedly picks the vector farthest from everything picked so far.
Up to `exact_limit` vectors it is exact. Above, it is composed (as in Malkomes et al., NeurIPS
2015): consecutive groups of `exact_limit / STAGE_ONE_OVERSAMPLING` vectors each pass on their
share of `STAGE_ONE_OVERSAMPLING` x the selection, picked exactly within the group, and the
selection is picked exactly from their union. Each stage then costs about what an exact
selection from `exact_limit` vectors costs, however many vectors there are.
"""

from __future__ import annotations

import numpy as np
import torch

STAGE_ONE_OVERSAMPLING = 4  # candidates per selected vector that the groups pass on
POOL_SIZE = 1024  # farthest vectors kept up to date between full distance updates
UPDATE_ROWS = 8192  # rows per block of the full distance update (bounds its memory)


@torch.no_grad()
def greedy_coreset(
    vectors: torch.Tensor,
    n_select: int,
    projection_dim: int = 128,
    generator: torch.Generator | None = None,
    exact_limit: int | None = None,
) -> torch.Tensor:
    """Indices of `n_select` rows of `vectors` (N, D) chosen by farthest-point sampling.

    Distances are measured after a Johnson-Lindenstrauss random projection to `projection_dim`
    dimensions (none when the vectors are already that small). `exact_limit`: the most rows
    selected from exactly (None: all); above it the selection is composed from groups.
    """
    n_total = len(vectors)
    if n_select >= n_total:
        return torch.arange(n_total)
    projection = None
    if projection_dim and vectors.shape[1] > projection_dim:
        projection = torch.randn(vectors.shape[1], projection_dim, generator=generator)
        projection /= projection_dim**0.5

    def exact(rows: torch.Tensor, count: int) -> torch.Tensor:
        if count >= len(rows):
            return torch.arange(len(rows))
        points = rows.float().cpu()
        if projection is not None:
            points = points @ projection
        start = int(torch.randint(len(points), (1,), generator=generator))
        return torch.from_numpy(farthest_points(points.numpy(), count, start))

    budget = STAGE_ONE_OVERSAMPLING * n_select
    if exact_limit is None or n_total <= max(exact_limit, budget):
        return exact(vectors, n_select)
    group_size = max(1, exact_limit // STAGE_ONE_OVERSAMPLING)
    candidates = []
    for start in range(0, n_total, group_size):
        group = vectors[start : start + group_size]
        share = min(len(group), max(1, round(budget * len(group) / n_total)))
        candidates.append(start + exact(group, share))
    union = torch.cat(candidates)
    return union[exact(vectors[union], min(n_select, len(union)))]


def farthest_points(points: np.ndarray, n_select: int, start: int) -> np.ndarray:
    """Exact farthest-point sampling of `n_select` rows of `points` (N, D) from row `start`.

    Lazily: only the `POOL_SIZE` rows farthest from the centres are kept up to date while
    centres are picked among them; a pick is the exact greedy choice as long as its distance
    exceeds every row outside the pool (their distances only shrink). When the pool runs out,
    every row's distance is updated with all new centres in one matrix product, which runs at
    the processor's arithmetic speed instead of its memory speed as one product per pick does.
    """
    n_rows = len(points)
    squared_norms = np.einsum("ij,ij->i", points, points)
    min_distances = np.full(n_rows, np.inf, dtype=np.float32)  # squared, to the nearest centre
    selected = np.empty(n_select, dtype=np.int64)
    count = 0
    new_centres = [start]
    while True:
        _update_distances(points, squared_norms, np.asarray(new_centres), min_distances)
        selected[count : count + len(new_centres)] = new_centres
        min_distances[new_centres] = -np.inf  # never picked twice, even among duplicates
        count += len(new_centres)
        if count == n_select:
            return selected
        new_centres = _picks_from_pool(points, squared_norms, min_distances, n_select - count)


def _update_distances(
    points: np.ndarray, squared_norms: np.ndarray, centres: np.ndarray, min_distances: np.ndarray
) -> None:
    """min_distances = min(min_distances, squared distance to each centre), block by block, in
    torch (its reductions use every core): |p - c|^2 = |p|^2 + (|c|^2 - 2 p.c)."""
    rows, norms = torch.from_numpy(points), torch.from_numpy(squared_norms)
    centre_rows, centre_norms = rows[centres].T * -2, norms[centres]
    nearest = torch.from_numpy(min_distances)  # updated in place
    for start in range(0, len(points), UPDATE_ROWS):
        block = slice(start, start + UPDATE_ROWS)
        distances = torch.addmm(centre_norms, rows[block], centre_rows).amin(dim=1)
        torch.minimum(nearest[block], distances + norms[block], out=nearest[block])


def _picks_from_pool(
    points: np.ndarray, squared_norms: np.ndarray, min_distances: np.ndarray, limit: int
) -> list[int]:
    """The next greedy picks (at least one, at most `limit`) made among the farthest rows."""
    pool_size = min(POOL_SIZE, len(points) - 1)
    order = np.argpartition(min_distances, len(points) - pool_size - 1)
    pool = order[len(points) - pool_size :]
    outside_best = min_distances[order[len(points) - pool_size - 1]]
    pool_distances = min_distances[pool].copy()
    pool_points, pool_norms = points[pool], squared_norms[pool]
    picks: list[int] = []
    while len(picks) < limit:
        best = int(np.argmax(pool_distances))
        if picks and pool_distances[best] <= outside_best:
            break  # a row outside the pool may now be the farthest
        picks.append(int(pool[best]))
        centre = pool[best]
        distances = pool_norms - 2 * (pool_points @ points[centre]) + squared_norms[centre]
        np.minimum(pool_distances, distances, out=pool_distances)
        pool_distances[best] = -np.inf
    return picks
