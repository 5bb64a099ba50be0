"""task=export to ONNX: its files and check, tiled and fixed-batch graphs, eval mode kept (every
method's export against PyTorch: tests/methods/test_contract.py)."""

from __future__ import annotations

import json

import numpy as np
import pytest
import torch

from adbench.checkpoints import load_module
from adbench.errors import AdbenchError
from adbench.export import ServingModel
from adbench.export.onnx_format import export_onnx, run_onnx
from adbench.methods.base import AnomalyModule
from adbench.methods.registry import MethodSpec
from adbench.run import run
from adbench.tasks import export as export_task
from adbench.tasks.export import compare

TOLERANCE = 1e-4


def test_export_task_writes_model_calibration_and_reports_difference(
    trained, image_folders, compose_cfg, tmp_path, capsys
):
    _, checkpoint = trained("padim")
    out = tmp_path / "export"
    run(
        compose_cfg(
            "task=export",
            "model=padim",
            f"ckpt_path={checkpoint}",
            f"export.check_input={image_folders['new']}",
            f"output_dir={out}",
        )
    )
    printed = capsys.readouterr().out
    summary = json.loads((out / "export.json").read_text())
    assert (out / "model.onnx").is_file() and (out / "calibration.json").is_file()
    assert summary["check"]["max_abs_difference_anomaly_maps"] < TOLERANCE
    assert "max abs difference" in printed and "(ok," in printed


def check_finds_score_difference(monkeypatch, difference: float) -> None:
    """The export check reports `difference` between the exported scores and PyTorch's."""
    differences = {"max_abs_difference_scores": difference, "max_abs_difference_anomaly_maps": 0.0,
                   "unclipped_map_share": 1.0}  # fmt: skip
    monkeypatch.setattr(export_task, "compare", lambda *args: differences)


def test_an_export_that_disagrees_with_pytorch_is_an_error(
    trained, compose_cfg, tmp_path, monkeypatch
):
    _, checkpoint = trained("padim")
    check_finds_score_difference(monkeypatch, 0.5)
    out = tmp_path / "export"
    cfg = compose_cfg("task=export", "model=padim", f"ckpt_path={checkpoint}", f"output_dir={out}")
    with pytest.raises(AdbenchError, match=r"differs from PyTorch by 5\.00e-01.*export\.opset"):
        run(cfg)
    summary = json.loads((out / "export.json").read_text())  # the evidence stays
    assert summary["check"]["max_abs_difference_scores"] == 0.5


def test_a_flat_calibration_is_named_when_the_export_check_fails(
    trained, compose_cfg, tmp_path, monkeypatch
):
    _, checkpoint = trained("padim")
    check_finds_score_difference(monkeypatch, 0.07)

    def flattened(*args):  # validation scores 0.49 .. 0.490002, as a barely trained DRAEM's
        module = load_module(*args)
        module.calibration.image_min.fill_(0.49)
        module.calibration.image_max.fill_(0.490002)
        return module

    monkeypatch.setattr(export_task, "load_module", flattened)
    cfg = compose_cfg("task=export", f"ckpt_path={checkpoint}", f"output_dir={tmp_path / 'e'}")
    with pytest.raises(AdbenchError, match=r"barely differ.*train it longer"):
        run(cfg)


class FirstChannelModel(torch.nn.Module):
    """Raw map = the image's first channel; raw score = its maximum."""

    def forward(self, images: torch.Tensor) -> tuple[torch.Tensor, torch.Tensor]:
        maps = images[:, :1]
        return maps.amax(dim=(1, 2, 3)), maps


class TiledStubModule(AnomalyModule):
    name = "tiled_stub"
    spec = MethodSpec(name, trains=False)  # not registered: a stub of this test only

    def __init__(self) -> None:
        super().__init__(image_size=16, tiling={"patches_per_row": 2, "patches_per_column": 2})
        self.model = FirstChannelModel()


def test_tiled_model_exports_with_a_free_batch_size(tmp_path):
    module = TiledStubModule().eval()
    images = torch.rand(6, 3, 16, 16, generator=torch.Generator().manual_seed(0))
    with torch.no_grad():
        scores, _ = module(images)
    module.calibration.fit(scores, torch.tensor([0, 0, 0, 1, 1, 1]))
    serving = ServingModel(module)
    path = export_onnx(serving, images[:1], tmp_path / "tiled.onnx")
    onnx_scores, _ = run_onnx(path, images[:3])
    with torch.no_grad():
        expected, _ = serving(images[:3])
    assert onnx_scores.shape == (3, 1)
    assert np.abs(onnx_scores - expected.numpy()).max() < TOLERANCE


class FixedBatchModel(torch.nn.Module):
    """Uses len(images): a traced graph keeps the example's batch size."""

    def forward(self, images: torch.Tensor) -> tuple[torch.Tensor, torch.Tensor]:
        maps = images[:, :1]
        return maps.reshape(len(images), -1).amax(dim=1), maps


class FixedBatchModule(AnomalyModule):
    name = "fixed_batch"

    def __init__(self) -> None:
        super().__init__(image_size=8)
        self.model = FixedBatchModel()


def test_export_check_refuses_a_graph_that_fixed_the_batch_size(tmp_path):
    module = FixedBatchModule().eval()
    images = torch.rand(4, 3, 8, 8, generator=torch.Generator().manual_seed(0))
    module.calibration.fit(module(images)[0], torch.tensor([0, 0, 1, 1]))
    serving = ServingModel(module)
    path = export_onnx(serving, images[:1], tmp_path / "fixed.onnx")
    with pytest.raises(RuntimeError, match=r"gave scores of shape \(1, 1\) for 3 images"):
        compare(serving, run_onnx, path, images[:3])


class NormalisingModel(torch.nn.Module):
    """Batch norm and dropout: outputs change if anything switches it to training mode."""

    def __init__(self) -> None:
        super().__init__()
        self.layers = torch.nn.Sequential(
            torch.nn.Conv2d(3, 1, 3, padding=1), torch.nn.BatchNorm2d(1), torch.nn.Dropout(0.5)
        )

    def forward(self, images: torch.Tensor) -> tuple[torch.Tensor, torch.Tensor]:
        maps = self.layers(images)
        return maps.mean(dim=(1, 2, 3)), maps


class NormalisingModule(AnomalyModule):
    name = "normalising"

    def __init__(self) -> None:
        super().__init__(image_size=8)
        self.model = NormalisingModel()


def test_serving_model_stays_in_eval_mode_through_export(tmp_path):
    module = NormalisingModule().eval()
    module.model.layers[1].running_mean.fill_(0.3)  # train-mode batch statistics would differ
    images = torch.rand(4, 3, 8, 8, generator=torch.Generator().manual_seed(0))
    with torch.no_grad():
        scores, maps = module(images)
    module.calibration.fit(scores, torch.tensor([0, 0, 1, 1]), maps, maps > maps.median())
    serving = ServingModel(module)
    path = export_onnx(serving, images[:1], tmp_path / "normalising.onnx")
    assert not serving.training and not module.training
    assert not serving.train().training  # a serving model is never put in training mode
    exported = run_onnx(path, images)
    with torch.no_grad():
        expected = serving(images)
    for got, want in zip(exported, expected, strict=True):
        assert np.abs(got - want.numpy()).max() < TOLERANCE
    assert exported[0].shape == (4, 1) and exported[1].shape == (4, 1, 8, 8)


def test_a_model_that_searches_approximately_exports_its_exact_search(
    trained, image_folders, compose_cfg, tmp_path
):
    """An exported graph holds no faiss index: it searches the bank exactly, and the export
    check compares it with PyTorch's exact search, not with the IVF index's answers."""
    _, checkpoint = trained("patchcore")
    saved = torch.load(checkpoint, weights_only=True)
    saved["hyper_parameters"].update(search="ivf", search_lists=8, search_probes=1)
    approximate = tmp_path / "ivf.ckpt"
    torch.save(saved, approximate)
    assert load_module(approximate).model.search == "ivf"
    out = tmp_path / "export"
    run(compose_cfg("task=export", f"ckpt_path={approximate}", f"output_dir={out}",
                    f"export.check_input={image_folders['new']}"))  # fmt: skip
    check = json.loads((out / "export.json").read_text())["check"]
    assert check["max_abs_difference_anomaly_maps"] < TOLERANCE
