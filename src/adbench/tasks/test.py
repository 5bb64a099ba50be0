"""`task=test`: a saved model on a labelled dataset's test split, nothing refitted."""

from __future__ import annotations

from pathlib import Path

from omegaconf import DictConfig

from adbench.checkpoints import load_module, method_chosen_on_command_line
from adbench.data.geometry import geometry_of, layout_of
from adbench.errors import AdbenchError
from adbench.methods.results import TestOutcome
from adbench.metrics.regions import RegionSettings
from adbench.outputs import dataset_name, write_test_report
from adbench.tasks.building import build_from
from adbench.tasks.test_pass import heatmaps_dir, run_test_pass
from adbench.tasks.trainer import make_trainer


def test(cfg: DictConfig, out_dir: Path) -> TestOutcome:
    """task=test: a saved model, with the calibration in its checkpoint, on a labelled dataset's
    test split; the same outputs as a train run's test, nothing refitted."""
    module = load_module(cfg.ckpt_path, method_chosen_on_command_line())
    geometry = geometry_of(module.input_format)  # the checkpoint's size and resize win
    datamodule = build_from(
        cfg.dataset,
        "dataset",
        image_size=module.image_size,
        resize=geometry["resize"],
        resize_fill=geometry["fill"],
        _convert_="all",
    )
    if layout_of(datamodule.input_format()) != layout_of(module.input_format):
        raise AdbenchError(
            f"ckpt_path={cfg.ckpt_path} was trained on images read as "
            f"{module.input_format or 'image files'}, but dataset={dataset_name(cfg)} reads "
            f"{datamodule.input_format() or 'image files'}: test on the kind of data it learnt"
        )
    trainer = make_trainer(cfg)
    outcome = run_test_pass(
        trainer, module, datamodule, regions=RegionSettings.from_config(cfg.eval),
        pixel_bins=cfg.eval.pixel_bins, heatmaps=heatmaps_dir(cfg, out_dir),
    )  # fmt: skip
    if trainer.is_global_zero:
        context = {"checkpoint": str(Path(cfg.ckpt_path).expanduser().resolve())}
        write_test_report(cfg, out_dir, module, outcome, context, {})
    return outcome
