"""The contract every registered method keeps, checked for all of them (parametrized over the
registry, so a new method is held to it too): image scores (B,) and maps (B,1,H,W); an image
scores the same alone as in a batch; a saved run's checkpoint, loaded with no `model=`, predicts
the raw scores its test pass wrote; the ONNX export matches PyTorch on another batch size.
Behaviour particular to a method (CRN's pair choice, DRAEM's synthesis, ...) is tested in its
own files."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pytest
import torch
from configs import compose_adbench
from image_files import write_mvtec_tree
from run_checks import read_csv

from adbench.checkpoints import load_module
from adbench.export import ServingModel
from adbench.export.check_images import check_images
from adbench.export.onnx_format import export_onnx, run_onnx
from adbench.methods.registry import method_class, method_names
from adbench.run import run

IMAGE_SIZE = 64
TINY: dict[str, list[str]] = {  # the smallest setting of each method that still trains
    "patchcore": ["model.coreset_sampling_ratio=0.5"],
    "padim": ["model.n_features=20"],
    "cflow": ["trainer.max_epochs=1", "model.coupling_blocks=2", "model.condition_vector=16"],
    "draem": ["trainer.max_epochs=2", "model.base_width=2", "model.disc_base_width=2"],
    "crn": [
        "model.num_competitive_units=2",
        "model.network_depth=2",
        "model.base_width=4",
        "trainer.max_steps=4",
        "trainer.val_check_interval=4",
    ],
    "rd4ad": ["trainer.max_epochs=1", "model.bottleneck_blocks=1", "model.decoder_blocks=1"],
}
METHODS = method_names()


@pytest.fixture(scope="module")
def data_root(tmp_path_factory) -> Path:
    return write_mvtec_tree(tmp_path_factory.mktemp("contract"))


@pytest.fixture(scope="module")
def trained(data_root: Path):
    """trained(method) -> the run folder of a tiny training run (each method trained once)."""
    runs: dict[str, Path] = {}

    def _trained(method: str) -> Path:
        if method not in runs:
            out = data_root.parent / f"run_{method}"
            run(
                compose_adbench(
                    f"model={method}", *TINY[method], "dataset=mvtec", f"dataset.root={data_root}",
                    "dataset.category=cat", f"dataset.image_size={IMAGE_SIZE}",
                    "dataset.batch_size=4", "logger=none", "output.heatmaps=false",
                    "output.roc_curve=false", f"output_dir={out}",
                )
            )  # fmt: skip
            runs[method] = out
        return runs[method]

    return _trained


def images(count: int, seed: int = 0) -> torch.Tensor:
    return torch.rand(
        count, 3, IMAGE_SIZE, IMAGE_SIZE, generator=torch.Generator().manual_seed(seed)
    )


def test_every_registered_method_has_a_tiny_setting_here():
    assert sorted(TINY) == METHODS


@pytest.mark.parametrize("method", METHODS)
def test_outputs_have_their_shapes_and_do_not_depend_on_the_rest_of_the_batch(method, trained):
    module = load_module(trained(method) / "model.ckpt").eval()
    batch = images(3)
    with torch.no_grad():
        scores, maps = module(batch)
        alone, alone_map = module(batch[1:2])
    assert scores.shape == (3,) and maps.shape == (3, 1, IMAGE_SIZE, IMAGE_SIZE)
    assert torch.isfinite(scores).all() and torch.isfinite(maps).all()
    assert torch.allclose(scores[1], alone[0], rtol=1e-4, atol=1e-5)
    assert torch.allclose(maps[1], alone_map[0], rtol=1e-4, atol=1e-5)


@pytest.mark.parametrize("method", METHODS)
def test_the_saved_checkpoint_predicts_what_the_test_pass_scored(method, trained, data_root):
    run_dir = trained(method)
    tested = {row["file"]: float(row["raw_score"]) for row in read_csv(run_dir / "scores.csv")}
    folder = data_root / "cat" / "test" / "dent"
    out = run_dir.parent / f"predict_{method}"
    run(
        compose_adbench(
            "task=predict", f"ckpt_path={run_dir / 'model.ckpt'}", f"predict.input={folder}",
            "logger=none", "output.heatmaps=false", f"output_dir={out}",
        )
    )  # fmt: skip
    predicted = read_csv(out / "anomaly_scores.csv")
    assert len(predicted) == len(list(folder.iterdir())) == 3
    for row in predicted:
        assert float(row["raw_score"]) == pytest.approx(tested[row["file"]], rel=1e-5)


@pytest.mark.parametrize("method", [m for m in METHODS if method_class(m).spec.trains])
def test_a_checkpoint_holding_its_training_length_as_module_settings_loads(
    method, trained, tmp_path
):
    """Checkpoints written before the training length moved to trainer.* hold it among the
    module's settings (model.epochs; CRN's max_steps, val_check_interval, ...)."""
    saved = trained(method) / "model.ckpt"
    checkpoint = torch.load(saved, map_location="cpu", weights_only=False)
    checkpoint["hyper_parameters"].update(
        epochs=5, max_steps=20, val_check_interval=4, check_val_every_n_epoch=None
    )
    torch.save(checkpoint, tmp_path / "old.ckpt")
    batch = images(2)
    with torch.no_grad():
        old_scores, _ = load_module(tmp_path / "old.ckpt").eval()(batch)
        scores, _ = load_module(saved).eval()(batch)
    assert torch.equal(old_scores, scores)


@pytest.mark.parametrize("method", METHODS)
def test_the_onnx_export_matches_pytorch_on_another_batch_size(
    method, trained, data_root, tmp_path
):
    module = load_module(trained(method) / "model.ckpt")
    batch = check_images(str(data_root / "cat" / "test" / "dent"), (IMAGE_SIZE, IMAGE_SIZE), 3)
    with torch.no_grad():
        raw_scores, raw_maps = module(batch)
    # served outputs are normalised by the validation range, which a tiny model's can make
    # ~1e-6 wide (rounding x 1e5: see NEARLY_FLAT); compare at the raw outputs' own scale
    unit_normalisation(module.calibration, raw_scores, raw_maps)
    serving = ServingModel(module)
    path = export_onnx(serving, images(1), tmp_path / "model.onnx")
    with torch.no_grad():
        scores, maps = serving(batch)
    onnx_scores, onnx_maps = run_onnx(path, batch)  # traced on 1 image, run on 3
    assert onnx_scores.shape == (3, 1) and onnx_maps.shape == (3, 1, IMAGE_SIZE, IMAGE_SIZE)
    assert np.abs(onnx_scores - scores.numpy()).max() < 1e-5
    assert np.abs(onnx_maps - maps.numpy()).max() < 1e-5
    assert ((maps > 0) & (maps < 1)).all()  # nothing clipped: every value is compared


def unit_normalisation(calibration, scores: torch.Tensor, maps: torch.Tensor) -> None:
    """Calibration constants that map raw outputs to 0.5 + raw / (4 max|raw|), in (0.25, 0.75)."""
    for level, values in (("image", scores), ("pixel", maps)):
        bound = 2 * float(values.abs().max())
        getattr(calibration, f"{level}_threshold").fill_(0.0)
        getattr(calibration, f"{level}_min").fill_(-bound)
        getattr(calibration, f"{level}_max").fill_(bound)
