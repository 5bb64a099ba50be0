"""RD4AD as a pure torch module: a frozen teacher encoder, a one-class bottleneck and a student
decoder trained to reproduce the teacher's levels (Deng & Li, CVPR 2022)."""

from __future__ import annotations

from collections.abc import Sequence
from itertools import pairwise

import torch
import torch.nn.functional as F
from torch import nn

from adbench.backbones import FeatureExtractor
from adbench.errors import AdbenchError
from adbench.methods.rd4ad.bottleneck import OneClassBottleneck
from adbench.methods.rd4ad.decoder import ReverseDecoder
from adbench.postprocess import GaussianSmoothing


class Rd4adModel(nn.Module):
    """Eval forward: images in [0, 1] (B,3,H,W) -> (image scores (B,), anomaly maps (B,1,H,W)).

    Map = sum over levels of 1 - cosine(teacher, student) per position, upsampled to the image
    and smoothed; image score = the map's maximum. The bottleneck and decoder are built from the
    extractor's channels and strides, so any backbone with power-of-two strides fits.
    """

    def __init__(
        self,
        extractor: FeatureExtractor,
        bottleneck_blocks: int = 3,
        decoder_blocks: int = 2,
        smoothing_sigma: float = 4.0,
    ) -> None:
        super().__init__()
        channels, strides = extractor.channels, extractor.strides
        check_strides(strides)
        self.encoder = extractor
        self.bottleneck = OneClassBottleneck(channels, strides, bottleneck_blocks)
        self.decoder = ReverseDecoder(
            channels, strides, self.bottleneck.out_channels, decoder_blocks
        )
        self.smoothing = GaussianSmoothing(smoothing_sigma)

    def features(self, images: torch.Tensor) -> tuple[list[torch.Tensor], list[torch.Tensor]]:
        """Teacher levels (no gradient) and the student's reconstruction of them."""
        with torch.no_grad():
            teacher = self.encoder(images)
        student = self.decoder(self.bottleneck(teacher), [level.shape[-2:] for level in teacher])
        return teacher, student

    def loss(self, images: torch.Tensor) -> torch.Tensor:
        """Sum over levels of the batch mean of 1 - cosine of each sample's flattened maps."""
        teacher, student = self.features(images)
        return sum(
            (1 - F.cosine_similarity(t.flatten(1), s.flatten(1), dim=1)).mean()
            for t, s in zip(teacher, student, strict=True)
        )

    def forward(self, images: torch.Tensor) -> tuple[torch.Tensor, torch.Tensor]:
        teacher, student = self.features(images)
        maps = torch.zeros_like(images[:, :1])
        for t, s in zip(teacher, student, strict=True):
            distance = 1 - F.cosine_similarity(t, s, dim=1).unsqueeze(1)
            maps = maps + F.interpolate(
                distance, size=images.shape[-2:], mode="bilinear", align_corners=False
            )
        maps = self.smoothing(maps)
        return maps.amax(dim=(1, 2, 3)), maps


def check_strides(strides: Sequence[int]) -> None:
    """Levels must deepen by powers of two (the decoder upsamples by whole factors)."""
    steps = [(deeper // shallower, deeper % shallower) for shallower, deeper in pairwise(strides)]
    if not strides or any(ratio < 2 or rest or not is_power_of_two(ratio) for ratio, rest in steps):
        raise AdbenchError(
            f"model=rd4ad needs backbone levels with strides rising by powers of two, got "
            f"{list(strides)}: pick distinct levels in model.layers, e.g. [1, 2, 3]"
        )


def is_power_of_two(n: int) -> bool:
    return n > 0 and n & (n - 1) == 0
