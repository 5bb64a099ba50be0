"""Reading torch files a user points to: weights, state dicts, checkpoints."""

from __future__ import annotations

import pickle
from pathlib import Path
from typing import Any

import torch

from adbench.errors import AdbenchError


def load_torch_file(
    path: str | Path, key: str, kind: str = "torch file", mmap: bool = False
) -> Any:
    """torch.load of `path`, weights only: a file holding other Python objects is refused
    without running them. Errors name the config `key` that gave the path. With `mmap`, tensors
    are mapped, not read (a cheap check of a large checkpoint)."""
    file = Path(path).expanduser()
    if not file.is_file():
        raise AdbenchError(f"{key}={path}: no such file")
    try:
        return torch.load(file, map_location="cpu", weights_only=True, mmap=mmap)
    except pickle.UnpicklingError as error:
        raise AdbenchError(
            f"{key}={path}: {file} holds Python objects that are not plain tensors; refused "
            "(not loaded)"
        ) from error
    except Exception as error:
        reason = str(error).strip().splitlines()[0] if str(error).strip() else type(error).__name__
        raise AdbenchError(f"{key}={path}: not a readable {kind} ({reason})") from error


def load_state_dict_file(path: str, key: str) -> dict[str, torch.Tensor]:
    """Tensors of the state dict at `path`; errors name the config `key` that gave the path."""
    state = load_torch_file(path, key, "torch state dict")
    if isinstance(state, dict) and "state_dict" in state:
        state = state["state_dict"]
    if not isinstance(state, dict):
        raise AdbenchError(f"{key}={path}: expected a state dict of tensors")
    return state
