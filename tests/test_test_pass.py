"""The test pass measures each batch's maps as they come: no map outlives its batch, heatmaps
are written during the pass, and the figures are those of all maps measured at once."""

from __future__ import annotations

import pytest
import torch

import adbench.tasks.test_pass
from adbench.methods.results import EvalResults, compute_metrics
from adbench.metrics.regions import RegionSettings
from adbench.tasks.test_pass import run_test_pass
from adbench.tasks.train import build
from adbench.tasks.trainer import make_trainer

REGIONS = RegionSettings(threshold=0.5, min_area=4)


@pytest.fixture
def fitted(compose_config, mvtec_tree):
    cfg = compose_config(
        "model=padim", "dataset=mvtec", f"dataset.root={mvtec_tree}", "dataset.category=cat",
        "dataset.image_size=32", "model.n_features=20", "dataset.eval_batch_size=2",
    )  # fmt: skip
    module, datamodule = build(cfg)
    trainer = make_trainer(cfg, logger=False)
    trainer.fit(module, datamodule=datamodule)
    return module, datamodule, trainer


def all_maps_at_once(module, datamodule) -> EvalResults:
    """The test split's outputs with every map kept, as one pass did before streaming."""
    results = EvalResults(keep_maps=True)
    module.eval()
    with torch.no_grad():
        for batch in datamodule.test_dataloader():
            results.add(batch, *module(batch["image"]))
    return results


@pytest.mark.parametrize("bins", [None, 10_000])
def test_a_pass_keeps_no_map_and_measures_what_all_maps_at_once_measure(fitted, bins, tmp_path):
    module, datamodule, trainer = fitted
    outcome = run_test_pass(trainer, module, datamodule, regions=REGIONS, pixel_bins=bins)
    assert outcome.results.maps == [] and outcome.results.masks == []
    assert len(outcome.results) == 6 and len(outcome.boxes) == 6
    reference, _ = compute_metrics(
        all_maps_at_once(module, datamodule), module.calibration, REGIONS
    )
    assert "region_f1_at_threshold" in reference and set(outcome.metrics) == set(reference)
    for name, value in reference.items():
        counted = name.endswith("_at_threshold") or name.startswith("image_")
        tolerance = 0 if counted or bins is None else 2e-3  # binned: within its error bound
        assert outcome.metrics[name] == pytest.approx(value, abs=tolerance), name
    assert outcome.pro_curve is not None


def test_heatmaps_are_written_batch_by_batch(fitted, tmp_path, monkeypatch):
    module, datamodule, trainer = fitted
    written = []
    original = adbench.tasks.test_pass.write_heatmaps

    def recording(directory, paths, maps, *rest):
        written.append(len(maps))
        return original(directory, paths, maps, *rest)

    monkeypatch.setattr(adbench.tasks.test_pass, "write_heatmaps", recording)
    run_test_pass(trainer, module, datamodule, pixel_bins=100, heatmaps=tmp_path / "heatmaps")
    assert written == [2, 2, 2]  # eval_batch_size 2: one call per batch, none at the end
    assert len(list((tmp_path / "heatmaps").rglob("*.png"))) == 6


def test_binned_figures_hold_however_far_the_test_maps_go_beyond_validation(fitted):
    """The histogram's range follows the test maps: a validation that saw only a sliver of
    their range neither clips them nor coarsens the bins."""
    module, datamodule, trainer = fitted
    calibration = module.calibration
    calibration.pixel_max.copy_(calibration.pixel_min + 1e-6)
    outcome = run_test_pass(trainer, module, datamodule, pixel_bins=10_000)
    reference, _ = compute_metrics(all_maps_at_once(module, datamodule), calibration)
    assert not any("outside the binned range" in note for note in outcome.notes)
    for name in ("pixel_auroc", "pixel_aupr", "pixel_aupro_30", "pixel_f1_max_oracle"):
        assert outcome.metrics[name] == pytest.approx(reference[name], abs=2e-3), name
