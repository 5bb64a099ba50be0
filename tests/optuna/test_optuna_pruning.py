"""The Lightning pruning callback: reports each validation, stops a trial the pruner drops."""

from __future__ import annotations

from pathlib import Path

import lightning as L
import optuna
import pytest
import torch
from torch.utils.data import DataLoader, TensorDataset

from adbench.sweeps.optuna_pruning import OptunaPruning, pruned_at, pruning_callbacks
from hydra_plugins.adbench_optuna_sweeper.running_trial import PRUNED_AT_ATTR


class ScriptedMetric(L.LightningModule):
    """Logs val_image_auroc from a script, one value per validation."""

    def __init__(self, values: list[float]) -> None:
        super().__init__()
        self.values = values
        self.validations = 0
        self.weight = torch.nn.Parameter(torch.zeros(1))

    def training_step(self, batch, batch_idx):
        return (self.weight * batch[0]).sum()

    def validation_step(self, batch, batch_idx):
        pass

    def on_validation_epoch_end(self):
        self.log("val_image_auroc", self.values[self.validations])
        self.validations += 1

    def configure_optimizers(self):
        return torch.optim.SGD(self.parameters(), lr=0.1)


def fit(values: list[float], trial, **trainer_args) -> tuple[L.Trainer, ScriptedMetric]:
    data = DataLoader(TensorDataset(torch.ones(4, 1)), batch_size=1)
    module = ScriptedMetric(values)
    trainer = L.Trainer(
        accelerator="cpu", logger=False, enable_checkpointing=False, enable_progress_bar=False,
        enable_model_summary=False, num_sanity_val_steps=0, **trainer_args,
    )  # fmt: skip
    trainer.callbacks.extend([OptunaPruning(trial)])
    trainer.fit(module, train_dataloaders=data, val_dataloaders=data)
    return trainer, module


def test_a_trial_the_pruner_drops_stops_training_and_is_marked(one_thread):
    study = optuna.create_study(direction="maximize", pruner=optuna.pruners.ThresholdPruner(0.5))
    trial = study.ask()
    trainer, module = fit([0.9, 0.3, 0.9, 0.9, 0.9], trial, max_epochs=5)
    assert module.validations == 2  # stopped right after the bad validation
    assert pruned_at(trainer) == 1
    assert trial.user_attrs[PRUNED_AT_ATTR] == 1
    assert study.trials[0].intermediate_values == pytest.approx({0: 0.9, 1: 0.3})  # float32 logs


def test_step_validations_report_one_value_each(one_thread):
    """CRN-style: validation every 2 steps inside epochs -> steps 0, 1, 2, ... never repeated."""
    study = optuna.create_study(direction="maximize", pruner=optuna.pruners.ThresholdPruner(0.5))
    trial = study.ask()
    values = [0.6, 0.7, 0.8, 0.9]
    trainer, _ = fit(values, trial, max_steps=8, max_epochs=-1, val_check_interval=2)
    assert pruned_at(trainer) is None
    assert study.trials[0].intermediate_values == pytest.approx(dict(enumerate(values)))


def test_no_callback_outside_an_optuna_sweep():
    assert pruning_callbacks() == []


def test_the_sweeper_records_a_pruned_job_as_pruned(tmp_path):
    from optuna.trial import TrialState
    from toy_runs import run_toy, trials

    storage = f"sqlite:///{tmp_path / 'study.db'}"
    # minimize; the threshold pruner drops every trial that reports x > 0
    result = run_toy(
        tmp_path, storage, "report_prune=true", "hydra/sweeper/pruner=threshold",
        "hydra.sweeper.pruner.upper=0.0", "hydra.sweeper.n_trials=6",
        "hydra.sweeper.sampler.seed=0",
    )  # fmt: skip
    assert result.returncode == 0, result.stderr
    recorded = trials(storage)
    assert len(recorded) == 6
    for trial in recorded:
        expected = TrialState.PRUNED if trial.params["x"] > 0 else TrialState.COMPLETE
        assert trial.state == expected, trial
    assert {t.state for t in recorded} == {TrialState.PRUNED, TrialState.COMPLETE}


def test_a_finished_trial_keeps_its_job_folder_and_test_metrics(
    compose_config, mvtec_tree, monkeypatch
):
    import json

    from adbench.run import run
    from adbench.sweeps.optuna_pruning import JOB_DIR_ATTR, TEST_METRICS_ATTR
    from hydra_plugins.adbench_optuna_sweeper import running_trial

    cfg = compose_config(
        "model=padim", "model.n_features=20", "dataset=mvtec", f"dataset.root={mvtec_tree}",
        "dataset.category=cat", "dataset.image_size=32", "output.heatmaps=false",
    )  # fmt: skip
    study = optuna.create_study(direction="maximize")
    trial = study.ask()  # patched after composing: Hydra's plugin scan reloads the module
    monkeypatch.setattr(running_trial, "current", lambda: trial)
    study.tell(trial, run(cfg))
    (done,) = study.trials
    metrics = json.loads((Path(cfg.output_dir) / "metrics.json").read_text())["metrics"]
    assert done.user_attrs[JOB_DIR_ATTR] == cfg.output_dir
    assert done.user_attrs[TEST_METRICS_ATTR] == pytest.approx(metrics)
