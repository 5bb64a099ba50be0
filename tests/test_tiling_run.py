"""Tiling inside the methods: training sees tiles, evaluation stitches full-size maps."""

from __future__ import annotations

import json

import pytest
import torch

from adbench.checkpoints import load_module
from adbench.errors import AdbenchError
from adbench.methods.draem import DraemModule
from adbench.methods.padim import PadimModule
from adbench.run import run

BACKBONE = {"name": "tf_efficientnet_lite0", "weights": "random"}
GRID = {"patches_per_row": 2, "patches_per_column": 2, "overlap": 0.25}


def test_training_images_are_tiles_and_forward_stitches_full_maps(one_thread):
    module = PadimModule(BACKBONE, [1, 2], n_features=10, tiling=GRID).eval()
    images = torch.rand(2, 3, 40, 56)
    tiles = module.training_images({"image": images})
    assert tiles.shape == (8, 3, 23, 32)  # ceil(40 / 1.75), ceil(56 / 1.75)
    module.model.accumulate(tiles)
    module.model.fit()
    with torch.no_grad():
        scores, maps = module(images)
        tile_scores, _ = module.model(tiles)
    assert maps.shape == (2, 1, 40, 56)
    assert torch.equal(scores, tile_scores.view(2, 4).amax(dim=1))


def test_methods_that_cannot_tile_say_so_in_one_line():
    with pytest.raises(AdbenchError, match="model=draem does not support tiling"):
        DraemModule(base_width=2, disc_base_width=2, loss={"terms": {}}, tiling=GRID)


def test_tiled_padim_run_reports_pixel_metrics_and_reloads_its_tiling(
    compose_config, mvtec_tree, tmp_path, one_thread
):
    cfg = compose_config(
        "model=padim", "tiling=grid", "tiling.patches_per_row=3", "dataset=mvtec",
        f"dataset.root={mvtec_tree}", "dataset.category=cat", "dataset.image_size=64",
        "model.n_features=16", "backbone.weights=random", "output.heatmaps=false",
        "output.roc_curve=false", "output.coco_boxes=true",
    )  # fmt: skip
    run(cfg)
    metrics = json.loads((tmp_path / "run" / "metrics.json").read_text())["metrics"]
    assert {"image_auroc", "pixel_auroc", "region_map_50"} <= set(metrics)  # 64x64 maps
    boxes = json.loads((tmp_path / "run" / "coco_boxes.json").read_text())["annotations"]
    assert boxes and all(x + w <= 64 and y + h <= 64 for x, y, w, h in (b["bbox"] for b in boxes))
    assert any(x + w > 32 for x, _, w, _ in (b["bbox"] for b in boxes))  # beyond the first tile
    module = load_module(tmp_path / "run" / "model.ckpt").eval()
    assert module.tiler is not None and module.tiler.counts == (2, 3)
    with torch.no_grad():
        scores, maps = module(torch.rand(1, 3, 64, 64))
    assert maps.shape == (1, 1, 64, 64) and scores.shape == (1,)


@pytest.mark.parametrize(
    "preset, size, per_side, epochs", [(None, 1024, 4, 200), ("demo", 256, 2, 4)]
)
def test_rd4ad_patches_recipe_is_shrunk_by_the_demo_preset(
    compose_config, preset, size, per_side, epochs
):
    overrides = ["model=rd4ad", "+experiment=rd4ad_patches"]
    cfg = compose_config(*overrides, *([f"preset={preset}"] if preset else []))
    assert (cfg.dataset.image_size, cfg.dataset.batch_size, cfg.trainer.max_epochs) == (
        size, 1, epochs,
    )  # fmt: skip
    tiling = cfg.model.tiling
    assert (tiling.patches_per_row, tiling.patches_per_column) == (per_side, per_side)
