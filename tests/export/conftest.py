"""Tiny trained models (PatchCore, PaDiM) shared by the export tests: trained once per module."""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path

import numpy as np
import pytest
from configs import compose_adbench
from image_files import textured, with_defect, write_image
from omegaconf import DictConfig

from adbench.run import run

IMAGE_SIZE = 64
MODELS = {
    "patchcore": ["model.coreset_sampling_ratio=0.5", "model.num_neighbors=3"],
    "padim": ["model.n_features=20"],
}


def compose_overrides(*overrides: str) -> DictConfig:
    return compose_adbench("logger=none", *overrides)


def striped_images(root: Path, count: int, seed: int, defect: bool = False) -> Path:
    """`count` striped PNGs (optionally with a red square) in `root`."""
    rng = np.random.default_rng(seed)
    for index in range(count):
        image = textured(rng, IMAGE_SIZE)
        if defect:
            image = with_defect(image, rng)[0]
        write_image(root / f"{index:03d}.png", image)
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
