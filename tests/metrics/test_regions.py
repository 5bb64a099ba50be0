"""Region metrics: components of a thresholded map as scored boxes, matched with the mask's."""

from __future__ import annotations

import numpy as np
import pytest
import torch

from adbench.metrics.regions import region_metrics, regions_of


def test_regions_are_the_components_boxed_in_pixel_edges_and_scored_by_their_maximum():
    mask = np.zeros((20, 20), dtype=bool)
    mask[2:5, 3:8] = True  # rows 2-4, columns 3-7
    mask[10:12, 10:11] = True  # 2 pixels: below min_area
    mask[15, 15] = mask[16, 16] = True  # diagonal neighbours: one 8-connected region
    values = np.zeros((20, 20), dtype=np.float32)
    values[3, 4], values[16, 16] = 7.0, 2.0
    regions = regions_of(mask, values, min_area=2)
    assert regions.boxes.tolist() == [[3, 2, 8, 5], [10, 10, 11, 12], [15, 15, 17, 17]]
    assert regions.scores.tolist() == [7.0, 0.0, 2.0]
    assert len(regions_of(mask, values, min_area=3).boxes) == 1


def defect_maps() -> tuple[torch.Tensor, torch.Tensor]:
    """Two images: a defect the map finds exactly, and a normal image with a false alarm."""
    masks = torch.zeros(2, 32, 32, dtype=torch.bool)
    masks[0, 4:12, 4:12] = True
    maps = torch.zeros(2, 32, 32)
    maps[0, 4:12, 4:12] = 0.9
    maps[1, 20:26, 20:26] = 0.8
    return maps, masks


def test_a_found_defect_and_a_false_alarm_halve_the_precision():
    maps, masks = defect_maps()
    result = region_metrics(maps, masks, threshold=0.5)
    assert result["region_recall_at_threshold"] == 1.0
    assert result["region_precision_at_threshold"] == 0.5
    assert result["region_f1_at_threshold"] == pytest.approx(2 / 3)
    assert result["segmentation_iou_at_threshold"] == pytest.approx(64 / (64 + 36))
    assert result["region_map_50"] == pytest.approx(1.0)  # the true box ranks first


def test_a_threshold_above_the_false_alarm_leaves_a_perfect_detector():
    maps, masks = defect_maps()
    result = region_metrics(maps, masks, threshold=0.85)
    assert result["region_precision_at_threshold"] == result["region_recall_at_threshold"] == 1
    assert result["segmentation_iou_at_threshold"] == 1.0
    assert result["region_map_50_95"] == pytest.approx(1.0)


def test_a_box_that_overlaps_too_little_is_a_miss():
    maps, masks = defect_maps()
    maps[0] = 0
    maps[0, 8:16, 8:16] = 0.9  # IoU with the defect 16 / 112 < 0.5
    result = region_metrics(maps[:1], masks[:1], threshold=0.5)
    assert result["region_recall_at_threshold"] == 0.0
    assert result["region_map_50"] == 0.0


def test_masks_without_a_defect_are_refused():
    with pytest.raises(ValueError, match="no defect region"):
        region_metrics(torch.rand(1, 8, 8), torch.zeros(1, 8, 8, dtype=torch.bool), 0.5)
