"""PatchCore: neighbour search, batch independence, bank save/load."""

from __future__ import annotations

import pytest
import torch

from adbench.backbones import FeatureExtractor
from adbench.methods.patchcore import PatchcoreModel, neighbours
from adbench.methods.patchcore.neighbours import nearest_neighbours


def faiss_search(queries, bank, k, exclude=None):
    return neighbours._faiss_search(queries, bank, k, exclude)


def torch_search(queries, bank, k, exclude=None):
    return neighbours._torch_search(queries, bank, k, 64, exclude)


SEARCHES = pytest.mark.parametrize("search", [faiss_search, torch_search], ids=["faiss", "torch"])


@SEARCHES
def test_neighbours_equal_brute_force(search):
    queries, bank = torch.randn(300, 16), torch.randn(70, 16)
    distances, indices = search(queries, bank, 3)
    expected = torch.cdist(queries, bank).topk(3, dim=1, largest=False)
    assert torch.equal(indices, expected.indices)
    assert torch.allclose(distances, expected.values, atol=1e-4)


def test_the_cpu_search_is_faiss_and_a_traced_one_torch(monkeypatch):
    used = []
    for name in ("_faiss_search", "_torch_search"):
        search = getattr(neighbours, name)
        monkeypatch.setattr(
            neighbours,
            name,
            lambda *args, search=search, name=name: used.append(name) or search(*args),
        )
    queries, bank = torch.randn(20, 8), torch.randn(10, 8)
    expected = nearest_neighbours(queries, bank)
    traced = torch.jit.trace(lambda q: nearest_neighbours(q, bank)[0], queries, check_trace=False)
    assert used == ["_faiss_search", "_torch_search"]
    assert torch.allclose(traced(queries), expected[0], atol=1e-5)


def fitted_model(seed: int = 0) -> PatchcoreModel:
    torch.manual_seed(seed)
    extractor = FeatureExtractor("tf_efficientnet_lite0", [2, 3], weights="random")
    model = PatchcoreModel(extractor, coreset_sampling_ratio=0.5, num_neighbors=3).eval()
    with torch.no_grad():
        model.fit([model.embed(torch.rand(4, 3, 64, 64))])
    return model


def test_training_images_score_lower_than_noise():
    torch.manual_seed(0)
    extractor = FeatureExtractor("tf_efficientnet_lite0", [2, 3], weights="embedded")
    model = PatchcoreModel(extractor, coreset_sampling_ratio=1.0).eval()
    smooth = torch.linspace(0, 1, 64).view(1, 1, 1, 64).expand(4, 3, 64, 64).contiguous()
    with torch.no_grad():
        model.fit([model.embed(smooth)])
        normal, _ = model(smooth[:1])
        odd, _ = model(torch.rand(1, 3, 64, 64))
    assert odd > normal


def test_memory_bank_survives_a_state_dict_round_trip():
    model = fitted_model()
    extractor = FeatureExtractor("tf_efficientnet_lite0", [2, 3], weights="random")
    fresh = PatchcoreModel(extractor, num_neighbors=3)
    fresh.load_state_dict(model.state_dict())
    fresh.eval()
    images = torch.rand(2, 3, 64, 64)
    with torch.no_grad():
        assert torch.equal(model(images)[0], fresh(images)[0])


@SEARCHES
def test_neighbour_search_skips_the_queries_own_source(search):
    bank = torch.tensor([[0.0, 0.0], [10.0, 10.0], [0.0, 1.0]])
    bank_sources = torch.tensor([0, 1, 2])
    queries = torch.tensor([[0.1, 0.0], [0.1, 0.0], [0.1, 0.0]])
    query_sources = torch.tensor([0, 7, 2])  # the first query came from item 0, the last from 2
    distances, indices = search(queries, bank, 2, (query_sources, bank_sources))
    assert indices.tolist() == [[2, 1], [0, 2], [0, 1]]
    assert torch.allclose(distances[:, 0], torch.tensor([1.01**0.5, 0.1, 0.1]))


@SEARCHES
def test_a_query_with_too_few_other_rows_gets_infinite_distances(search):
    bank, bank_sources = torch.randn(3, 4), torch.tensor([0, 0, 1])
    distances, _ = search(torch.randn(1, 4), bank, 2, (torch.tensor([0]), bank_sources))
    assert torch.isfinite(distances[0, 0]) and torch.isinf(distances[0, 1])


def test_out_of_fold_score_of_a_training_image_is_its_score_without_its_patches():
    torch.manual_seed(0)
    extractor = FeatureExtractor("tf_efficientnet_lite0", [2, 3], weights="random")
    model = PatchcoreModel(extractor, coreset_sampling_ratio=1.0, num_neighbors=1).eval()
    images = torch.rand(3, 3, 64, 64)
    with torch.no_grad():
        model.fit([model.embed(image[None]) for image in images])
        in_fold, _ = model(images[:1])
        out_of_fold, oof_map = model(images[:1], torch.tensor([0]))
        unrelated, _ = model(images[:1], torch.tensor([-1]))
        reference = PatchcoreModel(extractor, coreset_sampling_ratio=1.0, num_neighbors=1)
        reference.fit([reference.embed(image[None]) for image in images[1:]])
        without, without_map = reference.eval()(images[:1])
    assert in_fold.item() < 0.2 * out_of_fold.item()  # its own patches are in the bank
    assert torch.equal(unrelated, in_fold)
    assert torch.allclose(out_of_fold, without, atol=1e-4)  # full bank = every patch here
    assert torch.allclose(oof_map, without_map, atol=1e-4)
    assert model.bank_sources.tolist() == sorted(model.bank_sources.tolist())


@pytest.mark.parametrize("scaling", ["channel", "level"])
def test_scaled_scores_ignore_the_scale_of_a_feature_level(scaling):
    """`feature_scaling`: a level whose activations are 1000 times larger must not decide the
    distances alone; without scaling, it does."""
    torch.manual_seed(0)
    extractor = FeatureExtractor("tf_efficientnet_lite0", [2, 3], weights="random")
    train, test = torch.rand(4, 3, 64, 64), torch.rand(2, 3, 64, 64)
    scale = torch.ones(sum(extractor.channels), 1, 1)
    scale[: extractor.channels[0]] = 1000.0  # the first level

    def scores(feature_scaling: str, scaled: bool) -> torch.Tensor:
        model = PatchcoreModel(extractor, coreset_sampling_ratio=1.0, feature_scaling=scaling)
        model.feature_scaling = feature_scaling
        embed = model.embed
        if scaled:
            model.embed = lambda images: embed(images) * scale
        with torch.no_grad():
            model.fit([model.embed(train)])
            return model(test)[0]

    assert torch.allclose(scores(scaling, False), scores(scaling, True), rtol=1e-3)
    assert not torch.allclose(scores("none", False) * 1000, scores("none", True), rtol=0.1)


def test_level_scaling_gives_every_level_the_same_spread():
    """ "level": centred patches of each level have a mean squared norm of 1, and the channels of
    a level keep their relative scale (unlike "channel")."""
    torch.manual_seed(0)
    extractor = FeatureExtractor("tf_efficientnet_lite0", [2, 3], weights="random")
    model = PatchcoreModel(extractor, coreset_sampling_ratio=1.0, feature_scaling="level")
    with torch.no_grad():
        model.fit([model.embed(torch.rand(3, 3, 64, 64))])
    first = extractor.channels[0]
    mean, std = model.feature_mean, model.feature_std
    assert torch.all(std[:first] == std[0]) and torch.all(std[first:] == std[first])
    vectors = model.memory_bank  # ratio 1: every scaled training patch
    for level in vectors.split(extractor.channels, dim=1):
        assert torch.isclose(level.pow(2).sum(dim=1).mean(), torch.tensor(1.0), rtol=1e-3)
    assert mean.shape == std.shape == (sum(extractor.channels),)


def test_checkpoint_from_before_feature_scaling_loads_as_identity():
    model = fitted_model()
    state = {k: v for k, v in model.state_dict().items() if not k.startswith("feature_")}
    fresh = PatchcoreModel(FeatureExtractor("tf_efficientnet_lite0", [2, 3], weights="random"))
    fresh.load_state_dict(state)
    assert torch.equal(fresh.feature_std, torch.ones_like(fresh.feature_std))
    assert torch.equal(fresh.memory_bank, model.memory_bank)
