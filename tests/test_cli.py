"""Bad input ends in one clear line on stderr and exit code 2, never a traceback."""

from __future__ import annotations

import subprocess
import sys

import pytest
from adbench_command import adbench_command


def run_cli(*args: str, cwd) -> subprocess.CompletedProcess:
    return adbench_command(*args, "logger=none", f"output_dir={cwd}/out", cwd=cwd)


def assert_one_line_error(result: subprocess.CompletedProcess, *fragments: str) -> None:
    assert result.returncode == 2, result.stderr[-2000:]
    assert "Traceback" not in result.stderr
    errors = [line for line in result.stderr.splitlines() if line.startswith("adbench: error:")]
    assert len(errors) == 1, result.stderr[-2000:]
    for fragment in fragments:
        assert fragment in errors[0]


@pytest.mark.parametrize(
    "args",
    [("dataset.image_size=abc",), ("dataset=mvtec", "dataset.root=nope")],
    ids=["read-with-the-command", "found-during-the-run"],
)
def test_adbench_debug_shows_the_traceback_behind_a_one_line_error(tmp_path, monkeypatch, args):
    monkeypatch.setenv("ADBENCH_DEBUG", "1")
    result = run_cli(*args, cwd=tmp_path)
    assert result.returncode != 0
    assert "Traceback" in result.stderr and "AdbenchError" in result.stderr
    assert "adbench: error:" not in result.stderr


def test_missing_dataset_dir_names_layout(tmp_path):
    result = run_cli("dataset=mvtec", f"dataset.root={tmp_path}/nope", cwd=tmp_path)
    assert_one_line_error(result, "nope", "train/good")


def test_unset_required_key_is_named(tmp_path):
    result = run_cli("dataset=mvtec", cwd=tmp_path)
    assert_one_line_error(result, "dataset.root")


def test_unknown_task(tmp_path):
    result = run_cli("task=dance", cwd=tmp_path)
    assert_one_line_error(result, "task=dance")


@pytest.mark.parametrize(
    ("args", "fragment"),
    [
        (("task=predict", "predict.input=."), "ckpt_path"),
        (("task=predict", "ckpt_path=missing.ckpt", "predict.input=."), "missing.ckpt"),
        (("task=predict", "ckpt_path=missing.ckpt", "predict.input=[a,b]"), "predict.input="),
    ],
)
def test_predict_inputs(tmp_path, args, fragment):
    assert_one_line_error(run_cli(*args, cwd=tmp_path), fragment)


def test_ckpt_path_with_task_train_is_refused(tmp_path):
    result = run_cli(f"ckpt_path={tmp_path}/model.ckpt", cwd=tmp_path)
    assert_one_line_error(result, "ckpt_path=", "resume=PATH")


def test_output_dir_holds_hydra_files_too(tmp_path):
    run_cli("task=dance", cwd=tmp_path)  # Hydra writes its files before the run starts
    assert (tmp_path / "out" / ".hydra" / "config.yaml").is_file()
    assert (tmp_path / "out" / "__main__.log").is_file()
    assert not (tmp_path / "outputs").exists()


def test_another_runs_folder_is_refused_before_hydra_rewrites_its_record(tmp_path):
    """The refused run must not overwrite the other run's .hydra/overrides.yaml, which
    resume=DIR replays."""
    record = tmp_path / "out" / ".hydra" / "overrides.yaml"
    record.parent.mkdir(parents=True)
    record.write_text("- model=padim\n")
    (tmp_path / "out" / "metrics.json").write_text("{}")
    assert_one_line_error(run_cli("seed=3", cwd=tmp_path), "already holds another run's files")
    assert record.read_text() == "- model=padim\n"


def test_output_dir_in_a_multirun_is_refused(tmp_path):
    assert_one_line_error(run_cli("-m", "seed=0,1", cwd=tmp_path), "hydra.sweep.dir=DIR")


def test_a_list_where_one_value_is_expected_is_named(tmp_path):
    result = run_cli("dataset=mvtec", "dataset.root=[a,b]", "dataset.category=cat", cwd=tmp_path)
    assert_one_line_error(result, "dataset.root=['a', 'b'] is a list", "-m dataset.root=A,B")


def test_a_missing_class_of_several_is_named(mvtec_tree, tmp_path):
    result = run_cli("dataset=mvtec", f"dataset.root={mvtec_tree}", "dataset.category=[cat,dog]",
                     cwd=tmp_path)  # fmt: skip
    assert_one_line_error(result, "no category 'dog'", "found categories: cat")


def test_help_lists_the_groups_a_user_picks_and_hydras_flags(tmp_path):
    result = subprocess.run(
        [sys.executable, "-m", "adbench", "--help"], capture_output=True, text=True, cwd=tmp_path
    )
    assert result.returncode == 0, result.stderr
    assert "model: cflow, crn, draem, padim, patchcore, rd4ad" in result.stdout
    assert "preset: demo" in result.stdout
    assert "preset/model" not in result.stdout  # chosen by preset=, never by hand
    for flag in ("--multirun,-m", "--cfg,-c", "--info,-i", "--shell-completion,-sc"):
        assert flag in result.stdout


def test_sigterm_during_training_is_a_failure_with_one_line(tmp_path, mvtec_tree):
    import signal
    import time

    process = subprocess.Popen(
        [sys.executable, "-m", "adbench", "model=draem", "preset=demo", "trainer.max_epochs=1000",
         "dataset=mvtec", f"dataset.root={mvtec_tree}", "dataset.category=cat",
         f"output_dir={tmp_path}/out"],
        cwd=tmp_path, stdout=subprocess.DEVNULL, stderr=subprocess.PIPE, text=True,
    )  # fmt: skip
    started = tmp_path / "out" / "logs" / "hparams.yaml"  # the CSV logger writes it at fit start
    deadline = time.monotonic() + 120
    while not started.exists() and time.monotonic() < deadline and process.poll() is None:
        time.sleep(0.2)
    time.sleep(1.0)
    process.send_signal(signal.SIGTERM)
    _, stderr = process.communicate(timeout=120)
    assert process.returncode == 143, stderr[-2000:]
    errors = [line for line in stderr.splitlines() if line.startswith("adbench: error:")]
    assert len(errors) == 1 and "stopped by SIGTERM" in errors[0]
    assert not (tmp_path / "out" / "metrics.json").exists()
    assert not (tmp_path / "out" / "model.ckpt").exists()


@pytest.mark.parametrize(
    ("args", "fragments"),
    [
        (["dataset.image_size=abc"], ["dataset.image_size=abc", "positive integer"]),
        (["dataset.image_size=-5"], ["dataset.image_size=-5"]),
        (["dataset.image_size=0"], ["dataset.image_size=0"]),
        (["dataset.image_size=[64,0]"], ["dataset.image_size=[64, 0]"]),
        (["dataset.image_size=[64"], ["cannot read the override", "dataset.image_size=[64"]),
        (["dataset.batch_size=0"], ["dataset.batch_size=0", ">= 1"]),
        (["dataset.num_workers=-1"], ["dataset.num_workers=-1", ">= 0"]),
        (["checkpoint.every_minutes=soon"], ["checkpoint.every_minutes=soon"]),
        (["model=foo"], ["model=foo is not an option", "patchcore, rd4ad"]),
        (["dataset.categry=weave"], ["dataset.categry", "did you mean dataset.category?"]),
        (["modl=crn"], ["modl", "did you mean model?"]),
        (["model.coreset_sampling_ratio=2.0"], ["model.coreset_sampling_ratio=2.0", "(0, 1]"]),
        (["model.max_bank_size=0"], ["model.max_bank_size=0", "integer >= 1"]),
        (["dataset.val_max_normals=-3"], ["dataset.val_max_normals=-3", "integer >= 1"]),
        (["model.feature_scaling=z"], ["model.feature_scaling=z", "none, channel, level"]),
        (["model=padim", "model.n_features=0"], ["model.n_features=0", "integer >= 1"]),
        (["model=padim", "model.eps=-1"], ["model.eps=-1", "number > 0"]),
        (["model=cflow", "model.fiber_batch_size=0"], ["model.fiber_batch_size=0", ">= 1"]),
        (["model=rd4ad", "trainer.max_epochs=-1"], ["trainer.max_epochs=-1", "integer >= 1"]),
        (["model=cflow", "model.epochs=3"], ["model.epochs is now trainer.max_epochs"]),
        (["model=draem", "model.base_width=0"], ["model.base_width=0", ">= 1"]),
        (["model.smoothing_sigma=-1"], ["model.smoothing_sigma=-1", "number >= 0"]),
        (["trainer.devices=abc"], ["a trainer.* setting is refused", "devices"]),
        (["+model.foo=1"], ["a model.* setting is refused", "foo"]),
    ],
)
def test_a_wrong_setting_is_one_line_before_anything_is_written(tmp_path, args, fragments):
    result = run_cli(*args, cwd=tmp_path)
    assert_one_line_error(result, *fragments)
    assert "HYDRA_FULL_ERROR" not in result.stderr
    out = tmp_path / "out"  # at most Hydra's record and the composed config: no results
    written = {path.name for path in out.iterdir()} if out.exists() else set()
    assert written <= {".hydra", "__main__.log", "config.yaml"}


@pytest.mark.parametrize(
    ("args", "fragments"),
    [
        (["dataset.categry=a,b"], ["dataset.categry", "did you mean dataset.category?"]),
        (["model=padim,foo"], ["model=foo is not an option"]),
    ],
)
def test_a_sweep_with_a_wrong_setting_is_one_line_before_any_job(tmp_path, args, fragments):
    result = adbench_command("-m", *args, f"hydra.sweep.dir={tmp_path}/sweep", cwd=tmp_path)
    assert_one_line_error(result, *fragments)
    assert not (tmp_path / "sweep").exists()


def test_a_training_loss_that_is_no_longer_finite_stops_the_run_naming_the_step(
    tmp_path, mvtec_tree
):
    result = run_cli(
        "model=draem", "preset=demo", "model.lr=1e30", "trainer.max_epochs=3", "dataset=mvtec",
        f"dataset.root={mvtec_tree}", "dataset.category=cat", "dataset.image_size=32",
        "dataset.batch_size=4", cwd=tmp_path,
    )  # fmt: skip
    assert_one_line_error(result, "the training loss became nan at step", "lower model.lr")
    assert not (tmp_path / "out" / "metrics.json").exists()
    assert not (tmp_path / "out" / "model.ckpt").exists()


def test_a_symlink_loop_among_the_training_images_is_not_followed(tmp_path, mvtec_tree):
    good = mvtec_tree / "cat" / "train" / "good"
    (good / "loop.png").symlink_to(good / "loop.png")
    (good / "subfolder").symlink_to(good, target_is_directory=True)
    result = run_cli(
        "model=padim", "model.n_features=20", "dataset=mvtec", f"dataset.root={mvtec_tree}",
        "dataset.category=cat", "dataset.image_size=32", cwd=tmp_path,
    )  # fmt: skip
    assert result.returncode == 0, result.stderr[-2000:]
    assert (tmp_path / "out" / "metrics.json").is_file()


def test_same_file_names_in_two_defect_folders_and_mixed_sizes_are_kept_apart(tmp_path, mvtec_tree):
    import numpy as np
    from image_files import textured, with_defect, write_image

    rng = np.random.default_rng(1)
    category = mvtec_tree / "cat"
    for i in range(3):  # the same names as test/dent/, and 96 px instead of 64
        image, mask = with_defect(textured(rng, size=96), rng)
        write_image(category / "test" / "scratch" / f"{i:03d}.png", image)
        mask_file = category / "ground_truth" / "scratch" / f"{i:03d}_mask.png"
        write_image(mask_file, mask.astype(np.uint8) * 255)
    result = run_cli(
        "model=padim", "model.n_features=20", "dataset=mvtec", f"dataset.root={mvtec_tree}",
        "dataset.category=cat", "dataset.image_size=32", cwd=tmp_path,
    )  # fmt: skip
    assert result.returncode == 0, result.stderr[-2000:]
    rows = (tmp_path / "out" / "scores.csv").read_text().splitlines()[1:]
    assert len(rows) == 9 and len({row.split(",")[0] for row in rows}) == 9
    for defect in ("dent", "scratch"):
        assert len(list((tmp_path / "out" / "heatmaps" / defect).glob("*.png"))) == 3
