"""LPIPS (Zhang et al. 2018) as a loss to minimise: the perceptual distance itself.

The `lpips` package ships only its linear heads; the trunk (AlexNet, VGG16 or SqueezeNet 1.1)
holds torchvision's ImageNet weights, read here from a configured file or the torch hub cache
(downloaded into it when online). Without them the run stops with a one-line AdbenchError.
"""

from __future__ import annotations

import warnings
from pathlib import Path

import lpips
import torch
import torchvision
from torch import nn

from adbench.errors import AdbenchError
from adbench.state_dicts import load_state_dict_file

TRUNK_WEIGHTS = {  # lpips net name -> torchvision weights whose `features` are its trunk
    "alex": torchvision.models.AlexNet_Weights.IMAGENET1K_V1,
    "vgg": torchvision.models.VGG16_Weights.IMAGENET1K_V1,
    "squeeze": torchvision.models.SqueezeNet1_1_Weights.IMAGENET1K_V1,
}
KEY = "loss.options.lpips_weights"


class LpipsLoss(nn.Module):
    """Mean LPIPS distance between images in [0, 1]: 0 for identical images, larger when apart.

    The metric is frozen and always in eval mode (its heads carry dropout layers).
    """

    def __init__(self, metric: lpips.LPIPS) -> None:
        super().__init__()
        self.metric = metric.eval().requires_grad_(False)

    def train(self, mode: bool = True) -> LpipsLoss:
        super().train(mode)
        self.metric.eval()
        return self

    def forward(self, prediction: torch.Tensor, target: torch.Tensor) -> torch.Tensor:
        return self.metric(prediction, target, normalize=True).mean()


def load_lpips(net: str = "alex", weights_path: str | None = None) -> LpipsLoss:
    """LPIPS with its calibrated heads and the trunk's ImageNet weights (file or hub cache)."""
    if net not in TRUNK_WEIGHTS:
        raise AdbenchError(
            f"loss.options.lpips_net={net!r} is unknown: use one of {', '.join(TRUNK_WEIGHTS)}"
        )
    with warnings.catch_warnings():  # lpips still passes torchvision's deprecated `pretrained`
        warnings.simplefilter("ignore", UserWarning)
        metric = lpips.LPIPS(net=net, pnet_rand=True, verbose=False)
    state = load_state_dict_file(weights_path, KEY) if weights_path else _hub_state(net)
    load_trunk(metric, state, source=weights_path or f"the torch hub {net} weights")
    return LpipsLoss(metric)


def load_trunk(metric: lpips.LPIPS, state: dict[str, torch.Tensor], source: str) -> None:
    """Copy torchvision `features.N.*` tensors into lpips' `sliceK.N.*` trunk layers."""
    wanted = metric.net.state_dict()
    mapped = {}
    for key, value in wanted.items():
        source_key = "features." + key.split(".", 1)[1]
        if source_key not in state or state[source_key].shape != value.shape:
            raise AdbenchError(
                f"{source} does not fit the LPIPS {metric.pnet_type} trunk (no {source_key} of "
                f"shape {tuple(value.shape)}): check loss.options.lpips_net"
            )
        mapped[key] = state[source_key]
    metric.net.load_state_dict(mapped)


def _hub_state(net: str) -> dict[str, torch.Tensor]:
    url = TRUNK_WEIGHTS[net].url
    cache = Path(torch.hub.get_dir()) / "checkpoints"
    try:
        return torch.hub.load_state_dict_from_url(
            url, model_dir=str(cache), map_location="cpu", progress=False, weights_only=True
        )
    except Exception as error:  # network errors come in many types (URLError, HTTP, OSError)
        raise AdbenchError(
            f"LPIPS needs the {net} trunk's ImageNet weights: {url.rsplit('/', 1)[-1]} is not in "
            f"the torch hub cache {cache} and cannot be downloaded ({type(error).__name__}; "
            f"offline?): copy it there, or set {KEY}=FILE"
        ) from error
