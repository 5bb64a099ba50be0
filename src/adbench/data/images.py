"""Checking a dataset's image files before training: whole, and masks the size of their
images (the readers: adbench/image_files.py)."""

from __future__ import annotations

from adbench.data.samples import Sample
from adbench.errors import AdbenchError
from adbench.image_files import image_size_of


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
