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
    return path


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
