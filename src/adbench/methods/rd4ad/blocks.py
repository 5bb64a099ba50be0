"""Building blocks shared by RD4AD's bottleneck and decoder (torchvision's ResNet blocks)."""

from __future__ import annotations

from torch import nn
from torchvision.models.resnet import BasicBlock, Bottleneck


def conv_bn_relu(in_channels: int, out_channels: int, stride: int = 1) -> nn.Sequential:
    """3x3 convolution (stride 1 or 2), batch norm, ReLU."""
    return nn.Sequential(
        nn.Conv2d(in_channels, out_channels, 3, stride=stride, padding=1, bias=False),
        nn.BatchNorm2d(out_channels),
        nn.ReLU(inplace=True),
    )


def residual_block(in_channels: int, out_channels: int, stride: int = 1) -> nn.Module:
    """A wide ResNet bottleneck block (as in WRN50-2) from in to out channels; a basic block
    when out_channels is not a multiple of 4. A 1x1 projection joins the skip when needed."""
    downsample = None
    if stride != 1 or in_channels != out_channels:
        downsample = nn.Sequential(
            nn.Conv2d(in_channels, out_channels, 1, stride=stride, bias=False),
            nn.BatchNorm2d(out_channels),
        )
    if out_channels % Bottleneck.expansion == 0:
        planes = out_channels // Bottleneck.expansion
        return Bottleneck(in_channels, planes, stride, downsample, base_width=128)
    return BasicBlock(in_channels, out_channels, stride, downsample)
