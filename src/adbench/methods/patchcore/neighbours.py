"""Chunked k-nearest-neighbour search, so memory stays bounded for any number of queries."""

from __future__ import annotations

import torch


def nearest_neighbours(
    queries: torch.Tensor, bank: torch.Tensor, k: int = 1, chunk_size: int = 4096
) -> tuple[torch.Tensor, torch.Tensor]:
    """Euclidean distances (N, k) and indices (N, k) of each query's k nearest bank rows.

    Peak memory is chunk_size x len(bank) distances, whatever the number of queries.
    """
    bank_norms = (bank * bank).sum(dim=1)
    distances, indices = [], []
    for chunk in queries.split(chunk_size):
        squared = (chunk * chunk).sum(dim=1, keepdim=True) - 2 * chunk @ bank.T + bank_norms
        values, index = squared.topk(k, dim=1, largest=False)
        distances.append(values.clamp_min(0).sqrt())
        indices.append(index)
    return torch.cat(distances), torch.cat(indices)
