"""TorchScript export: the serving module traced on an example batch (batch size stays free)."""

from __future__ import annotations

import warnings
from pathlib import Path

import torch
from lightning.pytorch.core.module import _jit_is_scripting
from torch import nn


def export_torchscript(model: nn.Module, example: torch.Tensor, path: Path) -> Path:
    """Trace `model` on `example` (B,3,H,W) and save it; load it back with torch.jit.load.

    Lightning's own to_torchscript workaround is applied: the tracer reads every attribute of
    the wrapped LightningModule, and its `trainer` property raises when no Trainer is attached.
    """
    with warnings.catch_warnings(), torch.no_grad(), _jit_is_scripting():
        warnings.filterwarnings("ignore", category=torch.jit.TracerWarning)
        warnings.filterwarnings("ignore", message=r".*torch\.jit\.\w+.* is deprecated")
        traced = torch.jit.trace(model, example, check_trace=False)
        torch.jit.save(traced, str(path))
    return path


def run_torchscript(path: Path, images: torch.Tensor) -> tuple[torch.Tensor, ...]:
    """The saved TorchScript model's outputs for `images`."""
    with warnings.catch_warnings():
        warnings.filterwarnings("ignore", message=r".*torch\.jit\.load.* is deprecated")
        loaded = torch.jit.load(str(path), map_location="cpu")
    with torch.no_grad():
        return tuple(loaded(images))
