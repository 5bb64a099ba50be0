"""Datamodules of the road-damage datasets (RoadImages, Panorama): good_ones and bad_ones.

A seeded share of the good images (train_split, 70% as in the CRN paper) is for training (and
its validation hold-out); the other good images and all bad ones are the test set. Neither
dataset has pixel masks, so pixel metrics are skipped on test (with a note), never faked.
"""

from __future__ import annotations

from pathlib import Path

from adbench.data.datamodule import AnomalyDataModule, require_single
from adbench.data.dataset import AnomalyDataset
from adbench.data.panorama import scan_panorama
from adbench.data.roadimages import (
    HEIGHT,
    INTENSITY,
    RoadImagesDataset,
    check_height_scaling,
    scan_pairs,
    scan_roadimages,
)
from adbench.data.samples import Sample
from adbench.data.splits import seeded_share
from adbench.errors import AdbenchError

ROADIMAGES = "roadimages"  # input_format layout: [height, intensity, intensity] from file pairs


def split_good(
    good: list[Sample], bad: list[Sample], train_split: float = 0.7, seed: int = 0
) -> tuple[list[Sample], list[Sample]]:
    """(train, test): a seeded train_split share of good; the rest of good plus all bad."""
    if len(good) < 2:
        raise AdbenchError(f"only {len(good)} good image(s): need at least 2 to split")
    train, test = seeded_share(good, train_split, seed)
    return sorted(train, key=_key), sorted(test, key=_key) + bad


class RoadImagesDataModule(AnomalyDataModule):
    """`dataset=roadimages dataset.root=DIR`: images [height, intensity, intensity]."""

    def __init__(
        self, root: str, train_split: float = 0.7, height_scaling: str = "minmax", **kwargs
    ) -> None:
        super().__init__(**kwargs)
        require_single(root=root)
        check_height_scaling(height_scaling)
        self.root, self.train_split, self.height_scaling = root, train_split, height_scaling
        self.heights: dict[Path, Path] = {}

    def scan(self) -> tuple[list[Sample], list[Sample]]:
        good, bad, self.heights = scan_roadimages(self.root)
        return split_good(good, bad, self.train_split, self.seed)

    def input_format(self) -> dict:
        layout = {"layout": ROADIMAGES, "height_scaling": self.height_scaling}
        return layout | self.geometry_format()

    def make_dataset(self, samples: list[Sample], **kwargs) -> AnomalyDataset:
        return RoadImagesDataset(
            samples, self.image_size, self.heights, self.height_scaling, **self.geometry, **kwargs
        )


class PanoramaDataModule(AnomalyDataModule):
    """`dataset=panorama dataset.root=DIR`: RGB images in good_ones/ and bad_ones/."""

    def __init__(self, root: str, train_split: float = 0.7, **kwargs) -> None:
        super().__init__(**kwargs)
        require_single(root=root)
        self.root, self.train_split = root, train_split

    def scan(self) -> tuple[list[Sample], list[Sample]]:
        good, bad = scan_panorama(self.root)
        return split_good(good, bad, self.train_split, self.seed)


def _key(sample: Sample) -> str:
    return str(sample.image)


def roadimages_predict_dataset(
    directory: Path, image_size, height_scaling: str, key: str = "predict.input", **geometry
) -> RoadImagesDataset:
    """New road patches to score, read as in training: directory/{height_files,intensity_files}
    with files paired by name."""
    missing = [name for name in (HEIGHT, INTENSITY) if not (directory / name).is_dir()]
    if missing:
        raise AdbenchError(
            f"{key}={directory}: the model was trained on RoadImages ([height, intensity, "
            f"intensity]), so the folder needs {HEIGHT}/ and {INTENSITY}/ with files paired by "
            f"name (missing: {', '.join(missing)})"
        )
    pairs = scan_pairs(directory)
    samples = [Sample(intensity, 0) for intensity, _ in pairs]
    return RoadImagesDataset(samples, image_size, dict(pairs), height_scaling, **geometry)
