"""A run owns its directory; `resume=` names a run directory, `last` or a checkpoint file."""

from __future__ import annotations

import os
import time
from pathlib import Path

import pytest

from adbench.errors import AdbenchError
from adbench.runs.output_dir import check_run_dir_is_free, claim_output_dir
from adbench.runs.resume import command_line_for_resume, resume_checkpoint


def touch(path: Path) -> Path:
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_bytes(b"x")
    return path


def test_a_directory_with_only_hydra_files_is_taken(tmp_path):
    touch(tmp_path / "run" / ".hydra" / "config.yaml")
    touch(tmp_path / "run" / "__main__.log")
    claim_output_dir(tmp_path / "run", overwrite=False, resuming=False)
    claim_output_dir(tmp_path / "new" / "deeper", overwrite=False, resuming=False)
    assert (tmp_path / "new" / "deeper").is_dir()


def test_another_runs_files_are_refused_or_cleared(tmp_path):
    run = tmp_path / "run"
    touch(run / "metrics.json")
    touch(run / "heatmaps" / "good" / "000.png")
    touch(run / ".hydra" / "config.yaml")
    with pytest.raises(AdbenchError, match=r"run already holds .*\(heatmaps, metrics.json\)"):
        claim_output_dir(run, overwrite=False, resuming=False)
    assert (run / "metrics.json").exists()  # nothing touched
    claim_output_dir(run, overwrite=False, resuming=True)  # a resumed run continues in place
    claim_output_dir(run, overwrite=True, resuming=False)
    assert sorted(path.name for path in run.iterdir()) == [".hydra"]


def test_a_single_run_into_another_runs_folder_is_refused_before_hydra_writes(
    tmp_path, monkeypatch
):
    run = tmp_path / "run"
    touch(run / "metrics.json")
    touch(run / "config.yaml")
    with pytest.raises(AdbenchError, match=r"run already holds .*\(config.yaml, metrics.json\)"):
        check_run_dir_is_free(["model=padim", f"hydra.run.dir={run}"])
    for allowed in (["-m"], [f"resume={run}"], ["output.overwrite=true"]):
        check_run_dir_is_free([*allowed, f"hydra.run.dir={run}"])
    check_run_dir_is_free([f"hydra.run.dir={tmp_path / 'new'}"])
    (run / "metrics.json").unlink()  # only a failed attempt's config: taken
    check_run_dir_is_free([f"hydra.run.dir={run}"])
    touch(run / "metrics.json")
    monkeypatch.setenv("LOCAL_RANK", "1")  # a DDP rank launched into rank 0's folder
    check_run_dir_is_free([f"hydra.run.dir={run}"])


def test_an_output_dir_that_cannot_be_created_is_one_line(tmp_path):
    touch(tmp_path / "file")
    with pytest.raises(AdbenchError, match="cannot be created"):
        claim_output_dir(tmp_path / "file" / "run", overwrite=False, resuming=False)


def test_resume_names_a_run_directory_a_file_or_the_latest_unfinished_run(tmp_path, monkeypatch):
    assert resume_checkpoint(None) is None
    older = touch(tmp_path / "outputs" / "crn" / "a" / "checkpoints" / "last.ckpt")
    newer = touch(tmp_path / "outputs" / "draem" / "b" / "checkpoints" / "last.ckpt")
    os.utime(older, (time.time() - 60,) * 2)
    touch(tmp_path / "outputs" / "crn" / "done" / "metrics.json")
    touch(tmp_path / "outputs" / "crn" / "done" / "checkpoints" / "last.ckpt")  # finished
    assert resume_checkpoint(str(older.parent.parent)) == older
    assert resume_checkpoint(str(older)) == older
    monkeypatch.chdir(tmp_path)
    assert resume_checkpoint("last").resolve() == newer.resolve()
    # training ended, the test did not: model.ckpt is the state to continue from
    trained = touch(tmp_path / "outputs" / "draem" / "b" / "model.ckpt")
    assert resume_checkpoint("last").resolve() == trained.resolve()


@pytest.mark.parametrize(
    ("layout", "message"),
    [
        (["metrics.json", "model.ckpt"], "that run finished"),
        (["config.yaml"], "no checkpoints/last.ckpt there"),
        (None, "no such run directory or checkpoint file"),
    ],
)
def test_nothing_to_resume_is_one_line(tmp_path, layout, message):
    for name in layout or []:
        touch(tmp_path / "run" / name)
    with pytest.raises(AdbenchError, match=message):
        resume_checkpoint(str(tmp_path / "run"))


def test_resume_last_without_unfinished_runs(tmp_path, monkeypatch):
    monkeypatch.chdir(tmp_path)
    with pytest.raises(AdbenchError, match="resume=last: no unfinished run"):
        resume_checkpoint("last")


def test_resuming_a_run_directory_replays_its_settings_in_place(tmp_path):
    run = tmp_path / "run"
    touch(run / "checkpoints" / "last.ckpt")
    touch(run / ".hydra" / "overrides.yaml").write_text(
        "- model=crn\n- trainer.max_steps=40\n- output_dir=/elsewhere\n- seed=3\n"
    )
    args = command_line_for_resume([f"resume={run}", "trainer.max_steps=60"])
    assert args == [
        "model=crn",
        "seed=3",
        "trainer.max_steps=60",  # given now: wins over the recorded value
        f"resume={run.resolve()}",
        f"hydra.run.dir={run.resolve()}",
    ]
    assert command_line_for_resume(args) == args  # idempotent (DDP relaunches the command)


def test_a_checkpoint_file_named_with_equals_signs_is_quoted(tmp_path):
    file = touch(tmp_path / "epoch=6-step=200.ckpt")
    assert command_line_for_resume([f"resume={file}", "model=crn"]) == [
        f"resume='{file}'",
        "model=crn",
    ]
    assert command_line_for_resume(["model=crn"]) == ["model=crn"]


def test_resume_with_multirun_is_refused(tmp_path):
    with pytest.raises(AdbenchError, match="drop -m"):
        command_line_for_resume(["-m", f"resume={tmp_path}"])


def test_only_a_failed_attempts_config_is_replaced_silently(tmp_path):
    failed = tmp_path / "failed"
    touch(failed / "config.yaml")
    touch(failed / "failed.json")
    claim_output_dir(failed, overwrite=False, resuming=False)
    assert not any(failed.iterdir())
    unfinished = tmp_path / "unfinished"
    touch(unfinished / "config.yaml")
    touch(unfinished / "checkpoints" / "last.ckpt")
    with pytest.raises(AdbenchError, match=r"\(checkpoints, config.yaml\)"):
        claim_output_dir(unfinished, overwrite=False, resuming=False)
    assert (unfinished / "config.yaml").is_file()  # nothing of an unfinished run is touched
