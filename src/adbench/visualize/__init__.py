"""Qualitative outputs: heatmap panels and ROC curve figures."""

from adbench.visualize.curves import save_roc_curve
from adbench.visualize.heatmap import heatmap_panel, save_panel

__all__ = ["heatmap_panel", "save_panel", "save_roc_curve"]
