"""ROC curve figures, rendered off-screen without touching matplotlib's global backend."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import torch
from matplotlib.backends.backend_agg import FigureCanvasAgg
from matplotlib.figure import Figure

from adbench.metrics import area_under_roc, roc_curve


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
    figure.tight_layout()
    path = Path(path)
    path.parent.mkdir(parents=True, exist_ok=True)
    figure.savefig(path)
