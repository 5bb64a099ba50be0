"""task=preview: a grid of training samples as the method sees them."""

from __future__ import annotations

import numpy as np
from PIL import Image

from adbench.run import run
from adbench.visualize.heatmap import GROUND_TRUTH_COLOR

SIZE = 32
PAD = 4  # visualize.preview.TILE_PADDING


def preview(compose_config, mvtec_tree, *overrides: str) -> np.ndarray:
    cfg = compose_config(
        "task=preview", "dataset=mvtec", f"dataset.root={mvtec_tree}", "dataset.category=cat",
        f"dataset.image_size={SIZE}", "dataset.batch_size=3", "preview.samples=5",
        "preview.columns=2", *overrides,
    )  # fmt: skip
    run(cfg)
    return np.asarray(Image.open(f"{cfg.output_dir}/preview.png").convert("RGB"))


def outlined(grid: np.ndarray) -> bool:
    return bool((grid == GROUND_TRUTH_COLOR).all(axis=-1).any())


def test_draem_preview_pairs_each_image_with_its_synthetic_anomaly(compose_config, mvtec_tree):
    grid = preview(
        compose_config, mvtec_tree, "model=draem",
        "augmentation.anomaly_synthesis.clean_probability=0",  # every sample gets an anomaly
    )  # fmt: skip
    tile_height, tile_width = SIZE, 2 * SIZE  # image | synthetic anomaly
    assert grid.shape == (3 * tile_height + 4 * PAD, 2 * tile_width + 3 * PAD, 3)  # 5 in 3 rows
    assert outlined(grid)


def test_preview_without_synthesis_shows_the_training_images(compose_config, mvtec_tree):
    grid = preview(compose_config, mvtec_tree, "model=patchcore", "augmentation=light")
    assert grid.shape == (3 * SIZE + 4 * PAD, 2 * SIZE + 3 * PAD, 3)
    assert not outlined(grid)
