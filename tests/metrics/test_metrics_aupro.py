"""AUPRO on hand-made cases with known answers and against a brute-force reference."""

import time

import numpy as np
import pytest
import torch
from scipy import ndimage

from adbench.metrics import aupro


def as_tensors(maps: np.ndarray, masks: np.ndarray) -> tuple[torch.Tensor, torch.Tensor]:
    return torch.from_numpy(maps), torch.from_numpy(masks)


def reference_aupro(maps: np.ndarray, masks: np.ndarray, fpr_limit: float, thresholds) -> float:
    """Slow and literal: one binarisation per threshold, one overlap per region."""
    regions = [ndimage.label(mask, structure=np.ones((3, 3)))[0] for mask in masks]
    fprs, pros = [0.0], [0.0]  # threshold above every score
    for t in sorted(thresholds, reverse=True):
        predicted = maps >= t
        fprs.append(predicted[~masks].mean())
        overlaps = [
            predicted[i][labels == region].mean()
            for i, labels in enumerate(regions)
            for region in range(1, labels.max() + 1)
        ]
        pros.append(np.mean(overlaps))
    fpr, pro = np.array(fprs), np.array(pros)
    beyond = int(np.argmax(fpr > fpr_limit)) if (fpr > fpr_limit).any() else fpr.size
    x, y = list(fpr[:beyond]), list(pro[:beyond])
    if beyond < fpr.size:
        x0, y0, x1, y1 = fpr[beyond - 1], pro[beyond - 1], fpr[beyond], pro[beyond]
        x.append(fpr_limit)
        y.append(y0 + (fpr_limit - x0) / (x1 - x0) * (y1 - y0))
    area = sum((x[k + 1] - x[k]) * (y[k + 1] + y[k]) / 2 for k in range(len(x) - 1))
    return area / fpr_limit


def random_case(seed: int, n: int = 4, size: int = 24) -> tuple[np.ndarray, np.ndarray]:
    """Blobby masks and noisy maps rounded to create ties between normal and anomalous pixels."""
    rng = np.random.default_rng(seed)
    masks = ndimage.binary_dilation(rng.random((n, size, size)) < 0.01, iterations=2)
    masks[-1] = False  # one fully normal image
    maps = rng.normal(0.0, 1.0, masks.shape) + 1.5 * masks
    return np.round(maps, 1).astype(np.float32), masks


@pytest.mark.parametrize("fpr_limit", [0.05, 0.3, 1.0])
@pytest.mark.parametrize("seed", [0, 1, 2])
def test_matches_reference_on_every_threshold(seed: int, fpr_limit: float) -> None:
    maps, masks = random_case(seed)
    expected = reference_aupro(maps, masks, fpr_limit, np.unique(maps))
    assert aupro(*as_tensors(maps, masks), fpr_limit=fpr_limit) == pytest.approx(expected, abs=1e-9)


def test_matches_reference_on_many_thresholds() -> None:
    maps, masks = random_case(5)
    maps = maps + np.random.default_rng(5).normal(0, 1e-3, maps.shape).astype(np.float32)
    expected = reference_aupro(maps, masks, 0.3, np.linspace(maps.max(), maps.min(), 1000))
    assert aupro(*as_tensors(maps, masks)) == pytest.approx(expected, abs=1e-2)
    sampled = aupro(*as_tensors(maps, masks), num_thresholds=1000)
    assert sampled == pytest.approx(expected, abs=1e-9)


def two_region_case() -> tuple[np.ndarray, np.ndarray]:
    """A 1-pixel region and a 3x3 region; normal pixels score 1..N."""
    masks = np.zeros((1, 8, 8), dtype=bool)
    masks[0, 1, 1] = True
    masks[0, 4:7, 4:7] = True
    maps = np.zeros(masks.shape, dtype=np.float32)
    maps[~masks] = np.arange(1, (~masks).sum() + 1)
    return maps, masks


def test_perfect_map_gives_one() -> None:
    maps, masks = two_region_case()
    maps[masks] = 1000.0
    assert aupro(*as_tensors(maps, masks)) == pytest.approx(1.0)


def test_regions_ranked_below_all_normal_pixels_give_zero() -> None:
    maps, masks = two_region_case()
    maps[masks] = -5.0
    assert aupro(*as_tensors(maps, masks)) == pytest.approx(0.0)


def test_half_detected_region_gives_half() -> None:
    masks = np.zeros((1, 6, 6), dtype=bool)
    masks[0, 1:5, 1:3] = True
    maps = np.full(masks.shape, 1.0, dtype=np.float32)
    maps[0, 1:5, 1] = 9.0  # half of the region above every normal pixel
    maps[0, 1:5, 2] = 0.0  # the other half below every normal pixel
    assert aupro(*as_tensors(maps, masks)) == pytest.approx(0.5)


def test_regions_are_averaged_not_pixels() -> None:
    maps, masks = two_region_case()
    maps[0, 1, 1] = 1000.0  # the 1-pixel region is found, the 9-pixel region is missed
    maps[0, 4:7, 4:7] = -5.0
    assert aupro(*as_tensors(maps, masks)) == pytest.approx(0.5)


def test_region_found_midway_is_interpolated_on_fpr() -> None:
    maps = np.arange(100, dtype=np.float32).reshape(1, 10, 10)
    masks = np.zeros(maps.shape, dtype=bool)
    masks[0, 0, 0] = True
    maps[0, 0, 0] = 84.5  # above 84 normal pixels: found from FPR 15/99 on
    expected = (0.3 - 15 / 99) / 0.3
    assert aupro(*as_tensors(maps, masks)) == pytest.approx(expected)


def test_all_scores_tied_follow_the_diagonal() -> None:
    masks = np.zeros((2, 5, 5), dtype=bool)
    masks[0, 2, 2] = True
    maps = np.ones(masks.shape, dtype=np.float32)
    assert aupro(*as_tensors(maps, masks)) == pytest.approx(0.5 * 0.3**2 / 0.3)


def test_regions_are_8_connected() -> None:
    masks = np.zeros((1, 5, 5), dtype=bool)
    masks[0, 0, 0] = masks[0, 1, 1] = masks[0, 1, 2] = True  # diagonal touch: one region
    maps = np.ones(masks.shape, dtype=np.float32)
    maps[0, 0, 0] = 9.0
    maps[0, 1, 1:3] = 0.0
    assert aupro(*as_tensors(maps, masks)) == pytest.approx(1 / 3)  # 4-connected would be 1/2


def test_regions_do_not_connect_across_images() -> None:
    masks = np.zeros((2, 4, 4), dtype=bool)
    masks[0, 0, 0] = True
    masks[1, 0, 0:3] = True
    maps = np.ones(masks.shape, dtype=np.float32)
    maps[0, 0, 0] = 9.0
    maps[1, 0, 0:3] = 0.0
    assert aupro(*as_tensors(maps, masks)) == pytest.approx(0.5)  # one region would be 1/4


def test_raw_scores_need_no_scaling() -> None:
    maps, masks = random_case(7)
    base = aupro(*as_tensors(maps, masks))
    assert aupro(*as_tensors(maps * 1e4 - 3e3, masks)) == pytest.approx(base, abs=1e-9)


@pytest.mark.parametrize(
    ("masks", "message"),
    [
        (np.zeros((2, 4, 4), dtype=bool), "anomalous"),
        (np.ones((2, 4, 4), dtype=bool), "normal"),
    ],
)
def test_undefined_cases_raise(masks: np.ndarray, message: str) -> None:
    maps = np.random.default_rng(0).random(masks.shape).astype(np.float32)
    with pytest.raises(ValueError, match=message):
        aupro(*as_tensors(maps, masks))


@pytest.mark.parametrize(
    ("kwargs", "message"),
    [
        ({"fpr_limit": 0.0}, "fpr_limit"),
        ({"fpr_limit": 1.5}, "fpr_limit"),
        ({"num_thresholds": 1}, "num_thresholds"),
    ],
)
def test_bad_arguments_raise(kwargs: dict, message: str) -> None:
    maps, masks = two_region_case()
    with pytest.raises(ValueError, match=message):
        aupro(*as_tensors(maps, masks), **kwargs)


def test_maps_must_be_three_dimensional() -> None:
    with pytest.raises(ValueError, match="N, H, W"):
        aupro(torch.zeros(4, 4), torch.zeros(4, 4, dtype=torch.bool))


def test_ten_million_pixels_in_a_few_seconds() -> None:
    generator = torch.Generator().manual_seed(0)
    masks = torch.zeros(150, 256, 256, dtype=torch.bool)
    masks[::2, 100:140, 60:90] = True
    masks[1::4, 10:20, 200:250] = True
    maps = torch.rand(masks.shape, generator=generator) * 50 + 10 * masks
    start = time.perf_counter()
    value = aupro(maps, masks)
    assert time.perf_counter() - start < 10.0
    assert 0.0 < value < 1.0
