"""The file loggers record metrics; TensorBoard also gets the hyperparameters, heatmaps and ROC
(W&B: tests/sweeps/test_wandb_logging.py)."""

from __future__ import annotations

import pytest
from hydra.utils import instantiate


@pytest.mark.parametrize(
    ("option", "written"), [("csv", "metrics.csv"), ("tensorboard", "events.out.tfevents*")]
)
def test_file_loggers_write_metrics(compose_config, tmp_path, option, written):
    logger = instantiate(compose_config(f"logger={option}").logger)
    logger.log_metrics({"val_image_auroc": 0.75}, step=0)
    logger.finalize("success")
    assert list((tmp_path / "run").rglob(written))


def test_wandb_logs_offline_into_the_run_directory(compose_config, tmp_path, monkeypatch):
    monkeypatch.setenv("WANDB_MODE", "offline")  # no network: `wandb sync` uploads it later
    logger = instantiate(compose_config("logger=wandb").logger)
    logger.log_metrics({"val_image_auroc": 0.75}, step=0)
    logger.experiment.finish()
    assert list((tmp_path / "run" / "wandb").glob("offline-run-*/run-*.wandb"))


def test_tensorboard_gets_hparams_with_the_metrics_heatmaps_and_roc(compose_config, mvtec_tree):
    from tensorboard.backend.event_processing.event_accumulator import EventAccumulator
    from tensorboard.plugins.hparams import plugin_data_pb2

    from adbench.run import run

    cfg = compose_config(
        "logger=tensorboard", "output.logged_heatmaps=2", "model=padim", "model.n_features=20",
        "dataset=mvtec", f"dataset.root={mvtec_tree}", "dataset.category=cat",
        "dataset.image_size=32",
    )  # fmt: skip
    run(cfg)
    events = EventAccumulator(f"{cfg.output_dir}/tensorboard", size_guidance={"images": 0})
    events.Reload()
    images = events.Tags()["images"]
    assert "roc_curve" in images
    assert len([tag for tag in images if tag.startswith("heatmaps/")]) == 2
    content = events.PluginTagToContent("hparams")
    metrics = set()
    for blob in content.values():
        data = plugin_data_pb2.HParamsPluginData.FromString(blob)
        metrics |= {info.name.tag for info in data.experiment.metric_infos}
    assert {"val_image_auroc", "test_image_auroc"} <= metrics
    assert "hp_metric" not in metrics
