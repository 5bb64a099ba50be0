"""The wiring shared by the methods built on a frozen backbone (PatchCore, PaDiM, CFlow, RD4AD)."""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

from adbench.backbones import FeatureExtractor
from adbench.methods.base import AnomalyModule


class FeatureMethodModule(AnomalyModule):
    """Holds the backbone config and levels; `feature_extractor()` builds the frozen extractor.

    Subclasses name backbone and layers and their own knobs, and pass the shared wiring
    (image_size, normal_quantile, tiling, seed: see AnomalyModule) on as **wiring.
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
        super().__init__(
            image_size=image_size, normal_quantile=normal_quantile, tiling=tiling, seed=seed
        )
        self.backbone_config = dict(backbone)
        self.layers = list(layers)

    def feature_extractor(self) -> FeatureExtractor:
        """A frozen extractor of `layers` from the configured backbone and weight source."""
        return FeatureExtractor(layers=self.layers, **self.backbone_config)
