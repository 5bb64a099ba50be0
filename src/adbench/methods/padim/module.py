"""PaDiM's thin Lightning wrapper: one pass accumulates statistics, then they are solved."""

from __future__ import annotations

from typing import Any

import torch

from adbench.backbones import FeatureExtractor
from adbench.methods.one_pass import OnePassModule
from adbench.methods.padim.model import PadimModel


class PadimModule(OnePassModule):
    """`model=padim`: no gradient steps; the Gaussians are the whole of training."""

    name = "padim"

    def __init__(
        self,
        backbone: dict,
        layers: list[int | str],
        n_features: int = 100,
        eps: float = 0.01,
        smoothing_sigma: float = 4.0,
        seed: int = 0,
        image_size: Any = 224,
        normal_quantile: float = 0.99,
    ) -> None:
        super().__init__(image_size=image_size, normal_quantile=normal_quantile)
        self.save_hyperparameters()
        self.model = PadimModel(
            FeatureExtractor(layers=layers, **backbone),
            n_features=n_features,
            eps=eps,
            smoothing_sigma=smoothing_sigma,
            seed=seed,
        )

    def collect(self, images: torch.Tensor) -> None:
        self.model.accumulate(images)

    def finish_fit(self) -> None:
        self.model.fit()
