"""Reading image files: every bit depth lands on the same 8-bit scale."""

from __future__ import annotations

import numpy as np
from image_files import textured, write_image
from PIL import Image

from adbench.image_files import read_image


def test_16_bit_grey_images_are_scaled_by_their_bit_depth_not_clipped(tmp_path):
    grey = textured(np.random.default_rng(0), 32)[..., 0]
    eight = write_image(tmp_path / "eight.png", grey)
    sixteen = tmp_path / "sixteen.png"
    Image.fromarray(grey.astype(np.uint16) * 257).save(sixteen)  # the same picture, 16-bit
    assert Image.open(sixteen).mode.startswith("I")
    assert np.array_equal(read_image(sixteen), read_image(eight))
    assert read_image(sixteen).shape == (32, 32, 3)
