"""ROC and PRO curve figures, rendered off-screen without touching matplotlib's global backend."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import torch
from matplotlib.backends.backend_agg import FigureCanvasAgg
from matplotlib.figure import Figure

from adbench.metrics import area_under_roc, roc_curve
from adbench.metrics.aupro import area_up_to
from adbench.metrics.evaluate import PIXEL_AUPRO_FPR_LIMIT

PLOTTED_POINTS = 4000  # a curve of millions of pixels' thresholds, thinned for drawing


def save_roc_curve(path: str | Path, scores: np.ndarray, labels: np.ndarray, title: str) -> None:
    """Save the ROC curve of raw scores (AUROC in the legend, chance diagonal) as an image.

    The format follows the suffix (PNG, PDF, SVG...). Raises ValueError with only one class.
    """
    curve = roc_curve(torch.as_tensor(np.asarray(scores)), torch.as_tensor(np.asarray(labels)))
    figure = Figure(figsize=(4.5, 4.5), dpi=100)
    FigureCanvasAgg(figure)
    axes = figure.add_subplot()
    axes.plot(
        curve.fpr.numpy(), curve.tpr.numpy(), lw=2, label=f"AUROC = {area_under_roc(curve):.4f}"
    )
    axes.plot([0, 1], [0, 1], ls="--", lw=1, color="grey", label="chance")
    axes.set(xlim=(0, 1), ylim=(0, 1.01), xlabel="False positive rate", ylabel="True positive rate")
    axes.set_title(title)
    axes.set_aspect("equal")
    axes.legend(loc="lower right")
    _save(figure, path)


def save_pro_curve(path: str | Path, fpr: np.ndarray, pro: np.ndarray) -> float:
    """Save a per-region-overlap curve (PRO against the normal pixels' FPR, FPR non-decreasing;
    metrics.aupro.pro_curve_of, or the binned one) with the AUPRO of the shaded part (FPR up to
    0.3) in the legend, which is returned."""
    area = area_up_to(fpr, pro, PIXEL_AUPRO_FPR_LIMIT) / PIXEL_AUPRO_FPR_LIMIT
    step = max(1, fpr.size // PLOTTED_POINTS)
    figure = Figure(figsize=(4.5, 4.5), dpi=100)
    FigureCanvasAgg(figure)
    axes = figure.add_subplot()
    axes.plot(np.append(fpr[::step], fpr[-1]), np.append(pro[::step], pro[-1]), lw=2,
              label=f"AUPRO (FPR <= {PIXEL_AUPRO_FPR_LIMIT}) = {area:.4f}")  # fmt: skip
    axes.axvspan(0, PIXEL_AUPRO_FPR_LIMIT, color="grey", alpha=0.15)
    axes.set(xlim=(0, 1), ylim=(0, 1.01), xlabel="False positive rate (normal pixels)",
             ylabel="Per-region overlap")  # fmt: skip
    axes.set_title("pixel PRO curve")
    axes.set_aspect("equal")
    axes.legend(loc="lower right")
    _save(figure, path)
    return area


def _save(figure: Figure, path: str | Path) -> None:
    figure.tight_layout()
    path = Path(path)
    path.parent.mkdir(parents=True, exist_ok=True)
    figure.savefig(path)
