"""CRN end to end on tiny data: the demo learns, road datasets run without faked pixel metrics,
training is counted in steps and resumes, predict writes outputs at the inputs' own sizes,
and the sweep file only uses keys the config has."""

from __future__ import annotations

import copy
import csv
import json
from pathlib import Path

import numpy as np
import pytest
import torch
import yaml
from hydra.utils import instantiate
from image_files import textured, write_image
from PIL import Image

from adbench.errors import AdbenchError
from adbench.run import run

SWEEP = Path(__file__).parents[2] / "sweeps" / "crn.yml"
TINY = [
    "model=crn",
    "model.num_competitive_units=2",
    "model.network_depth=2",
    "model.base_width=4",
    "trainer.max_steps=6",
    "trainer.val_check_interval=4",  # validates at step 4 and, being the last, at step 6
    "dataset.image_size=[16,24]",
    "dataset.batch_size=4",
    "output.heatmaps=false",
]


def make_roadimages(root: Path, n_good: int = 10, n_bad: int = 3) -> Path:
    rng = np.random.default_rng(0)
    for group, count in (("good_ones", n_good), ("bad_ones", n_bad)):
        for i in range(count):
            height = rng.integers(1000, 1200, (24, 40)).astype(np.uint16)
            (root / group / "height_files").mkdir(parents=True, exist_ok=True)
            Image.fromarray(height).save(root / group / "height_files" / f"{i}.png")
            write_image(root / group / "intensity_files" / f"{i}.png", textured(rng, 40)[:24, :, 0])
    return root


def make_panorama(root: Path, n_good: int = 10, n_bad: int = 3) -> Path:
    rng = np.random.default_rng(1)
    for group, count in (("good_ones", n_good), ("bad_ones", n_bad)):
        for i in range(count):
            write_image(root / group / f"{i}.png", textured(rng, 40)[:24])
    return root


def mean_unit_l1(module, images: torch.Tensor) -> float:
    """L1(x, unit(x)) averaged over the units (train-mode copies: batch statistics)."""
    with torch.no_grad():
        return float(
            np.mean(
                [
                    (copy.deepcopy(u).train()(images) - images).abs().mean()
                    for u in module.model.units
                ]
            )
        )


def test_demo_preset_learns(compose_config, tmp_path):
    cfg = compose_config(
        "model=crn",
        "preset=demo",
        f"dataset.root={tmp_path / 'synthetic'}",
        "dataset.source_size=48",
        "dataset.n_train=12",
        "dataset.n_test_good=2",
        "dataset.n_test_per_defect=1",
    )
    assert (cfg.dataset.image_size, cfg.dataset.batch_size) == (32, 2)
    assert (cfg.model.network_depth, cfg.model.num_competitive_units) == (3, 3)
    assert cfg.trainer.max_steps == 50 and cfg.trainer.max_epochs == -1
    torch.manual_seed(0)
    datamodule = instantiate(cfg.dataset, _convert_="all")
    module = instantiate(cfg.model, _convert_="all")
    trainer = instantiate(cfg.trainer, logger=False, enable_progress_bar=False)
    datamodule.setup()
    images = torch.stack(
        [datamodule.make_dataset(datamodule.train_samples)[i]["image"] for i in range(8)]
    )
    before = mean_unit_l1(module, images)
    trainer.fit(module, datamodule=datamodule)
    assert trainer.global_step == 50  # training steps, not optimizer steps
    assert mean_unit_l1(module, images) < before
    assert "val_image_auroc" in module.val_metrics  # the last step was validated


def test_roadimages_run_skips_pixel_metrics_and_resumes(compose_config, tmp_path):
    root = make_roadimages(tmp_path / "road")
    cfg = compose_config(*TINY, "dataset=roadimages", f"dataset.root={root}")
    value = run(cfg)
    out = tmp_path / "run"
    summary = json.loads((out / "metrics.json").read_text())
    assert 0 <= summary["metrics"]["image_auroc"] <= 1
    assert not any(key.startswith("pixel") for key in summary["metrics"])
    assert any("pixel metrics skipped" in note for note in summary["notes"])
    assert value == summary["validation"]["val_image_auroc"]
    assert torch.load(out / "model.ckpt", weights_only=True)["global_step"] == 6
    assert not (out / "checkpoints").exists()  # finished: no training checkpoint left behind
    longer = tmp_path / "longer"  # a finished run trains on in a new run from its model.ckpt
    cfg = compose_config(
        *TINY,
        "dataset=roadimages",
        f"dataset.root={root}",
        f"resume={out / 'model.ckpt'}",
        "trainer.max_steps=8",
        f"output_dir={longer}",
    )
    run(cfg)
    assert torch.load(longer / "model.ckpt", weights_only=True)["global_step"] == 8


def test_roadimages_predict_reads_pairs_as_training_did(compose_config, tmp_path, mvtec_tree):
    root = make_roadimages(tmp_path / "road")
    run(compose_config(*TINY, "dataset=roadimages", f"dataset.root={root}"))
    out = tmp_path / "run"
    with open(out / "scores.csv") as file:
        tested = {row["file"]: float(row["raw_score"]) for row in csv.DictReader(file)}

    def predict(folder: Path, name: str) -> list[dict]:
        run(
            compose_config(
                "task=predict",
                "model=crn",
                f"ckpt_path={out / 'model.ckpt'}",
                f"predict.input={folder}",
                f"output_dir={tmp_path / name}",
            )
        )
        with open(tmp_path / name / "anomaly_scores.csv") as file:
            return list(csv.DictReader(file))

    rows = predict(root / "bad_ones", "predicted")  # a folder in the training layout
    assert len(rows) == 3
    for row in rows:  # [height, intensity, intensity], as the test pass read them
        assert float(row["raw_score"]) == pytest.approx(tested[row["file"]], rel=1e-5)
    message = r"trained on RoadImages .*needs height_files/ and intensity_files/"
    with pytest.raises(AdbenchError, match=message):
        predict(root / "bad_ones" / "intensity_files", "plain")
    with pytest.raises(AdbenchError, match=r"trained on images read as .*roadimages.*image files"):
        run(
            compose_config(
                "task=test",
                "model=crn",
                f"ckpt_path={out / 'model.ckpt'}",
                "dataset=mvtec",
                f"dataset.root={mvtec_tree}",
                "dataset.category=cat",
                f"output_dir={tmp_path / 'tested'}",
            )
        )


def test_panorama_predict_outputs_match_input_sizes(compose_config, tmp_path):
    root = make_panorama(tmp_path / "pano")
    run(compose_config(*TINY, "dataset=panorama", f"dataset.root={root}", "model.scheduler=cosine"))
    new = tmp_path / "new"
    rng = np.random.default_rng(2)
    sizes = {"wide": (30, 50), "tall": (44, 20)}
    for name, (height, width) in sizes.items():
        write_image(new / f"{name}.png", textured(rng, 50)[:height, :width])
    run(
        compose_config(
            "task=predict",
            "model=crn",
            f"ckpt_path={tmp_path / 'run' / 'model.ckpt'}",
            f"predict.input={new}",
            f"output_dir={tmp_path / 'predict'}",
        )
    )
    out = tmp_path / "predict"
    with open(out / "anomaly_scores.csv") as file:
        rows = list(csv.DictReader(file))
    assert {Path(r["file"]).stem for r in rows} == set(sizes)
    assert all(float(r["raw_score"]) > 0 for r in rows)
    for folder in ("inputs", "reconstructions", "differences"):
        for name, (height, width) in sizes.items():
            with Image.open(out / folder / f"{name}.png") as image:
                assert image.size == (width, height), (folder, name)


def test_other_methods_keep_their_trainer_settings(compose_config):
    trainer = compose_config("model=patchcore").trainer
    assert (trainer.max_epochs, trainer.max_steps, trainer.val_check_interval) == (1, -1, None)
    assert trainer.check_val_every_n_epoch == 1 and trainer.enable_checkpointing is False
    crn = compose_config("model=crn").trainer
    assert (crn.max_steps, crn.max_epochs, crn.val_check_interval) == (20000, -1, 500)


def sample_value(spec: dict):
    if "values" in spec:
        return spec["values"][0]
    if "value" in spec:
        return spec["value"]
    return spec["min"]


def test_sweep_parameters_are_valid_overrides(compose_config):
    sweep = yaml.safe_load(SWEEP.read_text())
    assert sweep["method"] == "bayes"
    assert sweep["metric"] == {"name": "val_image_auroc", "goal": "maximize"}
    assert sweep["command"][:5] == ["${env}", "${interpreter}", "-m", "adbench", "model=crn"]
    assert sweep["command"][-1] == "${args_no_hyphens}"
    parameters = sweep["parameters"]
    model_keys = ("num_competitive_units", "lr", "optimizer", "scheduler", "w_rec", "w_feedback")
    searched = {*(f"model.{key}" for key in (*model_keys, "w_disc")), "dataset.batch_size"}
    assert searched <= set(parameters)
    overrides = [f"{key}={sample_value(spec)}" for key, spec in parameters.items()]
    cfg = compose_config(*sweep["command"][4:-1], *overrides)  # unknown keys would raise
    for key, spec in parameters.items():
        group, name = key.split(".", 1)
        assert cfg[group][name] == sample_value(spec)
    sweeps = pytest.importorskip("sweeps")
    if not hasattr(sweeps, "next_run"):  # the repository's sweeps/ folder, not the package
        pytest.skip("the `sweeps` package is not installed (pip install -e '.[dev]')")
    assert not sweeps.schema_violations_from_proposed_config(sweep)
    proposed = sweeps.next_run(sweep, [])  # what an agent would run first, offline
    values = {key: item["value"] for key, item in proposed.config.items()}
    assert set(values) == set(parameters)
    compose_config(*sweep["command"][4:-1], *(f"{key}={value}" for key, value in values.items()))
