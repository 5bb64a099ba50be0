"""DRAEM's training objective from the loss group: weighted reconstruction terms + focal.

The loss group is {terms: {name: weight}, options: {...}}: conf/loss/draem.yaml is the paper's
L2 + SSIM + focal; draem_ms_ssim and draem_lpips swap SSIM for MS-SSIM or LPIPS.
"""

from __future__ import annotations

from typing import Any

import torch
from torch import nn

from adbench.errors import AdbenchError
from adbench.losses import FocalLoss, L2Loss, MsSsimLoss, SsimLoss, load_lpips

RECONSTRUCTION_TERMS = ("l2", "ssim", "ms_ssim", "lpips")
TERMS = (*RECONSTRUCTION_TERMS, "focal")
DEFAULT_OPTIONS: dict[str, Any] = {
    "ssim_window": 11,
    "ms_ssim_window": 11,
    "lpips_net": "alex",
    "lpips_weights": None,
    "focal_gamma": 2.0,
}


def check_loss_config(loss: dict | None) -> tuple[dict[str, float], dict[str, Any]]:
    """(weights of the active terms, options with defaults) of a loss group; errors name keys."""
    if not loss or "terms" not in loss:
        raise AdbenchError(
            "model=draem needs a DRAEM loss with terms: pass loss=draem "
            "(or draem_ms_ssim, draem_lpips)"
        )
    unknown = sorted(set(loss["terms"]) - set(TERMS))
    if unknown:
        raise AdbenchError(f"loss.terms.{unknown[0]} is unknown: use {', '.join(TERMS)}")
    bad_options = sorted(set(loss.get("options") or {}) - set(DEFAULT_OPTIONS))
    if bad_options:
        raise AdbenchError(
            f"loss.options.{bad_options[0]} is unknown: use {', '.join(DEFAULT_OPTIONS)}"
        )
    weights = {name: float(w) for name, w in loss["terms"].items() if w}
    if any(w < 0 for w in weights.values()):
        raise AdbenchError(f"loss.terms has a negative weight: {weights}")
    if not set(weights) & set(RECONSTRUCTION_TERMS):
        raise AdbenchError(
            "loss.terms: DRAEM needs a reconstruction term (l2, ssim, ms_ssim or lpips) > 0"
        )
    if "focal" not in weights:
        raise AdbenchError("loss.terms.focal must be > 0: it trains the discriminative network")
    return weights, {**DEFAULT_OPTIONS, **(loss.get("options") or {})}


class DraemLoss(nn.Module):
    """forward(reconstruction, clean images, logits, anomaly masks) -> (total, {term: value})."""

    def __init__(self, loss: dict) -> None:
        super().__init__()
        self.weights, options = check_loss_config(loss)
        builders = {
            "l2": L2Loss,
            "ssim": lambda: SsimLoss(options["ssim_window"]),
            "ms_ssim": lambda: MsSsimLoss(options["ms_ssim_window"]),
            "lpips": lambda: load_lpips(options["lpips_net"], options["lpips_weights"]),
        }
        self.reconstruction = nn.ModuleDict(
            {name: builders[name]() for name in RECONSTRUCTION_TERMS if name in self.weights}
        )
        self.focal = FocalLoss(options["focal_gamma"])

    def forward(
        self,
        reconstruction: torch.Tensor,
        target: torch.Tensor,
        logits: torch.Tensor,
        masks: torch.Tensor,
    ) -> tuple[torch.Tensor, dict[str, torch.Tensor]]:
        parts = {name: term(reconstruction, target) for name, term in self.reconstruction.items()}
        parts["focal"] = self.focal(logits, masks)
        total = sum(self.weights[name] * value for name, value in parts.items())
        return total, parts
