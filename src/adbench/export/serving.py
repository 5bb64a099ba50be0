"""The exported module: images in, normalised image scores and anomaly maps out."""

from __future__ import annotations

from collections.abc import Sequence

import torch
from torch import nn

from adbench.errors import AdbenchError
from adbench.methods.base import AnomalyModule

INPUT_NAME = "images"
OUTPUT_NAMES = ("scores", "anomaly_maps")


class ServingModel(nn.Module):
    """A trained AnomalyModule's forward (model, maps, smoothing, tiling) plus its calibration.

    images (B,3,H,W) float RGB in [0, 1] -> scores (B,1) and anomaly_maps (B,1,H,W), both
    normalised to [0, 1]: 0 = normal, 0.5 = the fitted threshold, 1 = anomalous. Scores keep a
    trailing axis of 1 so every output has a batch axis plus at least one more (Triton needs it).
    """

    def __init__(self, module: AnomalyModule) -> None:
        super().__init__()
        if not module.calibration.fitted:
            raise AdbenchError(
                f"the {module.name} model has no fitted calibration: export a model.ckpt "
                "written by a train run (task=train fits it on the validation split)"
            )
        self.module = module
        self.eval()  # exporters restore the wrapper's own mode afterwards: it must be eval too

    def train(self, mode: bool = True) -> ServingModel:
        """A serving model stays in eval mode (batch-norm statistics, no dropout)."""
        return super().train(False)

    @property
    def image_size(self) -> tuple[int, int]:
        """(height, width) the model was trained at."""
        return height_width(self.module.image_size)

    def forward(self, images: torch.Tensor) -> tuple[torch.Tensor, torch.Tensor]:
        scores, maps = self.module(images)
        calibration = self.module.calibration
        return calibration.normalize_scores(scores).view(-1, 1), calibration.normalize_maps(maps)


def height_width(image_size: int | Sequence[int]) -> tuple[int, int]:
    """An image_size config value (int or [height, width]) as (height, width)."""
    if isinstance(image_size, int):
        return image_size, image_size
    height, width = image_size
    return int(height), int(width)
