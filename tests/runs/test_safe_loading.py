"""Every file a user points to is loaded weights only: a pickle that would run code is refused
before anything runs; a bad checkpoint for resume= and a full disk are one line, named."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

import pytest
import torch
from adbench_command import adbench_command
from test_cli import assert_one_line_error

from adbench.run import run


class WritesMarker:
    """Unpickling this runs code: it would create the marker file."""

    def __init__(self, marker: Path) -> None:
        self.marker = marker

    def __reduce__(self):
        return (os.system, (f"touch {self.marker}",))


def cli(*args: str, cwd: Path) -> subprocess.CompletedProcess:
    return adbench_command(*args, "logger=none", cwd=cwd)


@pytest.mark.parametrize(
    "args",
    [
        ["model=crn", "resume={file}", "output_dir={out}"],
        ["task=predict", "ckpt_path={file}", "predict.input={out}", "output_dir={out}"],
        ["backbone.weights_path={file}", "output_dir={out}"],
    ],
)
def test_a_pickle_that_runs_code_is_refused_unloaded(tmp_path, args):
    marker = tmp_path / "marker"
    file = tmp_path / "crafted.ckpt"
    torch.save({"state_dict": WritesMarker(marker), "adbench": {}}, file)
    out = tmp_path / "out"
    out.mkdir()
    result = cli(*[a.format(file=file, out=out) for a in args], cwd=tmp_path)
    assert_one_line_error(
        result, f"{file} holds Python objects that are not plain tensors; refused"
    )
    assert not marker.exists()


def test_resume_from_a_bad_checkpoint_is_one_line(tmp_path, compose_config, mvtec_tree):
    run(
        compose_config(
            "model=padim", "dataset=mvtec", f"dataset.root={mvtec_tree}", "dataset.category=cat",
            "dataset.image_size=32", "model.n_features=20",
        )
    )  # fmt: skip
    trained = tmp_path / "run" / "model.ckpt"
    result = cli("model=crn", f"resume={trained}", f"output_dir={tmp_path}/a", cwd=tmp_path)
    assert_one_line_error(result, f"resume={trained} holds a padim model, not crn", "model=padim")
    truncated = tmp_path / "truncated.ckpt"
    truncated.write_bytes(trained.read_bytes()[:5000])
    result = cli("model=padim", f"resume={truncated}", f"output_dir={tmp_path}/b", cwd=tmp_path)
    assert_one_line_error(result, f"resume={truncated}: not a readable checkpoint")
    for out in (tmp_path / "a", tmp_path / "b"):  # nothing beyond Hydra's own record
        assert {path.name for path in out.iterdir()} <= {".hydra", "__main__.log"}


def test_a_full_disk_is_one_line_and_leaves_no_result_or_partial_file(tmp_path, mvtec_tree):
    result = subprocess.run(
        [sys.executable, str(Path(__file__).with_name("disk_full.py")), "model=padim",
         "model.n_features=20", "dataset=mvtec", f"dataset.root={mvtec_tree}",
         "dataset.category=cat", "dataset.image_size=32", "logger=none",
         f"output_dir={tmp_path}/out"],
        capture_output=True, text=True, cwd=tmp_path, timeout=300,
    )  # fmt: skip
    assert_one_line_error(result, "scores.csv: No space left on device", "no result")
    written = {path.name for path in (tmp_path / "out").iterdir()}
    assert not written & {"metrics.json", "scores.csv", "model.ckpt"}
    assert not [name for name in written if name.endswith(".tmp")]  # no partial file left
