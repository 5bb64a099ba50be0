"""`task=export`: a trained model.ckpt -> a serving model (ONNX or TorchScript) whose outputs
are the normalised image score and anomaly map, checked against PyTorch, with its calibration
JSON and, with export.triton=true, a Triton model repository."""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path

import numpy as np
import torch
from omegaconf import DictConfig

from adbench.checkpoints import load_module, method_chosen_on_command_line
from adbench.errors import AdbenchError
from adbench.export.calibration_file import write_calibration
from adbench.export.check_images import check_images
from adbench.export.onnx_format import export_onnx, run_onnx
from adbench.export.serving import INPUT_NAME, OUTPUT_NAMES, ServingModel
from adbench.export.torchscript_format import export_torchscript, run_torchscript
from adbench.export.triton import write_triton_repository
from adbench.io import write_json_atomic
from adbench.methods.patchcore.neighbours import exact_search
from adbench.methods.results import flat_calibration_notes

FILE_NAMES = {"onnx": "model.onnx", "torchscript": "model.pt"}
TOLERANCE = 1e-3  # largest expected |exported - PyTorch| on normalised outputs


def export(cfg: DictConfig, out_dir: Path) -> dict:
    """Export cfg.ckpt_path as cfg.export says; returns (and writes) export.json's content."""
    settings = cfg.export
    export_format = settings.format
    if export_format not in FILE_NAMES:
        raise AdbenchError(
            f"export.format={export_format} is unknown: use export.format=onnx or "
            "export.format=torchscript"
        )
    module = load_module(cfg.ckpt_path, method_chosen_on_command_line())
    serving = ServingModel(module)
    size = serving.image_size
    example = torch.rand(1, 3, *size, generator=torch.Generator().manual_seed(cfg.seed))
    images = check_images(settings.check_input, size, settings.check_images, cfg.seed)
    model_file = out_dir / FILE_NAMES[export_format]
    writer, runner = _format_functions(export_format, settings.opset)
    writer(serving, example, model_file)
    with exact_search():  # the exported graph searches PatchCore's bank exactly
        differences = compare(serving, runner, model_file, images)
    calibration_file = write_calibration(
        out_dir / "calibration.json",
        module.calibration,
        model=module.name,
        image_size=list(size),
        input={"name": INPUT_NAME, "layout": "NCHW", "dtype": "float32", "range": [0, 1]},
        outputs={OUTPUT_NAMES[0]: ["batch", 1], OUTPUT_NAMES[1]: ["batch", 1, *size]},
    )
    summary = {
        "model": module.name,
        "format": export_format,
        "file": str(model_file),
        "calibration": str(calibration_file),
        "image_size": list(size),
        "check": {
            "images": len(images),
            "source": settings.check_input or "random",
            **differences,
            "tolerance": TOLERANCE,
        },
    }
    if settings.triton:
        summary["triton"] = str(
            write_triton_repository(
                out_dir / "triton",
                settings.triton_model_name or module.name,
                model_file,
                export_format,
                size,
                settings.max_batch_size,
                calibration_file,
            )
        )
    write_json_atomic(out_dir / "export.json", summary)
    _print_summary(summary)
    largest = max(
        differences["max_abs_difference_scores"], differences["max_abs_difference_anomaly_maps"]
    )
    if largest > TOLERANCE:
        hint = "try export.format=torchscript or another export.opset"
        if flat_calibration_notes(module.calibration):  # in any format (NEARLY_FLAT)
            hint = (
                "its validation image scores barely differ, so the normalisation amplifies "
                "float rounding: train it longer (the export itself is not at fault)"
            )
        raise AdbenchError(
            f"the exported {export_format} model differs from PyTorch by {largest:.2e} (tolerance "
            f"{TOLERANCE:g}; see {out_dir / 'export.json'}): do not serve it; {hint}"
        )
    return summary


def compare(
    serving: ServingModel, runner: Callable, model_file: Path, images: torch.Tensor
) -> dict[str, float]:
    """Max |exported - PyTorch| per output on `images`, and the share of map pixels strictly
    inside (0, 1) (outputs clipped to 0 or 1 agree trivially)."""
    with torch.no_grad():
        expected = serving(images)
    exported = runner(model_file, images)
    for name, got, want in zip(OUTPUT_NAMES, exported, expected, strict=True):
        if tuple(got.shape) != tuple(want.shape):
            raise RuntimeError(
                f"export check: the exported model gave {name} of shape {tuple(got.shape)} for "
                f"{len(images)} images, PyTorch {tuple(want.shape)}: its graph fixed a size"
            )
    result = {
        f"max_abs_difference_{name}": float(np.abs(np.asarray(got) - want.numpy()).max())
        for name, got, want in zip(OUTPUT_NAMES, exported, expected, strict=True)
    }
    maps = expected[1]
    result["unclipped_map_share"] = round(float(((maps > 0) & (maps < 1)).float().mean()), 4)
    return result


def _format_functions(export_format: str, opset: int) -> tuple[Callable, Callable]:
    if export_format == "onnx":
        return (lambda model, x, path: export_onnx(model, x, path, opset)), run_onnx
    return export_torchscript, run_torchscript


def _print_summary(summary: dict) -> None:
    check = summary["check"]
    height, width = summary["image_size"]
    print(
        f"exported {summary['model']} as {summary['format']}: {summary['file']} "
        f"(input {INPUT_NAME} Bx3x{height}x{width} float32 in [0, 1], batch size free)"
    )
    largest = max(check["max_abs_difference_scores"], check["max_abs_difference_anomaly_maps"])
    verdict = "ok" if largest <= check["tolerance"] else "ABOVE TOLERANCE"
    print(
        f"check vs PyTorch on {check['images']} images ({check['source']}): max abs difference "
        f"scores {check['max_abs_difference_scores']:.2e}, maps "
        f"{check['max_abs_difference_anomaly_maps']:.2e} ({verdict}, tolerance "
        f"{check['tolerance']:g}; {check['unclipped_map_share']:.0%} of map pixels unclipped)"
    )
    print(f"calibration: {summary['calibration']}")
    if "triton" in summary:
        print(f"triton model repository: {summary['triton']}")
