"""Binned pixel metrics (eval.pixel_bins): fed batch by batch in fixed memory, within a small
error of the exact figures; pixels beyond the range are noted; a run reports them."""

from __future__ import annotations

import json

import pytest
import torch

from adbench.metrics import pixel_metrics
from adbench.metrics.binned import BinnedPixelMetrics
from adbench.postprocess import GaussianSmoothing


def maps_with_defects(count: int = 24, size: int = 96) -> tuple[torch.Tensor, torch.Tensor]:
    generator = torch.Generator().manual_seed(0)
    masks = torch.zeros(count, size, size, dtype=torch.bool)
    for index in range(0, count, 2):  # every other image holds one or two rectangles
        for _ in range(1 + index % 4 // 2):
            y, x, h, w = torch.randint(3, size // 3, (4,), generator=generator).tolist()
            masks[index, y : y + h, x : x + w] = True
    noise = GaussianSmoothing(2.0)(torch.rand(count, 1, size, size, generator=generator))[:, 0]
    strength = torch.rand(count, 1, 1, generator=generator)
    return noise * 3 + 1.5 * masks * strength, masks


def test_binned_figures_are_within_a_small_error_of_the_exact_ones():
    maps, masks = maps_with_defects()
    exact = pixel_metrics(maps, masks)
    binned = BinnedPixelMetrics(float(maps.min()) - 1, float(maps.max()) + 2, bins=10_000)
    for batch in (slice(0, 5), slice(5, 16), slice(16, 24)):  # uneven batches
        binned.update(maps[batch], masks[batch])
    figures = binned.compute()
    assert set(figures) == set(exact)
    for name in ("pixel_auroc", "pixel_aupro_30", "pixel_f1_max_oracle"):
        assert figures[name] == pytest.approx(exact[name], abs=2e-4), name
    assert figures["pixel_aupr"] == pytest.approx(exact["pixel_aupr"], abs=2e-3)
    assert binned.notes() == []
    assert all(len(t) == 10_000 for t in (binned.normal, binned.anomalous, binned.region_shares))


def test_pixels_beyond_the_range_are_counted_and_noted():
    maps, masks = maps_with_defects()
    binned = BinnedPixelMetrics(float(maps.min()), float(maps.median()), bins=1000)
    binned.update(maps, masks)
    (note,) = binned.notes()
    assert "outside the binned range" in note and "eval.pixel_bins=null" in note
    assert 0.5 < binned.compute()["pixel_auroc"] <= 1  # still a figure, ties at the top end


def test_without_defect_pixels_the_figures_are_refused():
    binned = BinnedPixelMetrics(0.0, 1.0)
    binned.update(torch.rand(2, 8, 8), torch.zeros(2, 8, 8, dtype=torch.bool))
    with pytest.raises(ValueError, match="both anomalous and normal pixels"):
        binned.compute()


def test_a_run_with_binned_pixel_metrics_matches_the_exact_run(mvtec_tree, tmp_path):
    from configs import compose_adbench

    from adbench.run import run

    figures = {}
    for bins in ("null", "10000", "3"):
        out = tmp_path / bins
        run(compose_adbench("logger=none", "model=padim", "dataset=mvtec",
                            f"dataset.root={mvtec_tree}", "dataset.category=cat",
                            "dataset.image_size=64", "output.heatmaps=false",
                            f"eval.pixel_bins={bins}", f"output_dir={out}"))  # fmt: skip
        figures[bins] = json.loads((out / "metrics.json").read_text())["metrics"]
    for name in ("pixel_auroc", "pixel_aupro_30", "pixel_aupr", "pixel_f1_max_oracle"):
        assert figures["10000"][name] == pytest.approx(figures["null"][name], abs=2e-3), name
    assert figures["10000"]["image_auroc"] == figures["null"]["image_auroc"]
    coarse = figures["3"]["pixel_aupr"]  # 3 bins: the histograms are what the run reports
    assert abs(coarse - figures["null"]["pixel_aupr"]) > 0.01


def test_a_growing_histogram_follows_the_values_without_clipping():
    maps, masks = maps_with_defects()
    maps[8:16] -= 4  # later batches reach below and above the first batch's range
    maps[16:] *= 3
    exact = pixel_metrics(maps, masks)
    growing = BinnedPixelMetrics.growing(bins=10_000)
    for batch in (slice(0, 8), slice(8, 16), slice(16, 24)):
        growing.update(maps[batch], masks[batch])
    assert growing.notes() == []
    assert (growing.seen_min, growing.seen_max) == (float(maps.min()), float(maps.max()))
    low, high = float(growing.edges[0]), float(growing.edges[-1])
    assert low <= growing.seen_min and growing.seen_max <= high
    width = float(growing.edges[1] - growing.edges[0])
    assert width < 2 * (growing.seen_max - growing.seen_min) / (10_000 - 1)  # the stated bound
    assert float(growing.normal.sum() + growing.anomalous.sum()) == maps.numel()
    figures = growing.compute()
    for name in ("pixel_auroc", "pixel_aupro_30", "pixel_f1_max_oracle"):
        assert figures[name] == pytest.approx(exact[name], abs=5e-4), name


def test_a_growing_histogram_does_not_depend_on_the_order_of_its_batches():
    """DDP bins the gathered maps in another order than one process's validation."""
    maps, masks = maps_with_defects()
    maps[16:] *= 3
    histograms = []
    for order in ([0, 1, 2], [2, 0, 1], [1, 2, 0]):
        growing = BinnedPixelMetrics.growing(bins=1_000)
        for index in order:
            part = slice(8 * index, 8 * index + 8)
            growing.update(maps[part], masks[part])
        histograms.append(growing)
    first = histograms[0]
    for other in histograms[1:]:
        assert torch.equal(other.edges, first.edges)
        for name in ("normal", "anomalous"):
            assert torch.equal(getattr(other, name), getattr(first, name)), name
        assert torch.allclose(other.region_shares, first.region_shares)
        assert other.calibration(0.99) == first.calibration(0.99)


def test_the_histograms_calibration_is_within_a_bin_of_the_exact_one():
    from adbench.metrics.classification import f1_max

    maps, masks = maps_with_defects()
    growing = BinnedPixelMetrics.growing(bins=10_000)
    for part_maps, part_masks in zip(maps.split(5), masks.split(5), strict=True):
        growing.update(part_maps, part_masks)
    threshold, low, high = growing.calibration(normal_quantile=0.99)
    assert (low, high) == (float(maps.min()), float(maps.max()))
    best_f1, _ = f1_max(maps.flatten().double(), masks.flatten().long())
    flagged = maps >= threshold
    f1_there = 2 * float((flagged & masks).sum()) / float(flagged.sum() + masks.sum())
    assert f1_there == pytest.approx(best_f1, abs=1e-3)  # the binned pick is nearly as good
    assert threshold in growing.edges.tolist()
    normals = BinnedPixelMetrics.growing(bins=10_000)  # no defect pixel: the normals' quantile
    normals.update(maps, torch.zeros_like(masks))
    width = float(normals.edges[1] - normals.edges[0])
    quantile = float(torch.quantile(maps.flatten().double(), 0.99))
    assert normals.calibration(0.99)[0] == pytest.approx(quantile, abs=width)
