"""Heatmap panels: layout, colours, outlines and PNG round trip."""

import numpy as np
import pytest
from PIL import Image

from adbench.visualize import heatmap_panel, save_panel
from adbench.visualize.heatmap import PREDICTION_COLOR, colorize, outline

H, W = 32, 48


def inputs() -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    rng = np.random.default_rng(0)
    image = rng.integers(0, 256, (H, W, 3), dtype=np.uint8)
    anomaly_map = np.zeros((H, W), dtype=np.float32)
    anomaly_map[8:20, 10:30] = 0.9
    mask = np.zeros((H, W), dtype=bool)
    mask[10:18, 12:28] = True
    return image, anomaly_map, mask


def test_panel_with_mask_has_three_views() -> None:
    image, anomaly_map, mask = inputs()
    panel = heatmap_panel(image, anomaly_map, mask)
    assert panel.shape == (H, 3 * W, 3)
    assert panel.dtype == np.uint8
    np.testing.assert_array_equal(panel[:, :W], image)
    assert not np.array_equal(panel[:, W : 2 * W], image)  # ground truth drawn


def test_panel_without_mask_has_two_views() -> None:
    image, anomaly_map, _ = inputs()
    panel = heatmap_panel(image, anomaly_map, None)
    assert panel.shape == (H, 2 * W, 3)
    assert panel.dtype == np.uint8


def test_predicted_region_outlined_at_threshold() -> None:
    image, anomaly_map, _ = inputs()
    heat = heatmap_panel(image, anomaly_map, None)[:, W:]
    assert tuple(heat[8, 15]) == PREDICTION_COLOR  # top edge of the map >= 0.5 region
    assert tuple(heat[14, 20]) != PREDICTION_COLOR  # interior: heatmap blend, blue <= 128
    no_region = heatmap_panel(image, anomaly_map, None, threshold=0.95)[:, W:]
    assert not np.array_equal(no_region, heat)


def test_grayscale_image_accepted() -> None:
    _, anomaly_map, mask = inputs()
    gray = np.full((H, W), 128, dtype=np.uint8)
    assert heatmap_panel(gray, anomaly_map, mask).shape == (H, 3 * W, 3)


@pytest.mark.parametrize(
    ("image", "anomaly_map", "mask", "message"),
    [
        (np.zeros((H, W, 3), np.float32), np.zeros((H, W)), None, "uint8"),
        (np.zeros((H, W, 4), np.uint8), np.zeros((H, W)), None, "HxWx3"),
        (np.zeros((H, W, 3), np.uint8), np.zeros((H, W + 1)), None, "anomaly_map"),
        (np.zeros((H, W, 3), np.uint8), np.zeros((H, W)), np.zeros((H + 1, W), bool), "mask"),
    ],
)
def test_bad_inputs_raise(image, anomaly_map, mask, message) -> None:
    with pytest.raises(ValueError, match=message):
        heatmap_panel(image, anomaly_map, mask)


def test_colorize_clips_and_uses_jet() -> None:
    colours = colorize(np.array([[-1.0, 0.0, 1.0, 2.0, np.nan]]))
    assert colours.shape == (1, 5, 3) and colours.dtype == np.uint8
    np.testing.assert_array_equal(colours[0, 0], colours[0, 1])  # clipped to 0: dark blue
    np.testing.assert_array_equal(colours[0, 2], colours[0, 3])  # clipped to 1: dark red
    assert colours[0, 1, 2] > colours[0, 1, 0] and colours[0, 2, 0] > colours[0, 2, 2]


def test_outline_is_the_inner_boundary() -> None:
    region = np.zeros((7, 7), dtype=bool)
    region[1:6, 1:6] = True
    ring = outline(region)
    assert ring.sum() == 16 and not ring[3, 3]
    assert outline(np.zeros((3, 3), dtype=bool)).sum() == 0


def test_save_panel_round_trip(tmp_path) -> None:
    image, anomaly_map, mask = inputs()
    panel = heatmap_panel(image, anomaly_map, mask)
    path = tmp_path / "nested" / "dir" / "panel.png"
    save_panel(path, panel)
    with Image.open(path) as loaded:
        assert loaded.format == "PNG"
        np.testing.assert_array_equal(np.asarray(loaded.convert("RGB")), panel)


def test_save_panel_rejects_non_rgb(tmp_path) -> None:
    with pytest.raises(ValueError, match="HxWx3 uint8"):
        save_panel(tmp_path / "x.png", np.zeros((4, 4), dtype=np.uint8))
