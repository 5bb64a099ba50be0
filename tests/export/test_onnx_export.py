"""ONNX export of trained PatchCore and PaDiM: same normalised outputs as PyTorch."""

from __future__ import annotations

import json

import numpy as np
import pytest
import torch

from adbench.checkpoints import load_module
from adbench.export import ServingModel
from adbench.export.check_images import check_images
from adbench.export.onnx_format import export_onnx, run_onnx
from adbench.run import run

TOLERANCE = 1e-4


@pytest.mark.parametrize("model", ["patchcore", "padim"])
def test_onnx_matches_pytorch_on_any_batch_size(
    model, trained, image_folders, image_size, tmp_path
):
    cfg, checkpoint = trained(model)
    serving = ServingModel(load_module(checkpoint, cfg.model._target_))
    path = export_onnx(serving, torch.rand(1, 3, image_size, image_size), tmp_path / "m.onnx")
    images = check_images(str(image_folders["new"]), (image_size, image_size), 3)
    with torch.no_grad():
        scores, maps = serving(images)
    onnx_scores, onnx_maps = run_onnx(path, images)  # traced on 1 image, run on 3
    assert onnx_scores.shape == (3, 1) and onnx_maps.shape == (3, 1, image_size, image_size)
    assert np.abs(onnx_scores - scores.numpy()).max() < TOLERANCE
    assert np.abs(onnx_maps - maps.numpy()).max() < TOLERANCE
    inside = (maps > 0) & (maps < 1)
    assert inside.float().mean() > 0.2  # the comparison is not only on clipped values


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
