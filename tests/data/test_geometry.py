"""dataset.resize: stretch, pad (letterbox) and crop bring images and masks to the model's size
together, and model-size maps go back onto the original image."""

from __future__ import annotations

import numpy as np
import pytest
import torch

from adbench.data import MVTecDataModule
from adbench.data.geometry import resize_transform, to_original
from adbench.errors import AdbenchError

WIDE = (40, 100)  # an original image wider than tall


def wide_image() -> tuple[np.ndarray, np.ndarray]:
    y, x = np.mgrid[0 : WIDE[0], 0 : WIDE[1]]
    image = np.stack([x * 2, y * 5, 255 - x * 2], axis=-1).astype(np.uint8)  # smooth ramps
    mask = ((x > 85) & (y < 10)).astype(np.uint8)  # a defect in the top-right corner
    return image, mask


@pytest.mark.parametrize("resize", ["stretch", "pad", "crop"])
def test_masks_follow_images_to_the_model_size(resize):
    image, mask = wide_image()
    out = resize_transform((32, 48), resize, fill=7)(image=image, mask=mask)
    assert out["image"].shape == (32, 48, 3) and out["mask"].shape == (32, 48)
    if resize == "pad":  # 40x100 fits as 19x48: 13 rows of fill above and below... masks 0
        assert (out["image"][:6] == 7).all() and not out["mask"][:6].any()
        assert out["mask"].any()
    if resize == "crop":  # 40x100 covers as 32x80: its centre 48 columns miss the defect
        assert not out["mask"].any()


@pytest.mark.parametrize("resize", ["stretch", "pad", "crop"])
def test_maps_go_back_onto_the_original_image(resize):
    image, _ = wide_image()
    model_view = resize_transform((32, 48), resize)(image=image)["image"]
    values = torch.from_numpy(model_view).permute(2, 0, 1).float()
    back = to_original(values, WIDE, resize).permute(1, 2, 0).numpy()
    assert back.shape == (*WIDE, 3)
    seen = np.ones(WIDE, bool)
    if resize == "crop":  # only the centre (original columns 20-79) was seen; the rest is 0
        seen[:, :22] = seen[:, 78:] = False
        assert (back[:, :18] == 0).all() and (back[:, 82:] == 0).all()
    error = np.abs(back - image.astype(np.float32))[seen].mean()
    assert error < 12  # smooth ramps survive a down- and up-sampling


def test_unknown_resize_names_the_choices(mvtec_tree):
    with pytest.raises(AdbenchError, match=r"dataset.resize=squash is unknown: use one of stretch"):
        MVTecDataModule(root=str(mvtec_tree), category="cat", resize="squash")
