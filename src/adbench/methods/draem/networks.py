"""DRAEM's two networks (Zavrtanik et al., ICCV 2021): a reconstructive encoder-decoder without
skip connections, and a discriminative U-Net on [image, reconstruction] with 2-class output.

Layer for layer as the reference implementation; widths scale with `base_width` (paper: 128 for
the reconstructive, 64 for the discriminative network). Inputs must be multiples of 32 px.
"""

from __future__ import annotations

import torch
from torch import nn

from adbench.methods.draem.bottlenecks import PlainBottleneck


def conv_bn_relu(in_channels: int, out_channels: int) -> list[nn.Module]:
    return [
        nn.Conv2d(in_channels, out_channels, kernel_size=3, padding=1),
        nn.BatchNorm2d(out_channels),
        nn.ReLU(inplace=True),
    ]


def double_conv(in_channels: int, out_channels: int, middle: int | None = None) -> nn.Sequential:
    """conv-BN-ReLU twice: in -> middle (default out) -> out."""
    middle = out_channels if middle is None else middle
    return nn.Sequential(*conv_bn_relu(in_channels, middle), *conv_bn_relu(middle, out_channels))


def up(in_channels: int, out_channels: int) -> nn.Sequential:
    """x2 bilinear upsampling, then conv-BN-ReLU."""
    return nn.Sequential(
        nn.Upsample(scale_factor=2, mode="bilinear", align_corners=True),
        *conv_bn_relu(in_channels, out_channels),
    )


class ReconstructiveNetwork(nn.Module):
    """Encoder (4 poolings, widths w, 2w, 4w, 8w, 8w) -> bottleneck -> decoder, no skips.

    forward(images) -> (reconstruction (B,3,H,W), KL term of the bottleneck (scalar)).
    """

    def __init__(
        self, base_width: int = 128, bottleneck: nn.Module | None = None, channels: int = 3
    ) -> None:
        super().__init__()
        w = base_width
        self.encoder = nn.Sequential(
            double_conv(channels, w),
            nn.MaxPool2d(2),
            double_conv(w, 2 * w),
            nn.MaxPool2d(2),
            double_conv(2 * w, 4 * w),
            nn.MaxPool2d(2),
            double_conv(4 * w, 8 * w),
            nn.MaxPool2d(2),
            double_conv(8 * w, 8 * w),
        )
        self.bottleneck = bottleneck if bottleneck is not None else PlainBottleneck()
        self.decoder = nn.Sequential(
            up(8 * w, 8 * w),
            double_conv(8 * w, 4 * w, middle=8 * w),
            up(4 * w, 4 * w),
            double_conv(4 * w, 2 * w, middle=4 * w),
            up(2 * w, 2 * w),
            double_conv(2 * w, w, middle=2 * w),
            up(w, w),
            double_conv(w, w),
            nn.Conv2d(w, channels, kernel_size=3, padding=1),
        )

    def forward(self, images: torch.Tensor) -> tuple[torch.Tensor, torch.Tensor]:
        latent, kl = self.bottleneck(self.encoder(images))
        return self.decoder(latent), kl


class DiscriminativeNetwork(nn.Module):
    """U-Net with 5 poolings (widths w, 2w, 4w, 8w, 8w, 8w) and skip connections.

    forward(images (B,6,H,W) = [image, reconstruction]) -> logits (B,2,H,W); channel 1 = anomaly.
    """

    def __init__(self, base_width: int = 64, in_channels: int = 6, out_channels: int = 2) -> None:
        super().__init__()
        w = base_width
        widths = [w, 2 * w, 4 * w, 8 * w, 8 * w, 8 * w]
        self.blocks = nn.ModuleList(
            double_conv(a, b) for a, b in zip([in_channels, *widths[:-1]], widths, strict=True)
        )
        self.pool = nn.MaxPool2d(2)
        # decoder stage k: upsample from widths[-k] to an output width, concatenate the skip
        out_widths = [8 * w, 4 * w, 2 * w, w, w]
        skips = widths[-2::-1]  # 8w, 8w, 4w, 2w, w
        ins = [widths[-1], *out_widths[:-1]]
        self.ups = nn.ModuleList(up(a, b) for a, b in zip(ins, out_widths, strict=True))
        self.merges = nn.ModuleList(
            double_conv(b + s, b) for b, s in zip(out_widths, skips, strict=True)
        )
        self.head = nn.Conv2d(w, out_channels, kernel_size=3, padding=1)

    def forward(self, images: torch.Tensor) -> torch.Tensor:
        skips = []
        x = images
        for index, block in enumerate(self.blocks):
            x = block(x if index == 0 else self.pool(x))
            skips.append(x)
        x = skips.pop()
        for upsample, merge in zip(self.ups, self.merges, strict=True):
            x = merge(torch.cat([upsample(x), skips.pop()], dim=1))
        return self.head(x)
