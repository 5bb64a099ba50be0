"""Job labels and folder names come from the swept overrides only."""

from __future__ import annotations

import pytest
from configs import compose_adbench
from omegaconf import OmegaConf

from adbench.sweeps.labels import (
    SWEEP_ENV,
    announce_sweep,
    job_dir_name,
    job_label,
    labels_repeat,
    safe_dir_name,
    swept_keys,
)


def multirun_config(task, params=None, sweeper=None):
    sweeper_node = {"params": params}
    if sweeper:
        sweeper_node["_target_"] = sweeper
    return OmegaConf.create({"hydra": {"overrides": {"task": task}, "sweeper": sweeper_node}})


def test_swept_keys_from_command_line_sweeps_and_sweeper_params():
    cfg = multirun_config(
        ["dataset=mvtec", "model=patchcore,padim", "seed=1", "+sweep=mvtec_all"],
        params={"dataset.category": "bottle,cable"},
    )
    assert swept_keys(cfg) == ["model", "dataset.category"]


def test_one_swept_key_labels_by_its_value():
    job = ["dataset=mvtec", "dataset.root=/data/mvtec", "dataset.category=bottle"]
    assert job_label(job, ["dataset.category"]) == "bottle"


def test_several_swept_keys_use_short_names():
    job = ["model=padim", "dataset.root=/d", "dataset.category=cable"]
    assert job_label(job, ["model", "dataset.category"]) == "model=padim,category=cable"


def test_clashing_short_names_stay_full():
    job = ["model.lr=0.1", "optimizer.lr=0.2"]
    assert job_label(job, ["model.lr", "optimizer.lr"]) == "model.lr=0.1,optimizer.lr=0.2"


def test_folder_names_never_hold_separators():
    assert safe_dir_name("root=/data/x y") == "root=-data-x-y"


@pytest.fixture
def announced(monkeypatch):
    monkeypatch.delenv(SWEEP_ENV, raising=False)
    yield
    monkeypatch.delenv(SWEEP_ENV, raising=False)


def test_grid_job_folder_is_the_label(announced):
    announce_sweep(["dataset.category"], numbered=False)
    assert job_dir_name(3, ["dataset=mvtec", "dataset.category=bottle"]) == "bottle"


def test_search_sweeper_folders_keep_the_job_number(announced):
    cfg = multirun_config(["model.lr=0.1"], sweeper="hydra_plugins.x.OptunaSweeper")
    assert labels_repeat(cfg)
    announce_sweep(["model.lr"], numbered=True)
    assert job_dir_name(7, ["model.lr=0.1"]) == "7_0.1"


def test_without_announced_keys_the_number_and_overrides_name_the_folder(announced):
    assert job_dir_name(2, ["seed=1", "dataset.root=/d"]) == "2_seed=1,dataset.root=-d"


def test_mvtec_all_sweeps_the_15_categories_of_mvtec(tmp_path):
    cfg = compose_adbench("+sweep=mvtec_all", f"output_dir={tmp_path}", with_hydra=True)
    assert cfg.dataset._target_.endswith("MVTecDataModule")
    categories = cfg.hydra.sweeper.params["dataset.category"].split(",")
    assert len(set(categories)) == 15 and "metal_nut" in categories
    assert swept_keys(cfg) == ["dataset.category"]
