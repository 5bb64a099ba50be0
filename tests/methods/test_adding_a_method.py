"""The README's "Adding a method", followed to the letter: a pure torch model, a registered
Lightning module, a conf/model file on Hydra's search path; then it trains, tests and reloads
with no `model=`, like the six built-in methods."""

from __future__ import annotations

import json

import torch
import torch.nn.functional as F
from configs import compose_adbench
from run_checks import read_csv
from torch import nn

from adbench.checkpoints import load_module
from adbench.methods.one_pass import OnePassModule
from adbench.methods.registry import method_class, register_method
from adbench.run import run


class MeanImageModel(nn.Module):
    """Anomaly map = |image - mean training image|, averaged over the channels."""

    def __init__(self, image_size: int) -> None:
        super().__init__()
        self.register_buffer("mean", torch.zeros(3, image_size, image_size))
        self.register_buffer("count", torch.zeros(()))

    def forward(self, images: torch.Tensor) -> tuple[torch.Tensor, torch.Tensor]:
        maps = (images - self.mean).abs().mean(dim=1, keepdim=True)
        maps = F.avg_pool2d(maps, 5, stride=1, padding=2)
        return maps.amax(dim=(1, 2, 3)), maps


@register_method("mean_image", trains=False)
class MeanImageModule(OnePassModule):
    def __init__(self, image_size: int = 64, **wiring) -> None:
        super().__init__(image_size=image_size, **wiring)
        self.save_hyperparameters()
        self.model = MeanImageModel(image_size)

    def collect(self, images: torch.Tensor, paths: list[str]) -> None:
        self.model.mean += images.sum(dim=0)
        self.model.count += len(images)

    def finish_fit(self) -> None:
        self.model.mean /= self.model.count


MODEL_CONFIG = "_target_: test_adding_a_method.MeanImageModule\n"  # + the wiring of config.yaml


def test_a_method_added_outside_adbench_trains_tests_and_reloads(mvtec_tree, tmp_path):
    conf = tmp_path / "myconf"
    (conf / "model").mkdir(parents=True)
    (conf / "model" / "mean_image.yaml").write_text(MODEL_CONFIG)
    out = tmp_path / "run"
    run(
        compose_adbench(
            f"hydra.searchpath=[file://{conf}]", "model=mean_image", "dataset=mvtec",
            f"dataset.root={mvtec_tree}", "dataset.category=cat", "dataset.image_size=64",
            "logger=none", "output.heatmaps=false", f"output_dir={out}",
        )
    )  # fmt: skip
    summary = json.loads((out / "metrics.json").read_text())
    assert summary["model"] == "mean_image"
    assert summary["metrics"]["image_auroc"] >= 0.9  # the painted defects differ from the mean
    assert method_class("mean_image") is MeanImageModule
    module = load_module(out / "model.ckpt")
    assert isinstance(module, MeanImageModule)
    assert module.model.count == 8  # the 10 normals less dataset.val_split (0.2) for validation
    tested = {row["file"]: float(row["raw_score"]) for row in read_csv(out / "scores.csv")}
    images = torch.stack([torch.zeros(3, 64, 64), module.model.mean])
    with torch.no_grad():
        scores, maps = module(images)
    assert maps.shape == (2, 1, 64, 64) and scores[1] == 0 < scores[0]
    assert len(tested) == 6
