"""The Triton client prepares images as training did and fails in one line without a server."""

from __future__ import annotations

import numpy as np
import pytest
import torch
from image_files import textured, write_image

from adbench.data.dataset import AnomalyDataset
from adbench.data.samples import Sample
from adbench.export.client import main, prepare_batch


@pytest.mark.parametrize("resize", ["stretch", "pad", "crop"])
def test_images_are_prepared_as_the_dataset_prepares_them(tmp_path, resize):
    path = write_image(tmp_path / "wide.png", textured(np.random.default_rng(0), 60)[:30])
    batch = prepare_batch([path, path], (32, 48), resize, fill=99)
    assert batch.shape == (2, 3, 32, 48) and batch.dtype == np.float32
    dataset = AnomalyDataset([Sample(path, 0)], (32, 48), resize=resize, fill=99)
    assert torch.allclose(torch.from_numpy(batch[0]), dataset[0]["image"], atol=1e-6)


def test_no_server_is_a_one_line_error(tmp_path, capsys):
    write_image(tmp_path / "a.png", textured(np.random.default_rng(1), 32))
    assert main(["padim", str(tmp_path), "--url", "127.0.0.1:9"]) == 2
    err = capsys.readouterr().err.strip().splitlines()
    assert len(err) == 1 and err[0].startswith("adbench: error: Triton at 127.0.0.1:9")


def test_missing_folder_is_named(tmp_path, capsys):
    assert main(["padim", str(tmp_path / "nope")]) == 2
    assert "nope: no such folder of images" in capsys.readouterr().err
