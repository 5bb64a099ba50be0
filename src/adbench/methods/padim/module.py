"""PaDiM's thin Lightning wrapper: one pass accumulates statistics, then they are solved."""

from __future__ import annotations

from typing import Any

import torch

from adbench.methods.distributed import all_reduce_sum
from adbench.methods.feature_method import FeatureMethodModule
from adbench.methods.one_pass import OnePassModule
from adbench.methods.padim.model import PadimModel


class PadimModule(OnePassModule, FeatureMethodModule):
    """`model=padim`: no gradient steps; the Gaussians are the whole of training."""

    name = "padim"

    def __init__(
        self,
        backbone: dict,
        layers: list[int | str],
        n_features: int = 100,
        eps: float = 0.01,
        smoothing_sigma: float = 4.0,
        **wiring: Any,
    ) -> None:
        super().__init__(backbone=backbone, layers=layers, **wiring)
        self.save_hyperparameters()
        self.model = PadimModel(
            self.feature_extractor(),
            n_features=n_features,
            eps=eps,
            smoothing_sigma=smoothing_sigma,
            seed=self.seed,
        )

    def collect(self, images: torch.Tensor) -> None:
        self.model.accumulate(images)

    def finish_fit(self) -> None:
        sums = self.model.accumulator  # DDP: every rank solves the Gaussians of all ranks' sums
        sums.count = int(all_reduce_sum(torch.tensor(sums.count)))
        sums.sum, sums.outer = all_reduce_sum(sums.sum), all_reduce_sum(sums.outer)
        self.model.fit()
