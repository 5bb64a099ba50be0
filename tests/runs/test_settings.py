"""Every numeric and on/off setting of conf/ is checked before a run starts (runs/settings.py),
by rules that refuse what they should (runs/rules.py)."""

from __future__ import annotations

import re
from pathlib import Path

import pytest
from omegaconf import OmegaConf

from adbench.errors import AdbenchError
from adbench.runs.rules import Each, Flag, Integer, Number, problem
from adbench.runs.settings import SETTING_RULES, check_run_settings

CONF = Path(__file__).parents[2] / "conf"
# groups whose settings go to other libraries or are checked where they are read
NOT_IN_THE_TABLE = {
    "trainer": "Lightning's Trainer checks its own arguments",
    "logger": "Lightning's loggers",
    "tiling": "adbench/tiling.py checks the tile counts and sizes together",
    "loss.terms": "methods/draem/loss.py checks the terms together",
    "model.layers": "indices or names, checked by the backbone's FeatureExtractor",
    "dataset.image_size": "an integer or [height, width] (check_image_size)",
}
SKIPPED_GROUPS = ("experiment", "hparams_search", "preset", "sweep")  # they set others' keys


def leaves(node: object, key: str, every: bool = False):
    """Keys of `node`'s numbers, booleans and lists of numbers; `every`: of all its leaves
    (nulls, names and interpolations too)."""
    if OmegaConf.is_dict(node):
        for child in node:
            hidden = OmegaConf.is_interpolation(node, child) or OmegaConf.is_missing(node, child)
            if child in ("defaults", "hydra") or (hidden and not every):
                continue
            child_key = f"{key}.{child}".lstrip(".")
            yield from [child_key] if hidden else leaves(node[child], child_key, every)
    elif OmegaConf.is_list(node):
        if every or (len(node) and all(isinstance(item, int | float) for item in node)):
            yield key
    elif every or isinstance(node, bool | int | float):
        yield key


def conf_settings(every: bool = False) -> set[str]:
    keys = set(leaves(OmegaConf.load(CONF / "config.yaml"), "", every))
    for path in CONF.glob("*/*.yaml"):
        group = path.parent.name
        if group not in SKIPPED_GROUPS:
            prefix = "" if path.read_text().startswith("# @package _global_") else group
            keys |= set(leaves(OmegaConf.load(path), prefix, every))
    return {key for key in keys if not key.startswith(tuple(NOT_IN_THE_TABLE))}


def test_every_numeric_and_on_off_setting_in_conf_has_a_rule():
    missing = conf_settings() - set(SETTING_RULES)
    assert not missing, f"add to runs/settings.py's SETTING_RULES: {sorted(missing)}"


def test_every_rule_names_a_setting_that_exists():
    stale = set(SETTING_RULES) - conf_settings(every=True)
    assert not stale, f"not in conf/ any more: {sorted(stale)}"


# one composed config per setting: the model, dataset and groups that have it
HOLDERS = [
    ("model=patchcore",),
    ("model=padim",),
    ("model=cflow",),
    ("model=rd4ad",),
    ("model=crn",),
    ("model=draem", "loss=draem_ms_ssim"),
    ("dataset=folder", "dataset.normal_dir=a", "dataset.abnormal_dir=b"),
    ("dataset=roadimages", "dataset.root=r"),
    ("dataset=realphotos",),
]


@pytest.fixture(scope="module")
def holders(tmp_path_factory):
    from configs import compose_adbench

    out = tmp_path_factory.mktemp("run")
    return [compose_adbench(f"output_dir={out}", *overrides) for overrides in HOLDERS]


def test_the_defaults_pass(holders):
    for cfg in holders:
        check_run_settings(cfg)


@pytest.mark.parametrize("key", sorted(SETTING_RULES))
def test_a_wrong_type_is_refused_naming_the_key(holders, key):
    cfg = next(c for c in holders if OmegaConf.select(c, key, default="absent") != "absent")
    cfg = cfg.copy()
    OmegaConf.update(cfg, key, "abc", force_add=False)
    with pytest.raises(AdbenchError, match=rf"^{key}=abc: expected "):
        check_run_settings(cfg)


@pytest.mark.parametrize(
    ("overrides", "expected"),
    [
        (["model.coreset_sampling_ratio=2.0"], "a number in (0, 1]"),
        (["model.coreset_sampling_ratio=0"], "a number in (0, 1]"),
        (["model=rd4ad", "trainer.max_epochs=-1"], "an integer >= 1"),  # no max_steps: never ends
        (["dataset.val_split=1.0"], "a number in (0, 1)"),
        (["seed=-1"], "an integer in [0, 4294967295]"),
        (["output.heatmaps=maybe"], "true or false"),
        (["model.max_bank_size=0"], "an integer >= 1 or null"),
        (["backbone.std=[0.5,0,0.5]"], "a list, each item a number > 0"),
    ],
)
def test_an_out_of_range_value_is_refused(compose_config, overrides, expected):
    key = overrides[-1].split("=")[0]
    with pytest.raises(AdbenchError, match=rf"^{key}=.*: expected {re.escape(expected)}$"):
        check_run_settings(compose_config(*overrides))


def test_a_step_counted_model_may_leave_its_epochs_unbounded(compose_config):
    check_run_settings(compose_config("model=crn", "trainer.max_epochs=-1"))


@pytest.mark.parametrize(
    ("overrides", "expected"),
    [
        (
            ["model=crn", "trainer.max_steps=0"],
            "trainer.max_steps=0: expected an integer >= 1 or -1",
        ),
        (["model=cflow", "trainer.max_epochs=0"], "trainer.max_epochs=0: expected an integer >= 1"),
    ],
)
def test_a_training_length_that_never_trains_is_refused(compose_config, overrides, expected):
    with pytest.raises(AdbenchError, match=f"^{re.escape(expected)}$"):
        check_run_settings(compose_config(*overrides))


def test_a_model_config_that_sets_its_epochs_is_told_they_are_the_trainers(compose_config):
    cfg = compose_config("model=cflow")  # as one's own conf/model/NAME.yaml of before the move
    OmegaConf.update(cfg, "model.epochs", 5, force_add=True)
    with pytest.raises(AdbenchError, match=r"^model.epochs is now trainer.max_epochs: set "):
        check_run_settings(cfg)


def test_each_trained_method_sets_its_training_length_in_its_model_config(compose_config):
    lengths = {m: compose_config(f"model={m}").trainer for m in ("cflow", "rd4ad", "draem", "crn")}
    assert {m: t.max_epochs for m, t in lengths.items() if m != "crn"} == {
        "cflow": 5, "rd4ad": 200, "draem": 700,
    }  # fmt: skip
    assert (lengths["crn"].max_steps, lengths["crn"].val_check_interval) == (20000, 500)
    assert compose_config("model=padim").trainer.max_epochs == 1
    assert compose_config("model=cflow", "trainer.max_epochs=9").trainer.max_epochs == 9


@pytest.mark.parametrize(
    ("rule", "good", "bad"),
    [
        (Integer(1), [1, 7], [0, 1.0, True, "1", None]),
        (Integer(0, 255), [0, 255], [-1, 256]),
        (Integer(4, multiple_of=4), [4, 128], [6, 0]),
        (Integer(1, odd=True), [1, 11], [10]),
        (Integer(1, optional=True), [None, 3], [0]),
        (Number(0), [0, 2.5, 7], [-0.1, float("inf"), float("nan"), False, "x"]),
        (Number(0, 1, open_low=True), [1, 1e-9], [0, 1.01]),
        (Number(0, 1, open_high=True), [0, 0.999], [1]),
        (Flag(), [True, False], [1, "true", None]),
        (Each(Number(0, 1)), [[0.5, 1], []], [[0.5, 2], 0.5, "ab"]),
    ],
)
def test_rules_accept_and_refuse(rule, good, bad):
    assert [problem(rule, value) for value in good] == [None] * len(good)
    assert all(problem(rule, value) for value in bad)


def test_what_a_rule_expected_reads_as_a_sentence():
    assert problem(Integer(1), 0) == "expected an integer >= 1"
    assert problem(Integer(1, odd=True), 4) == "expected an odd integer >= 1"
    assert problem(Number(0, 1, open_high=True), 1) == "expected a number in [0, 1)"
    assert problem(Integer(1, optional=True), 0) == "expected an integer >= 1 or null"


def test_a_missing_file_to_compare_with_is_refused_before_training(compose_config, tmp_path):
    with pytest.raises(AdbenchError, match=r"^eval.compare_to=.*nope.json: no such file"):
        check_run_settings(compose_config(f"eval.compare_to={tmp_path}/nope.json"))
