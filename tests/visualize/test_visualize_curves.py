"""ROC and PRO curve figures written off-screen."""

import matplotlib
import numpy as np
import pytest
import torch
from PIL import Image

from adbench.metrics import aupro
from adbench.metrics.aupro import pro_curve_of
from adbench.metrics.binned import BinnedPixelMetrics
from adbench.visualize import save_pro_curve, save_roc_curve


def test_roc_curve_png_written(tmp_path) -> None:
    backend_before = matplotlib.get_backend()
    rng = np.random.default_rng(0)
    labels = np.arange(100) % 2 == 0
    scores = rng.normal(10.0, 3.0, 100) + 4.0 * labels  # raw distances
    path = tmp_path / "plots" / "roc.png"
    save_roc_curve(path, scores, labels, title="bottle")
    with Image.open(path) as loaded:
        assert loaded.format == "PNG"
        assert min(loaded.size) > 100
    assert matplotlib.get_backend() == backend_before


def test_roc_curve_single_class_raises(tmp_path) -> None:
    with pytest.raises(ValueError, match="only normal"):
        save_roc_curve(tmp_path / "roc.png", np.array([1.0, 2.0]), np.array([0, 0]), title="x")
    assert not (tmp_path / "roc.png").exists()


def test_pro_curve_png_shows_the_aupro_of_the_metrics(tmp_path) -> None:
    generator = torch.Generator().manual_seed(0)
    masks = torch.zeros(4, 32, 32, dtype=torch.bool)
    masks[0, 4:12, 4:12] = masks[1, 20:30, 2:9] = masks[1, 2:5, 25:31] = True
    maps = torch.rand(4, 32, 32, generator=generator) + 0.6 * masks
    area = save_pro_curve(tmp_path / "pro.png", *pro_curve_of(maps, masks))
    assert area == pytest.approx(aupro(maps, masks), abs=1e-12)
    with Image.open(tmp_path / "pro.png") as loaded:
        assert loaded.format == "PNG" and min(loaded.size) > 100


def test_pro_curve_of_the_binned_metrics_draws_their_aupro(tmp_path) -> None:
    generator = torch.Generator().manual_seed(1)
    masks = torch.zeros(3, 32, 32, dtype=torch.bool)
    masks[0, 5:15, 5:12] = True
    maps = torch.rand(3, 32, 32, generator=generator) + 0.5 * masks
    binned = BinnedPixelMetrics(-1.0, 3.0, bins=500)
    binned.update(maps, masks)
    area = save_pro_curve(tmp_path / "pro.png", *binned.pro_curve())
    assert area == pytest.approx(binned.compute()["pixel_aupro_30"], abs=1e-12)
