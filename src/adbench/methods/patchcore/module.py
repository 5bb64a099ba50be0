"""PatchCore's thin Lightning wrapper: one epoch collects embeddings, then the bank is built."""

from __future__ import annotations

from typing import Any

import torch

from adbench.errors import AdbenchError
from adbench.methods.base import split_wiring
from adbench.methods.distributed import broadcast_tensor, rank
from adbench.methods.feature_method import FeatureMethodModule
from adbench.methods.one_pass import OnePassModule
from adbench.methods.patchcore.model import PatchcoreModel
from adbench.methods.registry import register_method


@register_method("patchcore", trains=False)
class PatchcoreModule(OnePassModule, FeatureMethodModule):
    """`model=patchcore`: no gradient steps; the memory bank is the whole of training.

    With `out_of_fold` (default), every training normal goes into the bank and validation
    scores each training normal (and its synthetic-anomaly copies) against the bank rows of
    the other images only, so calibration loses no normal to a hold-out split.
    """

    def __init__(
        self, backbone: dict, layers: list[int | str], out_of_fold: bool = True, **settings: Any
    ) -> None:
        """`settings`: PatchcoreModel's knobs (conf/model/patchcore.yaml) and the wiring."""
        knobs, wiring = split_wiring(settings)
        super().__init__(backbone=backbone, layers=layers, **wiring)
        self.save_hyperparameters()
        self.requests_out_of_fold = out_of_fold
        extractor = self.feature_extractor()
        try:
            self.model = PatchcoreModel(extractor, seed=self.seed, **knobs)
        except ValueError as error:  # a choice out of the model's list
            raise AdbenchError(f"model.{error}") from error
        self._embeddings: list[torch.Tensor] = []

    def collect(self, images: torch.Tensor, paths: list[str]) -> None:
        self._embeddings.append(self.model.embed(images).cpu())

    def finish_fit(self) -> None:
        # all ranks' embeddings in path order: the same bank on one device or many (DDP)
        embeddings = self.training_items(self._embeddings)
        self._embeddings = []
        if rank() == 0:
            self.model.fit(embeddings)
        for name in ("memory_bank", "bank_sources", "feature_mean", "feature_std"):
            setattr(self.model, name, broadcast_tensor(getattr(self.model, name)))
