"""image_metrics / pixel_metrics summaries."""

import resource
import time

import numpy as np
import pytest
import torch
from sklearn.metrics import average_precision_score, precision_recall_curve, roc_auc_score

from adbench.metrics import ad_mean, aupro, image_metrics, pixel_metrics


def sklearn_f1_max(scores: np.ndarray, labels: np.ndarray) -> float:
    precision, recall, _ = precision_recall_curve(labels, scores)
    with np.errstate(divide="ignore", invalid="ignore"):
        return float(np.nan_to_num(2 * precision * recall / (precision + recall)).max())


def pixel_case(seed: int = 0) -> tuple[torch.Tensor, torch.Tensor]:
    rng = np.random.default_rng(seed)
    masks = np.zeros((6, 32, 32), dtype=bool)
    masks[0, 4:10, 4:12] = True
    masks[2, 20:30, 1:5] = True
    masks[3, 0:3, 25:32] = True
    maps = rng.gamma(2.0, 5.0, masks.shape) + 8.0 * masks  # raw distances, mostly > 1
    return torch.from_numpy(maps.astype(np.float32)), torch.from_numpy(masks)


def test_image_metrics_match_sklearn() -> None:
    rng = np.random.default_rng(0)
    labels = np.arange(80) % 4 == 0
    scores = rng.normal(20.0, 5.0, 80) + 4.0 * labels
    result = image_metrics(torch.from_numpy(scores), torch.from_numpy(labels))
    assert list(result) == ["image_auroc", "image_aupr", "image_f1_max_oracle"]
    assert result["image_auroc"] == pytest.approx(roc_auc_score(labels, scores), abs=1e-9)
    expected_ap = average_precision_score(labels, scores)
    assert result["image_aupr"] == pytest.approx(expected_ap, abs=1e-9)
    assert result["image_f1_max_oracle"] == pytest.approx(sklearn_f1_max(scores, labels), abs=1e-9)


def test_pixel_metrics_match_sklearn_and_aupro() -> None:
    maps, masks = pixel_case()
    result = pixel_metrics(maps, masks)
    assert list(result) == ["pixel_auroc", "pixel_aupr", "pixel_f1_max_oracle", "pixel_aupro_30"]
    flat_maps, flat_masks = maps.numpy().ravel(), masks.numpy().ravel()
    assert result["pixel_auroc"] == pytest.approx(roc_auc_score(flat_masks, flat_maps), abs=1e-9)
    expected_ap = average_precision_score(flat_masks, flat_maps)
    assert result["pixel_aupr"] == pytest.approx(expected_ap, abs=1e-9)
    assert result["pixel_f1_max_oracle"] == pytest.approx(
        sklearn_f1_max(flat_maps, flat_masks), abs=1e-9
    )
    assert result["pixel_aupro_30"] == pytest.approx(aupro(maps, masks, fpr_limit=0.3))
    assert all(0.0 < value <= 1.0 for value in result.values())


def test_single_class_raises() -> None:
    with pytest.raises(ValueError, match="only normal"):
        image_metrics(torch.tensor([1.0, 2.0, 3.0]), torch.tensor([0, 0, 0]))
    maps, masks = pixel_case()
    with pytest.raises(ValueError, match="only normal"):
        pixel_metrics(maps, torch.zeros_like(masks))
    with pytest.raises(ValueError, match="only anomalous"):
        pixel_metrics(maps, torch.ones_like(masks))


@pytest.mark.slow
def test_pixel_metrics_full_size_speed_and_memory() -> None:
    maps_mask_rng = torch.Generator().manual_seed(0)
    masks = torch.zeros(150, 256, 256, dtype=torch.bool)
    masks[::2, 100:140, 60:90] = True
    maps = torch.rand(masks.shape, generator=maps_mask_rng) * 50 + 10 * masks
    rss_before = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss
    start = time.perf_counter()
    result = pixel_metrics(maps, masks)
    elapsed = time.perf_counter() - start
    rss_growth_mb = (resource.getrusage(resource.RUSAGE_SELF).ru_maxrss - rss_before) / 1024
    assert elapsed < 15.0
    assert rss_growth_mb < 1500
    assert 0.5 < result["pixel_auroc"] < 1.0


@pytest.mark.parametrize("ties", [False, True])
def test_aupr_is_scikit_learns_average_precision_with_ties(ties: bool) -> None:
    rng = np.random.default_rng(3)
    labels = rng.random(300) < 0.2
    scores = rng.normal(0.0, 3.0, 300) + 2.0 * labels
    if ties:
        scores = np.round(scores)
    result = image_metrics(torch.from_numpy(scores), torch.from_numpy(labels))
    assert result["image_aupr"] == pytest.approx(average_precision_score(labels, scores), abs=1e-9)


def test_ad_mean_is_the_mean_of_the_seven_figures_only_when_all_are_there() -> None:
    figures = {
        "image_auroc": 0.9, "image_aupr": 0.8, "image_f1_max_oracle": 0.7, "pixel_auroc": 0.6,
        "pixel_aupr": 0.5, "pixel_f1_max_oracle": 0.4, "pixel_aupro_30": 0.3, "other": 100.0,
    }  # fmt: skip
    assert ad_mean(figures) == {"ad_mean": pytest.approx(0.6)}
    del figures["pixel_aupr"]
    assert ad_mean(figures) == {}
