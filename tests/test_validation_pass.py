"""Validation bins its pixels batch by batch (eval.pixel_bins): no validation map is kept, and
the calibration and validation figures are those of the exact pass within the bins' error."""

from __future__ import annotations

import pytest

from adbench.tasks.train import build
from adbench.tasks.trainer import make_trainer


def validated(compose_config, mvtec_tree, bins: str):
    cfg = compose_config(
        "model=padim", "dataset=mvtec", f"dataset.root={mvtec_tree}", "dataset.category=cat",
        "dataset.image_size=32", "model.n_features=20", "dataset.eval_batch_size=2",
        f"eval.pixel_bins={bins}",
    )  # fmt: skip
    module, datamodule = build(cfg)
    make_trainer(cfg, logger=False).fit(module, datamodule=datamodule)
    return module


def test_validation_keeps_no_map_and_calibrates_as_the_exact_pass(compose_config, mvtec_tree):
    binned = validated(compose_config, mvtec_tree, "10000")
    exact = validated(compose_config, mvtec_tree, "null")
    assert binned.val_results.maps == [] and binned.val_results.masks == []
    assert len(binned.val_results) == len(exact.val_results) > 0
    assert exact.val_results.maps  # the exact pass keeps them
    binned_cal, exact_cal = binned.calibration.as_dict(), exact.calibration.as_dict()
    for name in ("pixel_min", "pixel_max", "image_threshold"):
        assert binned_cal[name] == exact_cal[name], name
    span = exact_cal["pixel_max"] - exact_cal["pixel_min"]
    assert binned_cal["pixel_threshold"] == pytest.approx(exact_cal["pixel_threshold"],
                                                          abs=0.01 * span)  # fmt: skip
    assert set(binned.val_metrics) == set(exact.val_metrics)
    for name, value in exact.val_metrics.items():
        assert binned.val_metrics[name] == pytest.approx(value, abs=2e-3), name
    assert "val_pixel_auroc" in binned.val_metrics
