"""Another detector's boxes in COCO JSON: matched to the test images by file name, malformed
entries named, and adbench's own boxes written in the same format read back."""

from __future__ import annotations

import json

import pytest
import torch

from adbench.errors import AdbenchError
from adbench.metrics.detector_file import read_detector_boxes, write_coco_boxes
from adbench.metrics.regions import Regions, region_metrics

TEST_IMAGES = ["/d/cat/test/good/000.png", "/d/cat/test/dent/000.png", "/d/cat/test/dent/001.png"]


def coco(path, images, annotations):
    path.write_text(json.dumps({"images": images, "annotations": annotations}))
    return path


def test_boxes_reach_the_test_image_whose_path_ends_with_the_file_name(tmp_path):
    box = {"image_id": 7, "bbox": [1, 2, 3, 4], "score": 0.5, "category_id": 3}
    file = coco(tmp_path / "d.json", [{"id": 7, "file_name": "dent/000.png"}], [box])
    found = read_detector_boxes(file, TEST_IMAGES)
    assert [len(regions.boxes) for regions in found] == [0, 1, 0]
    assert found[1].boxes.tolist() == [[1, 2, 4, 6]] and found[1].scores.tolist() == [0.5]


@pytest.mark.parametrize(
    ("images", "annotations", "message"),
    [
        ([{"id": 1, "file_name": "000.png"}], [], "000.png matches 2 test images"),
        ([{"id": 1, "file_name": "scratch/000.png"}], [], "scratch/000.png is not in the test"),
        ([{"id": 1, "file_name": "good/000.png"}], [{"image_id": 2, "bbox": [0, 0, 1, 1],
                                                    "score": 1}], "annotation 0 has image_id 2"),
        ([{"id": 1, "file_name": "good/000.png"}], [{"image_id": 1, "bbox": [0, 0, 0, 1],
                                                    "score": 1}], "annotation 0 needs bbox"),
        ([{"id": 1, "file_name": "good/000.png"}], [{"image_id": 1, "bbox": [0, 0, 1, 1]}],
         "annotation 0 needs a numeric score"),
        ([{"file_name": "good/000.png"}], [], "needs id and file_name"),
    ],
)  # fmt: skip
def test_a_file_that_does_not_describe_the_test_images_is_one_line(
    tmp_path, images, annotations, message
):
    with pytest.raises(AdbenchError, match=f"eval.compare_to=.*{message}"):
        read_detector_boxes(coco(tmp_path / "d.json", images, annotations), TEST_IMAGES)


def test_written_boxes_read_back(tmp_path):
    found = [
        Regions(torch.tensor([[1.0, 2.0, 5.0, 9.0]]), torch.tensor([0.75])),
        Regions(torch.zeros(0, 4), torch.zeros(0)),
        Regions(
            torch.tensor([[0.0, 0.0, 2.0, 2.0], [3.0, 3.0, 4.0, 6.0]]), torch.tensor([1.0, 0.5])
        ),
    ]
    relative = ["good/000.png", "dent/000.png", "dent/001.png"]
    write_coco_boxes(tmp_path / "boxes.json", relative, found)
    again = read_detector_boxes(tmp_path / "boxes.json", TEST_IMAGES)
    for original, read in zip(found, again, strict=True):
        assert torch.equal(original.boxes, read.boxes)
        assert torch.equal(original.scores, read.scores)


def test_another_detector_and_the_union_are_measured_on_the_same_defects():
    masks = torch.zeros(2, 32, 32, dtype=torch.bool)
    masks[0, 4:12, 4:12] = True
    masks[1, 20:28, 20:28] = True
    maps = torch.zeros(2, 32, 32)
    maps[0, 4:12, 4:12] = 0.9  # adbench finds the first defect only
    other = [Regions(torch.zeros(0, 4), torch.zeros(0)),
             Regions(torch.tensor([[20.0, 20.0, 28.0, 28.0]]), torch.tensor([3.0]))]  # fmt: skip
    result = region_metrics(maps, masks, threshold=0.5, other=other)
    assert result["region_recall_at_threshold"] == 0.5
    assert result["detector_region_recall_at_threshold"] == 0.5
    assert result["detector_region_precision_at_threshold"] == 1.0
    assert result["union_region_recall_at_threshold"] == 1.0  # either flags each defect
    assert "union_region_map_50" not in result  # scores on two scales: no ranking
