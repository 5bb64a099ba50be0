"""What a run leaves in its directory: metrics.json, scores CSV, heatmaps, ROC and PRO curves."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import torch
from omegaconf import DictConfig, ListConfig

from adbench.data.geometry import resize_transform
from adbench.image_files import read_image
from adbench.io import write_csv_atomic, write_json_atomic
from adbench.methods.base import AnomalyModule
from adbench.methods.results import EvalResults, TestOutcome
from adbench.metrics.detector_file import write_coco_boxes
from adbench.metrics.evaluate import AD_MEAN_PARTS
from adbench.postprocess import Calibration
from adbench.report import write_report
from adbench.tables import format_metrics_table, format_table
from adbench.visualize import heatmap_panel, save_panel, save_pro_curve, save_roc_curve

CLASS_COLUMNS = (*AD_MEAN_PARTS, "ad_mean")  # the per-class table: the multi-class benchmarks'


def write_test_outputs(
    out_dir: Path,
    results: EvalResults,
    calibration: Calibration,
    roc: bool,
    pro_curve: tuple[np.ndarray, np.ndarray] | None = None,
) -> list[str]:
    """scores.csv (file, label, defect, raw, normalised, prediction; and class in a run over
    several), roc_curve.png and pro_curve.png (`roc`; the pass's `pro_curve` of the images with
    masks, when they hold a defect; the heatmaps are the pass's own); notes on figures that
    could not be written (the scores and metrics are not lost for them)."""
    data = results.stacked()
    normalized = calibration.normalize_scores(data["scores"])
    rows = [
        [path, int(label), defect, f"{raw:.6g}", f"{norm:.4f}", int(norm >= 0.5)]
        for path, label, defect, raw, norm in zip(
            results.paths, data["labels"].tolist(), results.defect_types,
            data["scores"].tolist(), normalized.tolist(), strict=True,
        )
    ]  # fmt: skip
    header = ["file", "label", "defect_type", "raw_score", "normalized_score", "prediction"]
    if results.classes():
        header.append("class")
        rows = [[*row, group] for row, group in zip(rows, results.groups, strict=True)]
    write_csv_atomic(out_dir / "scores.csv", header, rows)
    try:
        if roc and data["labels"].min() != data["labels"].max():
            labels = data["labels"].numpy()
            save_roc_curve(out_dir / "roc_curve.png", data["scores"].numpy(), labels, "image ROC")
        if roc and pro_curve is not None:
            save_pro_curve(out_dir / "pro_curve.png", *pro_curve)
    except OSError as error:
        return [figures_not_written(error)]
    return []


def figures_not_written(error: OSError) -> str:
    """The note of a figure (curve, heatmap) that could not be written."""
    return f"figures not written ({error}): the metrics and scores.csv are complete"


def write_predictions(
    out_dir: Path, paths: list[str], scores: torch.Tensor, maps: torch.Tensor,
    calibration: Calibration, heatmaps: bool, geometry: dict | None = None,
) -> None:  # fmt: skip
    """anomaly_scores.csv (file, raw score, normalised score, prediction) and heatmaps."""
    normalized = calibration.normalize_scores(scores)
    rows = [
        [path, f"{raw:.6g}", f"{norm:.4f}", int(norm >= 0.5)]
        for path, raw, norm in zip(paths, scores.tolist(), normalized.tolist(), strict=True)
    ]
    header = ["file", "raw_score", "normalized_score", "prediction"]
    write_csv_atomic(out_dir / "anomaly_scores.csv", header, rows)
    if heatmaps:
        masks = [None] * len(paths)
        write_heatmaps(out_dir / "heatmaps", paths, maps, calibration, masks, None, geometry)


def write_heatmaps(
    directory: Path,
    paths: list[str],
    maps: torch.Tensor,
    calibration: Calibration,
    masks: list[torch.Tensor | None],
    groups: list[str] | None = None,
    geometry: dict | None = None,
) -> None:
    """One panel per image at the model's size, the image brought there as the model saw it
    (`geometry`: dataset.resize and its fill), named after it (and its defect type, when images
    share names)."""
    normalized = calibration.normalize_maps(maps).numpy()
    geometry = geometry or {}
    for index, path in enumerate(paths):
        to_model_size = resize_transform(normalized[index].shape, **geometry)
        image = to_model_size(image=read_image(Path(path)))["image"]
        mask = masks[index]
        panel = heatmap_panel(image, normalized[index], None if mask is None else mask.numpy())
        name = Path(path).stem + ".png"
        save_panel(directory / (groups[index] if groups else "") / name, panel)


def write_test_report(
    cfg: DictConfig,
    out_dir: Path,
    module: AnomalyModule,
    test: TestOutcome,
    context: dict,
    timing: dict,
) -> None:
    """scores.csv, heatmaps, ROC and metrics.json (last: a run is complete once it exists) of
    `module`'s test pass, and its table on stdout."""
    figure_notes = write_test_outputs(
        out_dir, test.results, module.calibration, cfg.output.roc_curve, test.pro_curve
    )
    if cfg.output.coco_boxes and test.boxes is not None:
        write_coco_boxes(out_dir / "coco_boxes.json", test.results.paths, test.boxes)
    summary = {
        "model": module.name,
        "dataset": dataset_name(cfg),
        "metrics": test.metrics,
        **({"classes": test.per_class} if test.per_class else {}),
        **context,
        "notes": test.notes + figure_notes,
        "calibration": module.calibration.as_dict(),
        "timing": {
            **timing,
            "test_seconds": round(test.seconds, 2),
            "test_images": len(test.results),
        },
    }
    write_json_atomic(out_dir / "metrics.json", summary)
    print(format_metrics_table(test.metrics, title=f"{module.name} on {summary['dataset']}"))
    if test.per_class:
        print(class_table(test.metrics, test.per_class))
    if "detector_region_f1_at_threshold" in test.metrics:
        print(comparison_table(test.metrics, module.name, cfg.eval.compare_to))
    for note in summary["notes"]:
        print(f"note: {note}")
    if cfg.output.report:
        try:
            print(f"report: {write_report(out_dir)}")
        except Exception as error:  # the results stand without their page
            print(f"note: report.html not written: {type(error).__name__}: {error}")
    print(f"outputs: {out_dir}")


def class_table(overall: dict[str, float], per_class: dict[str, dict[str, float]]) -> str:
    """A row per class of a run over several, then the overall row, in the headline metrics."""
    columns = [key for key in CLASS_COLUMNS if key in overall]
    rows = [[name, *(figures.get(key) for key in columns)] for name, figures in per_class.items()]
    rows.append(["all classes", *(overall[key] for key in columns)])
    return format_table(["class", *columns], rows, title="Per class (one model)")


def comparison_table(metrics: dict[str, float], method: str, other: str) -> str:
    """adbench's region metrics beside the other detector's and their union's (eval.compare_to)."""
    columns = ["region_map_50", "region_map_50_95", "region_precision_at_threshold",
               "region_recall_at_threshold", "region_f1_at_threshold"]  # fmt: skip
    rows = [
        [name, *(metrics.get(prefix + column) for column in columns)]
        for name, prefix in ((method, ""), (other, "detector_"), ("union", "union_"))
    ]
    header = ["detector", "mAP@0.5", "mAP@0.5:0.95", "precision", "recall", "F1"]
    return format_table(header, rows, title="Regions, side by side (eval.compare_to)")


def dataset_name(cfg: DictConfig) -> str:
    """e.g. `mvtec/bottle`: the datamodule's kind and its category (`mvtec/bottle+cable` for a
    model over several)."""
    category = cfg.dataset.get("category")
    if isinstance(category, ListConfig):
        category = "+".join(map(str, category))
    return f"{cfg.dataset._target_.rsplit('.', 1)[-1].removesuffix('DataModule').lower()}" + (
        f"/{category}" if category else ""
    )
