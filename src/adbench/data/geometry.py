"""How an image becomes the model's input size, and how a model-size map goes back onto it.

`dataset.resize`:
- stretch (default): resize to (height, width), the aspect ratio given up (as the papers do);
- pad: scale to fit inside, then pad to (height, width) with `dataset.resize_fill` (letterbox;
  masks are padded with 0, so the padding is never a defect);
- crop: scale to cover, then keep the centre (what falls outside is never seen).
Masks follow their images through the same transform.
"""

from __future__ import annotations

from collections.abc import Sequence

import albumentations as A
import cv2
import torch
import torch.nn.functional as F

from adbench.errors import AdbenchError

RESIZE_MODES = ("stretch", "pad", "crop")
GEOMETRY_KEYS = ("resize", "fill")  # in a checkpoint's input_format


def check_resize(mode: str) -> None:
    if mode not in RESIZE_MODES:
        raise AdbenchError(
            f"dataset.resize={mode} is unknown: use one of {', '.join(RESIZE_MODES)}"
        )


def size_hw(image_size: int | Sequence[int]) -> tuple[int, int]:
    height, width = (image_size, image_size) if isinstance(image_size, int) else image_size
    return int(height), int(width)


def resize_transform(
    image_size: int | Sequence[int], resize: str = "stretch", fill: float = 0
) -> A.BasicTransform:
    """Images with area/linear interpolation; albumentations moves masks along (nearest)."""
    check_resize(resize)
    height, width = size_hw(image_size)
    if resize == "stretch":
        return A.Resize(height=height, width=width)
    if resize == "pad":
        return A.Compose(
            [
                A.LongestMaxSize(max_size_hw=(height, width)),
                A.PadIfNeeded(
                    height, width, border_mode=cv2.BORDER_CONSTANT, fill=fill, fill_mask=0
                ),
            ]
        )
    return A.Compose([A.SmallestMaxSize(max_size_hw=(height, width)), A.CenterCrop(height, width)])


def to_original(values: torch.Tensor, original_hw: Sequence[int], mode: str = "stretch"):
    """(C, h, w) model-size values -> (C, H, W) on the original image (bilinear): the inverse
    of resize_transform. With crop, what the model never saw is 0."""
    check_resize(mode)
    height, width = (int(v) for v in original_hw)
    h, w = values.shape[-2:]
    values = values.float()
    if mode == "pad":  # the content box inside the padding
        scale = min(h / height, w / width)
        box_h, box_w = round(height * scale), round(width * scale)
        top, left = (h - box_h) // 2, (w - box_w) // 2
        values = values[..., top : top + box_h, left : left + box_w]
    elif mode == "crop":  # the scaled image the centre was cut from
        scale = max(h / height, w / width)
        full_h, full_w = round(height * scale), round(width * scale)
        canvas = values.new_zeros((*values.shape[:-2], full_h, full_w))
        top, left = (full_h - h) // 2, (full_w - w) // 2
        canvas[..., top : top + h, left : left + w] = values
        values = canvas
    if values.shape[-2:] == (height, width):
        return values
    return F.interpolate(values[None], size=(height, width), mode="bilinear", align_corners=False)[
        0
    ]


def geometry_of(input_format: dict | None) -> dict:
    """The resize keyword arguments (resize, fill) a checkpoint's input_format records."""
    recorded = input_format or {}
    return {"resize": recorded.get("resize", "stretch"), "fill": recorded.get("fill", 0)}


def layout_of(input_format: dict | None) -> dict:
    """input_format without its geometry: how files become one image."""
    return {k: v for k, v in (input_format or {}).items() if k not in GEOMETRY_KEYS}
