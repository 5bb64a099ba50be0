"""Defect regions, judged as a detector's boxes are: the connected components of a thresholded
anomaly map become scored boxes (score = the map's maximum inside), those of the ground-truth
mask the boxes to find; COCO mAP (torchmetrics' MeanAveragePrecision), precision, recall and
F1 of the boxes matched at IoU 0.5, and the segmentation's IoU, all at one threshold."""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
import torch
from scipy import ndimage
from torch import Tensor
from torchmetrics.detection import MeanAveragePrecision
from torchvision.ops import box_iou

MATCH_IOU = 0.5  # a predicted box finds a defect when their IoU reaches this
_EIGHT_CONNECTED = np.ones((3, 3), dtype=bool)


@dataclass(frozen=True)
class RegionSettings:
    """conf/config.yaml's `eval:`: the threshold on normalised maps (0.5: the fitted one) and
    the smallest region kept, in pixels."""

    threshold: float = 0.5
    min_area: int = 16


@dataclass(frozen=True)
class Regions:
    boxes: Tensor  # (K, 4) float x1, y1, x2, y2 in pixel edges (a pixel is a 1x1 box)
    scores: Tensor  # (K,) the map's maximum inside each region (1 for ground truth)


def regions_of(mask: np.ndarray, values: np.ndarray | None = None, min_area: int = 1) -> Regions:
    """The 8-connected components of a (H, W) bool mask of at least `min_area` pixels as boxes,
    scored by the maximum of `values` inside each (1 without `values`)."""
    labelled, _ = ndimage.label(mask, structure=_EIGHT_CONNECTED)
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


def region_metrics(
    maps: Tensor, masks: Tensor, threshold: float, min_area: int = 1
) -> dict[str, float]:
    """Region metrics of (N, H, W) maps against (N, H, W) bool masks at `threshold` (in the
    maps' units): `region_map_50`, `region_map_50_95`, `region_{precision,recall,f1}_at_threshold`
    and `segmentation_iou_at_threshold`. The masks must hold at least one defect."""
    predicted = maps >= threshold
    found, targets = [], []
    true_positives = n_predicted = n_defects = 0
    for anomaly_map, flagged, mask in zip(
        maps.numpy(), predicted.numpy(), masks.numpy(), strict=True
    ):
        prediction = regions_of(flagged, anomaly_map, min_area)
        truth = regions_of(mask)
        found.append({"boxes": prediction.boxes, "scores": prediction.scores,
                      "labels": torch.zeros(len(prediction.scores), dtype=torch.long)})  # fmt: skip
        targets.append(
            {"boxes": truth.boxes, "labels": torch.zeros(len(truth.boxes), dtype=torch.long)}
        )
        true_positives += matched_pairs(prediction, truth)
        n_predicted += len(prediction.boxes)
        n_defects += len(truth.boxes)
    if n_defects == 0:
        raise ValueError("the masks hold no defect region")
    coco = MeanAveragePrecision(box_format="xyxy", iou_type="bbox")
    coco.update(found, targets)
    result = coco.compute()
    precision = true_positives / n_predicted if n_predicted else 0.0
    recall = true_positives / n_defects
    f1 = 2 * precision * recall / (precision + recall) if true_positives else 0.0
    overlap = (predicted & masks).sum().item()
    union = (predicted | masks).sum().item()
    return {
        "region_map_50": float(result["map_50"]),
        "region_map_50_95": float(result["map"]),
        "region_precision_at_threshold": precision,
        "region_recall_at_threshold": recall,
        "region_f1_at_threshold": f1,
        "segmentation_iou_at_threshold": overlap / union,
    }


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
