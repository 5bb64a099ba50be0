"""Metrics at a fixed decision threshold: what a deployed model does with the threshold fitted
on validation (not the oracle F1-max, whose threshold is chosen on the evaluated set)."""

from __future__ import annotations

from torch import Tensor
from torchmetrics.functional.classification import (
    binary_f1_score,
    binary_precision,
    binary_recall,
)


def metrics_at_threshold(scores: Tensor, labels: Tensor, threshold: float, level: str) -> dict:
    """`{level}_f1` / `_precision` / `_recall` `_at_threshold` of predictions score >= threshold.

    Predictions go to torchmetrics as 0/1 integers, so no sigmoid touches raw scores; a
    precision with no positive prediction is 0.
    """
    predicted = (scores >= threshold).flatten().long()
    target = labels.flatten().long()
    figures = {
        "f1": binary_f1_score(predicted, target, zero_division=0),
        "precision": binary_precision(predicted, target, zero_division=0),
        "recall": binary_recall(predicted, target, zero_division=0),
    }
    return {f"{level}_{name}_at_threshold": float(value) for name, value in figures.items()}
