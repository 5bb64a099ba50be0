"""MVTec and Folder layouts: what they find, and the one-line errors when they find nothing."""

from __future__ import annotations

import numpy as np
import pytest
from image_files import textured, write_image

from adbench.data.folder import scan_folder
from adbench.data.mvtec import scan_mvtec
from adbench.errors import AdbenchError


def test_mvtec_scan_finds_splits_masks_and_defect_types(mvtec_tree):
    train, test = scan_mvtec(mvtec_tree, "cat")
    assert len(train) == 10 and all(s.label == 0 for s in train)
    assert sorted({s.defect_type for s in test}) == ["dent", "good"]
    anomalies = [s for s in test if s.label == 1]
    assert len(anomalies) == 3
    assert all(s.mask is not None and s.mask.name.endswith("_mask.png") for s in anomalies)


def test_mvtec_missing_category_lists_what_is_there(mvtec_tree):
    with pytest.raises(AdbenchError, match="found categories: cat"):
        scan_mvtec(mvtec_tree, "bottle")


def test_mvtec_missing_root_says_which_layout(tmp_path):
    with pytest.raises(AdbenchError, match="train/good"):
        scan_mvtec(tmp_path / "absent", "bottle")


def test_mvtec_empty_train_dir_is_named(mvtec_tree):
    for image in (mvtec_tree / "cat" / "train" / "good").iterdir():
        image.unlink()
    with pytest.raises(AdbenchError, match=r"train/good holds no images"):
        scan_mvtec(mvtec_tree, "cat")


@pytest.fixture
def folder_tree(tmp_path):
    rng = np.random.default_rng(1)
    for i in range(10):
        write_image(tmp_path / "ok" / f"n{i}.png", textured(rng, 32))
    for i in range(3):
        write_image(tmp_path / "bad" / f"a{i}.jpg", textured(rng, 32))
        write_image(tmp_path / "masks" / f"a{i}_mask.png", np.zeros((32, 32), np.uint8))
    return tmp_path


def test_folder_holds_out_a_seeded_share_of_normals(folder_tree):
    train, test = scan_folder(folder_tree / "ok", folder_tree / "bad", seed=3)
    again, test_again = scan_folder(folder_tree / "ok", folder_tree / "bad", seed=3)
    assert (train, test) == (again, test_again)
    normals_in_test = [s for s in test if s.label == 0]
    assert len(normals_in_test) == 2 and len(train) == 8
    assert not {s.image for s in train} & {s.image for s in normals_in_test}


def test_folder_matches_masks_by_stem_and_uses_test_normals(folder_tree):
    train, test = scan_folder(
        folder_tree / "ok", folder_tree / "bad", folder_tree / "masks", folder_tree / "ok"
    )
    assert len(train) == 10
    assert all(s.mask is not None for s in test if s.label == 1)


def test_folder_dirs_are_relative_to_root_and_may_be_lists(compose_config, folder_tree):
    from hydra.utils import instantiate

    rng = np.random.default_rng(2)
    for i in range(2):
        write_image(folder_tree / "worse" / f"w{i}.png", textured(rng, 32))
    write_image(folder_tree / "ok" / "skip.bmp", textured(rng, 32))  # not in extensions
    cfg = compose_config(
        "dataset=folder", f"dataset.root={folder_tree}", "dataset.normal_dir=ok",
        "dataset.abnormal_dir=[bad,worse]", "dataset.mask_dir=masks",
        "dataset.extensions=[png,.JPG]",
    )  # fmt: skip
    module = instantiate(cfg.dataset, _convert_="all")
    module.setup()
    anomalies = {s.image.name: s for s in module.test_samples if s.label == 1}
    assert {s.defect_type for s in anomalies.values()} == {"bad", "worse"}  # folder names
    assert anomalies["a0.jpg"].mask == folder_tree / "masks" / "a0_mask.png"
    every = module.train_samples + module.val_samples + module.test_samples
    assert not any(s.image.suffix == ".bmp" for s in every)


def test_folder_missing_dir_names_the_key(folder_tree):
    with pytest.raises(AdbenchError, match=r"dataset.abnormal_dir=.*nope: no such directory"):
        scan_folder(folder_tree / "ok", folder_tree / "nope")
