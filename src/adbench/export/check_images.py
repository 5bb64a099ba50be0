"""Images to compare an exported model with PyTorch on: a folder of real images, or noise."""

from __future__ import annotations

from pathlib import Path

import torch

from adbench.data.dataset import AnomalyDataset
from adbench.data.samples import Sample, list_images
from adbench.errors import AdbenchError


def check_images(
    folder: str | None, image_size: tuple[int, int], count: int, seed: int = 0
) -> torch.Tensor:
    """(count, 3, H, W) in [0, 1]: the first `count` images of `folder` resized as in training,
    or uniform noise when no folder is given (its scores often clip to 1 after normalisation)."""
    if not folder:
        generator = torch.Generator().manual_seed(seed)
        return torch.rand(count, 3, *image_size, generator=generator)
    path = Path(folder).expanduser()
    files = list_images(path) if path.is_dir() else []
    if not files:
        raise AdbenchError(
            f"export.check_input={folder}: no such folder of images (.png, .jpg, ...); "
            "pass a folder of images or export.check_input=null for random images"
        )
    dataset = AnomalyDataset([Sample(file, 0) for file in files[:count]], image_size)
    return torch.stack([dataset[index]["image"] for index in range(len(dataset))])
