"""Calibration: fitted on validation, threshold maps to 0.5, values stay in [0, 1]."""

from __future__ import annotations

import pytest
import torch

from adbench.postprocess import Calibration, GaussianSmoothing


def test_threshold_is_f1_optimal_when_validation_has_anomalies():
    scores = torch.tensor([1.0, 2.0, 3.0, 10.0, 11.0, 12.0])
    labels = torch.tensor([0, 0, 0, 1, 1, 1])
    calibration = Calibration()
    calibration.fit(scores, labels)
    assert calibration.image_threshold == 10.0
    normalized = calibration.normalize_scores(scores)
    assert normalized[:3].max() < 0.5 <= normalized[3:].min()
    assert calibration.normalize_scores(torch.tensor([10.0])) == 0.5


def test_threshold_is_a_normal_quantile_without_anomalies():
    scores = torch.arange(100.0)
    calibration = Calibration(normal_quantile=0.9)
    calibration.fit(scores, torch.zeros(100))
    assert abs(float(calibration.image_threshold) - 89.1) < 1e-4


def test_normalized_values_stay_in_unit_interval():
    calibration = Calibration()
    calibration.fit(torch.tensor([0.0, 1.0, 5.0]), torch.tensor([0, 0, 1]))
    out = calibration.normalize_scores(torch.tensor([-100.0, 0.5, 3.0, 1e6]))
    assert out.min() >= 0 and out.max() <= 1


def test_pixel_calibration_and_state_dict_round_trip():
    maps = torch.zeros(2, 8, 8)
    maps[1, 2:4, 2:4] = 5.0
    masks = maps > 0
    calibration = Calibration()
    calibration.fit(torch.tensor([0.0, 5.0]), torch.tensor([0, 1]), maps, masks)
    restored = Calibration()
    restored.load_state_dict(calibration.state_dict())
    assert restored.fitted
    assert torch.equal(restored.normalize_maps(maps), calibration.normalize_maps(maps))
    assert restored.as_dict()["pixel_threshold"] == 5.0


def test_smoothing_keeps_mass_and_shape():
    maps = torch.zeros(1, 1, 33, 33)
    maps[0, 0, 16, 16] = 1.0
    blurred = GaussianSmoothing(sigma=2)(maps)
    assert blurred.shape == maps.shape
    assert abs(blurred.sum().item() - 1.0) < 1e-3
    assert blurred[0, 0, 16, 16] < 1.0


def test_a_normalised_map_value_goes_back_to_the_raw_one_it_came_from():
    calibration = Calibration()
    maps = torch.tensor([[0.0, 1.0], [4.0, 9.0]])
    calibration.fit(torch.tensor([1.0, 9.0]), torch.tensor([0, 1]), maps, maps > 3)
    for normalised in (0.2, 0.5, 0.8):
        raw = calibration.raw_map_value(normalised)
        assert float(calibration.normalize_maps(torch.tensor(raw))) == pytest.approx(normalised)
    assert calibration.raw_map_value(0.5) == calibration.thresholds()["pixel"]
