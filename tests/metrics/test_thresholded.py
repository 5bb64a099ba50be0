"""F1, precision and recall at a fixed threshold, on raw scores of any scale."""

from __future__ import annotations

import pytest
import torch

from adbench.metrics import metrics_at_threshold
from adbench.postprocess import Calibration


@pytest.mark.parametrize("scale", [1.0, 1000.0])  # raw distances must not be squashed
def test_counts_at_the_threshold(scale):
    scores = torch.tensor([0.1, 0.4, 0.6, 0.9]) * scale
    labels = torch.tensor([0, 1, 0, 1])
    figures = metrics_at_threshold(scores, labels, 0.5 * scale, "image")
    assert figures == pytest.approx(
        {"image_f1_at_threshold": 0.5, "image_precision_at_threshold": 0.5,
         "image_recall_at_threshold": 0.5}
    )  # fmt: skip
    everything = metrics_at_threshold(scores, labels, 0.0, "pixel")
    assert everything["pixel_recall_at_threshold"] == 1.0
    assert everything["pixel_f1_at_threshold"] == pytest.approx(2 / 3)
    nothing = metrics_at_threshold(scores, labels, 2.0 * scale, "image")
    assert nothing["image_precision_at_threshold"] == 0.0  # no positive prediction


def test_a_score_equal_to_the_threshold_is_anomalous():
    figures = metrics_at_threshold(torch.tensor([1.0, 2.0]), torch.tensor([0, 1]), 2.0, "image")
    assert figures["image_f1_at_threshold"] == 1.0


def test_calibration_thresholds_are_where_normalised_values_reach_one_half():
    calibration = Calibration()
    assert calibration.thresholds() is None
    calibration.fit(torch.tensor([1.0, 2.0, 8.0, 9.0]), torch.tensor([0, 0, 1, 1]))
    thresholds = calibration.thresholds()
    assert thresholds["pixel"] == thresholds["image"]  # no masks: maps use the image level
    at = torch.tensor([thresholds["image"]])
    assert calibration.normalize_scores(at).item() == 0.5
    assert calibration.normalize_maps(at).item() == 0.5
