"""Collecting a model's outputs over an evaluation set, and the numbers drawn from them."""

from __future__ import annotations

from dataclasses import dataclass, field
from pathlib import Path

import numpy as np
import torch

from adbench.metrics import ad_mean, image_metrics, metrics_at_threshold
from adbench.metrics.binned import BinnedPixelMetrics
from adbench.metrics.detector_file import read_detector_boxes
from adbench.metrics.pixel_tally import PixelTally
from adbench.metrics.regions import Regions, RegionSettings, RegionTally
from adbench.metrics.thresholded import ThresholdTally
from adbench.postprocess import Calibration

# validation image scores spread over less than this share of their size: float32 rounding
# (~1e-7 of it) is then amplified 1e3 times or more by the normalisation
NEARLY_FLAT = 1e-4


@dataclass
class EvalResults:
    """Per-image outputs of one pass over a dataset, kept on the CPU: the maps and masks only
    with `keep_maps` (a streamed test pass measures them batch by batch instead)."""

    paths: list[str] = field(default_factory=list)
    defect_types: list[str] = field(default_factory=list)
    groups: list[str] = field(default_factory=list)  # each image's class ("": one class)
    labels: list[torch.Tensor] = field(default_factory=list)
    scores: list[torch.Tensor] = field(default_factory=list)
    maps: list[torch.Tensor] = field(default_factory=list)
    masks: list[torch.Tensor] = field(default_factory=list)
    has_mask: list[torch.Tensor] = field(default_factory=list)
    keep_maps: bool = True

    def add(self, batch: dict, scores: torch.Tensor, maps: torch.Tensor) -> None:
        self.paths += list(batch["path"])
        self.defect_types += list(batch.get("defect_type", ["unknown"] * len(scores)))
        self.groups += list(batch.get("group", [""] * len(scores)))
        self.scores.append(scores.detach().float().cpu())
        if self.keep_maps:
            self.maps.append(maps.detach().float().cpu()[:, 0])
        if "label" in batch:
            self.labels.append(torch.as_tensor(batch["label"]).cpu())
            if self.keep_maps:
                self.masks.append(batch["mask"].detach().cpu()[:, 0] > 0.5)
            self.has_mask.append(torch.as_tensor(batch["has_mask"]).cpu())

    def __len__(self) -> int:
        return len(self.paths)

    def classes(self) -> list[str]:
        """The classes of a run over several (dataset.category=[a,b]), in order; [] for one."""
        names = list(dict.fromkeys(self.groups))
        return names if len(names) > 1 or (names and names[0]) else []

    def subset(self, keep: list[int]) -> EvalResults:
        """The results of the images at `keep` (indices into this pass, in that order)."""
        data = self.stacked()
        part = EvalResults(
            paths=[self.paths[i] for i in keep],
            defect_types=[self.defect_types[i] for i in keep],
            groups=[self.groups[i] for i in keep],
            keep_maps=self.keep_maps,
        )
        index = torch.as_tensor(keep, dtype=torch.long)
        for key, tensor in data.items():
            getattr(part, key).append(tensor[index])
        return part

    def stacked(self) -> dict[str, torch.Tensor]:
        """Concatenated tensors: scores (N,), labels and has_mask when known, and with
        `keep_maps` maps (N,H,W) and masks."""
        out = {"scores": torch.cat(self.scores)}
        if self.labels:
            out |= {"labels": torch.cat(self.labels), "has_mask": torch.cat(self.has_mask).bool()}
        if self.keep_maps:
            out["maps"] = torch.cat(self.maps)
            if self.labels:
                out["masks"] = torch.cat(self.masks)
        return out


@dataclass(frozen=True)
class TestOutcome:
    """What one test pass measured."""

    __test__ = False  # not a pytest test class

    results: EvalResults  # per image: path, defect type, class, label, raw score, map, mask
    metrics: dict[str, float]
    notes: list[str] = field(default_factory=list)
    per_class: dict[str, dict[str, float]] = field(default_factory=dict)  # several classes
    pro_curve: tuple[np.ndarray, np.ndarray] | None = None  # (FPR, PRO) of the masked images
    boxes: list[Regions] | None = None  # per image, the regions at eval.region_threshold
    seconds: float = 0.0


def new_pixel_tally(
    calibration: Calibration | None,
    regions: RegionSettings | None = None,
    bins: int | None = None,
) -> PixelTally:
    """A PixelTally for an evaluation: binned with `bins` (a histogram whose range follows the
    test maps, as validation's does), else exact; with a fitted calibration also the figures at
    its pixel threshold, and with `regions` the region metrics at theirs."""
    binned = BinnedPixelMetrics.growing(bins) if bins else None
    thresholds = calibration.thresholds() if calibration is not None else None
    if not thresholds:
        return PixelTally(binned)
    at_threshold = ThresholdTally(thresholds["pixel"], "pixel")
    region_tally = None
    if regions is not None:
        region_tally = RegionTally(calibration.raw_map_value(regions.threshold), regions.min_area)
    return PixelTally(binned, at_threshold, region_tally)


def compute_metrics(
    results: EvalResults,
    calibration: Calibration | None = None,
    regions: RegionSettings | None = None,
    detector_boxes: list | None = None,
    tally: PixelTally | None = None,
) -> tuple[dict[str, float], list[str]]:
    """Image metrics, and pixel metrics over the images that have exact masks: from `tally`,
    fed with them during the pass, or else exact from the results' maps. With a fitted
    calibration also F1, precision and recall at its thresholds, and with `regions` the region
    metrics at that threshold (metrics/regions.py), beside those of the detector boxes of
    `regions.compare_to` (read here unless given, one list per image).

    Returns the metrics and notes on what was skipped and why (never a faked figure).
    """
    data = results.stacked()
    notes: list[str] = []
    labels = data["labels"]
    if labels.min() == labels.max():
        kind = "anomalous" if labels[0] else "normal"
        return {}, [f"all {len(labels)} images are {kind}: AUROC and F1 are undefined"]
    metrics = image_metrics(data["scores"], labels)
    thresholds = calibration.thresholds() if calibration is not None else None
    if thresholds:
        metrics |= metrics_at_threshold(data["scores"], labels, thresholds["image"], "image")
        notes += flat_calibration_notes(calibration)
    with_mask = data["has_mask"]
    unmasked = [path for path, label, known in zip(results.paths, labels, with_mask, strict=True)
                if label == 1 and not known]  # fmt: skip
    if unmasked:
        names = ", ".join(Path(path).name for path in unmasked[:3])
        more = f" and {len(unmasked) - 3} more" if len(unmasked) > 3 else ""
        notes.append(f"{len(unmasked)} anomalous images have no mask ({names}{more})")
    if not bool(with_mask[labels == 1].any()):
        notes.append("no anomalous image has a pixel mask: pixel metrics skipped")
        return metrics | ad_mean(metrics), notes
    if not bool(with_mask.all()):
        notes.append(f"pixel metrics over the {int(with_mask.sum())} images with masks")
    if tally is None:
        tally = new_pixel_tally(calibration, regions)
        tally.update(data["maps"][with_mask], data["masks"][with_mask])
    other = None
    if tally.regions is not None and regions is not None and regions.compare_to:
        boxes = detector_boxes  # its boxes on every test image, then those with masks
        if boxes is None:
            boxes = read_detector_boxes(regions.compare_to, results.paths)
        other = [found for found, known in zip(boxes, with_mask, strict=True) if known]
    pixel, pixel_notes = tally.compute(other)
    metrics |= pixel
    return metrics | ad_mean(metrics), notes + pixel_notes


def compute_class_metrics(
    results: EvalResults,
    calibration: Calibration | None = None,
    regions: RegionSettings | None = None,
    tallies: dict[str, PixelTally] | None = None,
) -> tuple[dict[str, dict[str, float]], list[str]]:
    """compute_metrics for each class of a run over several (dataset.category=[a,b]), with the
    one calibration they share (and each class's pixel `tallies`, by class name); {} for a
    run over one class. Notes name their class."""
    boxes = None
    if regions is not None and regions.compare_to and results.classes():
        boxes = read_detector_boxes(regions.compare_to, results.paths)
    per_class, notes = {}, []
    for name in results.classes():
        keep = [index for index, group in enumerate(results.groups) if group == name]
        chosen = [boxes[index] for index in keep] if boxes is not None else None
        metrics, class_notes = compute_metrics(
            results.subset(keep), calibration, regions, chosen, (tallies or {}).get(name)
        )
        per_class[name] = metrics
        notes += [f"class {name}: {note}" for note in class_notes]
    return per_class, notes


def flat_calibration_notes(calibration: Calibration) -> list[str]:
    """A note when the validation image scores (hence the normalisation) hardly differ."""
    low, high = float(calibration.image_min), float(calibration.image_max)
    if low == high:
        return [
            f"every validation image scored {low:.6g}: the model cannot tell images apart "
            "(blank or constant training images?), so normalised scores and predictions carry "
            "no information"
        ]
    if high - low <= NEARLY_FLAT * max(abs(low), abs(high)):
        return [
            f"the validation image scores span only {high - low:.2g} (from {low:.6g}): the "
            "model barely tells images apart (trained too little?), so normalised scores and "
            "predictions are mostly rounding noise"
        ]
    return []
