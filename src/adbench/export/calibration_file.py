"""The [0, 1] normalisation as a small JSON next to an exported model, for the serving side.

The exported model already outputs normalised values; the file says what they mean (0 = normal,
0.5 = the fitted threshold, 1 = anomalous) and holds the raw statistics behind them, so a
client can map raw scores the same way or move the decision threshold knowingly.
"""

from __future__ import annotations

import json
import math
from pathlib import Path

from adbench.io import write_json_atomic
from adbench.postprocess import Calibration

FORMAT = "adbench-calibration/1"
FORMULA = "clip((raw - threshold) / (max - min) + 0.5, 0, 1)"


def calibration_record(calibration: Calibration) -> dict:
    """Plain numbers: per level (image, pixel) the validation threshold, min and max (pixel is
    null when validation had no masks; maps then use the image statistics)."""
    values = calibration.as_dict()
    levels: dict[str, dict[str, float] | None] = {}
    for level in ("image", "pixel"):
        stats = {name: values[f"{level}_{name}"] for name in ("threshold", "min", "max")}
        levels[level] = stats if all(math.isfinite(v) for v in stats.values()) else None
    map_level = "pixel" if levels["pixel"] else "image"  # as Calibration.normalize_maps does
    return {
        "format": FORMAT,
        "normalized": FORMULA,
        "decision_threshold": 0.5,
        "scores_use": "image",
        "maps_use": map_level,
        **levels,
    }


def write_calibration(path: Path, calibration: Calibration, **extra) -> Path:
    """Write the calibration record (plus `extra` fields, e.g. model and image size)."""
    write_json_atomic(path, {**calibration_record(calibration), **extra})
    return path


def normalize(raw: float, record: dict, output: str = "scores") -> float:
    """A raw value normalised as the exported model's `output` (scores or anomaly_maps) is,
    from a calibration record alone (plain Python, no torch)."""
    stats = record[record["scores_use" if output == "scores" else "maps_use"]]
    span = max(stats["max"] - stats["min"], 1e-12)
    return min(max((raw - stats["threshold"]) / span + 0.5, 0.0), 1.0)


def read_calibration(path: Path) -> dict:
    """The record written by write_calibration."""
    return json.loads(Path(path).read_text())
