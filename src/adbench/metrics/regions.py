"""Defect regions, judged as a detector's boxes are: the connected components of a thresholded
anomaly map become scored boxes (score = the map's maximum inside), those of the ground-truth
mask the boxes to find; COCO mAP (torchmetrics' MeanAveragePrecision), precision, recall and
F1 of the boxes matched at IoU 0.5, and the segmentation's IoU, all at one threshold."""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
import torch
from omegaconf import DictConfig
from scipy import ndimage
from torch import Tensor
from torchmetrics.detection import MeanAveragePrecision
from torchvision.ops import box_iou

from adbench.metrics.aupro import label_regions

MATCH_IOU = 0.5  # a predicted box finds a defect when their IoU reaches this


@dataclass(frozen=True)
class RegionSettings:
    """conf/config.yaml's `eval:`: the threshold on normalised maps (0.5: the fitted one) and
    the smallest region kept, in pixels."""

    threshold: float = 0.5
    min_area: int = 16
    compare_to: str | None = None  # another detector's boxes (metrics/detector_file.py)

    @classmethod
    def from_config(cls, settings: DictConfig) -> RegionSettings:
        """From conf/config.yaml's `eval:` node."""
        return cls(settings.region_threshold, settings.region_min_area, settings.compare_to)


@dataclass(frozen=True)
class Regions:
    boxes: Tensor  # (K, 4) float x1, y1, x2, y2 in pixel edges (a pixel is a 1x1 box)
    scores: Tensor  # (K,) the map's maximum inside each region (1 for ground truth)


def regions_of(mask: np.ndarray, values: np.ndarray | None = None, min_area: int = 1) -> Regions:
    """The 8-connected components of a (H, W) bool mask of at least `min_area` pixels as boxes,
    scored by the maximum of `values` inside each (1 without `values`)."""
    labelled = label_regions(mask[None])[0][0]  # the same connectivity as AUPRO's regions
    boxes, scores = [], []
    for index, found in enumerate(ndimage.find_objects(labelled), start=1):
        if found is None:
            continue
        inside = labelled[found] == index
        if inside.sum() < min_area:
            continue
        rows, columns = found
        boxes.append([columns.start, rows.start, columns.stop, rows.stop])
        scores.append(1.0 if values is None else float(values[found][inside].max()))
    return Regions(
        torch.tensor(boxes, dtype=torch.float32).reshape(-1, 4),
        torch.tensor(scores, dtype=torch.float32),
    )


class RegionTally:
    """Region metrics fed batch by batch: per image the regions found and the true ones (a few
    boxes each), and the pixel counts of the segmentation's IoU; the maps are not kept."""

    def __init__(self, threshold: float, min_area: int = 1) -> None:
        self.threshold = threshold  # in the maps' units
        self.min_area = min_area
        self.found: list[Regions] = []
        self.truths: list[Regions] = []
        self.overlap = self.union = 0

    def update(self, maps: Tensor, masks: Tensor, found: list[Regions] | None = None) -> None:
        """Add (B, H, W) maps with their (B, H, W) bool masks (`found`: their map_regions at this
        tally's threshold and min_area, when already drawn)."""
        predicted = maps >= self.threshold
        self.overlap += int((predicted & masks).sum())
        self.union += int((predicted | masks).sum())
        self.found += (
            found if found is not None else map_regions(maps, self.threshold, self.min_area)
        )
        self.truths += truth_regions(masks)

    def compute(self, other: list[Regions] | None = None) -> dict[str, float]:
        """Those of detection_metrics and `segmentation_iou_at_threshold`. With `other` (another
        detector's boxes on the same images) also its detection metrics (`detector_`) and those
        of the union of both detectors' boxes (`union_`: either flags it; unranked, as the two
        scores are not on one scale)."""
        metrics = detection_metrics(self.found, self.truths)
        metrics["segmentation_iou_at_threshold"] = self.overlap / self.union
        if other is not None:
            either = [
                Regions(torch.cat([a.boxes, b.boxes]), torch.cat([a.scores, b.scores]))
                for a, b in zip(self.found, other, strict=True)
            ]
            metrics |= _prefixed("detector_", detection_metrics(other, self.truths))
            metrics |= _prefixed("union_", detection_metrics(either, self.truths, ranked=False))
        return metrics


def region_metrics(
    maps: Tensor,
    masks: Tensor,
    threshold: float,
    min_area: int = 1,
    other: list[Regions] | None = None,
) -> dict[str, float]:
    """RegionTally's figures of (N, H, W) maps against (N, H, W) bool masks at `threshold` (in
    the maps' units), all at once."""
    tally = RegionTally(threshold, min_area)
    tally.update(maps, masks)
    return tally.compute(other)


def map_regions(maps: Tensor, threshold: float, min_area: int = 1) -> list[Regions]:
    """The regions of each of (N, H, W) maps at `threshold`, scored by the map inside."""
    return [
        regions_of(anomaly_map >= threshold, anomaly_map, min_area) for anomaly_map in maps.numpy()
    ]


def truth_regions(masks: Tensor) -> list[Regions]:
    """The defects of (N, H, W) bool masks as boxes."""
    return [regions_of(mask) for mask in masks.numpy()]


def detection_metrics(
    found: list[Regions], truths: list[Regions], ranked: bool = True
) -> dict[str, float]:
    """Per image the boxes found and the true ones: `region_map_50` and `region_map_50_95` (COCO
    mAP; with `ranked`, i.e. when the scores of all boxes are comparable) and
    `region_{precision,recall,f1}_at_threshold` of the boxes matched at IoU MATCH_IOU."""
    n_defects = sum(len(truth.boxes) for truth in truths)
    if n_defects == 0:
        raise ValueError("the masks hold no defect region")
    true_positives = sum(matched_pairs(p, t) for p, t in zip(found, truths, strict=True))
    n_found = sum(len(prediction.boxes) for prediction in found)
    precision = true_positives / n_found if n_found else 0.0
    recall = true_positives / n_defects
    f1 = 2 * precision * recall / (precision + recall) if true_positives else 0.0
    metrics = {}
    if ranked:
        coco = MeanAveragePrecision(box_format="xyxy", iou_type="bbox")
        coco.update([_coco(regions) for regions in found], [_coco(truth) for truth in truths])
        result = coco.compute()
        metrics = {
            "region_map_50": float(result["map_50"]),
            "region_map_50_95": float(result["map"]),
        }
    return metrics | {
        "region_precision_at_threshold": precision,
        "region_recall_at_threshold": recall,
        "region_f1_at_threshold": f1,
    }


def _prefixed(prefix: str, metrics: dict[str, float]) -> dict[str, float]:
    return {prefix + key: value for key, value in metrics.items()}


def _coco(regions: Regions) -> dict[str, Tensor]:
    """torchmetrics' box dictionary (one class)."""
    labels = torch.zeros(len(regions.boxes), dtype=torch.long)
    return {"boxes": regions.boxes, "scores": regions.scores, "labels": labels}


def matched_pairs(prediction: Regions, truth: Regions) -> int:
    """Predicted boxes matched one-to-one with true ones at IoU >= MATCH_IOU, highest score
    first (each true box is found at most once)."""
    if not len(prediction.boxes) or not len(truth.boxes):
        return 0
    overlaps = box_iou(prediction.boxes, truth.boxes)
    taken = torch.zeros(len(truth.boxes), dtype=torch.bool)
    matched = 0
    for row in torch.argsort(prediction.scores, descending=True).tolist():
        candidates = overlaps[row].masked_fill(taken, -1.0)
        best = int(candidates.argmax())
        if candidates[best] >= MATCH_IOU:
            taken[best] = True
            matched += 1
    return matched
