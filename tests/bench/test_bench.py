"""Benchmark jobs run in their own process and report time and peak memory."""

from __future__ import annotations

import pytest

from adbench.bench.__main__ import job


def test_coreset_job_reports_time_and_memory():
    result = job("coreset", n_vectors=2000, dims=16, ratio=0.1)
    assert result["selected"] == 200
    assert result["seconds"] > 0 and result["peak_mib"] > 0


def test_fit_memory_job_fits_and_validates_as_a_run(mvtec_tree, tmp_path):
    tree = ["model=padim", "dataset=mvtec", f"dataset.root={mvtec_tree}", "dataset.category=cat",
            "dataset.image_size=32", "model.n_features=20"]  # fmt: skip
    result = job("fit_memory", overrides=tree, out_dir=str(tmp_path / "run"))
    assert result["train_images"] == 10 and result["validation_images"] == 20  # + copies
    assert 0 < result["validation_seconds"] < result["fit_seconds"]
    assert result["peak_mib"] > 0


def test_a_failing_job_reports_its_error_line():
    result = job("coreset", n_vectors=10, dims=4, ratio="not a number")
    assert "error" in result and "Error" in result["error"]


def test_patchcore_scaling_job_fits_real_photo_shots():
    result = job("patchcore_scaling", n_images=3, image_size=64, batch_size=2, category="moon")
    assert result["train_images"] == 3 and result["patch_vectors"] == 3 * 16 * 16
    assert result["bank_size"] == int(0.03 * 3 * 16 * 16)  # the default 3% coreset
    assert result["embed_seconds"] > 0 and result["coreset_seconds"] > 0


@pytest.mark.parametrize("pixel_bins", [100, None])
def test_test_pass_memory_job_tests_generated_images(mvtec_tree, pixel_bins):
    tree = ["dataset=mvtec", f"dataset.root={mvtec_tree}", "dataset.category=cat"]
    result = job("test_pass_memory", n_images=6, image_size=32, batch_size=4,
                 pixel_bins=pixel_bins, overrides=tree)  # fmt: skip
    assert result["test_images"] == 6 and 0 <= result["pixel_auroc"] <= 1
    assert result["test_seconds"] > 0 and result["peak_mib"] > 0


@pytest.mark.slow  # ~20 s: a real-photo tree, a fit and five test passes
def test_patchcore_search_job_sets_the_ivf_index_beside_exact_search(tmp_path):
    overrides = ["dataset=realphotos", f"dataset.root={tmp_path}/photos", "dataset.n_train=8",
                 "dataset.n_test_good=2", "dataset.n_test_per_defect=1", "dataset.source_size=64",
                 "dataset.image_size=64", "model.coreset_sampling_ratio=0.5",
                 "output.heatmaps=false"]  # fmt: skip
    result = job("patchcore_search", overrides=overrides, batch_size=4,
                 out_dir=str(tmp_path / "run"), probes=[1, 1000])  # fmt: skip
    exact, one_probe, every_list = result["rows"]
    assert exact["search"] == "exact" and exact["recall"] == 1.0
    assert one_probe["search"].startswith("ivf") and one_probe["recall"] < 1.0
    assert every_list["recall"] == 1.0 and every_list["image_auroc"] == exact["image_auroc"]
    assert all(row["images_per_second"] > 0 for row in result["rows"])


def test_peer_side_job_times_fit_without_validation_and_both_speeds(mvtec_tree, tmp_path):
    tree = ["model=padim", "dataset=mvtec", f"dataset.root={mvtec_tree}", "dataset.category=cat",
            "dataset.image_size=32", "model.n_features=20"]  # fmt: skip
    result = job("peer_side", overrides=tree, batch_size=2, out_dir=str(tmp_path / "run"),
                 time_images=4, rounds=1)  # fmt: skip
    assert result["train_images"] == 10 and result["test_images"] == 6
    assert result["validation_seconds_in_fit"] > 0 and result["fit_seconds"] > 0
    assert result["model_images_per_second"] > 0 and result["test_seconds"] > 0
    assert 0 <= result["image_auroc"] <= 1
