"""Threshold-free binary classification metrics on raw anomaly scores: ROC, AUROC, F1-max.

Raw scores are unbounded (distances, log-likelihoods...). torchmetrics passes any score tensor
with values outside [0, 1] through a sigmoid, which saturates large distances to 1.0 and makes
every metric meaningless. Scores are therefore min-max scaled to [0, 1] in float64 first: a
strictly increasing map, so every ranking metric is unchanged, and one that cannot saturate.
"""

from __future__ import annotations

from dataclasses import dataclass

import torch
from torch import Tensor
from torchmetrics.functional.classification import binary_roc


@dataclass(frozen=True)
class RocCurve:
    """Exact ROC curve (one point per distinct score) plus what is needed to derive F1 from it.

    ``fpr``/``tpr`` are float64, non-decreasing, starting at (0, 0). ``unit_thresholds[i]`` is the
    min-max scaled threshold of point ``i`` (point 0 is a sentinel above every score).
    """

    fpr: Tensor
    tpr: Tensor
    unit_thresholds: Tensor
    unit_scores: Tensor
    scores: Tensor
    n_pos: int
    n_neg: int


def check_binary_inputs(scores: Tensor, labels: Tensor) -> tuple[Tensor, Tensor]:
    """Return flat CPU ``(scores, labels as bool)``; raise ValueError on anything undefined."""
    scores = torch.as_tensor(scores).detach().cpu()
    labels = torch.as_tensor(labels).detach().cpu()
    if scores.shape != labels.shape:
        raise ValueError(
            f"scores shape {tuple(scores.shape)} != labels shape {tuple(labels.shape)}"
        )
    if scores.numel() == 0:
        raise ValueError("cannot evaluate an empty set of scores")
    if scores.dtype == torch.bool or scores.is_complex():
        raise ValueError(f"scores must be real numbers, got dtype {scores.dtype}")
    if scores.is_floating_point() and not bool(torch.isfinite(scores).all()):
        raise ValueError("scores contain NaN or infinite values")
    if labels.dtype != torch.bool:
        if not bool(((labels == 0) | (labels == 1)).all()):
            raise ValueError("labels must contain only 0 (normal) and 1 (anomalous)")
        labels = labels == 1
    return scores.reshape(-1), labels.reshape(-1)


def _require_both_classes(n_pos: int, n_neg: int) -> None:
    if n_pos == 0 or n_neg == 0:
        present = "anomalous" if n_pos else "normal"
        raise ValueError(
            f"metric undefined: only {present} samples present ({n_pos} anomalous, {n_neg} normal)"
        )


def to_unit_interval(scores: Tensor) -> Tensor:
    """Min-max scale to [0, 1] in float64; constant scores map to 0.

    Increasing, and strictly so for float32 (or narrower) scores: no two distinct scores merge.
    """
    unit = scores.to(torch.float64)  # copies unless already float64
    if unit.data_ptr() == scores.data_ptr():
        unit = unit.clone()
    low, high = unit.min(), unit.max()
    unit.sub_(low)
    if high > low:
        unit.div_(high - low)  # correctly rounded: stays monotone and inside [0, 1]
    return unit


def _exact_rate(rate: Tensor, total: int) -> Tensor:
    """Recover integer counts from torchmetrics' float32 rates and re-divide in float64.

    Exact below ~8M samples of the class; beyond, counts may be off by one (float32 rounding).
    """
    return torch.round(rate.to(torch.float64) * total).div_(total)


def roc_curve(scores: Tensor, labels: Tensor) -> RocCurve:
    """Exact ROC curve of raw scores (higher = more anomalous) via torchmetrics.

    Raises ValueError when only one class is present or inputs are malformed.
    """
    scores, labels = check_binary_inputs(scores, labels)
    n_pos = int(labels.sum())
    n_neg = labels.numel() - n_pos
    _require_both_classes(n_pos, n_neg)
    unit = to_unit_interval(scores)
    fpr, tpr, thresholds = binary_roc(unit, labels, thresholds=None, validate_args=False)
    return RocCurve(
        fpr=_exact_rate(fpr, n_neg),
        tpr=_exact_rate(tpr, n_pos),
        unit_thresholds=thresholds,
        unit_scores=unit,
        scores=scores,
        n_pos=n_pos,
        n_neg=n_neg,
    )


def area_under_roc(curve: RocCurve) -> float:
    """Trapezoidal area under the ROC curve (ties count as half, like scikit-learn)."""
    return float(torch.trapezoid(curve.tpr, curve.fpr))


def average_precision(curve: RocCurve) -> float:
    """Area under the precision-recall curve as a step function (scikit-learn's average
    precision, "AUPR"): over the thresholds from high to low, the recall each one gains times
    the precision there."""
    tp = curve.tpr * curve.n_pos
    fp = curve.fpr * curve.n_neg
    precision = tp[1:] / (tp[1:] + fp[1:])  # past the sentinel, at least one image is flagged
    return float(((curve.tpr[1:] - curve.tpr[:-1]) * precision).sum())


def best_f1(curve: RocCurve) -> tuple[float, float]:
    """Maximum F1 over all thresholds and the raw-score threshold achieving it.

    Oracle figure: the threshold is chosen on the evaluated set itself. Predict anomalous when
    ``score >= threshold``; among equal F1 values the highest threshold wins.
    """
    tp = curve.tpr * curve.n_pos
    fp = curve.fpr * curve.n_neg
    f1 = 2.0 * tp / (tp + fp + curve.n_pos)  # 2TP / (2TP + FP + FN); denominator >= n_pos > 0
    f1[0] = -1.0  # sentinel point above every score: not a real threshold
    best = int(torch.argmax(f1))
    unit_threshold = curve.unit_thresholds[best]
    raw_threshold = curve.scores[curve.unit_scores >= unit_threshold].min()
    return float(f1[best]), float(raw_threshold)


def auroc(scores: Tensor, labels: Tensor) -> float:
    """Area under the ROC curve of raw scores (higher = more anomalous, labels 1 = anomalous)."""
    return area_under_roc(roc_curve(scores, labels))


def f1_max(scores: Tensor, labels: Tensor) -> tuple[float, float]:
    """Oracle F1-max: ``(best F1, raw threshold)``; predict anomalous when score >= threshold.

    The threshold is fitted on the evaluated set itself, so the F1 is optimistic.
    """
    return best_f1(roc_curve(scores, labels))
