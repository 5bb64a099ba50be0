"""Every config group option composes, and the preset/experiment wiring applies."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

import pytest
from hydra.utils import get_class

CONF = Path(__file__).parents[1] / "conf"
GROUPS = ["model", "backbone", "loss", "dataset", "augmentation", "trainer", "logger", "preset"]


def options(group: str) -> list[str]:
    return sorted(p.stem for p in (CONF / group).glob("*.yaml"))


@pytest.mark.parametrize("group", GROUPS)
def test_every_group_is_a_folder_with_options(group):
    assert options(group), f"conf/{group} has no options"


@pytest.mark.parametrize(("group", "option"), [(g, o) for g in GROUPS for o in options(g)])
def test_every_option_composes(compose_config, group, option):
    cfg = compose_config(f"{group}={option}")
    assert cfg.task == "train"
    get_class(cfg.model._target_)  # the target exists


def test_defaults_are_patchcore_on_synthetic_with_embedded_weights(compose_config):
    cfg = compose_config()
    assert cfg.model._target_.endswith("PatchcoreModule")
    assert cfg.dataset._target_.endswith("SyntheticDataModule")
    assert cfg.backbone.weights == "embedded"
    assert cfg.trainer.max_epochs == 1


def test_demo_preset_applies_its_per_model_part(compose_config):
    plain, demo = compose_config("model=padim"), compose_config("model=padim", "preset=demo")
    assert demo.model.n_features < plain.model.n_features
    assert demo.dataset.image_size < plain.dataset.image_size


def test_experiment_recipe_overrides_groups(compose_config):
    cfg = compose_config("+experiment=patchcore_paper")
    assert cfg.backbone.name == "wide_resnet50_2"
    assert list(cfg.model.layers) == ["layer2", "layer3"]


def test_user_config_folder_via_searchpath(compose_config, tmp_path):
    own = tmp_path / "myconf" / "model"
    own.mkdir(parents=True)
    (own / "my_patchcore.yaml").write_text("defaults:\n  - patchcore\nnum_neighbors: 3\n")
    cfg = compose_config(f"hydra.searchpath=[file://{tmp_path / 'myconf'}]", "model=my_patchcore")
    assert cfg.model.num_neighbors == 3


def test_help_lists_groups_and_options():
    result = subprocess.run(
        [sys.executable, "-m", "adbench", "--help"], capture_output=True, text=True, check=True
    )
    for group in GROUPS:
        assert f"{group}:" in result.stdout
    assert "patchcore" in result.stdout and "efficientnet_lite0" in result.stdout
