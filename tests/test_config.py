"""Every config group option puts its own settings in the composed config, and the defaults,
preset and experiment wiring apply."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path
from typing import Any

import pytest
from configs import compose_adbench
from omegaconf import DictConfig, OmegaConf

CONF = Path(__file__).parents[1] / "conf"
GROUPS = ["model", "backbone", "loss", "dataset", "augmentation", "trainer", "logger", "preset"]
GLOBAL_GROUPS = ["tiling", "sweep", "hparams_search"]  # `# @package _global_` options


def options(group: str) -> list[str]:
    return sorted(p.stem for p in (CONF / group).glob("*.yaml"))


def assert_holds(composed: Any, own: DictConfig, where: str) -> None:
    """Every plain setting of `own` (not its defaults list, interpolations or `???`) has the
    same value in `composed`."""
    for key in own:
        if (
            key == "defaults"
            or OmegaConf.is_interpolation(own, key)
            or OmegaConf.is_missing(own, key)
        ):
            continue
        assert key in composed, f"{where}{key} is missing"
        value = own[key]
        if isinstance(value, DictConfig):
            assert_holds(composed[key], value, f"{where}{key}.")
        else:
            want = OmegaConf.to_container(value) if OmegaConf.is_config(value) else value
            got = composed[key]
            got = OmegaConf.to_container(got) if OmegaConf.is_config(got) else got
            assert got == want, f"{where}{key} is {got}, its file says {want}"


@pytest.mark.parametrize("group", GROUPS + GLOBAL_GROUPS)
def test_every_group_is_a_folder_with_options(group):
    assert options(group), f"conf/{group} has no options"


@pytest.mark.parametrize(
    ("group", "option"), [(g, o) for g in GROUPS + GLOBAL_GROUPS for o in options(g)]
)
def test_every_option_puts_its_own_settings_in_the_config(group, option):
    file = CONF / group / f"{option}.yaml"
    at_root = "@package _global_" in file.read_text()
    choice = f"+{group}={option}" if group == "sweep" else f"{group}={option}"
    cfg = compose_adbench(choice, with_hydra=True)
    assert cfg.hydra.runtime.choices[group] == option
    own = OmegaConf.load(file)
    if not own:  # e.g. logger=none, loss=none: the group is empty
        assert not cfg[group]
        return
    assert_holds(cfg if at_root else cfg[group], own, f"{group}={option}: ")


def test_defaults_are_patchcore_on_synthetic_with_embedded_weights(compose_config):
    cfg = compose_config()
    assert cfg.model._target_.endswith("PatchcoreModule")
    assert cfg.dataset._target_.endswith("SyntheticDataModule")
    assert cfg.backbone.weights == "embedded"
    assert cfg.trainer.max_epochs == 1


def test_demo_preset_applies_its_per_model_part(compose_config):
    plain, demo = compose_config("model=padim"), compose_config("model=padim", "preset=demo")
    assert plain.model.n_features is None and demo.model.n_features == 64  # all; the demo: a subset
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
