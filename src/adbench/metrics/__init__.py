"""Anomaly-detection metrics on raw (unbounded) scores: AUROC, AUPR, oracle F1-max, AUPRO, and
F1/precision/recall at a fitted threshold."""

from adbench.metrics.aupro import aupro
from adbench.metrics.classification import (
    RocCurve,
    area_under_roc,
    auroc,
    average_precision,
    best_f1,
    f1_max,
    roc_curve,
    to_unit_interval,
)
from adbench.metrics.evaluate import ad_mean, image_metrics, pixel_metrics
from adbench.metrics.thresholded import metrics_at_threshold

__all__ = [
    "RocCurve",
    "ad_mean",
    "area_under_roc",
    "aupro",
    "auroc",
    "average_precision",
    "best_f1",
    "f1_max",
    "image_metrics",
    "metrics_at_threshold",
    "pixel_metrics",
    "roc_curve",
    "to_unit_interval",
]
