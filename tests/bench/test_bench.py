"""Benchmark jobs run in their own process and report time and peak memory."""

from __future__ import annotations

from adbench.bench.__main__ import job


def test_coreset_job_reports_time_and_memory():
    result = job("coreset", n_vectors=2000, dims=16, ratio=0.1)
    assert result["selected"] == 200
    assert result["seconds"] > 0 and result["peak_mib"] > 0


def test_padim_scaling_job_fits_random_images():
    result = job("padim_scaling", n_images=3, image_size=64, batch_size=2)
    assert result["train_images"] == 3 and result["fit_seconds"] > 0


def test_a_failing_job_reports_its_error_line():
    result = job("coreset", n_vectors=10, dims=4, ratio="not a number")
    assert "error" in result and "Error" in result["error"]


def test_patchcore_scaling_job_fits_real_photo_shots():
    result = job("patchcore_scaling", n_images=3, image_size=64, batch_size=2, category="moon")
    assert result["train_images"] == 3 and result["patch_vectors"] == 3 * 16 * 16
    assert result["bank_size"] == int(0.03 * 3 * 16 * 16)  # the default 3% coreset
    assert result["embed_seconds"] > 0 and result["coreset_seconds"] > 0
