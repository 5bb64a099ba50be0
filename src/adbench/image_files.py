"""Reading image files (any bit depth) and masks, with errors that name the file; the suffixes
read as images. Used by datasets, anomaly synthesis (texture folders), prediction and export."""

from __future__ import annotations

from pathlib import Path

import numpy as np
from PIL import Image, UnidentifiedImageError

from adbench.errors import AdbenchError

IMAGE_EXTENSIONS = (".png", ".jpg", ".jpeg", ".bmp", ".tif", ".tiff", ".webp")
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
