"""CRN's own predict outputs: per image the input, the reconstruction D(G(x)) and the difference
image, each at the input's own size and orientation (height x width as read from the file).

differences/ holds the anomaly map itself, the channel mean of |x - D(G(x))|, on the raw scale
(0 = identical, 255 = maximal difference) so that images can be compared with each other; the
normalised, coloured view of the same map is in heatmaps/.
"""

from __future__ import annotations

from pathlib import Path

import numpy as np
import torch
from PIL import Image

from adbench.data.geometry import to_original
from adbench.image_files import read_image

FOLDERS = ("inputs", "reconstructions", "differences")


def write_reconstruction_outputs(
    out_dir: Path,
    paths: list[str],
    reconstructions: torch.Tensor,
    maps: torch.Tensor,
    original_sizes: torch.Tensor,
    resize: str = "stretch",
) -> None:
    """inputs/, reconstructions/, differences/ under out_dir: one PNG per image, named after it.

    reconstructions (N,3,h,w) and maps (N,1,h,w) at the model's size are mapped back (bilinear,
    undoing the dataset's `resize`) to each original (height, width) from original_sizes (N,2).
    """
    for folder in FOLDERS:
        (out_dir / folder).mkdir(parents=True, exist_ok=True)
    for index, path in enumerate(paths):
        height, width = (int(v) for v in original_sizes[index])
        name = Path(path).stem + ".png"
        Image.fromarray(read_image(Path(path))).save(out_dir / "inputs" / name)
        reconstruction = to_original(reconstructions[index], (height, width), resize)
        Image.fromarray(to_uint8(reconstruction.permute(1, 2, 0))).save(
            out_dir / "reconstructions" / name
        )
        difference = to_original(maps[index], (height, width), resize)[0]
        Image.fromarray(to_uint8(difference)).save(out_dir / "differences" / name)


def to_uint8(values: torch.Tensor) -> np.ndarray:
    """Values in [0, 1] (clipped) to uint8 0-255."""
    return (values.clamp(0, 1) * 255).round().to(torch.uint8).numpy()
