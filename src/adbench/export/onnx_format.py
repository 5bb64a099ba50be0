"""ONNX export with a dynamic batch axis, and a check of the file against PyTorch.

torch.onnx's TorchScript-based exporter (dynamo=False) is used: it needs no extra package and
keeps the batch axis dynamic for every method here. ONNX has no triangular solve, which PaDiM's
Mahalanobis distance uses against its fixed Cholesky factors; while exporting, a solve against a
model buffer is written as a matrix product with that buffer's inverse, computed once here.
"""

from __future__ import annotations

import warnings
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

import numpy as np
import torch
from torch import nn
from torch.onnx import symbolic_helper

from adbench.errors import AdbenchError
from adbench.export.serving import INPUT_NAME, OUTPUT_NAMES

SOLVE_TRIANGULAR = "aten::linalg_solve_triangular"


def export_onnx(model: nn.Module, example: torch.Tensor, path: Path, opset: int = 17) -> Path:
    """Write `model` traced on `example` (B,3,H,W) to `path`; batch size stays free."""
    dynamic = {name: {0: "batch"} for name in (INPUT_NAME, *OUTPUT_NAMES)}
    with _quiet_tracing(), _solves_as_products(model, opset), torch.no_grad():
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
def _solves_as_products(model: nn.Module, opset: int) -> Iterator[None]:
    """While exporting `model`, solve(A, B) with A one of its buffers becomes inverse(A) @ B."""
    tensors = dict(model.state_dict())

    @symbolic_helper.parse_args("v", "v", "b", "b", "b")
    def solve_triangular(g, matrix, rhs, upper: bool, left: bool, unitriangular: bool):
        value = tensors.get(matrix.debugName())
        if value is None or not left or unitriangular:
            raise AdbenchError(
                "ONNX export: a triangular solve on a computed matrix cannot be exported "
                "(only solves against fixed model buffers): use export.format=torchscript"
            )
        inverse = torch.linalg.inv(value.double()).to(value.dtype)
        return g.op("MatMul", g.op("Constant", value_t=inverse), rhs)

    torch.onnx.register_custom_op_symbolic(SOLVE_TRIANGULAR, solve_triangular, opset)
    try:
        yield
    finally:
        torch.onnx.unregister_custom_op_symbolic(SOLVE_TRIANGULAR, opset)


@contextmanager
def _quiet_tracing() -> Iterator[None]:
    """Tracing notes that are expected here: fixed image size, fitted calibration as constants."""
    with warnings.catch_warnings():
        warnings.filterwarnings("ignore", category=torch.jit.TracerWarning)
        warnings.filterwarnings("ignore", module=r"torch\.onnx.*")
        warnings.filterwarnings("ignore", message=r".*torch\.onnx.*")
        yield
