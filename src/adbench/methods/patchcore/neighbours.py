"""Chunked k-nearest-neighbour search, so memory stays bounded for any number of queries."""

from __future__ import annotations

import torch


def nearest_neighbours(
    queries: torch.Tensor,
    bank: torch.Tensor,
    k: int = 1,
    chunk_size: int = 4096,
    exclude: tuple[torch.Tensor, torch.Tensor] | None = None,
) -> tuple[torch.Tensor, torch.Tensor]:
    """Euclidean distances (N, k) and indices (N, k) of each query's k nearest bank rows.

    Peak memory is chunk_size x len(bank) distances, whatever the number of queries. A query's
    own squared norm does not change which bank rows are nearest, so it is added only to the k
    selected values: one fused |b|^2 - 2 q.b product per chunk, then the selection.
    `exclude=(query_sources (N,), bank_sources (M,))` skips the bank rows of a query's own
    source (out-of-fold scoring: an image against a bank without its own patches).
    """
    bank_norms = (bank * bank).sum(dim=1)
    distances, indices = [], []
    # a traced graph (ONNX/TorchScript export) cannot keep a batch-dependent chunk count
    chunks = (queries,) if torch.jit.is_tracing() else queries.split(chunk_size)
    sources = [None] * len(chunks) if exclude is None else exclude[0].split(chunk_size)
    for chunk, chunk_sources in zip(chunks, sources, strict=True):
        partial = torch.addmm(bank_norms, chunk, bank.T, alpha=-2)
        if chunk_sources is not None:
            own = chunk_sources.unsqueeze(1) == exclude[1].unsqueeze(0)
            partial = partial.masked_fill(own, float("inf"))
        if k == 1:
            values, index = partial.min(dim=1, keepdim=True)
        else:
            values, index = partial.topk(k, dim=1, largest=False)
        squared = values + (chunk * chunk).sum(dim=1, keepdim=True)
        distances.append(squared.clamp_min(0).sqrt())
        indices.append(index)
    return torch.cat(distances), torch.cat(indices)
