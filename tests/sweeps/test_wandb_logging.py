"""logger=wandb: a run sends its metrics (the sweep metrics included), config and heatmaps."""

from __future__ import annotations

from pathlib import Path

import pytest
import wandb
from hydra import compose, initialize_config_module
from hydra.core.global_hydra import GlobalHydra

from adbench.run import run
from adbench.sweeps.wandb_logging import finish_wandb_run, pick_heatmaps
from adbench.sweeps.wandb_sweeps import load_sweep

SWEEPS = Path(__file__).resolve().parents[2] / "sweeps"


class FakeRun:
    """Records what Lightning's WandbLogger hands to a wandb run."""

    def __init__(self, **init):
        self.init, self.logged, self.config, self.finished = init, [], FakeConfig(), None
        self.id, self.name, self.project, self.dir = "fake", "fake", "adbench", "."

    def log(self, data, *args, **kwargs):
        self.logged.append(dict(data))

    def finish(self, exit_code=None, **kwargs):
        self.finished = exit_code


class FakeConfig(dict):
    def update(self, params, allow_val_change=False):
        super().update(params)


def fake_wandb(monkeypatch: pytest.MonkeyPatch) -> list[FakeRun]:
    """wandb.init / wandb.finish replaced by FakeRun bookkeeping; returns the runs started."""
    runs: list[FakeRun] = []

    def init(**kwargs):
        runs.append(FakeRun(**kwargs))
        monkeypatch.setattr(wandb, "run", runs[-1])
        return runs[-1]

    def finish(exit_code=None, **kwargs):
        wandb.run.finish(exit_code)
        monkeypatch.setattr(wandb, "run", None)

    monkeypatch.setattr(wandb, "run", None)
    monkeypatch.setattr(wandb, "init", init)
    monkeypatch.setattr(wandb, "finish", finish)
    return runs


@pytest.fixture(scope="module")
def wandb_run(tmp_path_factory):
    """One tiny PatchCore run on built-in data with logger=wandb, its wandb run faked."""
    tmp = tmp_path_factory.mktemp("wandb")
    overrides = [
        f"output_dir={tmp / 'run'}",
        "logger=wandb",
        f"dataset.root={tmp / 'data'}",
        "dataset.source_size=48",
        "dataset.n_train=12",
        "dataset.n_test_good=2",
        "dataset.n_test_per_defect=1",
        "dataset.image_size=32",
        "output.logged_heatmaps=4",
    ]
    GlobalHydra.instance().clear()
    with initialize_config_module("adbench.conf", version_base="1.3"):
        cfg = compose("config", overrides=overrides)
    GlobalHydra.instance().clear()
    with pytest.MonkeyPatch.context() as monkeypatch:
        runs = fake_wandb(monkeypatch)
        run(cfg)
        (fake,) = runs
        finish_wandb_run(failed=False)
        fake.run_after_finish = wandb.run
    return fake


def logged_keys(fake: FakeRun) -> set[str]:
    return {key for entry in fake.logged for key in entry}


def test_metrics_reach_the_wandb_run(wandb_run):
    keys = logged_keys(wandb_run)
    assert {"val_image_auroc", "test_image_auroc", "test_pixel_auroc"} <= keys


@pytest.mark.parametrize("path", sorted(SWEEPS.glob("*.yml")), ids=lambda path: path.stem)
def test_every_sweep_metric_is_logged_under_its_name(wandb_run, path):
    assert load_sweep(path)["metric"]["name"] in logged_keys(wandb_run)


def test_composed_config_reaches_the_wandb_run(wandb_run):
    assert wandb_run.config["model"]["_target_"].endswith("PatchcoreModule")
    assert wandb_run.config["dataset"]["category"] == "weave"


def test_heatmaps_reach_the_wandb_run_as_images(wandb_run):
    (entry,) = [entry for entry in wandb_run.logged if "heatmaps" in entry]
    images = entry["heatmaps"]
    assert len(images) == 4 and all(isinstance(image, wandb.Image) for image in images)
    assert len({image._caption.split("/")[0] for image in images}) > 1  # good and defects


def test_the_run_is_finished_so_the_next_job_starts_its_own(wandb_run):
    assert wandb_run.finished == 0 and wandb_run.run_after_finish is None


def test_heatmap_pick_takes_every_defect_in_turn(tmp_path):
    for name in ("a/1.png", "a/2.png", "a/3.png", "b/1.png"):
        (tmp_path / name).parent.mkdir(exist_ok=True)
        (tmp_path / name).touch()
    picked = [str(p.relative_to(tmp_path)) for p in pick_heatmaps(tmp_path, 3)]
    assert picked == ["a/1.png", "b/1.png", "a/2.png"]
