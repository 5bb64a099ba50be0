"""RoadImages and Panorama layouts: pairing, [height, intensity, intensity] stacking, the 70%
split, no masks, and one-line errors that say which layout was expected."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pytest
from image_files import textured, write_image
from PIL import Image

from adbench.data import PanoramaDataModule, RoadImagesDataModule
from adbench.data.roadimages import compose_road_image, read_grey, scan_roadimages
from adbench.errors import AdbenchError

HEIGHT, WIDTH = 24, 40  # not square: sizes and orientation must survive


def write_height16(path: Path, values: np.ndarray) -> Path:
    path.parent.mkdir(parents=True, exist_ok=True)
    Image.fromarray(values.astype(np.uint16)).save(path)
    return path


def make_roadimages(root: Path, n_good: int = 10, n_bad: int = 3) -> Path:
    """good_ones/bad_ones with a 16-bit height file and an 8-bit intensity file per name."""
    rng = np.random.default_rng(0)
    for group, count in (("good_ones", n_good), ("bad_ones", n_bad)):
        for i in range(count):
            relief = rng.integers(20000, 21000, (HEIGHT, WIDTH))
            write_height16(root / group / "height_files" / f"r{i:02d}.png", relief)
            write_image(
                root / group / "intensity_files" / f"r{i:02d}.png",
                rng.integers(0, 256, (HEIGHT, WIDTH), dtype=np.uint8),
            )
    return root


def make_panorama(root: Path, n_good: int = 10, n_bad: int = 3) -> Path:
    rng = np.random.default_rng(1)
    for group, count in (("good_ones", n_good), ("bad_ones", n_bad)):
        for i in range(count):
            write_image(root / group / f"p{i:02d}.png", textured(rng, 32)[:HEIGHT, :WIDTH])
    return root


def test_height_16bit_minmax_and_range_scaling(tmp_path):
    values = np.array([[1000, 2000], [3000, 65535]])
    path = write_height16(tmp_path / "h.png", values)
    assert np.allclose(read_grey(path, "minmax"), (values - 1000) / (65535 - 1000))
    assert np.allclose(read_grey(path, "range"), values / 65535)
    grey = write_image(tmp_path / "g.png", np.array([[0, 51], [102, 255]], dtype=np.uint8))
    assert np.allclose(read_grey(grey, "range"), np.array([[0, 0.2], [0.4, 1.0]]))


def test_image_is_height_intensity_intensity(tmp_path):
    height = write_height16(tmp_path / "h.png", np.array([[0, 100], [200, 400]]))
    intensity = write_image(tmp_path / "i.png", np.array([[10, 20], [30, 40]], dtype=np.uint8))
    image = compose_road_image(intensity, height, "minmax")
    assert image.shape == (2, 2, 3) and image.dtype == np.uint8
    assert image[..., 0].tolist() == [[0, 64], [128, 255]]  # height stretched to [0, 255]
    assert (image[..., 1] == [[10, 20], [30, 40]]).all() and (image[..., 1] == image[..., 2]).all()


def test_roadimages_pairs_split_and_items(tmp_path):
    root = make_roadimages(tmp_path / "road")
    datamodule = RoadImagesDataModule(root=str(root), image_size=16, batch_size=4, seed=0)
    datamodule.setup()
    n_train_good = len(datamodule.train_samples) + len(datamodule.val_samples) // 2
    assert n_train_good == 7  # 70% of 10 good for training (its validation hold-out included)
    test = datamodule.test_samples
    assert sum(s.label == 0 for s in test) == 3 and sum(s.label == 1 for s in test) == 3
    train_names = {s.image.name for s in datamodule.train_samples}
    assert not train_names & {s.image.name for s in test if s.label == 0}
    batch = next(iter(datamodule.test_dataloader()))
    assert batch["image"].shape[1:] == (3, 16, 16)
    assert (batch["image"][:, 1] == batch["image"][:, 2]).all()
    assert batch["original_size"][0].tolist() == [HEIGHT, WIDTH]
    anomalous = batch["label"] == 1
    assert not batch["has_mask"][anomalous].any()  # no masks: pixel metrics will be skipped


def test_roadimages_split_is_seeded(tmp_path):
    root = make_roadimages(tmp_path / "road")
    good, bad, _ = scan_roadimages(root)
    splits = [RoadImagesDataModule(root=str(root), seed=seed) for seed in (3, 3, 4)]
    for datamodule in splits:
        datamodule.setup()
    assert splits[0].test_samples == splits[1].test_samples
    assert splits[0].test_samples != splits[2].test_samples
    assert len(good) == 10 and len(bad) == 3


def test_panorama_loads_rgb_and_splits(tmp_path):
    root = make_panorama(tmp_path / "pano")
    datamodule = PanoramaDataModule(root=str(root), image_size=[12, 20], batch_size=4)
    datamodule.setup()
    assert len(datamodule.test_samples) == 3 + 3
    batch = next(iter(datamodule.train_dataloader()))
    assert batch["image"].shape[1:] == (3, 12, 20)


def test_height_file_without_intensity_partner_is_named(tmp_path):
    root = make_roadimages(tmp_path / "road")
    (root / "bad_ones" / "intensity_files" / "r01.png").unlink()
    with pytest.raises(AdbenchError, match=r"height file .*bad_ones/height_files/r01.png has no"):
        scan_roadimages(root)


def test_wrong_layouts_say_what_was_expected_and_found(tmp_path):
    pano = make_panorama(tmp_path / "pano")
    with pytest.raises(AdbenchError, match=r"expected <root>/good_ones/\{height_files.*found"):
        scan_roadimages(pano)
    road = make_roadimages(tmp_path / "road")
    with pytest.raises(AdbenchError, match="use dataset=roadimages"):
        PanoramaDataModule(root=str(road)).setup()
    with pytest.raises(AdbenchError, match=r"missing .*good_ones .*found: nothing"):
        (tmp_path / "empty").mkdir()
        scan_roadimages(tmp_path / "empty")


def test_road_configs_compose(compose_config, tmp_path):
    for name in ("roadimages", "panorama"):
        cfg = compose_config(f"dataset={name}", f"dataset.root={tmp_path}")
        assert cfg.dataset.train_split == 0.7 and cfg.dataset.root == str(tmp_path)
