"""Qualitative outputs: heatmap panels, ROC and PRO curve figures."""

from adbench.visualize.curves import save_pro_curve, save_roc_curve
from adbench.visualize.heatmap import heatmap_panel, save_panel

__all__ = ["heatmap_panel", "save_panel", "save_pro_curve", "save_roc_curve"]
