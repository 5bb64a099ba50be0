"""Reading images and masks from disk, with errors that name the file."""

from __future__ import annotations

from pathlib import Path

import numpy as np
from PIL import Image, UnidentifiedImageError

from adbench.data.samples import Sample
from adbench.errors import AdbenchError

# the largest value of each PIL grey mode (16-bit PNGs open as "I;16" or, in older Pillow, "I")
MODE_MAXIMUM = {"L": 255.0, "I;16": 65535.0, "I;16B": 65535.0, "I;16L": 65535.0, "I": 65535.0}


def read_image(path: Path) -> np.ndarray:
    """An HxWx3 uint8 RGB array (grey and RGBA images are converted; 16-bit grey images are
    scaled by their bit depth, never clipped at 255)."""
    try:
        with Image.open(path) as image:
            if image.mode != "L" and image.mode in MODE_MAXIMUM:
                grey = np.asarray(image, dtype=np.float32) / MODE_MAXIMUM[image.mode]
                grey = np.rint(np.clip(grey, 0.0, 1.0) * 255).astype(np.uint8)
                return np.repeat(grey[..., None], 3, axis=-1)
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


def image_size_of(path: Path, kind: str = "image", verify: bool = False) -> tuple[int, int]:
    """(height, width) from the file header, without decoding the pixels; with verify, the
    whole file is also checked (a truncated or corrupt PNG fails here, not after training)."""
    try:
        with Image.open(path) as image:
            width, height = image.size
            if verify:
                image.verify()
            return height, width
    except (OSError, UnidentifiedImageError, ValueError, SyntaxError) as error:
        raise AdbenchError(f"cannot read {kind} {path}: {error}") from error


def readable_samples(samples: list[Sample]) -> tuple[list[Sample], list[tuple[str, str]]]:
    """The samples whose image file reads whole, and (file, reason) for each of the others."""
    readable, unreadable = [], []
    for sample in samples:
        try:
            image_size_of(sample.image, verify=True)
            readable.append(sample)
        except AdbenchError as error:
            unreadable.append((str(sample.image), str(error.__cause__ or error)))
    return readable, unreadable


def check_samples(samples: list[Sample]) -> None:
    """Fail early, naming the file, on unreadable or truncated images and on masks of the wrong
    size: before any training starts."""
    for sample in samples:
        size = image_size_of(sample.image, verify=True)
        if sample.mask is not None:
            mask_size = image_size_of(sample.mask, "mask", verify=True)
            if mask_size != size:
                raise AdbenchError(
                    f"mask {sample.mask} is {mask_size[1]}x{mask_size[0]} but its image "
                    f"{sample.image} is {size[1]}x{size[0]}: masks must match their images"
                )
