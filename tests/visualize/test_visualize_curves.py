"""ROC curve figure written off-screen."""

import matplotlib
import numpy as np
import pytest
from PIL import Image

from adbench.visualize import save_roc_curve


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
