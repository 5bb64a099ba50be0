"""Undoing DistributedSampler's deal: padding dropped, items back in dataset order."""

from __future__ import annotations

import datetime

import pytest
import torch
from torch.utils.data import DistributedSampler

from adbench.methods.distributed import (
    gather_in_path_order,
    global_order,
    merge_eval_results,
    samples_on_rank,
)
from adbench.methods.results import EvalResults


def dealt(length: int, world: int, shuffle: bool = False) -> list[list[int]]:
    """The dataset indices each rank gets from torch's own sampler, as Lightning sets it up."""
    return [
        list(DistributedSampler(range(length), world, r, shuffle=shuffle, drop_last=False))
        for r in range(world)
    ]


def results_of(indices: list[int], batch_size: int = 2) -> EvalResults:
    """EvalResults whose item i carries i in its path, label, score, map and mask."""
    results = EvalResults()
    for start in range(0, len(indices), batch_size):
        part = torch.tensor(indices[start : start + batch_size])
        batch = {
            "path": [f"img{i:03d}.png" for i in part.tolist()],
            "defect_type": ["good" if i % 2 else "dent" for i in part.tolist()],
            "label": part % 2,
            "mask": (part.view(-1, 1, 1, 1) % 3 == 0).float().expand(-1, 1, 4, 4),
            "has_mask": part % 5 != 0,
        }
        results.add(batch, part.float(), part.float().view(-1, 1, 1, 1).expand(-1, 1, 4, 4))
    return results


@pytest.mark.parametrize(("length", "world"), [(7, 2), (10, 3), (4, 4), (5, 4)])
def test_merged_ranks_equal_one_process(length, world):
    per_rank = [results_of(indices) for indices in dealt(length, world)]
    merged = merge_eval_results(per_rank, length).stacked()
    alone = results_of(list(range(length))).stacked()
    assert merge_eval_results(per_rank, length).paths == [f"img{i:03d}.png" for i in range(length)]
    assert merged.keys() == alone.keys()
    for key, value in alone.items():
        assert torch.equal(merged[key], value), key


def test_merge_of_one_rank_is_that_rank():
    results = results_of([0, 1, 2])
    assert merge_eval_results([results], 3) is results


def test_too_few_items_from_a_rank_is_an_error():
    with pytest.raises(ValueError, match="too few"):
        global_order([3, 1], 6)


@pytest.mark.parametrize(("length", "world"), [(9, 2), (10, 4), (3, 4)])
def test_first_items_of_each_rank_cover_a_shuffled_dataset_once(length, world):
    kept = [
        indices[: samples_on_rank(length, r, world)]
        for r, indices in enumerate(dealt(length, world, shuffle=True))
    ]
    assert sorted(i for part in kept for i in part) == list(range(length))


def test_items_are_put_in_path_order_whatever_the_batches():
    batches = [torch.tensor([[2.0], [0.0]]), torch.tensor([[1.0]])]
    ordered = gather_in_path_order(batches, ["c.png", "a.png", "b.png"])
    assert [float(item) for item in ordered] == [0.0, 1.0, 2.0]
    assert all(item.shape == (1, 1) for item in ordered)


def test_tiles_of_one_image_stay_together_and_in_order():
    tiles = torch.tensor([[10.0], [11.0], [0.0], [1.0]])  # image "b" tiles 10, 11; "a" 0, 1
    ordered = gather_in_path_order([tiles], ["b.png", "a.png"])
    assert [item.view(-1).tolist() for item in ordered] == [[0.0, 1.0], [10.0, 11.0]]


def test_paths_must_match_the_items():
    with pytest.raises(ValueError, match="3 rows do not split evenly over 2 paths"):
        gather_in_path_order([torch.zeros(3, 3)], ["a.png", "b.png"])


# the same helpers with a real process group: 2 CPU processes talking over gloo
def _collectives(rank: int, world: int, tmp: str) -> None:
    """One rank: run every collective helper, save what this rank ends up with."""
    import torch.distributed as dist
    from torch.utils.data import DataLoader

    from adbench.methods import distributed

    torch.set_num_threads(1)
    store = f"file://{tmp}/store"
    timeout = datetime.timedelta(seconds=60)  # a collective that never completes fails the test
    dist.init_process_group("gloo", init_method=store, rank=rank, world_size=world, timeout=timeout)
    try:
        out = {
            "rank": distributed.rank(),
            "sum": distributed.all_reduce_sum(
                torch.tensor([rank + 1.0, 10.0], dtype=torch.float64)
            ),
            "gathered": distributed.gather_tensors(torch.full((rank + 1, 2), float(rank))),
            "broadcast": distributed.broadcast_tensor(
                torch.arange(6.0).view(2, 3) if rank == 0 else torch.empty(0, 3)
            ),
            "eval": distributed.gather_eval_results(
                results_of(dealt(7, world)[rank]), DataLoader(range(7))
            ).stacked(),
        }
        # training: a shuffled deal of 9 items in batches of 2, padding dropped, then gathered
        indices, seen, batches, paths = dealt(9, world, shuffle=True)[rank], 0, [], []
        for start in range(0, len(indices), 2):
            part = torch.tensor(indices[start : start + 2])
            batch = {"image": part.float().view(-1, 1), "path": [f"{i}.png" for i in part.tolist()]}
            batch = distributed.without_padding(batch, seen, 9)
            seen += len(batch["path"])
            batches.append(batch["image"])
            paths += batch["path"]
        out["train"] = torch.cat(distributed.gather_in_path_order(batches, paths))
        # rank 0 holds no item (e.g. none of the training images validation scores)
        held = rank == 1
        out["one_rank_empty"] = distributed.gather_in_path_order(
            [torch.tensor([[2.0, 2.0], [1.0, 1.0]])] if held else [],
            ["b.png", "a.png"] if held else [],
        )
        out["all_empty"] = distributed.gather_in_path_order([], [])
        torch.save(out, f"{tmp}/rank{rank}.pt")
    finally:
        dist.destroy_process_group()


@pytest.fixture(scope="module")
def two_ranks(tmp_path_factory) -> list[dict]:
    tmp = tmp_path_factory.mktemp("gloo")
    torch.multiprocessing.start_processes(
        _collectives, args=(2, str(tmp)), nprocs=2, start_method="fork"
    )  # fork: the children need not import torch again
    return [torch.load(tmp / f"rank{r}.pt") for r in range(2)]


def test_every_rank_gets_the_sum_over_ranks(two_ranks):
    assert [out["rank"] for out in two_ranks] == [0, 1]
    for out in two_ranks:
        assert out["sum"].tolist() == [3.0, 20.0] and out["sum"].dtype == torch.float64


def test_uneven_tensors_are_gathered_in_rank_order(two_ranks):
    for out in two_ranks:
        assert [part.tolist() for part in out["gathered"]] == [[[0.0, 0.0]], [[1.0, 1.0]] * 2]


def test_rank_zero_tensor_is_broadcast_whatever_the_local_shape(two_ranks):
    for out in two_ranks:
        assert torch.equal(out["broadcast"], torch.arange(6.0).view(2, 3))


def test_evaluation_results_are_whole_and_in_order_on_every_rank(two_ranks):
    alone = results_of(list(range(7))).stacked()
    for out in two_ranks:
        for key, value in alone.items():
            assert torch.equal(out["eval"][key], value), key


def test_training_items_are_counted_once_in_path_order_on_every_rank(two_ranks):
    expected = sorted(range(9), key=lambda i: f"{i}.png")
    for out in two_ranks:
        assert out["train"].view(-1).tolist() == [float(i) for i in expected]


def test_a_rank_without_items_gets_everyone_elses_in_path_order(two_ranks):
    for out in two_ranks:
        assert [item.tolist() for item in out["one_rank_empty"]] == [[[1.0, 1.0]], [[2.0, 2.0]]]
        assert out["all_empty"] == []
