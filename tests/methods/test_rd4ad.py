"""RD4AD: the decoder mirrors the encoder, training lowers the loss, save/load keeps scores."""

from __future__ import annotations

import pytest
import torch
from run_checks import fit_on_images

from adbench.backbones import FeatureExtractor
from adbench.errors import AdbenchError
from adbench.methods.rd4ad import Rd4adModel, Rd4adModule
from adbench.methods.rd4ad.model import check_strides

BACKBONE = {"name": "tf_efficientnet_lite0", "weights": "random"}


@pytest.mark.parametrize(
    "name, layers",
    [("tf_efficientnet_lite0", [1, 2, 3]), ("resnet18", ["layer1", "layer2", "layer3"])],
)
@pytest.mark.parametrize("size", [64, 72])  # 72: odd sizes at strides 16 and 32
def test_decoder_levels_mirror_the_encoder(name, layers, size, one_thread):
    extractor = FeatureExtractor(name, layers, weights="random")
    model = Rd4adModel(extractor, bottleneck_blocks=1, decoder_blocks=1).eval()
    images = torch.rand(2, 3, size, size)
    with torch.no_grad():
        teacher, student = model.features(images)
        scores, maps = model(images)
    assert [t.shape for t in teacher] == [s.shape for s in student]
    assert [t.shape[1] for t in teacher] == extractor.channels
    if size == 64:
        assert [size // t.shape[-1] for t in teacher] == extractor.strides == [4, 8, 16]
    assert maps.shape == (2, 1, size, size) and scores.shape == (2,)
    assert torch.equal(scores, maps.amax(dim=(1, 2, 3)))


def test_strides_that_do_not_deepen_by_powers_of_two_are_refused():
    check_strides([4, 8, 16])
    for strides in ([8, 8], [4, 12], []):
        with pytest.raises(AdbenchError, match=r"model\.layers"):
            check_strides(strides)


def test_training_lowers_the_loss_and_leaves_the_teacher_alone(one_thread):
    torch.manual_seed(0)
    module = Rd4adModule(BACKBONE, [1, 2, 3], bottleneck_blocks=1, decoder_blocks=1, lr=0.005)
    images = torch.rand(4, 3, 64, 64)
    teacher_before = {k: v.clone() for k, v in module.model.encoder.state_dict().items()}

    def loss() -> float:
        module.model.eval()
        with torch.no_grad():
            return module.model.loss(images).item()

    before = loss()
    fit_on_images(module, images, epochs=8, batch_size=4)
    assert loss() < before
    assert not module.model.encoder.model.training
    for key, value in module.model.encoder.state_dict().items():
        assert torch.equal(value, teacher_before[key]), key
