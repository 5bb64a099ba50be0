"""Data-parallel (DDP) helpers: what one rank saw, made whole on every rank.

Lightning's DistributedSampler (drop_last=False) deals a dataset of `length` items round-robin:
global position p goes to rank p % world as that rank's item p // world, and the last ranks
get repeats of the first items as padding so that every rank has the same count. The helpers
below drop that padding and put the ranks' items back in global order. In a single process
every helper returns its input unchanged.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any, TypeVar

import torch
import torch.distributed as dist

from adbench.methods.results import EvalResults

T = TypeVar("T")
GATHERED_CHUNK = 16  # gathered maps are measured this many at a time


def world_size() -> int:
    """The number of processes in the default group (1 when not distributed)."""
    return dist.get_world_size() if dist.is_available() and dist.is_initialized() else 1


def rank() -> int:
    """This process's global rank (0 when not distributed)."""
    return dist.get_rank() if world_size() > 1 else 0


def samples_on_rank(length: int, rank_: int, world: int) -> int:
    """How many real (not padding) items of a `length`-item dataset rank `rank_` is dealt."""
    return len(range(rank_, length, world))


def global_order(counts: Sequence[int], length: int) -> list[tuple[int, int]]:
    """(rank, local index) of each of the dataset's `length` items in the sampler's order."""
    world = len(counts)
    order = [(p % world, p // world) for p in range(length)]
    missing = [(r, i) for r, i in order if i >= counts[r]]
    if missing:
        raise ValueError(f"ranks sent {list(counts)} items, too few for {length} in all")
    return order


def without_padding(batch: dict, seen: int, length: int) -> dict:
    """`batch` minus the sampler's padding, given the `seen` real items this rank had before."""
    world = world_size()
    if world == 1:
        return batch
    keep = max(0, samples_on_rank(length, rank(), world) - seen)
    size = len(batch["image"])
    if keep >= size:
        return batch
    return {
        key: value[:keep] if _is_per_item(value, size) else value for key, value in batch.items()
    }


def dataset_length(loaders: Any) -> int:
    """len(dataset) of the (first) dataloader Lightning holds for a stage."""
    if isinstance(loaders, dict):
        loaders = next(iter(loaders.values()))
    if isinstance(loaders, list | tuple):
        loaders = loaders[0]
    return len(loaders.dataset)


def gather_objects(obj: T) -> list[T]:
    """Every rank's `obj` (picklable), in rank order."""
    if world_size() == 1:
        return [obj]
    gathered: list[Any] = [None] * world_size()
    dist.all_gather_object(gathered, obj)
    return gathered


def all_reduce_sum(tensor: torch.Tensor) -> torch.Tensor:
    """The element-wise sum of `tensor` over ranks, on `tensor`'s device and dtype."""
    if world_size() == 1:
        return tensor
    work = tensor.detach().to(_device(), copy=True)
    dist.all_reduce(work, op=dist.ReduceOp.SUM)
    return work.to(tensor.device)


def gather_tensors(tensor: torch.Tensor) -> list[torch.Tensor]:
    """Every rank's `tensor` (first dimensions may differ), in rank order, on `tensor`'s device."""
    if world_size() == 1:
        return [tensor]
    sizes = [int(n) for n in gather_objects(len(tensor))]
    padded = tensor.new_zeros((max(sizes), *tensor.shape[1:]), device=_device())
    padded[: len(tensor)] = tensor
    gathered = [torch.empty_like(padded) for _ in sizes]
    dist.all_gather(gathered, padded.contiguous())
    return [part[:size].to(tensor.device) for part, size in zip(gathered, sizes, strict=True)]


def broadcast_tensor(tensor: torch.Tensor, src: int = 0) -> torch.Tensor:
    """Rank `src`'s `tensor` (any shape) on every rank, on the local `tensor`'s device."""
    if world_size() == 1:
        return tensor
    meta = [(tuple(tensor.shape), tensor.dtype)]
    dist.broadcast_object_list(meta, src=src)
    shape, dtype = meta[0]
    work = tensor.detach().to(_device(), copy=True) if rank() == src else None
    if work is None:
        work = torch.empty(shape, dtype=dtype, device=_device())
    dist.broadcast(work, src=src)
    return work.to(tensor.device)


def merge_eval_results(per_rank: Sequence[EvalResults], length: int) -> EvalResults:
    """One EvalResults of the dataset's `length` items in dataset order, padding dropped."""
    if len(per_rank) == 1:
        return per_rank[0]
    order = global_order([len(part) for part in per_rank], length)
    stacked = [part.stacked() if len(part) else {} for part in per_rank]
    merged = EvalResults(
        paths=[per_rank[r].paths[i] for r, i in order],
        defect_types=[per_rank[r].defect_types[i] for r, i in order],
        groups=[per_rank[r].groups[i] for r, i in order],
    )
    for key in ("labels", "scores", "maps", "masks", "has_mask"):
        if all(key in part for part in stacked if part):
            column = getattr(merged, key)
            column.append(torch.stack([stacked[r][key][i] for r, i in order]))
    return merged


def gather_eval_results(results: EvalResults, loaders: Any) -> EvalResults:
    """Every rank's share of an evaluation set, merged in dataset order on every rank.

    `loaders`: Lightning's dataloader(s) of the stage, for the dataset's length.
    """
    if world_size() == 1:
        return results
    return merge_eval_results(gather_objects(results), dataset_length(loaders))


def gather_in_path_order(
    batches: Sequence[torch.Tensor], paths: Sequence[str]
) -> list[torch.Tensor]:
    """Every rank's `batches` cut into one tensor per item, sorted by the items' `paths`.

    An item is one image's rows: 1, or k consecutive rows when each image gave k (tiles). A
    rank may hold no item. The order depends neither on the loader's shuffling nor on the
    number of ranks, so a model built from it (e.g. a coreset) is the same on one device or
    many.
    """
    local = torch.cat(list(batches)) if batches else None
    held = 0 if local is None else len(local)
    if (held == 0) != (len(paths) == 0) or (paths and held % len(paths)):
        raise ValueError(f"{held} rows do not split evenly over {len(paths)} paths")
    layout = (held // len(paths), local.shape[1:], local.dtype) if paths else None
    layouts = [part for part in gather_objects(layout) if part is not None]
    if not layouts:
        return []
    rows, shape, dtype = layouts[0]
    if local is None:  # this rank's empty share, shaped like the others' for the gather
        local = torch.empty((0, *shape), dtype=dtype, device=_device())
    parts = [part for part in gather_tensors(local) if len(part)]  # an empty one splits into one
    items = [item for part in parts for item in part.split(rows)]
    all_paths = [path for part in gather_objects(list(paths)) for path in part]
    order = sorted(range(len(items)), key=all_paths.__getitem__)
    return [items[i] for i in order]


def _device() -> torch.device:
    """Where collectives run: the current GPU under NCCL, else the CPU."""
    if dist.get_backend() == "nccl":
        return torch.device("cuda", torch.cuda.current_device())
    return torch.device("cpu")


def _is_per_item(value: Any, size: int) -> bool:
    return isinstance(value, torch.Tensor | list | tuple) and len(value) == size
