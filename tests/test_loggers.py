"""Every logger option builds from config and records a metric offline."""

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


def test_wandb_logger_builds_offline(compose_config, monkeypatch):
    monkeypatch.setenv("WANDB_MODE", "disabled")
    logger = instantiate(compose_config("logger=wandb").logger)
    logger.log_metrics({"val_image_auroc": 0.75}, step=0)
    logger.experiment.finish()
