"""PaDiM's thin Lightning wrapper: one pass accumulates statistics, then they are solved."""

from __future__ import annotations

from typing import Any

import torch

from adbench.methods.base import split_wiring
from adbench.methods.distributed import all_reduce_sum, gather_objects
from adbench.methods.feature_method import FeatureMethodModule
from adbench.methods.one_pass import OnePassModule
from adbench.methods.padim.model import PadimModel
from adbench.methods.registry import register_method


@register_method("padim", trains=False)
class PadimModule(OnePassModule, FeatureMethodModule):
    """`model=padim`: no gradient steps; the Gaussians are the whole of training.

    With `out_of_fold` (default), every training normal is fitted and validation measures
    each one (and its synthetic-anomaly copies) against the Gaussians refitted without it
    (exact, by a rank-one downdate: see leave_one_out.py), so calibration loses no normal to a
    hold-out split. The cost: the features (positions x n_features floats) of each training
    image that validation scores (at most dataset.val_max_normals) are kept from the training
    pass until the fit ends; the others' are not (2.4 MB each at 256 px with every channel).
    """

    def __init__(
        self, backbone: dict, layers: list[int | str], out_of_fold: bool = True, **settings: Any
    ) -> None:
        """`settings`: PadimModel's knobs (n_features, eps, covariance_shrinkage,
        smoothing_sigma) and the wiring."""
        knobs, wiring = split_wiring(settings)
        super().__init__(backbone=backbone, layers=layers, **wiring)
        self.save_hyperparameters()
        self.requests_out_of_fold = out_of_fold
        self.model = PadimModel(self.feature_extractor(), seed=self.seed, **knobs)
        self._features: list[torch.Tensor] = []  # out of fold: the scored images' features
        self._feature_paths: list[str] = []

    def collect(self, images: torch.Tensor, paths: list[str]) -> None:
        features = self.model.accumulate(images)
        keep = self.scored(paths) if self.out_of_fold else []
        if any(keep):
            self._features.append(features[torch.tensor(keep)])
            self._feature_paths += [path for path, kept in zip(paths, keep, strict=True) if kept]

    def finish_fit(self) -> None:
        sums = self.model.accumulator  # DDP: every rank solves the Gaussians of all ranks' sums
        sums.count = int(all_reduce_sum(torch.tensor(sums.count)))
        sums.sum, sums.outer = all_reduce_sum(sums.sum), all_reduce_sum(sums.outer)
        features = None
        batches, paths, self._features, self._feature_paths = (
            self._features, self._feature_paths, [], []
        )  # fmt: skip
        if self.out_of_fold and sum(gather_objects(len(paths))):
            features = torch.cat(self.training_items(batches, paths))
        del batches
        self.model.fit(out_of_fold=features)

    def on_fit_end(self) -> None:
        self.model.leave_one_out = None  # only validation scores out of fold
