"""k-nearest-neighbour search of patch vectors in a memory bank.

On the CPU the search is faiss's exact (flat L2) search: it reduces blocks of the distance
matrix while they are in cache, about twice as fast as materialising them on 2 cores. Traced
graphs (ONNX/TorchScript export) and other devices use a chunked torch product instead, with
bounded memory for any number of queries. Both give the same neighbours.

`IvfIndex` is the approximate alternative (faiss's inverted-file index): faster on large
banks, but a query's nearest row is missed when it lies outside the clusters searched.
"""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from contextvars import ContextVar

import faiss
import numpy as np
import torch

Exclusion = tuple[torch.Tensor, torch.Tensor]  # (query sources (N,), bank sources (M,))
_EXACT_ONLY = ContextVar("exact_only", default=False)


@contextmanager
def exact_search() -> Iterator[None]:
    """Within it, every search is exact, as in an exported graph (which holds no faiss index):
    the reference that an export is checked against."""
    token = _EXACT_ONLY.set(True)
    try:
        yield
    finally:
        _EXACT_ONLY.reset(token)


class IvfIndex:
    """The bank split into `lists` k-means clusters (seeded); a query is compared with the rows
    of the `probes` clusters whose centres are nearest to it."""

    def __init__(self, bank: torch.Tensor, lists: int, seed: int = 0, probes: int = 8) -> None:
        rows = _numpy_rows(bank)
        self.quantizer = faiss.IndexFlatL2(rows.shape[1])  # the index keeps no reference
        self.index = faiss.IndexIVFFlat(self.quantizer, rows.shape[1], lists)
        self.index.cp.seed = seed
        faiss.omp_set_num_threads(torch.get_num_threads())
        self.index.train(rows)
        self.index.add(rows)
        self.probes = probes

    @property
    def lists(self) -> int:
        return self.index.nlist

    def search(self, queries: torch.Tensor, k: int) -> tuple[np.ndarray, np.ndarray]:
        faiss.omp_set_num_threads(torch.get_num_threads())
        self.index.nprobe = min(self.probes, self.lists)
        return self.index.search(_numpy_rows(queries), k)


def nearest_neighbours(
    queries: torch.Tensor,
    bank: torch.Tensor,
    k: int = 1,
    chunk_size: int = 4096,
    exclude: Exclusion | None = None,
    index: IvfIndex | None = None,
) -> tuple[torch.Tensor, torch.Tensor]:
    """Euclidean distances (N, k) and indices (N, k) of each query's k nearest bank rows.

    `exclude=(query_sources (N,), bank_sources (M,))` skips the bank rows of a query's own
    source (out-of-fold scoring: an image against a bank without its own patches); a query
    with fewer than k other rows gets distance inf for the missing ones. `index` (an IvfIndex
    of `bank`) answers instead of the exact search, except with `exclude` and where the torch
    search runs (traced graphs, other devices).
    """
    if torch.jit.is_tracing() or queries.device.type != "cpu":
        return _torch_search(queries, bank, k, chunk_size, exclude)
    if index is not None and exclude is None and not _EXACT_ONLY.get():
        return _as_tensors(*index.search(queries, k), queries.dtype)
    return _faiss_search(queries, bank, k, exclude)


def _faiss_search(
    queries: torch.Tensor, bank: torch.Tensor, k: int, exclude: Exclusion | None
) -> tuple[torch.Tensor, torch.Tensor]:
    """faiss's brute-force search; with `exclude`, once per query source against the bank
    without that source's rows."""
    faiss.omp_set_num_threads(torch.get_num_threads())  # as many threads as torch may use
    query_rows, bank_rows = _numpy_rows(queries), _numpy_rows(bank)
    if exclude is None:
        squared, indices = faiss.knn(query_rows, bank_rows, k)
    else:
        query_sources, bank_sources = (sources.numpy() for sources in exclude)
        squared = np.empty((len(query_rows), k), dtype=np.float32)
        indices = np.empty((len(query_rows), k), dtype=np.int64)
        for source in np.unique(query_sources):
            rows = np.flatnonzero(query_sources == source)
            others = np.flatnonzero(bank_sources != source)
            found_squared, found = faiss.knn(query_rows[rows], bank_rows[others], k)
            squared[rows], indices[rows] = found_squared, np.where(found < 0, -1, others[found])
    return _as_tensors(squared, indices, queries.dtype)


def _numpy_rows(vectors: torch.Tensor) -> np.ndarray:
    return vectors.detach().float().contiguous().numpy()


def _as_tensors(
    squared: np.ndarray, indices: np.ndarray, dtype: torch.dtype
) -> tuple[torch.Tensor, torch.Tensor]:
    """faiss's squared distances and indices as distances and indices; a missing neighbour
    (index -1: fewer than k rows to choose from) gets distance inf."""
    missing = indices < 0
    squared[missing], indices[missing] = np.inf, 0
    distances = torch.from_numpy(squared).clamp_min(0).sqrt()
    return distances.to(dtype), torch.from_numpy(indices)


def _torch_search(
    queries: torch.Tensor,
    bank: torch.Tensor,
    k: int,
    chunk_size: int,
    exclude: Exclusion | None,
) -> tuple[torch.Tensor, torch.Tensor]:
    """Peak memory is chunk_size x len(bank) distances. A query's own squared norm does not
    change which bank rows are nearest, so it is added only to the k selected values: one fused
    |b|^2 - 2 q.b product per chunk, then the selection."""
    bank_norms = (bank * bank).sum(dim=1)
    distances, indices = [], []
    # a traced graph cannot keep a batch-dependent chunk count
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
