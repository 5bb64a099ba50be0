"""Choosing the generator and discriminator on validation: the best image AUROC (held-out
normals vs their synthetic anomalies), ties broken by the lower reconstruction error of the
normals. Never on the test set, and no AUROC flipping: a pair that ranks anomalies below
normals scores below 0.5 and loses."""

from __future__ import annotations

from dataclasses import dataclass

import torch

from adbench.methods.crn.pairing import Pair
from adbench.metrics import auroc


@dataclass(frozen=True)
class PairRecord:
    """One pair's validation figures (auroc is None when validation has one class only)."""

    pair: Pair
    auroc: float | None
    normal_error: float


def evaluate_pair(
    pair: Pair, scores: torch.Tensor, errors: torch.Tensor, labels: torch.Tensor
) -> PairRecord:
    """Figures of one pair from its per-image scores and mean |x - D(G(x))| errors."""
    labels = labels.long()
    both_classes = bool(labels.min() != labels.max())
    normal = labels == 0
    error = float(errors[normal].mean()) if normal.any() else float(errors.mean())
    return PairRecord(pair, auroc(scores, labels) if both_classes else None, error)


def best_pair(records: list[PairRecord]) -> PairRecord:
    """Highest AUROC, then lowest normal error, then the smallest indices (deterministic)."""
    if not records:
        raise ValueError("no pair was evaluated")
    return min(
        records,
        key=lambda r: (-(r.auroc if r.auroc is not None else 0.0), r.normal_error, r.pair),
    )
