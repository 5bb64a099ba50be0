"""`task=preview`: what a method trains on, as one image grid.

Each tile is a training image after the augmentation group's transforms; with training-time
anomaly synthesis (augmentation=draem) the synthetic anomaly follows it, its mask outlined in
the ground-truth colour (a clean sample shows no outline).
"""

from __future__ import annotations

from collections.abc import Iterable

import numpy as np
import torch
from torchvision.utils import make_grid

from adbench.visualize.heatmap import ground_truth_view

TILE_PADDING = 4  # pixels between tiles, white


def preview_tiles(batches: Iterable[dict], count: int) -> list[np.ndarray]:
    """Up to `count` HxWx3 uint8 tiles from training batches."""
    tiles: list[np.ndarray] = []
    for batch in batches:
        for index in range(len(batch["image"])):
            if len(tiles) == count:
                return tiles
            tiles.append(_tile(batch, index))
    return tiles


def preview_grid(tiles: list[np.ndarray], columns: int) -> np.ndarray:
    """The tiles in rows of `columns`, as one HxWx3 uint8 image."""
    stacked = torch.stack([torch.from_numpy(tile).permute(2, 0, 1) for tile in tiles])
    grid = make_grid(stacked, nrow=columns, padding=TILE_PADDING, pad_value=255)
    return grid.permute(1, 2, 0).numpy()


def _tile(batch: dict, index: int) -> np.ndarray:
    image = _to_uint8(batch["image"][index])
    if "augmented_image" not in batch:
        return image
    augmented = _to_uint8(batch["augmented_image"][index])
    mask = batch["anomaly_mask"][index, 0].numpy() > 0.5
    return np.concatenate([image, ground_truth_view(augmented, mask)], axis=1)


def _to_uint8(image: torch.Tensor) -> np.ndarray:
    """(3,H,W) float in [0, 1] -> HxWx3 uint8."""
    return (image.clamp(0, 1) * 255).round().byte().permute(1, 2, 0).numpy()
