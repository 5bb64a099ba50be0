"""Anomaly-detection metrics on raw (unbounded) scores: AUROC, oracle F1-max, AUPRO."""

from adbench.metrics.aupro import aupro
from adbench.metrics.classification import (
    RocCurve,
    area_under_roc,
    auroc,
    best_f1,
    f1_max,
    roc_curve,
    to_unit_interval,
)
from adbench.metrics.evaluate import image_metrics, pixel_metrics

__all__ = [
    "RocCurve",
    "area_under_roc",
    "aupro",
    "auroc",
    "best_f1",
    "f1_max",
    "image_metrics",
    "pixel_metrics",
    "roc_curve",
    "to_unit_interval",
]
