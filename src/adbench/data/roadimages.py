"""The RoadImages layout: a height map and an intensity image per road patch, paired by name.

root/{good_ones,bad_ones}/{height_files,intensity_files}/<name>.png; the model sees the
three-channel image [height, intensity, intensity].

Scaling to [0, 1] (then to 8 bits, like every other image): intensity files are divided by the
maximum of their bit depth (255 for 8-bit, 65535 for 16-bit). Height files are either stretched
from their own minimum to their own maximum (`minmax`, the default: a laser height map's absolute
offset is arbitrary, the relief is what matters, and 16-bit heights often span a small part of
their range) or divided by their bit depth's maximum like intensities (`range`).
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from pathlib import Path

import numpy as np
from PIL import Image, UnidentifiedImageError

from adbench.data.dataset import AnomalyDataset
from adbench.data.samples import Sample, list_images
from adbench.errors import AdbenchError
from adbench.image_files import MODE_MAXIMUM, image_size_of

GOOD, BAD = "good_ones", "bad_ones"
HEIGHT, INTENSITY = "height_files", "intensity_files"
HEIGHT_SCALINGS = ("minmax", "range")
EXPECTED = (
    f"expected <root>/{GOOD}/{{{HEIGHT},{INTENSITY}}}/*.png "
    f"and <root>/{BAD}/{{{HEIGHT},{INTENSITY}}}/*.png"
)


def scan_roadimages(root: str | Path) -> tuple[list[Sample], list[Sample], dict[Path, Path]]:
    """Good and bad samples (image = the intensity file) and each intensity file's height file."""
    if root is None or str(root) in ("", "???"):
        raise AdbenchError(f"dataset.root is not set: pass dataset.root=DIR ({EXPECTED})")
    base = Path(root).expanduser()
    heights: dict[Path, Path] = {}
    groups = []
    for group, label in ((GOOD, 0), (BAD, 1)):
        pairs = scan_pairs(_layout_dir(base, group))
        heights |= dict(pairs)
        defect = "good" if label == 0 else "damaged"
        groups.append([Sample(intensity, label, None, defect) for intensity, _ in pairs])
    return groups[0], groups[1], heights


def scan_pairs(directory: Path) -> list[tuple[Path, Path]]:
    """(intensity file, height file) pairs of one folder, matched by file stem, sorted by name."""
    folders = {name: directory / name for name in (HEIGHT, INTENSITY)}
    for folder in folders.values():
        if not folder.is_dir():
            raise AdbenchError(
                f"missing {folder} ({EXPECTED}); found in {directory}: {_ls(directory)}"
            )
    heights = {p.stem: p for p in list_images(folders[HEIGHT])}
    intensities = {p.stem: p for p in list_images(folders[INTENSITY])}
    if not heights:
        raise AdbenchError(f"{folders[HEIGHT]} holds no images ({EXPECTED})")
    for stem, height in heights.items():
        if stem not in intensities:
            raise AdbenchError(
                f"height file {height} has no intensity partner {folders[INTENSITY]}/{stem}.*"
                " (pairs match by file name)"
            )
    for stem, intensity in intensities.items():
        if stem not in heights:
            raise AdbenchError(
                f"intensity file {intensity} has no height partner {folders[HEIGHT]}/{stem}.*"
                " (pairs match by file name)"
            )
    pairs = [(intensities[stem], heights[stem]) for stem in sorted(heights)]
    for intensity, height in pairs:
        size, height_size = image_size_of(intensity), image_size_of(height, "height file")
        if size != height_size:
            raise AdbenchError(
                f"height file {height} is {height_size[1]}x{height_size[0]} but its intensity "
                f"partner {intensity} is {size[1]}x{size[0]}: pairs must have the same size"
            )
    return pairs


def read_grey(path: Path, scaling: str = "range") -> np.ndarray:
    """An HxW float32 array in [0, 1] from an 8- or 16-bit (or float) grey or colour file."""
    try:
        with Image.open(path) as image:
            mode = image.mode
            if mode not in MODE_MAXIMUM and mode != "F":
                image = image.convert("L")  # colour, palette, binary: their luminance
                mode = "L"
            values = np.asarray(image, dtype=np.float32)
    except (OSError, UnidentifiedImageError, ValueError) as error:
        raise AdbenchError(f"cannot read image {path}: {error}") from error
    if scaling == "minmax" or mode == "F":
        low, high = float(values.min()), float(values.max())
        return (values - low) / (high - low) if high > low else np.zeros_like(values)
    return np.clip(values / MODE_MAXIMUM[mode], 0.0, 1.0)


def compose_road_image(intensity: Path, height: Path, height_scaling: str = "minmax") -> np.ndarray:
    """The HxWx3 uint8 image [height, intensity, intensity]."""
    channels = [read_grey(height, height_scaling), read_grey(intensity)]
    stacked = np.stack([channels[0], channels[1], channels[1]], axis=-1)
    return np.round(stacked * 255).astype(np.uint8)


def check_height_scaling(height_scaling: str) -> None:
    if height_scaling not in HEIGHT_SCALINGS:
        raise AdbenchError(
            f"dataset.height_scaling={height_scaling} is unknown: use one of "
            f"{', '.join(HEIGHT_SCALINGS)}"
        )


class RoadImagesDataset(AnomalyDataset):
    """AnomalyDataset whose images are composed from an intensity file and its height file."""

    def __init__(
        self,
        samples: Sequence[Sample],
        image_size: int | Sequence[int],
        heights: Mapping[Path, Path],
        height_scaling: str = "minmax",
        **kwargs,
    ) -> None:
        super().__init__(samples, image_size, **kwargs)
        check_height_scaling(height_scaling)
        self.heights = dict(heights)
        self.height_scaling = height_scaling

    def read(self, sample: Sample) -> np.ndarray:
        return compose_road_image(sample.image, self.heights[sample.image], self.height_scaling)


def _layout_dir(base: Path, group: str) -> Path:
    directory = base / group
    if not directory.is_dir():
        found = _ls(base) if base.is_dir() else f"{base} does not exist"
        raise AdbenchError(f"missing {directory} ({EXPECTED}); found: {found}")
    return directory


def _ls(directory: Path, limit: int = 5) -> str:
    names = sorted(p.name for p in directory.iterdir())
    more = f" and {len(names) - limit} more" if len(names) > limit else ""
    return (", ".join(names[:limit]) + more) or "nothing"
