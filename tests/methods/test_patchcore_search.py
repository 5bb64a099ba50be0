"""PatchCore's approximate search (model.search=ivf): exact when every list is probed, never
closer than the true nearest row, rebuilt with the bank, and exact where it must be."""

from __future__ import annotations

import pytest
import torch

from adbench.backbones import FeatureExtractor
from adbench.methods.patchcore import PatchcoreModel
from adbench.methods.patchcore.neighbours import IvfIndex, exact_search, nearest_neighbours


def clustered(count: int, seed: int) -> torch.Tensor:
    """Vectors around 30 centres: the kind of bank an inverted file splits well."""
    generator = torch.Generator().manual_seed(seed)
    centres = 4 * torch.randn(30, 16, generator=generator)
    picks = torch.randint(0, 30, (count,), generator=generator)
    return centres[picks] + torch.randn(count, 16, generator=generator)


def test_probing_every_list_is_exact_search():
    bank, queries = clustered(2000, seed=0), clustered(500, seed=1)
    index = IvfIndex(bank, lists=20, probes=20)
    distances, indices = nearest_neighbours(queries, bank, 2, index=index)
    expected_distances, expected_indices = nearest_neighbours(queries, bank, 2)
    assert torch.equal(indices, expected_indices)
    assert torch.allclose(distances, expected_distances, atol=1e-4)


def test_one_probe_misses_some_nearest_rows_but_never_finds_a_closer_one():
    bank, queries = clustered(2000, seed=0), clustered(500, seed=1)
    distances, indices = nearest_neighbours(queries, bank, index=IvfIndex(bank, 40, probes=1))
    exact_distances, exact_indices = nearest_neighbours(queries, bank)
    recall = (indices == exact_indices).float().mean().item()
    assert 0.5 < recall < 1.0
    assert (distances >= exact_distances - 1e-4).all()


def ivf_model(**settings) -> PatchcoreModel:
    torch.manual_seed(0)
    extractor = FeatureExtractor("tf_efficientnet_lite0", [1, 2], weights="random")
    model = PatchcoreModel(extractor, coreset_sampling_ratio=1.0, num_neighbors=1, **settings)
    with torch.no_grad():
        model.fit([model.embed(torch.rand(2, 3, 64, 64)) for _ in range(3)])
    return model.eval()


def test_the_index_follows_the_bank_and_its_settings():
    model = ivf_model(search="ivf")
    index = model.approximate_index()
    assert index is model.approximate_index()  # built once
    assert index.lists == model.ivf_lists(len(model.memory_bank))
    model.search_lists = 4
    assert model.approximate_index().lists == 4
    refitted = model.approximate_index()
    with torch.no_grad():  # a new bank of the same size
        model.fit([model.embed(torch.rand(2, 3, 64, 64)) for _ in range(3)])
    assert model.approximate_index() is not refitted
    fresh = PatchcoreModel(model.extractor, num_neighbors=1, search="ivf", search_lists=4)
    fresh.load_state_dict(model.state_dict())
    images = torch.rand(2, 3, 64, 64)
    with torch.no_grad():
        assert torch.equal(fresh.eval()(images)[0], model(images)[0])


def test_out_of_fold_scoring_and_the_export_reference_stay_exact():
    approximate = ivf_model(search="ivf", search_lists=16, search_probes=1)
    exact = ivf_model()
    images = torch.rand(4, 3, 64, 64)
    with torch.no_grad():
        assert not torch.equal(approximate(images)[1], exact(images)[1])  # the index misses
        sources = torch.tensor([0, 1, 2, -1])
        assert torch.equal(approximate(images, sources)[1], exact(images, sources)[1])
        with exact_search():
            assert torch.equal(approximate(images)[1], exact(images)[1])


def test_ivf_lists_leave_faiss_enough_rows_per_list():
    model = ivf_model(search="ivf")
    assert model.ivf_lists(10_000) == 100  # the root of the bank size
    assert model.ivf_lists(1_000) == 25  # at most one list per 39 rows
    assert model.ivf_lists(10) == 1


@pytest.mark.parametrize("value", ["hnsw", "approximate"])
def test_an_unknown_search_is_refused(value):
    with pytest.raises(ValueError, match="search="):
        PatchcoreModel(
            FeatureExtractor("tf_efficientnet_lite0", [1], weights="random"), search=value
        )
