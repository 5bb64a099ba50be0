"""A configurable U-Net autoencoder: one competitive unit of CRN."""

from __future__ import annotations

import torch
import torch.nn.functional as F
from torch import nn

NORMS = ("batch", "instance", "group", "none")
UPSAMPLINGS = ("transpose", "bilinear", "nearest")


def make_norm(kind: str, channels: int) -> nn.Module:
    """A normalisation layer by name (group norm uses up to 8 groups that divide channels)."""
    if kind == "batch":
        return nn.BatchNorm2d(channels)
    if kind == "instance":
        return nn.InstanceNorm2d(channels, affine=True)
    if kind == "group":
        groups = next(g for g in (8, 4, 2, 1) if channels % g == 0)
        return nn.GroupNorm(groups, channels)
    if kind == "none":
        return nn.Identity()
    raise ValueError(f"unknown norm {kind!r}: use one of {', '.join(NORMS)}")


class ConvBlock(nn.Sequential):
    """Two 3x3 convolutions, each followed by the norm and a ReLU, then channel dropout."""

    def __init__(self, in_channels: int, out_channels: int, norm: str, dropout: float) -> None:
        layers: list[nn.Module] = []
        for channels in (in_channels, out_channels):
            layers += [
                nn.Conv2d(channels, out_channels, 3, padding=1, bias=norm == "none"),
                make_norm(norm, out_channels),
                nn.ReLU(inplace=True),
            ]
        if dropout > 0:
            layers.append(nn.Dropout2d(dropout))
        super().__init__(*layers)


class UpBlock(nn.Module):
    """Upsample by 2 (to the skip's exact size), concatenate the skip, convolve."""

    def __init__(
        self, in_channels: int, out_channels: int, norm: str, dropout: float, mode: str
    ) -> None:
        super().__init__()
        if mode not in UPSAMPLINGS:
            raise ValueError(f"unknown upsampling {mode!r}: use one of {', '.join(UPSAMPLINGS)}")
        self.mode = mode
        if mode == "transpose":
            self.up = nn.ConvTranspose2d(in_channels, out_channels, 2, stride=2)
        else:
            self.up = nn.Conv2d(in_channels, out_channels, 1)
        self.block = ConvBlock(2 * out_channels, out_channels, norm, dropout)

    def forward(self, x: torch.Tensor, skip: torch.Tensor) -> torch.Tensor:
        size = skip.shape[-2:]
        if self.mode == "transpose":
            x = self.up(x)
            if x.shape[-2:] != size:  # odd sizes: the transpose gives one pixel less
                x = F.interpolate(x, size=size, mode="nearest")
        else:
            align = False if self.mode == "bilinear" else None
            x = self.up(F.interpolate(x, size=size, mode=self.mode, align_corners=align))
        return self.block(torch.cat([x, skip], dim=1))


class UNet(nn.Module):
    """Images (B,C,H,W) in [0, 1] -> reconstructions (B,C,H,W) in [0, 1] (sigmoid output).

    `depth` resolution levels (depth - 1 poolings by 2), `base_width` channels at the first
    level, doubled at each level. Any input size works: upsampling matches the skip's size.
    """

    def __init__(
        self,
        channels: int = 3,
        depth: int = 5,
        base_width: int = 32,
        norm: str = "batch",
        dropout: float = 0.0,
        upsampling: str = "transpose",
    ) -> None:
        super().__init__()
        if depth < 1:
            raise ValueError(f"U-Net depth must be at least 1, got {depth}")
        widths = [base_width * 2**level for level in range(depth)]
        self.down = nn.ModuleList(
            ConvBlock(c_in, c_out, norm, dropout)
            for c_in, c_out in zip([channels, *widths[:-1]], widths, strict=True)
        )
        self.pool = nn.MaxPool2d(2, ceil_mode=True)
        self.up = nn.ModuleList(
            UpBlock(widths[level + 1], widths[level], norm, dropout, upsampling)
            for level in reversed(range(depth - 1))
        )
        self.head = nn.Conv2d(widths[0], channels, 1)

    def forward(self, images: torch.Tensor) -> torch.Tensor:
        skips = []
        x = images
        for level, block in enumerate(self.down):
            if level:
                x = self.pool(x)
            x = block(x)
            skips.append(x)
        for block, skip in zip(self.up, reversed(skips[:-1]), strict=True):
            x = block(x, skip)
        return torch.sigmoid(self.head(x))
