"""The wiring shared by the methods built on a frozen backbone (PatchCore, PaDiM, CFlow, RD4AD)."""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

from adbench.backbones import FeatureExtractor
from adbench.methods.base import AnomalyModule


class FeatureMethodModule(AnomalyModule):
    """Holds the backbone config and levels; `feature_extractor()` builds the frozen extractor.

    Subclasses name backbone and layers and their own knobs, and pass the shared wiring
    (see AnomalyModule.__init__) on as **wiring.
    """

    def __init__(self, backbone: dict, layers: Sequence[int | str], **wiring: Any) -> None:
        super().__init__(**wiring)
        self.backbone_config = dict(backbone)
        self.layers = list(layers)

    def feature_extractor(self) -> FeatureExtractor:
        """A frozen extractor of `layers` from the configured backbone and weight source."""
        return FeatureExtractor(layers=self.layers, **self.backbone_config)
