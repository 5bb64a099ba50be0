"""Buffers whose shape is only known after fitting (memory banks, per-position statistics)."""

from __future__ import annotations

import torch
from torch import nn


def resize_fitted_buffers(
    module: nn.Module, state_dict: dict[str, torch.Tensor], prefix: str, names: tuple[str, ...]
) -> None:
    """Give each named buffer the checkpoint's shape, so load_state_dict can copy into it."""
    for name in names:
        key = prefix + name
        if key in state_dict:
            setattr(module, name, torch.empty_like(state_dict[key]))
