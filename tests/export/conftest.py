"""Tiny trained models (PatchCore, PaDiM) shared by the export tests: trained once per module."""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path

import numpy as np
import pytest
from hydra import compose, initialize_config_module
from hydra.core.global_hydra import GlobalHydra
from omegaconf import DictConfig
from PIL import Image

from adbench.run import run

IMAGE_SIZE = 64
MODELS = {
    "patchcore": ["model.coreset_sampling_ratio=0.5", "model.num_neighbors=3"],
    "padim": ["model.n_features=20"],
}


def compose_overrides(*overrides: str) -> DictConfig:
    GlobalHydra.instance().clear()
    try:
        with initialize_config_module("adbench.conf", version_base="1.3"):
            return compose("config", overrides=["logger=none", *overrides])
    finally:
        GlobalHydra.instance().clear()


def striped_images(root: Path, count: int, seed: int, defect: bool = False) -> Path:
    """`count` striped 64 px PNGs (optionally with a red square) in `root`."""
    rng = np.random.default_rng(seed)
    root.mkdir(parents=True, exist_ok=True)
    x = np.arange(IMAGE_SIZE)
    for index in range(count):
        stripes = 128 + 60 * np.sin(x / 3.0 + rng.uniform(0, 0.3))[None, :, None]
        image = np.clip(stripes + rng.normal(0, 6, (IMAGE_SIZE, IMAGE_SIZE, 3)), 0, 255)
        image = image.astype(np.uint8)
        if defect:
            y, x0 = rng.integers(8, IMAGE_SIZE - 24, size=2)
            image[y : y + 14, x0 : x0 + 14] = [230, 40, 40]
        Image.fromarray(image).save(root / f"{index:03d}.png")
    return root


@pytest.fixture(scope="session")
def image_size() -> int:
    return IMAGE_SIZE


@pytest.fixture(scope="session")
def compose_cfg() -> Callable[..., DictConfig]:
    """compose_cfg(*overrides) -> a composed config (logger off), never @hydra.main."""
    return compose_overrides


@pytest.fixture(scope="session")
def image_folders(tmp_path_factory) -> dict[str, Path]:
    """A folder dataset (train normals, test normals and defects) and a folder of new images."""
    root = tmp_path_factory.mktemp("images")
    return {
        "normal": striped_images(root / "good", 12, seed=0),
        "abnormal": striped_images(root / "bad", 3, seed=1, defect=True),
        "new": striped_images(root / "new", 3, seed=2, defect=True),
    }


@pytest.fixture(scope="session")
def trained(tmp_path_factory, image_folders) -> Callable[[str], tuple[DictConfig, Path]]:
    """trained(model) -> (its training config, its model.ckpt); each model trained once."""
    cache: dict[str, tuple[DictConfig, Path]] = {}

    def _trained(model: str) -> tuple[DictConfig, Path]:
        if model not in cache:
            out = tmp_path_factory.mktemp(f"train_{model}")
            cfg = compose_overrides(
                f"model={model}",
                *MODELS[model],
                "dataset=folder",
                f"dataset.normal_dir={image_folders['normal']}",
                f"dataset.abnormal_dir={image_folders['abnormal']}",
                f"dataset.image_size={IMAGE_SIZE}",
                "output.heatmaps=false",
                "output.roc_curve=false",
                f"output_dir={out}",
            )
            run(cfg)
            cache[model] = (cfg, out / "model.ckpt")
        return cache[model]

    return _trained
