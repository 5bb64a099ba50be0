"""Reading images and masks from disk, with errors that name the file."""

from __future__ import annotations

from pathlib import Path

import numpy as np
from PIL import Image, UnidentifiedImageError

from adbench.data.samples import Sample
from adbench.errors import AdbenchError


def read_image(path: Path) -> np.ndarray:
    """An HxWx3 uint8 RGB array (grey and RGBA images are converted)."""
    try:
        with Image.open(path) as image:
            return np.asarray(image.convert("RGB"))
    except (OSError, UnidentifiedImageError, ValueError) as error:
        raise AdbenchError(f"cannot read image {path}: {error}") from error


def read_mask(path: Path) -> np.ndarray:
    """An HxW bool array: True where the mask is non-zero."""
    try:
        with Image.open(path) as mask:
            return np.asarray(mask.convert("L")) > 0
    except (OSError, UnidentifiedImageError, ValueError) as error:
        raise AdbenchError(f"cannot read mask {path}: {error}") from error


def image_size_of(path: Path, kind: str = "image") -> tuple[int, int]:
    """(height, width) from the file header, without decoding the pixels."""
    try:
        with Image.open(path) as image:
            width, height = image.size
            return height, width
    except (OSError, UnidentifiedImageError, ValueError) as error:
        raise AdbenchError(f"cannot read {kind} {path}: {error}") from error


def check_samples(samples: list[Sample]) -> None:
    """Fail early, naming the file, on unreadable images and masks of the wrong size."""
    for sample in samples:
        size = image_size_of(sample.image)
        if sample.mask is not None:
            mask_size = image_size_of(sample.mask, "mask")
            if mask_size != size:
                raise AdbenchError(
                    f"mask {sample.mask} is {mask_size[1]}x{mask_size[0]} but its image "
                    f"{sample.image} is {size[1]}x{size[0]}: masks must match their images"
                )
