"""Sliding-window tiles: tile then stitch is the identity; grids cover every pixel."""

from __future__ import annotations

import pytest
import torch

from adbench.errors import AdbenchError
from adbench.tiling import Tiler


@pytest.mark.parametrize(
    "options, size",
    [
        ({"patches_per_row": 3, "patches_per_column": 2, "overlap": 0.25}, (37, 53)),
        ({"patches_per_row": 4, "patches_per_column": 4, "overlap": 0.0}, (64, 64)),
        ({"patches_per_row": 1, "patches_per_column": 3, "overlap": 0.5}, (50, 21)),
        ({"tile_size": [16, 20], "stride": [10, 15]}, (41, 47)),
    ],
)
def test_tile_then_stitch_returns_the_images(options, size):
    tiler = Tiler(**options)
    images = torch.rand(2, 3, *size)
    tiles = tiler.tile(images)
    n = tiler.tiles_per_image(*size)
    assert tiles.shape == (2 * n, 3, *tiler.tile_shape(*size))
    assert torch.allclose(tiler.stitch(tiles, size), images, atol=1e-6)


def test_grid_tiles_overlap_as_asked_and_reach_the_borders():
    tiler = Tiler(patches_per_row=3, patches_per_column=2, overlap=0.25)
    tile_h, tile_w = tiler.tile_shape(40, 100)
    ys, xs = tiler.offsets(40, 100)
    assert (len(ys), len(xs)) == (2, 3)
    assert ys[0] == xs[0] == 0 and ys[-1] + tile_h == 40 and xs[-1] + tile_w == 100
    shared = xs[0] + tile_w - xs[1]  # columns two neighbouring tiles share
    assert shared == pytest.approx(0.25 * tile_w, abs=1)


def test_tiles_are_image_major_and_match_their_crops():
    tiler = Tiler(patches_per_row=2, patches_per_column=2, overlap=0.5)
    images = torch.rand(2, 1, 12, 12)
    tiles = tiler.tile(images)
    tile_h, tile_w = tiler.tile_shape(12, 12)
    ys, xs = tiler.offsets(12, 12)
    assert torch.equal(tiles[4 + 3], images[1, :, ys[1] : ys[1] + tile_h, xs[1] : xs[1] + tile_w])


def test_overlaps_are_averaged_and_scores_take_each_images_maximum():
    tiler = Tiler(patches_per_row=2, patches_per_column=1, overlap=0.5)
    tile_h, tile_w = tiler.tile_shape(4, 6)  # 4x4 tiles at x = 0 and 2
    maps = torch.stack([torch.zeros(1, tile_h, tile_w), torch.ones(1, tile_h, tile_w)])
    stitched = tiler.stitch(maps, (4, 6))
    assert stitched[0, 0, 0].tolist() == [0.0, 0.0, 0.5, 0.5, 1.0, 1.0]
    assert tiler.merge_scores(torch.tensor([1.0, 5.0, 7.0, 2.0]), 2).tolist() == [5.0, 7.0]


@pytest.mark.parametrize(
    "options, key",
    [
        ({"patches_per_row": 2}, "patches_per_column"),
        ({"patches_per_row": 0, "patches_per_column": 2}, "patches_per_row"),
        ({"patches_per_row": 2, "patches_per_column": 2, "overlap": 1.0}, "overlap"),
        ({"tile_size": [0, 4]}, "tile_size"),
        ({"tile_size": 64, "stride": 128}, "stride"),  # tiles would leave gaps
        ({"patches_per_row": 2, "patches_per_column": 2, "stride": 8}, "stride"),
    ],
)
def test_bad_settings_name_their_key(options, key):
    with pytest.raises(AdbenchError, match=rf"tiling\.{key}"):
        Tiler(**options)


def test_tiles_larger_than_the_image_are_refused():
    with pytest.raises(AdbenchError, match=r"tiling\.tile_size"):
        Tiler(tile_size=64).tile(torch.rand(1, 3, 32, 32))
