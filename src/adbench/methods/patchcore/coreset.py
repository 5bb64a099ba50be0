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
POOL_SIZE = 1024  # farthest vectors kept up to date between updates of all exact rows
UPDATE_BLOCK = 1 << 22  # distances per block of the distance update (bounds its memory)
ACTIVE_SHARE = 16  # 1 / share of the rows kept exactly up to date while picks are made
MIN_ACTIVE_ROWS = 4 * POOL_SIZE


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

    Lazily, on two levels. Every row keeps an upper bound of its distance to the nearest pick
    (the distance to the picks it was last compared with: later picks only bring it down). The
    `1 / ACTIVE_SHARE` of rows with the highest bounds are brought up to date and kept exact
    while picks are made among them; the rest are compared with the new picks only when their
    bound rises to the top, so most rows, once close to a pick, are never compared again.
    Among the exact rows, picks are made within the `POOL_SIZE` farthest, all of them updated
    in one matrix product per few hundred picks. A pick is the exact greedy choice as long as
    its distance is at least every bound outside the pool.
    """
    n_rows = len(points)
    squared_norms = np.einsum("ij,ij->i", points, points)
    selected = np.empty(n_select, dtype=np.int64)
    selected[0], count = start, 1
    bounds = np.full(n_rows, np.inf, dtype=np.float32)  # squared, to the nearest compared pick
    _lower_distances(points, squared_norms, points[[start]], squared_norms[[start]], bounds)
    bounds[start] = -np.inf  # never picked twice, even among duplicates
    compared = np.ones(n_rows, dtype=np.int32)  # how many picks each bound accounts for
    active_size = min(n_rows, max(MIN_ACTIVE_ROWS, n_rows // ACTIVE_SHARE))
    while count < n_select:
        active, outside_bound = _brought_up_to_date(
            points, squared_norms, bounds, compared, selected[:count], active_size
        )
        active_points, active_norms = points[active], squared_norms[active]
        distances = bounds[active]
        while count < n_select:
            picks = _picks_from_pool(
                active_points, active_norms, distances, n_select - count, outside_bound
            )
            if not picks:
                break  # the exact rows came down to the bounds of the others
            _lower_distances(
                active_points, active_norms, active_points[picks], active_norms[picks], distances
            )
            distances[picks] = -np.inf
            selected[count : count + len(picks)] = active[picks]
            count += len(picks)
        bounds[active], compared[active] = distances, count
    return selected


def _brought_up_to_date(
    points: np.ndarray,
    squared_norms: np.ndarray,
    bounds: np.ndarray,
    compared: np.ndarray,
    picks: np.ndarray,
    size: int,
) -> tuple[np.ndarray, float]:
    """The `size` rows with the highest bounds, each compared with the picks it has not seen
    (their bounds become exact), and the highest bound among the other rows."""
    n_rows = len(bounds)
    if size >= n_rows:
        rows, outside_bound = np.arange(n_rows), -np.inf
    else:
        order = np.argpartition(bounds, (n_rows - size - 1, n_rows - size))
        rows, outside_bound = order[n_rows - size :], float(bounds[order[n_rows - size - 1]])
    stale = rows[compared[rows] < len(picks)]
    for first_unseen in np.unique(compared[stale]):
        group = stale[compared[stale] == first_unseen]
        unseen = picks[first_unseen:]
        group_bounds = bounds[group]
        _lower_distances(
            points[group], squared_norms[group], points[unseen], squared_norms[unseen], group_bounds
        )
        bounds[group] = group_bounds
    compared[stale] = len(picks)
    return rows, outside_bound


def _lower_distances(
    rows: np.ndarray,
    squared_norms: np.ndarray,
    centres: np.ndarray,
    centre_norms: np.ndarray,
    min_distances: np.ndarray,
) -> None:
    """min_distances = min(min_distances, squared distance to each centre), block by block, in
    torch (its reductions use every core): |p - c|^2 = |p|^2 + (|c|^2 - 2 p.c)."""
    block_rows = max(1, UPDATE_BLOCK // len(centres))
    rows, norms = torch.from_numpy(rows), torch.from_numpy(squared_norms)
    scaled_centres = torch.from_numpy(centres).T * -2
    centre_norms = torch.from_numpy(centre_norms)
    nearest = torch.from_numpy(min_distances)  # updated in place
    for start in range(0, len(rows), block_rows):
        block = slice(start, start + block_rows)
        distances = torch.addmm(centre_norms, rows[block], scaled_centres).amin(dim=1)
        torch.minimum(nearest[block], distances + norms[block], out=nearest[block])


def _picks_from_pool(
    points: np.ndarray,
    squared_norms: np.ndarray,
    min_distances: np.ndarray,
    limit: int,
    outside_bound: float,
) -> list[int]:
    """The next greedy picks (at most `limit`; none if no row here is certainly the farthest)
    made among the farthest rows; `outside_bound`: the highest distance of any row not here."""
    pool_size = min(POOL_SIZE, len(points) - 1)
    order = np.argpartition(min_distances, len(points) - pool_size - 1)
    pool = order[len(points) - pool_size :]
    outside_best = max(float(min_distances[order[len(points) - pool_size - 1]]), outside_bound)
    pool_distances = min_distances[pool].copy()
    pool_points, pool_norms = points[pool], squared_norms[pool]
    picks: list[int] = []
    while len(picks) < limit:
        best = int(np.argmax(pool_distances))
        if pool_distances[best] < outside_best:
            break  # a row outside the pool may now be the farthest
        picks.append(int(pool[best]))
        centre = pool[best]
        distances = pool_norms - 2 * (pool_points @ points[centre]) + squared_norms[centre]
        np.minimum(pool_distances, distances, out=pool_distances)
        pool_distances[best] = -np.inf
    return picks
