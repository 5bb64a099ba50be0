"""[0, 1] normalisation for serving: threshold -> 0.5, values in [0, 1], narrow raw bands too;
the calibration JSON reproduces it; the exported model applies it."""

from __future__ import annotations

import numpy as np
import pytest
import torch
from torch import nn

from adbench.export import ServingModel
from adbench.export.calibration_file import normalize, read_calibration, write_calibration
from adbench.export.onnx_format import export_onnx, run_onnx
from adbench.methods.base import AnomalyModule
from adbench.postprocess import Calibration

BANDS = {
    "wide": (0.0, 100.0),
    "narrow": (0.010, 0.012),  # e.g. 1 - cosine maps
    "narrow_offset": (1000.0, 1000.05),  # e.g. a log-likelihood far from zero
}


def band_scores(low: float, high: float) -> tuple[torch.Tensor, torch.Tensor]:
    """60 normals in the lower 60% of [low, high], 20 anomalies in the upper part."""
    generator = torch.Generator().manual_seed(0)
    fraction = torch.cat([0.6 * torch.rand(60, generator=generator), 0.5 + 0.5 * torch.rand(20)])
    scores = (low + (high - low) * fraction.double()).float()
    return scores, torch.cat([torch.zeros(60), torch.ones(20)]).long()


@pytest.mark.parametrize("band", sorted(BANDS))
def test_threshold_maps_to_half_and_values_stay_in_unit_interval(band):
    scores, labels = band_scores(*BANDS[band])
    calibration = Calibration()
    calibration.fit(scores, labels)
    normalized = calibration.normalize_scores(scores)
    assert normalized.min() >= 0 and normalized.max() <= 1
    assert calibration.normalize_scores(calibration.image_threshold.view(1)).item() == 0.5
    order = scores.argsort()
    assert (normalized[order].diff() >= 0).all()  # ranking kept
    assert normalized[labels == 0].mean() < 0.5 < normalized[labels == 1].mean()
    assert normalized.max() - normalized.min() > 0.5  # the band is spread out, not squashed


@pytest.mark.parametrize("band", sorted(BANDS))
def test_calibration_json_reproduces_the_normalisation(band, tmp_path):
    scores, labels = band_scores(*BANDS[band])
    calibration = Calibration()
    calibration.fit(scores, labels)
    record = read_calibration(write_calibration(tmp_path / "calibration.json", calibration))
    expected = calibration.normalize_scores(scores)
    from_json = [normalize(float(raw), record) for raw in scores]
    assert np.allclose(from_json, expected.numpy(), atol=1e-5)
    assert record["pixel"] is None and record["maps_use"] == "image"  # no masks were given


class NarrowBandModel(nn.Module):
    """Raw scores and maps in [0.010, 0.011]: 0.01 + 0.001 x the image's first pixel."""

    def forward(self, images: torch.Tensor) -> tuple[torch.Tensor, torch.Tensor]:
        maps = 0.01 + 0.001 * images[:, :1]
        return maps[:, 0, 0, 0], maps


class NarrowBandModule(AnomalyModule):
    name = "narrow"

    def __init__(self) -> None:
        super().__init__(image_size=8)
        self.model = NarrowBandModel()


def test_exported_model_outputs_normalised_values_for_a_narrow_band(tmp_path):
    module = NarrowBandModule().eval()
    images = torch.rand(40, 3, 8, 8, generator=torch.Generator().manual_seed(1))
    labels = (images[:, 0, 0, 0] > 0.7).long()
    with torch.no_grad():
        raw_scores, raw_maps = module(images)
    module.calibration.fit(raw_scores, labels, raw_maps, raw_maps > 0.0107)
    serving = ServingModel(module)
    path = export_onnx(serving, images[:1], tmp_path / "narrow.onnx")
    scores, maps = run_onnx(path, images)
    with torch.no_grad():
        torch_scores, torch_maps = serving(images)
    assert scores.min() >= 0 and scores.max() <= 1 and maps.min() >= 0 and maps.max() <= 1
    assert np.abs(scores - torch_scores.numpy()).max() < 1e-5
    assert np.abs(maps - torch_maps.numpy()).max() < 1e-5
    at_threshold = raw_scores == module.calibration.image_threshold  # a validation score
    assert at_threshold.any()
    assert np.allclose(scores[at_threshold.numpy(), 0], 0.5, atol=1e-5)
    assert ((scores > 0) & (scores < 1)).mean() > 0.5  # spread over (0, 1), not clipped
