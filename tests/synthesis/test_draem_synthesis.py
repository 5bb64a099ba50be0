"""DRAEM's anomaly synthesis: Perlin masks, textures, blending, black regions, reproducibility."""

from __future__ import annotations

import numpy as np
import pytest
import torch
from image_files import write_image

from adbench.data import MVTecDataModule
from adbench.errors import AdbenchError
from adbench.synthesis.draem import DraemSynthesizer
from adbench.synthesis.perlin import perlin_mask, perlin_noise
from adbench.synthesis.photometric import OPERATIONS, random_appearance
from adbench.synthesis.textures import PROCEDURAL_KINDS, TextureSource, procedural_texture


def image(size: int = 32, seed: int = 0) -> np.ndarray:
    return np.random.default_rng(seed).integers(40, 220, (size, size, 3), dtype=np.uint8)


@pytest.mark.parametrize("shape", [(32, 32), (40, 56), (17, 23)])
def test_perlin_noise_has_any_shape_and_bounded_values(shape):
    rng = np.random.default_rng(0)
    for resolution in [(1, 1), (4, 2), (8, 8)]:
        noise = perlin_noise(shape, resolution, rng)
        assert noise.shape == shape
        assert np.abs(noise).max() <= np.sqrt(2) * 1.01
        assert noise.std() > 0.01


def test_perlin_masks_vary_in_scale_and_are_reproducible():
    masks = [perlin_mask((48, 48), np.random.default_rng(seed)) for seed in range(40)]
    again = [perlin_mask((48, 48), np.random.default_rng(seed)) for seed in range(40)]
    assert all(np.array_equal(a, b) for a, b in zip(masks, again, strict=True))
    coverage = np.array([m.mean() for m in masks])
    assert masks[0].dtype == bool and 0 < coverage.mean() < 0.3 and coverage.std() > 0


def test_procedural_textures_are_varied_uint8_images():
    textures = [procedural_texture((24, 40), np.random.default_rng(seed)) for seed in range(12)]
    assert all(t.shape == (24, 40, 3) and t.dtype == np.uint8 for t in textures)
    assert len({t.tobytes() for t in textures}) == 12
    for kind in PROCEDURAL_KINDS.values():
        assert kind((16, 16), np.random.default_rng(0)).shape == (16, 16, 3)


def test_every_appearance_operation_keeps_shape_and_type():
    texture = image(24)
    for operation in OPERATIONS:
        out = operation(texture, np.random.default_rng(1))
        assert out.shape == texture.shape and out.dtype == np.uint8
    assert random_appearance(texture, np.random.default_rng(2)).shape == texture.shape


def test_synthesis_is_reproducible_per_seed():
    synthesizer = DraemSynthesizer(clean_probability=0.0)
    first = [synthesizer(image(), np.random.default_rng([0, 0, i])) for i in range(6)]
    second = [synthesizer(image(), np.random.default_rng([0, 0, i])) for i in range(6)]
    other = [synthesizer(image(), np.random.default_rng([1, 0, i])) for i in range(6)]
    for (a, ma), (b, mb) in zip(first, second, strict=True):
        assert np.array_equal(a, b) and np.array_equal(ma, mb)
    assert any(not np.array_equal(ma, mo) for (_, ma), (_, mo) in zip(first, other, strict=True))


def test_anomalies_change_only_masked_pixels_and_clean_share_is_configurable():
    synthesizer = DraemSynthesizer(clean_probability=0.5)
    clean = image()
    flags = []
    for seed in range(60):
        augmented, mask = synthesizer(clean, np.random.default_rng(seed))
        assert augmented.dtype == np.float32 and 0 <= augmented.min() <= augmented.max() <= 1
        assert np.allclose(augmented[~mask], clean[~mask] / 255)
        flags.append(mask.any())
    assert 0.25 < np.mean(flags) < 0.6  # half clean, and a few empty Perlin masks
    never = DraemSynthesizer(clean_probability=1.0)
    assert not any(never(clean, np.random.default_rng(s))[1].any() for s in range(10))


def test_ignore_black_region_never_puts_an_anomaly_on_black_pixels():
    car = image(48)
    car[:, :20] = 0  # padded / masked-out area
    car[30:, 30:] = 0
    black = (car == 0).all(axis=2)
    synthesizer = DraemSynthesizer(clean_probability=0.0, ignore_black_region=True)
    hits = 0
    for seed in range(40):
        augmented, mask = synthesizer(car, np.random.default_rng(seed))
        assert not (mask & black).any()
        assert (augmented[black] == 0).all()
        hits += mask.any()
    assert hits > 20
    unmasked = DraemSynthesizer(clean_probability=0.0)
    assert any((unmasked(car, np.random.default_rng(s))[1] & black).any() for s in range(40))


def test_anomaly_source_folder_provides_the_texture(tmp_path):
    for name in ["a.png", "sub/b.jpg"]:  # searched recursively, like DTD's images/<class>/
        write_image(tmp_path / "dtd" / name, np.full((20, 30, 3), [10, 200, 30], np.uint8))
    synthesizer = DraemSynthesizer(
        anomaly_source=str(tmp_path / "dtd"), clean_probability=0.0, beta_range=(0.0, 0.0),
        appearance_ops=0,
    )  # fmt: skip
    assert len(synthesizer.source.files) == 2
    for seed in range(10):
        augmented, mask = synthesizer(image(), np.random.default_rng(seed))
        if mask.any():
            assert np.allclose(augmented[mask], np.array([10, 200, 30]) / 255, atol=0.02)


def test_missing_or_empty_anomaly_source_is_named(tmp_path):
    with pytest.raises(AdbenchError, match=r"anomaly_source=.*nowhere: no such directory"):
        TextureSource(str(tmp_path / "nowhere"))
    (tmp_path / "empty").mkdir()
    with pytest.raises(AdbenchError, match=r"anomaly_source=.*empty holds no images"):
        TextureSource(str(tmp_path / "empty"))


def loader_batches(mvtec_tree, num_workers: int, epochs: int = 2) -> list[dict]:
    module = MVTecDataModule(
        root=str(mvtec_tree), category="cat", image_size=32, batch_size=4, seed=3,
        num_workers=num_workers, anomaly_synthesis=DraemSynthesizer(clean_probability=0.0),
    )  # fmt: skip
    module.setup()
    loader = module.train_dataloader()
    batches = []
    for epoch in range(epochs):
        loader.sampler.set_epoch(epoch)  # as Lightning does before each epoch
        batches.extend(loader)
    return batches


def test_training_items_carry_synthesis_reproducible_whatever_the_workers(mvtec_tree):
    in_process = loader_batches(mvtec_tree, num_workers=0)
    with_worker = loader_batches(mvtec_tree, num_workers=1)
    first = in_process[0]
    assert first["augmented_image"].shape == first["image"].shape == (4, 3, 32, 32)
    assert first["anomaly_mask"].shape == (4, 1, 32, 32)
    for a, b in zip(in_process, with_worker, strict=True):
        assert a["path"] == b["path"]
        assert torch.equal(a["augmented_image"], b["augmented_image"])
    n = len(in_process) // 2  # the second epoch draws new anomalies (and a new order)
    epoch_1 = {
        p: m for b in in_process[:n] for p, m in zip(b["path"], b["anomaly_mask"], strict=True)
    }
    epoch_2 = {
        p: m for b in in_process[n:] for p, m in zip(b["path"], b["anomaly_mask"], strict=True)
    }
    assert any(not torch.equal(epoch_1[p], epoch_2[p]) for p in epoch_1)


def test_without_synthesis_training_items_have_no_synthetic_keys(mvtec_tree):
    module = MVTecDataModule(root=str(mvtec_tree), category="cat", image_size=32, batch_size=4)
    module.setup()
    batch = next(iter(module.train_dataloader()))
    assert "augmented_image" not in batch and "anomaly_mask" not in batch
