"""The one seeded split: a share of items, never all and never none, the same for the same seed."""

from __future__ import annotations

import pytest

from adbench.data.splits import seeded_share


@pytest.mark.parametrize(
    ("count", "share", "taken"), [(10, 0.2, 2), (10, 0.99, 9), (10, 0.01, 1), (2, 0.5, 1)]
)
def test_a_share_takes_at_least_one_and_leaves_at_least_one(count, share, taken):
    items = list(range(count))
    chosen, rest = seeded_share(items, share, seed=0)
    assert len(chosen) == taken and sorted(chosen + rest) == items


def test_the_same_seed_gives_the_same_split_and_another_seed_another():
    items = [f"img{i:03d}.png" for i in range(40)]
    assert seeded_share(items, 0.25, seed=3) == seeded_share(items, 0.25, seed=3)
    assert seeded_share(items, 0.25, seed=3)[0] != seeded_share(items, 0.25, seed=4)[0]
