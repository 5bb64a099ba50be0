"""Which competitive units meet: a random pair per training step, candidate pairs on validation."""

from __future__ import annotations

import torch

Pair = tuple[int, int]  # (generator unit, discriminator unit)


def sample_pair(num_units: int, generator: torch.Generator | None = None) -> Pair:
    """Two different units, uniformly among the num_units * (num_units - 1) ordered pairs."""
    if num_units < 2:
        raise ValueError(f"pairing needs at least 2 units, got {num_units}")
    first = int(torch.randint(num_units, (1,), generator=generator))
    second = int(torch.randint(num_units - 1, (1,), generator=generator))
    return first, second + (second >= first)  # skip `first`: never the same unit twice


def ordered_pairs(num_units: int) -> list[Pair]:
    """Every (generator, discriminator) pair of two different units."""
    return [(g, d) for g in range(num_units) for d in range(num_units) if g != d]


def candidate_pairs(
    num_units: int, max_pairs: int, current: Pair, generator: torch.Generator | None = None
) -> list[Pair]:
    """The pairs scored on validation: all of them, or `current` plus a random rest when there
    are more than max_pairs (a different draw each time, so every pair gets its turn)."""
    pairs = ordered_pairs(num_units)
    if max_pairs <= 0 or len(pairs) <= max_pairs:
        return pairs
    others = [pair for pair in pairs if pair != current]
    chosen = torch.randperm(len(others), generator=generator)[: max_pairs - 1].tolist()
    return sorted([current, *(others[i] for i in chosen)])
