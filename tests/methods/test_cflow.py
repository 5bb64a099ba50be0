"""CFlow: positional encoding, fiber batches, batch independence, training, save/load."""

from __future__ import annotations

import pytest
import torch
from run_checks import fit_on_images

from adbench.backbones import FeatureExtractor
from adbench.errors import AdbenchError
from adbench.methods.cflow import CflowModel, CflowModule
from adbench.methods.cflow.model import (
    conditions_per_position,
    fiber_batches,
    positional_encoding_2d,
)
from adbench.methods.patch_features import patch_features

BACKBONE = {"name": "tf_efficientnet_lite0", "weights": "random"}


@pytest.fixture(scope="module")
def extractor() -> FeatureExtractor:
    return FeatureExtractor("tf_efficientnet_lite0", [2, 3], weights="random")


def small_model(extractor: FeatureExtractor, seed: int = 0) -> CflowModel:
    torch.manual_seed(seed)
    return CflowModel(extractor, coupling_blocks=2, condition_vector=16).eval()


def test_positional_encoding_separates_every_position():
    encoding = positional_encoding_2d(16, 5, 7)
    assert encoding.shape == (16, 5, 7)
    vectors = encoding.flatten(1).T  # (35, 16)
    assert torch.cdist(vectors, vectors).add(torch.eye(35)).min() > 1e-3
    assert torch.equal(encoding[:8, 0], encoding[:8, 4])  # first half depends on x only


def test_fiber_batches_cover_each_level_once_in_big_enough_batches():
    levels = [
        (torch.arange(10.0).view(10, 1), torch.zeros(10, 4)),
        (torch.ones(3, 2), torch.ones(3, 4)),
    ]
    batches = list(fiber_batches(levels, fiber_batch_size=4))
    assert [(level, len(features)) for level, features, _ in batches] == [(0, 5), (0, 5), (1, 3)]
    seen = torch.cat([features[:, 0] for level, features, _ in batches if level == 0])
    assert sorted(seen.tolist()) == list(range(10))


def test_the_image_score_is_the_maps_maximum(extractor):
    model = small_model(extractor)
    with torch.no_grad():
        scores, maps = model(torch.rand(3, 3, 64, 64))
    assert torch.equal(scores, maps.amax(dim=(1, 2, 3)))


def test_training_steps_lower_the_loss_and_leave_the_backbone_alone():
    torch.manual_seed(0)
    module = CflowModule(
        BACKBONE, [2, 3], lr=1e-3, coupling_blocks=2, condition_vector=16, fiber_batch_size=64,
        image_size=64,
    )  # fmt: skip
    images = torch.rand(2, 3, 64, 64)
    backbone_before = {k: v.clone() for k, v in module.model.extractor.state_dict().items()}

    def summed_loss() -> float:
        with torch.no_grad():
            fibers = module.model.level_fibers(images)
            return sum(module.model.loss(level, *f).item() for level, f in enumerate(fibers))

    before = summed_loss()
    trainer = fit_on_images(module, images, epochs=2, batch_size=2)
    assert trainer.global_step > 2  # several fiber batches per image batch
    assert summed_loss() < before
    assert not module.model.extractor.model.training
    for key, value in module.model.extractor.state_dict().items():
        assert torch.equal(value, backbone_before[key]), key


def test_flows_survive_a_state_dict_round_trip(extractor):
    model = small_model(extractor, seed=0)
    fresh = small_model(extractor, seed=1)
    fresh.load_state_dict(model.state_dict())
    fresh.eval()
    images = torch.rand(2, 3, 64, 64)
    with torch.no_grad():
        assert torch.equal(model(images)[0], fresh(images)[0])


def test_conditions_given_per_position_give_freias_own_log_likelihoods(extractor):
    """The eval forward's per-position coupling (conditions once per position) against FrEIA's
    block on every fiber with its own condition, as in training."""
    model = small_model(extractor)
    with torch.no_grad():
        for parameter in model.decoders.parameters():  # away from the near-identity start
            parameter.add_(0.1 * torch.randn_like(parameter))
        fibers, conditions = model.level_fibers(torch.rand(3, 3, 64, 64))[0]  # one per fiber
        positions = len(fibers) // 3
        with conditions_per_position(model.decoders[0]):
            fast = model.log_likelihood(0, fibers, conditions[:positions])
        plain = model.log_likelihood(0, fibers, conditions)
    assert torch.allclose(fast, plain, rtol=1e-4, atol=1e-5)
    assert not any(block.per_position for block in model.decoders[0].module_list)


def test_patch_fibers_are_patchcores_patch_features_under_one_flow(extractor):
    torch.manual_seed(0)
    model = CflowModel(extractor, coupling_blocks=2, condition_vector=16, fibers="patches").eval()
    images = torch.rand(3, 3, 64, 64)
    assert len(model.decoders) == 1
    ((fibers, conditions),) = model.level_fibers(images)
    features = patch_features(extractor(images))  # (3, C2 + C3, 8, 8) at stride 8
    assert features.shape[1] == sum(extractor.channels)
    assert torch.equal(fibers, features.permute(0, 2, 3, 1).reshape(-1, features.shape[1]))
    assert conditions.shape == (len(fibers), 16)
    with torch.no_grad():
        scores, maps = model(images)
        alone, _ = model(images[1:2])
    assert maps.shape == (3, 1, 64, 64)
    assert torch.allclose(scores[1], alone[0], rtol=1e-4, atol=1e-5)


def test_an_unknown_fiber_kind_is_one_line(extractor):
    with pytest.raises(AdbenchError, match=r"^model.fibers=pixels: choose one of levels, patches$"):
        CflowModel(extractor, fibers="pixels")


def test_patch_features_average_3x3_and_bring_coarser_levels_to_the_finest():
    fine = torch.zeros(1, 1, 4, 4)
    fine[0, 0, 1, 1] = 9.0
    coarse = torch.full((1, 2, 2, 2), 5.0)
    features = patch_features([fine, coarse])
    assert features.shape == (1, 3, 4, 4)
    assert torch.equal(features[0, 0, :3, :3], torch.ones(3, 3))  # the 9 spread over its 3x3
    assert features[0, 0, 3].abs().sum() == 0 and features[0, 0, :, 3].abs().sum() == 0
    # each 2x2 cell's 3x3 window holds the 4 cells and 5 zeros of padding (as PatchCore's)
    assert torch.allclose(features[0, 1:], torch.full((2, 4, 4), 4 * 5.0 / 9))
