"""The machinery shared by the generated datasets: validation, MVTec tree, staging, install."""

from __future__ import annotations

import json
import re
from pathlib import Path
from typing import ClassVar

import numpy as np
import pytest
from PIL import Image

from adbench.data import RealPhotosDataModule, SyntheticDataModule, generated_tree
from adbench.data.generated_tree import (
    MARKER_NAME,
    GenerationParams,
    ensure_mvtec_tree,
    ensure_tree,
    require_int,
)
from adbench.errors import AdbenchError


class DemoParams(GenerationParams):
    MARKER_HEADER: ClassVar[dict[str, object]] = {"generator": "demo", "defects": ["dot"]}


def render_normal(category: str, *, split: str, index: int, seed: int, image_size: int):
    return np.full((image_size, image_size, 3), 10 * index + seed, dtype=np.uint8)


def render_defect(category: str, defect: str, *, index: int, seed: int, image_size: int):
    clean = render_normal(
        category, split="test/good", index=index, seed=seed, image_size=image_size
    )
    mask = np.zeros((image_size, image_size), dtype=bool)
    mask[: index + 1, : index + 1] = True
    defective = np.where(mask[..., None], 255, clean).astype(np.uint8)
    return clean, defective, mask


def files(directory: Path) -> list[str]:
    return sorted(str(p.relative_to(directory)) for p in directory.rglob("*") if p.is_file())


def test_validated_params_are_plain_ints_of_the_subclass() -> None:
    params = DemoParams("cat", np.int64(40), 2, 1, 1, 0).validated("demo", 32)
    assert type(params) is DemoParams and type(params.image_size) is int
    marker = params.marker()
    sizes = {"image_size": 40, "n_train": 2, "n_test_good": 1, "n_test_per_defect": 1, "seed": 0}
    assert marker == {"generator": "demo", "defects": ["dot"], "category": "cat", **sizes}
    marker["defects"].append("stripe")  # markers are copies: the header stays intact
    assert params.marker()["defects"] == ["dot"]


@pytest.mark.parametrize("value", [True, 1.0, "3", 31])
def test_require_int_names_the_dataset_and_the_value(value) -> None:
    with pytest.raises(
        AdbenchError, match=f"^{re.escape(f'demo dataset image_size={value!r} must be an')}"
    ):
        require_int("demo", "image_size", value, 32)


def test_mvtec_tree_is_written_once_and_regenerated_when_the_marker_changes(tmp_path) -> None:
    params = DemoParams("cat", 8, 2, 1, 2, 0).validated("demo", 8)
    base = ensure_mvtec_tree(tmp_path, params, ("dot",), render_normal, render_defect, "demo")
    assert base == tmp_path / "cat" and [p.name for p in tmp_path.iterdir()] == ["cat"]
    expected = ["train/good/000.png", "train/good/001.png", "test/good/000.png"]
    expected += ["test/dot/000.png", "test/dot/001.png"]
    expected += ["ground_truth/dot/000_mask.png", "ground_truth/dot/001_mask.png"]
    assert files(base) == sorted([*expected, MARKER_NAME])
    with Image.open(base / "ground_truth/dot/001_mask.png") as mask:
        assert mask.mode == "L" and int(np.asarray(mask).sum()) == 4 * 255
    assert json.loads((base / MARKER_NAME).read_text()) == params.marker()

    def fail(directory: Path) -> None:
        raise AssertionError("a complete tree must not be rewritten")

    assert ensure_tree(tmp_path, "cat", params.marker(), fail, "demo") == base
    ensure_tree(tmp_path, "cat", {"other": 1}, lambda d: (d / "x.txt").write_text("x"), "demo")
    assert files(base) == sorted(["x.txt", MARKER_NAME])
    assert [p.name for p in tmp_path.iterdir()] == ["cat"]


def test_unwritable_root_is_a_one_line_error_naming_the_dataset(tmp_path) -> None:
    root = tmp_path / "file"
    root.write_text("not a folder")
    with pytest.raises(AdbenchError, match=r"^cannot write the demo dataset under") as caught:
        ensure_tree(root, "cat", {}, lambda directory: None, "demo")
    assert "\n" not in str(caught.value)


def test_a_target_that_cannot_be_replaced_is_reported(tmp_path, monkeypatch) -> None:
    (tmp_path / "cat").mkdir()
    (tmp_path / "cat" / "busy.txt").write_text("in the way")
    monkeypatch.setattr(generated_tree, "discard_tree", lambda directory: None)
    with pytest.raises(AdbenchError, match=r"could not install the demo dataset at .*changing"):
        ensure_tree(tmp_path, "cat", {}, lambda directory: None, "demo")
    assert [p.name for p in tmp_path.iterdir()] == ["cat"]  # the staging folder is removed


@pytest.mark.parametrize(
    ("module", "defaults"),
    [(SyntheticDataModule, (256, 80, 20, 8)), (RealPhotosDataModule, (256, 60, 20, 5))],
)
def test_generated_datamodules_keep_their_defaults_and_cache_folders(module, defaults) -> None:
    keys = ("image_size", "n_train", "n_test_good", "n_test_per_defect")
    assert module("/cache", "cat").generation == dict(zip(keys, defaults, strict=True))
    custom = module("/cache", "cat", source_size=48, n_train=4, n_test_good=1, seed=3)
    assert custom.generation == dict(zip(keys, (48, 4, 1, defaults[3]), strict=True))
    assert custom.tree_root == Path(f"/cache/48px_4-1-{defaults[3]}_seed3")
