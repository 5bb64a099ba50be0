"""PatchCore's locally aware patch features, shared by the methods that model such patches."""

from __future__ import annotations

from collections.abc import Sequence

import torch
import torch.nn.functional as F


def patch_features(levels: Sequence[torch.Tensor]) -> torch.Tensor:
    """(B, sum of C, h, w) from backbone levels (B, C, h_i, w_i), finest first: each level
    averaged over 3x3 neighbourhoods, resized to the finest level, stacked along channels."""
    pooled = [F.avg_pool2d(level, kernel_size=3, stride=1, padding=1) for level in levels]
    size = pooled[0].shape[-2:]
    resized = [F.interpolate(level, size=size, mode="bilinear", align_corners=False)
               for level in pooled[1:]]  # fmt: skip
    return torch.cat([pooled[0], *resized], dim=1)
