"""PatchCore's greedy coreset: exact farthest-point sampling, composed from groups at scale."""

from __future__ import annotations

import numpy as np
import pytest
import torch

from adbench.backbones import FeatureExtractor
from adbench.methods.patchcore import PatchcoreModel, coreset
from adbench.methods.patchcore.coreset import POOL_SIZE, farthest_points, greedy_coreset


def assert_each_pick_is_the_farthest(points: np.ndarray, picks: np.ndarray) -> None:
    """The greedy rule, checked in float64: every pick is (up to float32 rounding) the row
    farthest from all earlier picks."""
    points = points.astype(np.float64)
    min_distances = np.full(len(points), np.inf)
    for step, pick in enumerate(picks[1:], start=1):
        distances = ((points - points[picks[step - 1]]) ** 2).sum(axis=1)
        min_distances = np.minimum(min_distances, distances)
        assert min_distances[pick] >= (1 - 1e-5) * min_distances.max(), f"pick {step}"


def coverage_radius(points: torch.Tensor, chosen: torch.Tensor) -> float:
    return float(torch.cdist(points, points[chosen]).min(dim=1).values.max())


def clustered_points(n_points: int, seed: int = 0) -> torch.Tensor:
    """Clusters of very different sizes and spreads: the picks drain the pool unevenly."""
    generator = torch.Generator().manual_seed(seed)
    centres = 6 * torch.randn(12, 8, generator=generator)
    owners = torch.randint(12, (n_points,), generator=generator) ** 2 % 12
    spread = 0.2 + owners.float().unsqueeze(1) / 6
    return centres[owners] + spread * torch.randn(n_points, 8, generator=generator)


@pytest.mark.parametrize("n_select", [1, 7, 600])
def test_lazy_picks_are_the_textbook_greedy_picks(n_select):
    points = clustered_points(3 * POOL_SIZE).numpy()
    picks = farthest_points(points, n_select, start=5)
    assert len(picks) == n_select and picks[0] == 5
    assert_each_pick_is_the_farthest(points, picks)


@pytest.mark.parametrize("n_select", [7, 600])
def test_rows_left_stale_between_updates_do_not_change_the_picks(monkeypatch, n_select):
    """A few exact rows at a time (here an eighth of them, picks made among 32): the others
    keep stale distances until they rise to the top, and every pick is still the farthest."""
    monkeypatch.setattr(coreset, "POOL_SIZE", 32)
    monkeypatch.setattr(coreset, "MIN_ACTIVE_ROWS", 128)
    monkeypatch.setattr(coreset, "ACTIVE_SHARE", 8)
    points = clustered_points(3000).numpy()
    picks = farthest_points(points, n_select, start=5)
    assert len(set(picks.tolist())) == n_select and picks[0] == 5
    assert_each_pick_is_the_farthest(points, picks)


def test_duplicates_are_never_picked_twice():
    points = np.zeros((50, 4), dtype=np.float32)
    points[:3] = np.eye(4, dtype=np.float32)[:3]
    chosen = farthest_points(points, 10, start=0)
    assert len(set(chosen.tolist())) == 10


def test_coreset_covers_every_cluster():
    centres = torch.tensor([[0.0, 0.0], [10.0, 0.0], [0.0, 10.0], [10.0, 10.0]])
    points = (centres.repeat_interleave(50, 0) + 0.1 * torch.randn(200, 2)).contiguous()
    chosen = greedy_coreset(points, 4, projection_dim=0, generator=torch.Generator().manual_seed(0))
    clusters = {int(i) // 50 for i in chosen}
    assert clusters == {0, 1, 2, 3}


def test_coreset_keeps_everything_when_asked_for_more():
    assert greedy_coreset(torch.randn(5, 3), 9).tolist() == [0, 1, 2, 3, 4]


def test_groups_compose_a_coreset_close_to_the_exact_one():
    points = clustered_points(4000)
    generator = torch.Generator().manual_seed(0)
    exact = greedy_coreset(points, 200, projection_dim=0, generator=generator)
    composed = greedy_coreset(points, 200, projection_dim=0, generator=generator, exact_limit=500)
    assert len(composed) == 200 and len(set(composed.tolist())) == 200
    assert set(composed.tolist()) != set(exact.tolist())  # the groups did change the picks
    # every group passes on 4x its share, so the union still reaches every cluster's outskirts
    assert coverage_radius(points, composed) <= 1.15 * coverage_radius(points, exact)


def test_a_last_group_of_one_row_still_gives_a_full_selection():
    points = clustered_points(1001)  # groups of 200 // 4 rows: the last one holds a single row
    chosen = greedy_coreset(points, 60, projection_dim=0, exact_limit=200)
    assert len(set(chosen.tolist())) == 60 and 0 <= int(chosen.min()) <= int(chosen.max()) <= 1000


def test_the_bank_holds_the_ratio_of_patches_up_to_its_limit():
    extractor = FeatureExtractor("tf_efficientnet_lite0", [2], weights="random")
    model = PatchcoreModel(extractor, coreset_sampling_ratio=0.5, max_bank_size=20)
    with torch.no_grad():
        embeddings = model.embed(torch.rand(2, 3, 64, 64))  # 2 x 8 x 8 patches
        model.fit([embeddings[:1], embeddings[1:]])
    assert model.memory_bank.shape[0] == 20
    assert model.bank_size(30) == 15
