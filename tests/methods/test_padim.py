"""PaDiM: incremental statistics equal a direct computation; scores are per image; save/load."""

from __future__ import annotations

import pytest
import torch

from adbench.backbones import FeatureExtractor
from adbench.errors import AdbenchError
from adbench.methods.padim import PadimModel
from adbench.methods.padim.gaussian import (
    PositionGaussianAccumulator,
    mahalanobis,
    whitening_from_cholesky,
)
from adbench.methods.padim.leave_one_out import LeaveOneOutGaussians


def test_incremental_covariance_equals_direct_computation():
    torch.manual_seed(0)
    features = torch.randn(30, 5, 7) * 3 + 1  # (images, dims, positions)
    accumulator = PositionGaussianAccumulator()
    for chunk in features.split(7):  # uneven batches
        accumulator.add(chunk)
    mean, whitening = accumulator.solve(eps=0.01)
    for position in range(7):
        samples = features[:, :, position].double()
        expected = torch.cov(samples.T) + 0.01 * torch.eye(5, dtype=torch.float64)
        w = whitening[position].double()
        covariance = torch.linalg.inv(w @ w.T)  # W W^T is the inverse covariance
        assert torch.allclose(covariance, expected, atol=1e-3)
        assert torch.allclose(mean[position].double(), samples.mean(0), atol=1e-5)


def test_shrinkage_mixes_each_position_with_the_pooled_covariance():
    torch.manual_seed(0)
    features = torch.randn(8, 4, 5) * torch.arange(1, 6)  # positions differ in spread
    accumulator = PositionGaussianAccumulator()
    accumulator.add(features)
    _, whitening = accumulator.solve(eps=0.01, shrinkage=0.3)
    own = torch.stack([torch.cov(features[:, :, p].double().T) for p in range(5)])
    expected = 0.7 * own + 0.3 * own.mean(0) + 0.01 * torch.eye(4, dtype=torch.float64)
    w = whitening.double()
    assert torch.allclose(torch.linalg.inv(w @ w.transpose(1, 2)), expected, atol=1e-3)


def test_out_of_fold_with_shrinkage_refits_each_position_without_the_image():
    """Each position's own covariance and mean are refitted without image s; the pooled part
    stays as fitted on all images (what the docstring of leave_one_out.py states)."""
    torch.manual_seed(2)
    n, dims, positions, weight, eps = 7, 3, 4, 0.4, 0.01
    features = torch.randn(n, dims, positions).double()
    accumulator = PositionGaussianAccumulator()
    accumulator.add(features)
    mean, scatter = accumulator.moments()
    loo = LeaveOneOutGaussians.fit(features, mean, scatter, eps, weight)
    query = features[3:4] + 0.5
    measured = loo.distances(query.float(), torch.tensor([3]))[0]
    pooled = torch.stack([torch.cov(features[:, :, p].T) for p in range(positions)]).mean(0)
    others = torch.cat([features[:3], features[4:]])
    for p in range(positions):
        covariance = (1 - weight) * torch.cov(others[:, :, p].T) + weight * pooled
        covariance += eps * torch.eye(dims, dtype=torch.float64)
        delta = query[0, :, p] - others[:, :, p].mean(0)
        expected = (delta @ torch.linalg.inv(covariance) @ delta).sqrt()
        assert measured[p].item() == pytest.approx(expected.item(), rel=1e-4)


def test_mahalanobis_matches_explicit_inverse():
    torch.manual_seed(1)
    mean = torch.randn(4, 3)
    a = torch.randn(4, 3, 3)
    covariance = a @ a.transpose(1, 2) + torch.eye(3)
    features = torch.randn(2, 3, 4)
    distances = mahalanobis(
        features, mean, whitening_from_cholesky(torch.linalg.cholesky(covariance))
    )
    for b in range(2):
        for p in range(4):
            delta = features[b, :, p] - mean[p]
            expected = (delta @ torch.linalg.inv(covariance[p]) @ delta).sqrt()
            assert torch.allclose(distances[b, p], expected, atol=1e-4)


def fitted(seed: int = 0) -> PadimModel:
    torch.manual_seed(seed)
    model = PadimModel(FeatureExtractor("tf_efficientnet_lite0", [1, 2], weights="random"), 20)
    model.eval()
    model.accumulate(torch.rand(6, 3, 64, 64))
    model.fit()
    return model


def test_statistics_survive_a_state_dict_round_trip():
    model = fitted()
    fresh = PadimModel(FeatureExtractor("tf_efficientnet_lite0", [1, 2], weights="random"), 20)
    fresh.load_state_dict(model.state_dict())
    fresh.eval()
    images = torch.rand(2, 3, 64, 64)
    with torch.no_grad():
        assert torch.equal(model(images)[0], fresh(images)[0])


def test_embedding_picks_the_seeded_channels_of_the_upsampled_concatenation(one_thread):
    extractor = FeatureExtractor("tf_efficientnet_lite0", layers=[1, 2, 3], weights="random")
    model = PadimModel(extractor, n_features=20, seed=3).eval()
    images = torch.rand(2, 3, 64, 64)
    with torch.no_grad():
        levels = extractor(images)
        size = levels[0].shape[-2:]
        upsampled = [torch.nn.functional.interpolate(f, size=size) for f in levels]
        expected = torch.cat(upsampled, dim=1).index_select(1, model.feature_index)
        assert torch.equal(model.embed(images), expected)


def test_out_of_fold_distance_is_the_distance_to_a_fit_without_that_image(one_thread):
    """The rank-one downdate equals refitting on the other images, for the image itself and
    for an altered copy of it (its synthetic anomaly); other images keep the full fit."""
    torch.manual_seed(0)
    extractor = FeatureExtractor("tf_efficientnet_lite0", [1, 2], weights="random")
    images = torch.rand(6, 3, 64, 64)
    altered = images[2:3].clone()
    altered[..., 20:40, 20:40] = 1.0

    def fit(training: torch.Tensor, out_of_fold: bool) -> PadimModel:
        model = PadimModel(extractor, n_features=20, eps=0.01).eval()
        features = model.accumulate(training)
        model.fit(out_of_fold=features if out_of_fold else None)
        return model

    model, without = fit(images, True), fit(torch.cat([images[:2], images[3:]]), False)
    with torch.no_grad():
        queries = torch.cat([images[2:3], altered, images[4:5]])
        scores, maps = model(queries, torch.tensor([2, 2, -1]))
        refitted, refitted_maps = without(queries[:2])
        in_fold, in_fold_maps = model(queries)
    assert torch.allclose(maps[:2], refitted_maps, rtol=1e-3, atol=1e-3)
    assert torch.allclose(scores[:2], refitted, rtol=1e-3)
    assert torch.equal(maps[2], in_fold_maps[2])  # source -1: the full fit
    assert scores[0] > 1.5 * in_fold[0]  # in fold, its own features lower its distances


def test_out_of_fold_needs_three_training_images():
    model = PadimModel(FeatureExtractor("tf_efficientnet_lite0", [1], weights="random"), 8)
    features = model.accumulate(torch.rand(2, 3, 32, 32))
    with pytest.raises(AdbenchError, match=r"model\.out_of_fold=false"):
        model.fit(out_of_fold=features)
