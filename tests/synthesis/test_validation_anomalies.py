"""Validation anomalies: exact masks, every kind visible, strength grows, seeded."""

from __future__ import annotations

import ast
from pathlib import Path

import numpy as np
import pytest

import adbench.synthesis
from adbench.synthesis.validation import VALIDATION_KINDS, add_validation_anomaly


def _photo_like(size: int = 96) -> np.ndarray:
    rng = np.random.default_rng(0)
    yy, xx = np.mgrid[0:size, 0:size] / size
    base = np.stack([0.5 + 0.3 * np.sin(6 * xx), 0.4 + 0.2 * yy, 0.3 + 0.2 * xx * yy], -1)
    return np.clip((base + rng.normal(0, 0.03, base.shape)) * 255, 0, 255).astype(np.uint8)


def test_changes_only_the_masked_pixels_and_repeats_with_the_seed():
    image = _photo_like()
    for seed in range(20):
        out, mask = add_validation_anomaly(image, np.random.default_rng(seed))
        assert mask.sum() >= 8
        assert np.array_equal(out[~mask], image[~mask])
        assert (np.abs(out.astype(int) - image).max(axis=2)[mask] >= 2).all()
        again, _ = add_validation_anomaly(image, np.random.default_rng(seed))
        assert np.array_equal(out, again)


@pytest.mark.parametrize("kind", sorted(VALIDATION_KINDS))
def test_each_kind_changes_more_when_stronger(kind):
    image = _photo_like().astype(np.float32) / 255
    change = {}
    for strength in (0.0, 1.0):
        total = 0.0
        for seed in range(6):
            out, _ = VALIDATION_KINDS[kind](image, np.random.default_rng(seed), strength)
            total += np.abs(np.clip(out, 0, 1) - image).sum()
        change[strength] = total
    assert change[1.0] > 2 * change[0.0] > 0


def test_the_kinds_cover_the_families_the_issue_asks_for():
    assert set(VALIDATION_KINDS) == {
        "cut_paste", "texture_swap", "scratch", "local_blur", "colour_shift", "hole",
    }  # fmt: skip


def test_synthesis_never_imports_the_data_package():
    for path in Path(adbench.synthesis.__file__).parent.glob("*.py"):
        for node in ast.walk(ast.parse(path.read_text())):
            if isinstance(node, ast.ImportFrom):
                assert not (node.module or "").startswith("adbench.data"), path
