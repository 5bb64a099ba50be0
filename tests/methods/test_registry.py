"""The method registry: the one list of methods, and checkpoints that name their method."""

from __future__ import annotations

import inspect
from pathlib import Path

import pytest
import torch
from adbench_command import adbench_command
from hydra.utils import get_class
from test_cli import assert_one_line_error

from adbench.checkpoints import load_module
from adbench.errors import AdbenchError
from adbench.methods.registry import method_class, method_names, specs
from adbench.run import run

CONF_MODELS = Path(__file__).parents[2] / "conf" / "model"


def test_the_registry_and_conf_model_name_the_same_methods(compose_config):
    names = sorted(path.stem for path in CONF_MODELS.glob("*.yaml"))
    assert method_names() == names
    for name in names:
        assert get_class(compose_config(f"model={name}").model._target_) is method_class(name)
        assert method_class(name).name == name == method_class(name).spec.name


def test_capabilities_are_what_the_methods_do():
    by_name = {spec.name: spec for spec in specs()}
    assert {n for n, s in by_name.items() if not s.trains} == {"patchcore", "padim"}
    assert {n for n, s in by_name.items() if not s.supports_tiling} == {"draem", "crn"}
    assert {n for n, s in by_name.items() if s.ddp_find_unused_parameters} == {"cflow", "crn"}


def test_an_unknown_method_is_one_line_naming_the_known_ones():
    with pytest.raises(AdbenchError, match=r"model=nope is not a method of adbench: use one of "
                       r"cflow, crn, draem, padim, patchcore, rd4ad"):  # fmt: skip
        method_class("nope")


def test_a_checkpoint_of_an_unknown_method_is_one_line(tmp_path):
    file = tmp_path / "other.ckpt"
    torch.save({"state_dict": {}, "adbench": {"model": "gone", "class": "GoneModule"}}, file)
    with pytest.raises(AdbenchError, match=r"holds a 'gone' model, a method this adbench does "):
        load_module(file)


def test_predict_takes_the_method_from_the_checkpoint(tmp_path, compose_config, mvtec_tree):
    out = tmp_path / "padim"
    run(
        compose_config(
            "model=padim", "dataset=mvtec", f"dataset.root={mvtec_tree}", "dataset.category=cat",
            "dataset.image_size=32", "model.n_features=20", f"output_dir={out}",
        )
    )  # fmt: skip
    images = mvtec_tree / "cat" / "test" / "dent"
    common = [f"ckpt_path={out / 'model.ckpt'}", f"predict.input={images}", "logger=none"]
    kept = adbench_command("task=predict", *common, f"output_dir={tmp_path / 'a'}", cwd=tmp_path)
    assert kept.returncode == 0, kept.stderr[-2000:]
    assert (tmp_path / "a" / "anomaly_scores.csv").is_file()
    wrong = adbench_command(
        "task=predict", "model=patchcore", *common, f"output_dir={tmp_path / 'b'}", cwd=tmp_path
    )
    assert_one_line_error(wrong, "holds a padim model, not patchcore: pass model=padim")


@pytest.mark.parametrize(
    ("module_class", "model_class"),
    [
        ("adbench.methods.padim.PadimModule", "adbench.methods.padim.PadimModel"),
        ("adbench.methods.patchcore.PatchcoreModule", "adbench.methods.patchcore.PatchcoreModel"),
        ("adbench.methods.cflow.CflowModule", "adbench.methods.cflow.CflowModel"),
        ("adbench.methods.rd4ad.Rd4adModule", "adbench.methods.rd4ad.Rd4adModel"),
        ("adbench.methods.draem.DraemModule", "adbench.methods.draem.model.DraemModel"),
        ("adbench.methods.crn.CrnModule", "adbench.methods.crn.model.CrnModel"),
    ],
)
def test_a_models_knobs_are_declared_by_the_model_alone(module_class, model_class):
    """The module passes its model's knobs on (split_wiring) instead of declaring them again."""
    module_parameters = inspect.signature(get_class(module_class).__init__).parameters
    model_parameters = inspect.signature(get_class(model_class).__init__).parameters
    assert not (set(module_parameters) & set(model_parameters)) - {"self", "seed"}
