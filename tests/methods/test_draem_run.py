"""DRAEM from the command line: group defaults, overrides and recipes (a whole tiny run is in
test_contract.py)."""

from __future__ import annotations

import pytest
from hydra.utils import instantiate

from adbench.synthesis.draem import DraemSynthesizer


@pytest.fixture(autouse=True)
def _single_thread(one_thread):
    """Every test here runs on one torch thread (see conftest.one_thread)."""


def test_model_draem_brings_the_paper_loss_and_draem_augmentation(compose_config):
    cfg = compose_config("model=draem")
    assert dict(cfg.loss.terms) == {
        "l2": 1.0,
        "ssim": 1.0,
        "ms_ssim": 0.0,
        "lpips": 0.0,
        "focal": 1.0,
    }
    assert cfg.model.loss == cfg.loss
    assert cfg.augmentation.anomaly_synthesis._target_.endswith("DraemSynthesizer")
    assert cfg.dataset.anomaly_synthesis.clean_probability == 0.5
    other = compose_config()  # feature methods keep no loss and no synthesis
    assert not other.loss and other.dataset.anomaly_synthesis is None


def test_command_line_groups_win_over_the_model_defaults(compose_config):
    cfg = compose_config("model=draem", "loss=draem_lpips", "augmentation=none")
    assert cfg.loss.terms.lpips == 1.0 and cfg.loss.terms.ssim == 0.0
    assert cfg.dataset.anomaly_synthesis is None
    cfg = compose_config("loss=draem_ms_ssim", "model=draem", "model.reconstruction_network=vae")
    assert cfg.loss.terms.ms_ssim == 1.0 and cfg.model.reconstruction_network == "vae"


def test_demo_preset_shrinks_draem(compose_config):
    plain, demo = compose_config("model=draem"), compose_config("model=draem", "preset=demo")
    assert demo.model.base_width < plain.model.base_width
    assert demo.dataset.image_size % 32 == 0 and demo.dataset.image_size <= 128
    assert demo.trainer.max_epochs < plain.trainer.max_epochs


def test_augmentation_group_builds_the_synthesizer_for_the_datamodule(compose_config):
    cfg = compose_config("model=draem", "augmentation.anomaly_synthesis.ignore_black_region=true")
    module = instantiate(cfg.dataset, _convert_="all")
    assert isinstance(module.anomaly_synthesis, DraemSynthesizer)
    assert module.anomaly_synthesis.ignore_black_region


def test_experiment_recipes(compose_config):
    paper = compose_config("+experiment=draem_paper")
    assert paper.model._target_.endswith("DraemModule") and paper.model.base_width == 128
    assert paper.loss.terms.ssim == 1.0 and paper.dataset.image_size == 256
    cars = compose_config("+experiment=draem_cars_vae_attention_lpips")
    assert cars.model.reconstruction_network == "vae_attention"
    assert cars.loss.terms.lpips == 1.0 and cars.loss.terms.ssim == 0.0
    assert cars.augmentation.anomaly_synthesis.ignore_black_region
    assert cars.dataset._target_.endswith("FolderDataModule")
    swapped = compose_config("+experiment=draem_cars", "loss=draem_ms_ssim")
    assert swapped.loss.terms.ms_ssim == 1.0
