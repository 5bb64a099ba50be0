"""The procedural dataset: MVTec layout, exact masks, determinism, caching and errors."""

from __future__ import annotations

import json
from pathlib import Path

import numpy as np
import pytest
from PIL import Image

from adbench.data import synthetic
from adbench.data.synthetic import (
    DEFECT_TYPES,
    SYNTHETIC_CATEGORIES,
    ensure_category,
    render_defect_example,
    render_normal_image,
)
from adbench.errors import AdbenchError

SMALL = {"image_size": 64, "n_train": 3, "n_test_good": 2, "n_test_per_defect": 2}
TINY = {"image_size": 48, "n_train": 1, "n_test_good": 1, "n_test_per_defect": 1}


def relative_files(directory: Path) -> list[str]:
    return sorted(str(p.relative_to(directory)) for p in directory.rglob("*") if p.is_file())


def test_api_constants() -> None:
    assert DEFECT_TYPES == ("scratch", "hole", "stain", "foreign_texture", "deformation")
    assert len(SYNTHETIC_CATEGORIES) >= 4
    assert len(set(SYNTHETIC_CATEGORIES)) == len(SYNTHETIC_CATEGORIES)


def test_writes_mvtec_layout_with_expected_counts(tmp_path: Path) -> None:
    category = SYNTHETIC_CATEGORIES[0]
    base = ensure_category(tmp_path, category, **SMALL)

    assert base == tmp_path / category
    assert sorted(p.name for p in tmp_path.iterdir()) == [category]  # no staging leftovers
    expected = [f"train/good/{i:03d}.png" for i in range(3)]
    expected += [f"test/good/{i:03d}.png" for i in range(2)]
    for defect in DEFECT_TYPES:
        expected += [f"test/{defect}/{i:03d}.png" for i in range(2)]
        expected += [f"ground_truth/{defect}/{i:03d}_mask.png" for i in range(2)]
    assert relative_files(base) == sorted([*expected, synthetic.MARKER_NAME])


def test_images_are_rgb_and_masks_binary_non_empty(tmp_path: Path) -> None:
    base = ensure_category(tmp_path, SYNTHETIC_CATEGORIES[0], **SMALL)
    for path in base.glob("t*/*/*.png"):
        with Image.open(path) as image:
            assert (image.mode, image.size) == ("RGB", (64, 64)), path
    for path in base.glob("ground_truth/*/*_mask.png"):
        with Image.open(path) as image:
            assert (image.mode, image.size) == ("L", (64, 64)), path
            values = np.asarray(image)
        assert set(np.unique(values)) <= {0, 255}, path
        assert (values == 255).any(), path


@pytest.mark.parametrize("defect", DEFECT_TYPES)
@pytest.mark.parametrize("category", SYNTHETIC_CATEGORIES)
def test_defect_changes_exactly_the_masked_pixels(category: str, defect: str) -> None:
    for index in range(2):
        clean, defective, mask = render_defect_example(category, defect, index=index, image_size=64)
        assert mask.dtype == bool and mask.shape == (64, 64)
        assert mask.any()
        np.testing.assert_array_equal(defective[~mask], clean[~mask])
        change = np.abs(defective.astype(int) - clean.astype(int)).max(axis=-1)[mask]
        assert change.mean() >= 1.0, (category, defect, index)


@pytest.mark.parametrize("defect", ["scratch", "hole", "stain", "foreign_texture"])
def test_painted_defects_change_most_masked_pixels(defect: str) -> None:
    changed = []
    for index in range(4):
        clean, defective, mask = render_defect_example("weave", defect, index=index, image_size=64)
        changed.append((defective != clean).any(axis=-1)[mask].mean())
    assert np.mean(changed) > 0.6


def test_written_files_match_the_rendered_examples(tmp_path: Path) -> None:
    category = SYNTHETIC_CATEGORIES[0]
    base = ensure_category(tmp_path, category, seed=3, **TINY)
    for defect in DEFECT_TYPES:
        _, defective, mask = render_defect_example(category, defect, seed=3, image_size=48)
        np.testing.assert_array_equal(
            np.asarray(Image.open(base / f"test/{defect}/000.png")), defective
        )
        written_mask = np.asarray(Image.open(base / f"ground_truth/{defect}/000_mask.png"))
        np.testing.assert_array_equal(written_mask, mask.astype(np.uint8) * 255)
    normal = render_normal_image(category, split="test/good", seed=3, image_size=48)
    np.testing.assert_array_equal(np.asarray(Image.open(base / "test/good/000.png")), normal)


def test_generation_is_byte_identical_across_directories(tmp_path: Path) -> None:
    first = ensure_category(tmp_path / "a", "chip", **SMALL)
    second = ensure_category(tmp_path / "b", "chip", **SMALL)
    files = relative_files(first)
    assert files == relative_files(second)
    for name in files:
        assert (first / name).read_bytes() == (second / name).read_bytes(), name


def test_an_image_does_not_depend_on_how_many_are_generated(tmp_path: Path) -> None:
    few = ensure_category(tmp_path / "few", "grain", **TINY)
    many = ensure_category(tmp_path / "many", "grain", **{**TINY, "n_train": 3})
    assert (few / "train/good/000.png").read_bytes() == (many / "train/good/000.png").read_bytes()


def test_normal_images_vary_with_index_seed_and_split() -> None:
    reference = render_normal_image("nut", index=0, image_size=64)
    others = [
        render_normal_image("nut", index=1, image_size=64),
        render_normal_image("nut", index=0, seed=1, image_size=64),
        render_normal_image("nut", split="test/good", index=0, image_size=64),
    ]
    for other in others:
        assert not np.array_equal(reference, other)


def test_second_call_reuses_the_tree_without_rewriting(tmp_path: Path) -> None:
    base = ensure_category(tmp_path, "weave", **TINY)
    before = {p: p.stat().st_mtime_ns for p in base.rglob("*")}
    assert ensure_category(tmp_path, "weave", **TINY) == base
    assert {p: p.stat().st_mtime_ns for p in base.rglob("*")} == before


def test_different_parameters_regenerate(tmp_path: Path) -> None:
    base = ensure_category(tmp_path, "weave", **TINY)
    ensure_category(tmp_path, "weave", **{**TINY, "n_train": 2, "image_size": 40})
    assert len(list((base / "train/good").glob("*.png"))) == 2
    with Image.open(base / "train/good/000.png") as image:
        assert image.size == (40, 40)
    marker = json.loads((base / synthetic.MARKER_NAME).read_text())
    assert (marker["n_train"], marker["image_size"]) == (2, 40)
    assert sorted(p.name for p in tmp_path.iterdir()) == ["weave"]


def test_tree_without_marker_is_replaced(tmp_path: Path) -> None:
    stale = tmp_path / "weave"
    (stale / "train" / "good").mkdir(parents=True)
    (stale / "leftover.txt").write_text("half-written")
    ensure_category(tmp_path, "weave", **TINY)
    assert not (stale / "leftover.txt").exists()
    assert (stale / synthetic.MARKER_NAME).is_file()


def test_complete_tree_that_appeared_meanwhile_is_kept(tmp_path: Path) -> None:
    winner = ensure_category(tmp_path, "weave", **TINY)
    before = relative_files(winner)
    late = tmp_path / ".weave.tmp-late"
    late.mkdir()
    (late / "late.txt").write_text("generated by a slower caller")
    params = synthetic._validated_params("weave", seed=0, **TINY)
    synthetic._install_tree(late, winner, params)
    assert relative_files(winner) == before


def test_unknown_category_names_the_value_and_the_choices(tmp_path: Path) -> None:
    with pytest.raises(AdbenchError) as caught:
        ensure_category(tmp_path, "carpet", **TINY)
    message = str(caught.value)
    assert "\n" not in message
    assert "'carpet'" in message
    assert all(name in message for name in SYNTHETIC_CATEGORIES)
    assert not any(tmp_path.iterdir())


@pytest.mark.parametrize(
    ("key", "value"), [("image_size", 8), ("n_train", 0), ("n_test_good", -1), ("seed", -1)]
)
def test_invalid_sizes_are_reported(tmp_path: Path, key: str, value: int) -> None:
    with pytest.raises(AdbenchError, match=f"{key}={value}"):
        ensure_category(tmp_path, "weave", **{**TINY, key: value})


def test_unknown_defect_type_is_reported() -> None:
    with pytest.raises(AdbenchError, match=r"'crack'.*scratch"):
        render_defect_example("weave", "crack", image_size=48)


@pytest.mark.parametrize("category", SYNTHETIC_CATEGORIES)
def test_every_category_generates_every_defect(tmp_path: Path, category: str) -> None:
    base = ensure_category(tmp_path, category, **TINY)
    for defect in DEFECT_TYPES:
        assert (base / "test" / defect / "000.png").is_file()
        assert (base / "ground_truth" / defect / "000_mask.png").is_file()
