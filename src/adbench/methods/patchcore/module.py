"""PatchCore's thin Lightning wrapper: one epoch collects embeddings, then the bank is built."""

from __future__ import annotations

from typing import Any

import torch

from adbench.errors import AdbenchError
from adbench.methods.distributed import broadcast_tensor, rank
from adbench.methods.feature_method import FeatureMethodModule
from adbench.methods.one_pass import OnePassModule
from adbench.methods.patchcore.model import FEATURE_SCALINGS, SEARCHES, PatchcoreModel
from adbench.methods.registry import register_method


@register_method("patchcore", trains=False)
class PatchcoreModule(OnePassModule, FeatureMethodModule):
    """`model=patchcore`: no gradient steps; the memory bank is the whole of training.

    With `out_of_fold` (default), every training normal goes into the bank and validation
    scores each training normal (and its synthetic-anomaly copies) against the bank rows of
    the other images only, so calibration loses no normal to a hold-out split.
    """

    def __init__(
        self,
        backbone: dict,
        layers: list[int | str],
        coreset_sampling_ratio: float = 0.1,
        max_bank_size: int | None = None,
        coreset_exact_limit: int | None = None,
        num_neighbors: int = 9,
        projection_dim: int = 128,
        smoothing_sigma: float = 4.0,
        chunk_size: int = 4096,
        out_of_fold: bool = True,
        feature_scaling: str = "none",
        search: str = "exact",
        search_lists: int | None = None,
        search_probes: int = 8,
        **wiring: Any,
    ) -> None:
        super().__init__(backbone=backbone, layers=layers, **wiring)
        for key, value, choices in (
            ("feature_scaling", feature_scaling, FEATURE_SCALINGS),
            ("search", search, SEARCHES),
        ):
            if value not in choices:
                raise AdbenchError(f"model.{key}={value}: choose one of {', '.join(choices)}")
        self.save_hyperparameters()
        self.requests_out_of_fold = out_of_fold
        self.model = PatchcoreModel(
            self.feature_extractor(),
            coreset_sampling_ratio=coreset_sampling_ratio,
            max_bank_size=max_bank_size,
            coreset_exact_limit=coreset_exact_limit,
            num_neighbors=num_neighbors,
            projection_dim=projection_dim,
            smoothing_sigma=smoothing_sigma,
            chunk_size=chunk_size,
            feature_scaling=feature_scaling,
            search=search,
            search_lists=search_lists,
            search_probes=search_probes,
            seed=self.seed,
        )
        self._embeddings: list[torch.Tensor] = []

    def collect(self, images: torch.Tensor) -> None:
        self._embeddings.append(self.model.embed(images).cpu())

    def finish_fit(self) -> None:
        # all ranks' embeddings in path order: the same bank on one device or many (DDP)
        embeddings = self.training_items(self._embeddings)
        self._embeddings = []
        if rank() == 0:
            self.model.fit(embeddings)
        for name in ("memory_bank", "bank_sources", "feature_mean", "feature_std"):
            setattr(self.model, name, broadcast_tensor(getattr(self.model, name)))
