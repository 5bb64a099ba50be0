"""Validation blob anomalies: seeded, masked exactly, and of varied strength."""

from __future__ import annotations

import numpy as np

from adbench.augment.blobs import add_blob_anomaly


def _image() -> np.ndarray:
    rng = np.random.default_rng(0)
    return rng.integers(60, 200, size=(64, 64, 3), dtype=np.uint8)


def test_same_seed_gives_the_same_anomaly():
    first = add_blob_anomaly(_image(), np.random.default_rng(7))
    second = add_blob_anomaly(_image(), np.random.default_rng(7))
    assert np.array_equal(first[0], second[0]) and np.array_equal(first[1], second[1])


def test_only_pixels_inside_the_mask_change():
    image = _image()
    for seed in range(20):
        out, mask = add_blob_anomaly(image, np.random.default_rng(seed))
        assert mask.any() and mask.mean() < 0.1
        assert np.array_equal(out[~mask], image[~mask])


def test_strength_varies_from_faint_to_obvious():
    image = _image()
    changes = []
    for seed in range(40):
        out, mask = add_blob_anomaly(image, np.random.default_rng(seed))
        changes.append(np.abs(out[mask].astype(float) - image[mask]).mean())
    assert min(changes) < 0.5 * max(changes)
    assert min(changes) > 0
