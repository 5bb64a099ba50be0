"""Boxes on the test images in COCO format: another detector's, read so that its region metrics
stand beside adbench's (`eval.compare_to`), and adbench's own, written (`output.coco_boxes`).

The file: {"images": [{"id": 1, "file_name": "dent/000.png"}, ...], "annotations": [{"image_id":
1, "bbox": [x, y, width, height], "score": 0.93, "category_id": 1}, ...]} (category ignored). A
file name matches the test image whose path ends with it; give as much of the path as makes it
unique (MVTec's test/good/000.png and test/dent/000.png need their folder).
"""

from __future__ import annotations

import json
from collections.abc import Sequence
from pathlib import Path, PurePosixPath

import torch

from adbench.errors import AdbenchError
from adbench.io import write_json_atomic
from adbench.metrics.regions import Regions


def read_detector_boxes(path: str | Path, test_images: Sequence[str]) -> list[Regions]:
    """The file's boxes for each of `test_images` (none for an image it does not list)."""
    content = _load(path)
    images, annotations = content.get("images"), content.get("annotations")
    if not isinstance(images, list) or not isinstance(annotations, list):
        raise AdbenchError(
            f"eval.compare_to={path}: expected COCO JSON with 'images' and 'annotations' lists"
        )
    position = {}
    for entry in images:
        if not isinstance(entry, dict) or "id" not in entry or "file_name" not in entry:
            raise AdbenchError(
                f"eval.compare_to={path}: image entry {entry} needs id and file_name"
            )
        position[entry["id"]] = _test_image(path, entry["file_name"], test_images)
    boxes: list[list[list[float]]] = [[] for _ in test_images]
    scores: list[list[float]] = [[] for _ in test_images]
    for number, entry in enumerate(annotations):
        box, score = _checked_box(path, number, entry, position)
        boxes[position[entry["image_id"]]].append(box)
        scores[position[entry["image_id"]]].append(score)
    return [
        Regions(torch.tensor(b, dtype=torch.float32).reshape(-1, 4), torch.tensor(s))
        for b, s in zip(boxes, scores, strict=True)
    ]


def write_coco_boxes(path: Path, test_images: Sequence[str], found: Sequence[Regions]) -> None:
    """`found` (one Regions per test image) as COCO JSON in the format read above."""
    images = [{"id": index + 1, "file_name": name} for index, name in enumerate(test_images)]
    annotations = [
        {
            "image_id": index + 1,
            "bbox": [x1, y1, x2 - x1, y2 - y1],
            "score": score,
            "category_id": 1,
        }
        for index, regions in enumerate(found)
        for (x1, y1, x2, y2), score in zip(
            regions.boxes.tolist(), regions.scores.tolist(), strict=True
        )
    ]
    categories = [{"id": 1, "name": "anomaly"}]
    write_json_atomic(
        path, {"images": images, "annotations": annotations, "categories": categories}
    )


def _load(path: str | Path) -> dict:
    try:
        content = json.loads(Path(path).read_text())
    except (OSError, ValueError) as error:
        raise AdbenchError(f"eval.compare_to={path}: cannot read it as JSON: {error}") from error
    if not isinstance(content, dict):
        raise AdbenchError(f"eval.compare_to={path}: expected a COCO JSON object")
    return content


def _test_image(path: str | Path, file_name: object, test_images: Sequence[str]) -> int:
    """The position of the one test image whose path ends with `file_name`."""
    parts = PurePosixPath(str(file_name)).parts
    matches = [
        index
        for index, image in enumerate(test_images)
        if parts and Path(image).parts[-len(parts) :] == parts
    ]
    if not matches:
        raise AdbenchError(
            f"eval.compare_to={path}: image {file_name} is not in the test set: the file must "
            "describe the test images of this run"
        )
    if len(matches) > 1:
        raise AdbenchError(
            f"eval.compare_to={path}: image {file_name} matches {len(matches)} test images: "
            "give more of its path (e.g. its defect folder)"
        )
    return matches[0]


def _checked_box(
    path: str | Path, number: int, entry: object, position: dict
) -> tuple[list[float], float]:
    """([x1, y1, x2, y2], score) of annotation `number`, or a one-line error naming it."""
    problem = None
    if not isinstance(entry, dict):
        problem = "is not an object"
    elif entry.get("image_id") not in position:
        problem = f"has image_id {entry.get('image_id')}, which no image entry has"
    elif not _numbers(entry.get("bbox"), 4) or min(entry["bbox"][2:]) <= 0:
        problem = "needs bbox [x, y, width, height] with a positive width and height"
    elif not _numbers([entry.get("score")], 1):
        problem = "needs a numeric score"
    if problem:
        raise AdbenchError(f"eval.compare_to={path}: annotation {number} {problem}: {entry}")
    x, y, width, height = (float(value) for value in entry["bbox"])
    return [x, y, x + width, y + height], float(entry["score"])


def _numbers(values: object, count: int) -> bool:
    return (
        isinstance(values, list)
        and len(values) == count
        and all(isinstance(v, int | float) and not isinstance(v, bool) for v in values)
    )
