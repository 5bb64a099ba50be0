"""RD4AD's one-class bottleneck embedding (OCBE): fuse the encoder levels, then compress."""

from __future__ import annotations

from collections.abc import Sequence

import torch
import torch.nn.functional as F
from torch import nn

from adbench.methods.rd4ad.blocks import conv_bn_relu, residual_block


class OneClassBottleneck(nn.Module):
    """Levels (B, c_i, H/s_i, W/s_i) -> one embedding (B, 2*c_last, H/(2*s_last), ...).

    Each shallower level is brought to the deepest level's resolution and channels by stride-2
    3x3 convolutions (channels growing geometrically), the levels are concatenated, and
    `blocks` residual blocks (the first with stride 2) compress them into the embedding.
    """

    def __init__(self, channels: Sequence[int], strides: Sequence[int], blocks: int = 3) -> None:
        super().__init__()
        deepest_channels, deepest_stride = channels[-1], strides[-1]
        self.aligners = nn.ModuleList(
            _aligner(c, deepest_channels, (deepest_stride // s).bit_length() - 1)
            for c, s in zip(channels, strides, strict=True)
        )
        self.out_channels = 2 * deepest_channels
        fused = deepest_channels * len(channels)
        self.compress = nn.Sequential(
            residual_block(fused, self.out_channels, stride=2),
            *(residual_block(self.out_channels, self.out_channels) for _ in range(blocks - 1)),
        )

    def forward(self, levels: Sequence[torch.Tensor]) -> torch.Tensor:
        size = levels[-1].shape[-2:]
        aligned = []
        for aligner, level in zip(self.aligners, levels, strict=True):
            level = aligner(level)
            if level.shape[-2:] != size:  # odd sizes: stride-2 rounding differs by a pixel
                level = F.interpolate(level, size=size, mode="bilinear", align_corners=False)
            aligned.append(level)
        return self.compress(torch.cat(aligned, dim=1))


def _aligner(in_channels: int, out_channels: int, steps: int) -> nn.Module:
    """`steps` stride-2 convolutions from in to out channels (identity when steps is 0)."""
    if steps == 0:
        return nn.Identity()
    widths = [
        round(in_channels * (out_channels / in_channels) ** ((i + 1) / steps)) for i in range(steps)
    ]
    layers, previous = [], in_channels
    for width in widths:
        layers.append(conv_bn_relu(previous, width, stride=2))
        previous = width
    return nn.Sequential(*layers)
