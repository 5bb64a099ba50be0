"""task=benchmark's printed line and files; one-line errors for bad export/benchmark input."""

from __future__ import annotations

import json
import re

import pytest
from adbench_command import adbench_command

from adbench.errors import AdbenchError
from adbench.run import run

BENCHMARK = ["benchmark.batch_size=2", "benchmark.warmup_batches=1", "benchmark.batches=2"]
LINE = re.compile(
    r"benchmark: patchcore ([0-9.]+) images/s on cpu \(batch size 2, image size (\d+)x(\d+)"
)


def test_benchmark_prints_images_per_second_device_batch_and_image_size(
    trained, compose_cfg, image_size, tmp_path, capsys
):
    _, checkpoint = trained("patchcore")
    out = tmp_path / "bench"
    cfg = compose_cfg(
        "task=benchmark",
        f"ckpt_path={checkpoint}",
        "benchmark.device=cpu",
        *BENCHMARK,
        f"output_dir={out}",
    )
    value = run(cfg)
    match = LINE.search(capsys.readouterr().out)
    assert match and match.group(2) == match.group(3) == str(image_size)
    result = json.loads((out / "benchmark.json").read_text())
    assert float(match.group(1)) == pytest.approx(result["images_per_second"]) == value
    assert value > 0 and result["batches"] == 2 and result["warmup_batches"] == 1
    assert "images/s" in (out / "benchmark.md").read_text()


def test_benchmark_without_checkpoint_trains_first(image_folders, compose_cfg, tmp_path, capsys):
    out = tmp_path / "bench"
    cfg = compose_cfg(
        "model=padim",
        "model.n_features=20",
        "dataset=folder",
        f"dataset.normal_dir={image_folders['normal']}",
        f"dataset.abnormal_dir={image_folders['abnormal']}",
        "dataset.image_size=64",
        "output.heatmaps=false",
        "task=benchmark",
        *BENCHMARK,
        f"output_dir={out}",
    )
    run(cfg)
    printed = capsys.readouterr().out
    assert "training first" in printed and "images/s" in printed
    assert (out / "model.ckpt").is_file() and (out / "metrics.json").is_file()
    assert json.loads((out / "benchmark.json").read_text())["checkpoint"].endswith("model.ckpt")


@pytest.mark.parametrize(
    ("overrides", "message"),
    [
        (["task=export"], "ckpt_path is not set"),
        (["task=export", "export.check_images=0"], "export.check_images=0: expected an"),
        (["task=benchmark", "ckpt_path=x.ckpt", "benchmark.device=tpu"], "benchmark.device=tpu"),
        (["task=benchmark", "benchmark.batches=0"], "benchmark.batches=0"),
    ],
)
def test_bad_export_and_benchmark_settings_are_refused(overrides, message, compose_cfg, tmp_path):
    with pytest.raises(AdbenchError, match=re.escape(message)):
        run(compose_cfg(*overrides, f"output_dir={tmp_path}"))


def test_bad_export_format_gives_a_one_line_error(tmp_path):
    result = adbench_command(
        "task=export", "export.format=tflite", "logger=none", f"output_dir={tmp_path}", cwd=tmp_path
    )
    assert result.returncode == 2
    lines = result.stderr.strip().splitlines()
    assert lines == [
        "adbench: error: export.format=tflite is unknown: use export.format=onnx or "
        "export.format=torchscript"
    ]
