"""`trainer=ddp` with 2 CPU processes gives the model and results of one process."""

from __future__ import annotations

import csv
import json
import os
import subprocess
import sys
from pathlib import Path

import numpy as np
import pytest
import torch
from image_files import textured, with_defect, write_image

from adbench.run import run

# PatchCore keeps every patch: its bank is then the gathered embeddings in path order, checked
# exactly (a coreset's greedy near-ties may flip with float summation order). Both methods
# validate each training image out of fold, from all ranks' training items in path order.
MODELS = {"patchcore": ["model.coreset_sampling_ratio=1.0"], "padim": []}
FITTED = {
    "patchcore": ["model.memory_bank", "model.feature_mean", "model.feature_std"],
    "padim": ["model.mean", "model.whitening"],
}


@pytest.fixture(scope="module")
def odd_tree(tmp_path_factory) -> Path:
    """MVTec layout with counts that do not split evenly over 2 ranks: 11 train normals
    (both methods train on all of them, out of fold), 7 test images (4 good,
    3 'dent' with masks)."""
    rng = np.random.default_rng(1)
    base = tmp_path_factory.mktemp("odd") / "cat"
    for i in range(11):
        write_image(base / "train" / "good" / f"{i:03d}.png", textured(rng))
    for i in range(4):
        write_image(base / "test" / "good" / f"{i:03d}.png", textured(rng))
    for i in range(3):
        image, mask = with_defect(textured(rng), rng)
        write_image(base / "test" / "dent" / f"{i:03d}.png", image)
        write_image(
            base / "ground_truth" / "dent" / f"{i:03d}_mask.png", mask.astype(np.uint8) * 255
        )
    return base.parent


def overrides(model: str, root: Path, out: Path) -> list[str]:
    return [
        f"model={model}",
        *MODELS[model],
        "dataset=mvtec",
        f"dataset.root={root}",
        "dataset.category=cat",
        "dataset.image_size=64",
        "dataset.batch_size=4",
        "trainer.accelerator=cpu",
        "logger=none",
        "output.heatmaps=false",
        f"output_dir={out}",
    ]


def read_scores(run_dir: Path) -> dict[str, float]:
    with open(run_dir / "scores.csv") as file:
        return {row["file"]: float(row["raw_score"]) for row in csv.DictReader(file)}


def fitted(run_dir: Path, model: str) -> dict[str, torch.Tensor]:
    state = torch.load(run_dir / "model.ckpt", map_location="cpu", weights_only=False)
    return {key: state["state_dict"][key] for key in FITTED[model]}


@pytest.mark.parametrize(
    "model",
    ["patchcore", pytest.param("padim", marks=pytest.mark.slow)],  # ~35 s each
)
def test_two_cpu_processes_match_one(model, odd_tree, compose_config, tmp_path):
    ddp_dir, one_dir = tmp_path / "ddp", tmp_path / "one"
    env = {**os.environ, "OMP_NUM_THREADS": "1"}
    command = [sys.executable, "-m", "adbench", "trainer=ddp", "trainer.devices=2"]
    done = subprocess.run(
        command + overrides(model, odd_tree, ddp_dir),
        capture_output=True,
        text=True,
        env=env,
        timeout=600,
        cwd=tmp_path,
    )
    assert done.returncode == 0, done.stderr[-3000:]
    assert done.stdout.count(f"### {model} on") == 1  # only rank 0 reports and writes
    run(compose_config(*overrides(model, odd_tree, one_dir)))

    for key, alone in fitted(one_dir, model).items():
        assert fitted(ddp_dir, model)[key].shape == alone.shape, key
        # float32 features summed in another order; PaDiM's whitening (an inverse) amplifies it
        torch.testing.assert_close(fitted(ddp_dir, model)[key], alone, rtol=1e-3, atol=1e-3)
    ddp, one = (json.loads((d / "metrics.json").read_text()) for d in (ddp_dir, one_dir))
    assert ddp["timing"]["test_images"] == one["timing"]["test_images"] == 7
    for key, value in one["calibration"].items():
        assert ddp["calibration"][key] == pytest.approx(value, rel=1e-4), key
    for key, value in one["metrics"].items():
        assert ddp["metrics"][key] == pytest.approx(value, abs=1e-3), key
    ddp_scores, one_scores = read_scores(ddp_dir), read_scores(one_dir)
    assert list(ddp_scores) == list(one_scores)  # every test image once, in dataset order
    for file, score in one_scores.items():
        assert ddp_scores[file] == pytest.approx(score, rel=1e-4), file
