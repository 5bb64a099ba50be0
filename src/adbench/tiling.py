"""Sliding-window tiles: cut images into overlapping tiles, stitch per-tile maps back.

Pure torch (slicing and padding only), so an exported model carries its tiling with it.
Tile positions come from each image's own size at call time; tiles may overlap, and where they
do the stitched map is the mean of the tiles that cover a pixel.
"""

from __future__ import annotations

import math
from collections.abc import Sequence

import torch
import torch.nn.functional as F

from adbench.errors import AdbenchError


class Tiler:
    """A grid of `patches_per_column` x `patches_per_row` tiles sharing `overlap` of a side,
    or tiles of `tile_size` pixels every `stride` pixels (the last one snapped to the border).

    tile(images (B,C,H,W)) -> (B*n, C, th, tw), image-major (the n tiles of image 0 first);
    stitch(tile maps (B*n, C, th, tw), (H, W)) -> (B, C, H, W), overlaps averaged;
    merge_scores(tile scores (B*n,)) -> (B,), the maximum over each image's tiles.
    """

    def __init__(
        self,
        patches_per_row: int | None = None,
        patches_per_column: int | None = None,
        overlap: float = 0.0,
        tile_size: int | Sequence[int] | None = None,
        stride: int | Sequence[int] | None = None,
    ) -> None:
        if tile_size is None and (patches_per_row is None or patches_per_column is None):
            raise AdbenchError(
                "tiling needs tiling.patches_per_row and tiling.patches_per_column "
                "(or tiling.tile_size): set them, or tiling=null for whole images"
            )
        if tile_size is None:
            counts = {"patches_per_row": patches_per_row, "patches_per_column": patches_per_column}
            for key, value in counts.items():
                if not isinstance(value, int) or value < 1:
                    raise AdbenchError(f"tiling.{key}={value} must be a whole number >= 1")
            if not 0.0 <= overlap < 1.0:
                raise AdbenchError(f"tiling.overlap={overlap} must be in [0, 1)")
        self.counts = (patches_per_column, patches_per_row)
        self.overlap = float(overlap)
        self.tile_size = _pair("tile_size", tile_size)
        self.stride = _pair("stride", stride) or self.tile_size
        if stride is not None and tile_size is None:
            raise AdbenchError("tiling.stride needs tiling.tile_size (or use the tile counts)")
        if self.stride and any(s > t for s, t in zip(self.stride, self.tile_size, strict=True)):
            raise AdbenchError(
                f"tiling.stride={stride} must not exceed tiling.tile_size={tile_size}: "
                "tiles would leave gaps"
            )

    @classmethod
    def from_config(cls, config: dict | None) -> Tiler | None:
        """The Tiler of a `tiling` config (None or empty: no tiling)."""
        return cls(**config) if config else None

    def tiles_per_image(self, height: int, width: int) -> int:
        ys, xs = self.offsets(height, width)
        return len(ys) * len(xs)

    def offsets(self, height: int, width: int) -> tuple[list[int], list[int]]:
        """Top offsets and left offsets of the tiles."""
        tile_h, tile_w = self.tile_shape(height, width)
        return self._axis_offsets(height, tile_h, 0), self._axis_offsets(width, tile_w, 1)

    def tile_shape(self, height: int, width: int) -> tuple[int, int]:
        """(th, tw) of the tiles of an image of (height, width)."""
        if self.tile_size is not None:
            tile = self.tile_size
            if tile[0] > height or tile[1] > width:
                raise AdbenchError(
                    f"tiling.tile_size={list(tile)} is larger than the {height}x{width} "
                    "images: lower it or raise dataset.image_size"
                )
            return tile
        return tuple(
            min(length, math.ceil(length / (count - (count - 1) * self.overlap)))
            for length, count in zip((height, width), self.counts, strict=True)
        )

    def _axis_offsets(self, length: int, tile: int, axis: int) -> list[int]:
        if self.tile_size is None:
            count = self.counts[axis]
            if count == 1:
                return [0]
            return [round(i * (length - tile) / (count - 1)) for i in range(count)]
        offsets = list(range(0, length - tile + 1, self.stride[axis]))
        if offsets[-1] + tile < length:
            offsets.append(length - tile)
        return offsets

    def tile(self, images: torch.Tensor) -> torch.Tensor:
        height, width = int(images.shape[-2]), int(images.shape[-1])  # fixed under export tracing
        tile_h, tile_w = self.tile_shape(height, width)
        ys, xs = self.offsets(height, width)
        tiles = [images[..., y : y + tile_h, x : x + tile_w] for y in ys for x in xs]
        return torch.stack(tiles, dim=1).flatten(0, 1)

    def stitch(self, tile_maps: torch.Tensor, size: Sequence[int]) -> torch.Tensor:
        height, width = int(size[0]), int(size[1])
        ys, xs = self.offsets(height, width)
        tile_h, tile_w = int(tile_maps.shape[-2]), int(tile_maps.shape[-1])
        per_image = tile_maps.unflatten(0, (-1, len(ys) * len(xs)))
        total = tile_maps.new_zeros(per_image.shape[0], tile_maps.shape[1], height, width)
        count = tile_maps.new_zeros(1, 1, height, width)
        ones = tile_maps.new_ones(1, 1, tile_h, tile_w)
        positions = [(y, x) for y in ys for x in xs]
        for index, (y, x) in enumerate(positions):
            padding = (x, width - x - tile_w, y, height - y - tile_h)
            total = total + F.pad(per_image[:, index], padding)
            count = count + F.pad(ones, padding)
        return total / count

    def merge_scores(self, tile_scores: torch.Tensor, batch_size: int) -> torch.Tensor:
        return tile_scores.view(batch_size, -1).amax(dim=1)


def _pair(key: str, value: int | Sequence[int] | None) -> tuple[int, int] | None:
    if value is None:
        return None
    pair = (value, value) if isinstance(value, int) else tuple(value)
    if len(pair) != 2 or not all(isinstance(v, int) and v >= 1 for v in pair):
        raise AdbenchError(f"tiling.{key}={value} must be a size >= 1 or [height, width]")
    return pair
