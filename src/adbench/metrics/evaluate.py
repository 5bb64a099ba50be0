"""One-call image-level and pixel-level metric summaries with stable key names."""

from __future__ import annotations

from torch import Tensor

from adbench.metrics.aupro import aupro
from adbench.metrics.classification import area_under_roc, average_precision, best_f1, roc_curve

PIXEL_AUPRO_FPR_LIMIT = 0.3
# the seven figures that multi-class benchmarks (ADer's mAD) average, in their order
AD_MEAN_PARTS = (
    "image_auroc", "image_aupr", "image_f1_max_oracle",
    "pixel_auroc", "pixel_aupr", "pixel_f1_max_oracle", "pixel_aupro_30",
)  # fmt: skip


def image_metrics(scores: Tensor, labels: Tensor) -> dict[str, float]:
    """Image AUROC, AUPR (average precision) and oracle F1-max (threshold fitted on this same
    set) from raw scores.

    Raises ValueError when labels hold only one class.
    """
    curve = roc_curve(scores, labels)
    return {
        "image_auroc": area_under_roc(curve),
        "image_aupr": average_precision(curve),
        "image_f1_max_oracle": best_f1(curve)[0],
    }


def pixel_metrics(maps: Tensor, masks: Tensor) -> dict[str, float]:
    """Pixel AUROC, AUPR, oracle F1-max (threshold fitted on this same set) and AUPRO up to
    30% FPR.

    ``maps`` (N, H, W) raw scores, ``masks`` (N, H, W) bool. Raises ValueError when the masks
    have no anomalous pixel or no normal pixel.
    """
    curve = roc_curve(maps, masks)  # one exact ROC serves both AUROC and F1
    results = {
        "pixel_auroc": area_under_roc(curve),
        "pixel_aupr": average_precision(curve),
        "pixel_f1_max_oracle": best_f1(curve)[0],
    }
    del curve  # release the float64 copy before AUPRO sorts the pixels again
    results["pixel_aupro_30"] = aupro(maps, masks, fpr_limit=PIXEL_AUPRO_FPR_LIMIT)
    return results


def ad_mean(metrics: dict[str, float]) -> dict[str, float]:
    """{"ad_mean": the mean of AD_MEAN_PARTS} when all seven are there, else {}."""
    if not all(key in metrics for key in AD_MEAN_PARTS):
        return {}
    return {"ad_mean": sum(metrics[key] for key in AD_MEAN_PARTS) / len(AD_MEAN_PARTS)}
