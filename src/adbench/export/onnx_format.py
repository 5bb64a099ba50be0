"""ONNX export with a dynamic batch axis, and a check of the file against PyTorch.

torch.onnx's TorchScript-based exporter (dynamo=False) is used: it needs no extra package and
keeps the batch axis dynamic for every method here.
"""

from __future__ import annotations

import warnings
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

import numpy as np
import torch
from torch import nn

from adbench.export.serving import INPUT_NAME, OUTPUT_NAMES


def export_onnx(model: nn.Module, example: torch.Tensor, path: Path, opset: int = 17) -> Path:
    """Write `model` traced on `example` (B,3,H,W) to `path`; batch size stays free."""
    dynamic = {name: {0: "batch"} for name in (INPUT_NAME, *OUTPUT_NAMES)}
    with _quiet_tracing(), torch.no_grad():
        torch.onnx.export(
            model,
            (example,),
            str(path),
            dynamo=False,
            opset_version=opset,
            input_names=[INPUT_NAME],
            output_names=list(OUTPUT_NAMES),
            dynamic_axes=dynamic,
        )
    _name_output_dims(path, tuple(example.shape[-2:]))
    return path


def _name_output_dims(path: Path, image_size: tuple[int, int]) -> None:
    """Outputs declared as (batch, 1) scores and (batch, 1, H, W) maps: the tracer leaves their
    non-batch axes symbolic (a map's height and width even named after the batch axis)."""
    import onnx

    height, width = image_size
    shapes = {OUTPUT_NAMES[0]: ["batch", 1], OUTPUT_NAMES[1]: ["batch", 1, height, width]}
    model = onnx.load(str(path))
    for output in model.graph.output:
        dims = output.type.tensor_type.shape.dim
        for dim, size in zip(dims, shapes[output.name], strict=True):
            if isinstance(size, str):
                dim.dim_param = size
            else:
                dim.dim_value = size
    onnx.checker.check_model(model)
    onnx.save(model, str(path))


def run_onnx(path: Path, images: torch.Tensor) -> tuple[np.ndarray, ...]:
    """The ONNX file's outputs for `images`, computed by onnxruntime on the CPU."""
    import onnxruntime

    session = onnxruntime.InferenceSession(str(path), providers=["CPUExecutionProvider"])
    return tuple(session.run(list(OUTPUT_NAMES), {INPUT_NAME: images.numpy()}))


@contextmanager
def _quiet_tracing() -> Iterator[None]:
    """Tracing notes that are expected here: fixed image size, fitted calibration as constants."""
    with warnings.catch_warnings():
        warnings.filterwarnings("ignore", category=torch.jit.TracerWarning)
        warnings.filterwarnings("ignore", module=r"torch\.onnx.*")
        warnings.filterwarnings("ignore", message=r".*torch\.onnx.*")
        yield
