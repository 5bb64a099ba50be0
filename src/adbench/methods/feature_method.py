"""The wiring shared by the methods built on a frozen backbone (PatchCore, PaDiM, CFlow, RD4AD)."""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

from adbench.backbones import FeatureExtractor
from adbench.methods.base import AnomalyModule


class FeatureMethodModule(AnomalyModule):
    """Holds the backbone config and levels; `feature_extractor()` builds the frozen extractor.

    The wiring keys (backbone, layers, seed, image_size, normal_quantile, tiling) come from the
    model config; subclasses name backbone and layers and their own knobs, and pass the rest
    on as **wiring.
    """

    def __init__(
        self,
        backbone: dict,
        layers: Sequence[int | str],
        seed: int = 0,
        image_size: Any = 224,
        normal_quantile: float = 0.99,
        tiling: dict | None = None,
    ) -> None:
        super().__init__(image_size=image_size, normal_quantile=normal_quantile, tiling=tiling)
        self.backbone_config = dict(backbone)
        self.layers = list(layers)
        self.seed = seed

    def feature_extractor(self) -> FeatureExtractor:
        """A frozen extractor of `layers` from the configured backbone and weight source."""
        return FeatureExtractor(layers=self.layers, **self.backbone_config)
