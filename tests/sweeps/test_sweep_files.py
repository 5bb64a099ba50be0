"""Every W&B sweep file validates against W&B's schema and its proposed runs compose (offline)."""

from __future__ import annotations

from pathlib import Path

import pytest
import yaml

from adbench.errors import AdbenchError
from adbench.sweeps.local_agent import main as sweep_local
from adbench.sweeps.wandb_sweeps import (
    compose_run_config,
    hydra_overrides,
    load_sweep,
    propose_run,
    run_command,
    sweep_problems,
)

SWEEPS = Path(__file__).resolve().parents[2] / "sweeps"
SWEEP_FILES = sorted(SWEEPS.glob("*.yml"))
METHODS = ("crn", "draem", "patchcore", "padim", "cflow", "rd4ad")


def test_one_sweep_file_per_method_and_the_category_grid():
    names = {path.stem for path in SWEEP_FILES}
    assert {*METHODS, "mvtec_grid"} <= names


@pytest.mark.parametrize("path", SWEEP_FILES, ids=lambda path: path.stem)
def test_sweep_file_passes_wandb_schema(path):
    assert sweep_problems(load_sweep(path)) == []


@pytest.mark.parametrize("path", SWEEP_FILES, ids=lambda path: path.stem)
def test_proposed_runs_compose_into_valid_configs(path, capsys):
    assert sweep_local([str(path), "--count", "2", "--dry-run"]) == 0
    out = capsys.readouterr().out
    assert out.count("composes") == 2, out


def test_grid_over_all_15_mvtec_categories():
    sweep = load_sweep(SWEEPS / "mvtec_grid.yml")
    assert sweep["method"] == "grid"
    assert len(set(sweep["parameters"]["dataset.category"]["values"])) == 15


def test_command_is_what_the_wandb_agent_runs():
    sweep = load_sweep(SWEEPS / "mvtec_grid.yml")
    command = run_command(sweep, propose_run(sweep, []))
    assert command[1:4] == ["python", "-m", "adbench"]
    # ${args_no_hyphens}: Hydra key=value, the method among the swept parameters
    assert set(command[-2:]) == {"dataset.category=bottle", "model=patchcore"}
    assert "dataset.root=MVTEC_ROOT" in command  # ${envvar:MVTEC_ROOT}, unset here
    assert "logger=wandb" in command


def test_sweep_parameter_reaches_the_composed_config():
    sweep = load_sweep(SWEEPS / "draem.yml")
    proposed = propose_run(sweep, [])
    proposed.config["loss"]["value"] = "draem_ms_ssim"
    overrides = hydra_overrides(run_command(sweep, proposed))
    cfg = compose_run_config(overrides)
    assert cfg.loss.terms.ms_ssim > 0 and cfg.model._target_.endswith("DraemModule")


def write_sweep(tmp_path, **changes) -> Path:
    sweep = load_sweep(SWEEPS / "padim.yml")
    sweep.update(changes)
    path = tmp_path / "broken.yml"
    path.write_text(yaml.safe_dump(sweep))
    return path


def test_dry_run_names_a_broken_key(tmp_path, capsys):
    path = write_sweep(tmp_path, parameters={"model.n_featurez": {"values": [10, 20]}})
    assert sweep_local([str(path), "--count", "1", "--dry-run"]) == 1
    captured = capsys.readouterr()
    assert "n_featurez" in captured.out and "1 of 1 runs failed" in captured.err


def test_schema_violation_is_one_line_naming_the_file(tmp_path, capsys):
    path = write_sweep(tmp_path, metric={"name": "val_image_auroc", "goal": "maximise"})
    assert sweep_local([str(path), "--dry-run"]) == 2
    errors = capsys.readouterr().err.strip().splitlines()
    assert len(errors) == 1 and "broken.yml" in errors[0] and "maximise" in errors[0]


def test_command_without_parameters_is_refused(tmp_path):
    path = write_sweep(tmp_path, command=["${env}", "${interpreter}", "-m", "adbench"])
    assert any("${args_no_hyphens}" in p for p in sweep_problems(load_sweep(path)))


def test_missing_sweep_file_is_named(tmp_path):
    with pytest.raises(AdbenchError, match=r"nope\.yml"):
        load_sweep(tmp_path / "nope.yml")


def test_overrides_after_the_file_reach_every_run(capsys):
    path = str(SWEEPS / "crn.yml")
    assert sweep_local([path, "--count", "1", "--dry-run", "preset=demo"]) == 0
    assert sweep_local([path, "--count", "1", "--dry-run", "preset=nope"]) == 1
    assert "preset" in capsys.readouterr().out


@pytest.mark.slow
def test_local_agent_runs_the_proposed_commands_and_reads_their_metric(tmp_path, capsys):
    sweep = {
        "method": "grid",
        "metric": {"name": "val_image_auroc", "goal": "maximize"},
        "parameters": {"model.n_features": {"values": [10, 20]}},
        "command": ["${env}", "${interpreter}", "-m", "adbench", "model=padim", "logger=none",
                    "${args_no_hyphens}"],
    }  # fmt: skip
    path = tmp_path / "tiny.yml"
    path.write_text(yaml.safe_dump(sweep))
    tiny = [
        f"dataset.root={tmp_path / 'data'}",
        "dataset.source_size=48",
        "dataset.n_train=12",
        "dataset.n_test_good=2",
        "dataset.n_test_per_defect=1",
        "dataset.image_size=32",
    ]
    out = tmp_path / "runs"
    assert sweep_local([str(path), "--count", "3", "--out", str(out), *tiny]) == 0
    assert "proposes no more runs after 2" in capsys.readouterr().out  # grid exhausted
    for index, n_features in enumerate((10, 20)):
        config = yaml.safe_load((out / f"run-{index}" / "config.yaml").read_text())
        assert config["model"]["n_features"] == n_features
        assert (out / f"run-{index}" / "metrics.json").is_file()
