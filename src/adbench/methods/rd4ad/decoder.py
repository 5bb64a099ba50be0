"""RD4AD's student decoder: the encoder's levels in reverse, rebuilt from the embedding."""

from __future__ import annotations

from collections.abc import Sequence

import torch
import torch.nn.functional as F
from torch import nn

from adbench.methods.rd4ad.blocks import residual_block


class DecoderStage(nn.Module):
    """Upsample by `scale` (transposed convolution), refine with residual blocks, and project
    linearly to the encoder level's channels (encoder features may be negative)."""

    def __init__(self, in_channels: int, out_channels: int, scale: int, blocks: int) -> None:
        super().__init__()
        self.upsample = nn.Sequential(
            nn.ConvTranspose2d(in_channels, out_channels, scale, stride=scale, bias=False),
            nn.BatchNorm2d(out_channels),
            nn.ReLU(inplace=True),
        )
        self.refine = nn.Sequential(
            *(residual_block(out_channels, out_channels) for _ in range(blocks))
        )
        self.project = nn.Conv2d(out_channels, out_channels, 1)

    def forward(self, x: torch.Tensor, size: Sequence[int]) -> torch.Tensor:
        x = self.upsample(x)
        if x.shape[-2:] != tuple(size):  # odd encoder sizes: match them exactly
            x = F.interpolate(x, size=tuple(size), mode="bilinear", align_corners=False)
        return self.project(self.refine(x))


class ReverseDecoder(nn.Module):
    """Embedding (stride 2*s_last) -> levels with the encoder's channels and strides.

    Stage k rebuilds encoder level L-1-k from the previous stage's output (the first stage from
    the embedding); outputs are returned shallow-first, like the encoder's.
    """

    def __init__(
        self, channels: Sequence[int], strides: Sequence[int], in_channels: int, blocks: int = 2
    ) -> None:
        super().__init__()
        stages, previous_channels, previous_stride = [], in_channels, 2 * strides[-1]
        for c, s in zip(reversed(channels), reversed(strides), strict=True):
            stages.append(DecoderStage(previous_channels, c, previous_stride // s, blocks))
            previous_channels, previous_stride = c, s
        self.stages = nn.ModuleList(stages)

    def forward(
        self, embedding: torch.Tensor, sizes: Sequence[Sequence[int]]
    ) -> list[torch.Tensor]:
        """`sizes`: the encoder levels' (h, w), shallow-first."""
        outputs, x = [], embedding
        for stage, size in zip(self.stages, reversed(sizes), strict=True):
            x = stage(x, size)
            outputs.append(x)
        return outputs[::-1]
