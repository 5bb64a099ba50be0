"""The real-photo bench's tables and result reading, on made-up job outputs (no training)."""

from __future__ import annotations

import json
import math

from adbench.bench.real import _job_result, agreement_table, methods_table


def _write_metrics(directory, category, image_auroc, val_auroc):
    directory.mkdir(parents=True)
    summary = {
        "dataset": f"realphotos/{category}",
        "metrics": {"image_auroc": image_auroc, "pixel_auroc": 0.9, "pixel_aupro_30": 0.8},
        "validation": {"val_image_auroc": val_auroc},
        "timing": {"fit_seconds": 2.0, "test_seconds": 1.5},
    }
    (directory / "metrics.json").write_text(json.dumps(summary))


def test_job_results_are_read_per_category_and_failures_keep_their_error(tmp_path):
    _write_metrics(tmp_path / "moon", "moon", 0.8, 0.9)
    (tmp_path / "ihc").mkdir()
    (tmp_path / "ihc" / "failed.json").write_text(json.dumps({"error": "AdbenchError: boom"}))
    moon = _job_result(tmp_path, "moon")
    assert moon["image_auroc"] == 0.8 and moon["val_image_auroc"] == 0.9
    assert moon["seconds"] == 3.5
    assert _job_result(tmp_path, "ihc") == {"error": "AdbenchError: boom"}
    assert "no result" in _job_result(tmp_path, "coffee")["error"]


def test_methods_table_has_a_mean_row_and_the_peer_beside():
    results = {"padim": {"a": {"image_auroc": 0.6, "seconds": 1.0},
                         "b": {"image_auroc": 0.8, "seconds": 3.0}}}  # fmt: skip
    peers = {"padim": {"a": {"image_auroc": 0.5}, "b": {"error": "failed"}}}
    table = methods_table(results, peers, ["a", "b"])
    mean_row = next(line for line in table.splitlines() if "| mean" in line)
    cells = [cell.strip() for cell in mean_row.split("|")[1:-1]]
    assert cells[:3] == ["padim", "mean", "0.7"]
    assert cells[7] == "0.5"  # anomalib's mean over the categories it finished


def test_agreement_table_per_category_and_median_over_categories():
    def run(val, test):
        return {"val_image_auroc": val, "image_auroc": test}

    study = {"synthetic": {
        "s1": {"a": run(0.6, 0.5), "b": run(0.9, 0.9)},
        "s2": {"a": run(0.7, 0.6), "b": run(0.8, 0.95)},
        "s3": {"a": run(0.8, 0.7), "b": run(0.7, 0.99)},
    }}  # fmt: skip
    rows = {
        line.split("|")[2].strip(): [c.strip() for c in line.split("|")[3:-1]]
        for line in agreement_table(study, ["a", "b"]).splitlines()
        if line.startswith("| synthetic")
    }
    assert float(rows["a"][2]) == 1.0 and float(rows["b"][2]) == -1.0
    assert float(rows["a"][1]) == 0.7
    assert math.isclose(float(rows["median over categories"][2]), 0.0, abs_tol=1e-9)


def test_anomalib_results_are_kept_and_reused_on_resume(tmp_path, monkeypatch):
    import argparse

    from adbench.bench import real

    calls = []

    def fake_run(python, root, category, method, *args, **kwargs):
        calls.append((method, category))
        return {"image_auroc": 0.5 + len(calls) / 10}

    monkeypatch.setattr(real, "anomalib_python", lambda venv: tmp_path / "python")
    monkeypatch.setattr(real, "run_anomalib", fake_run)
    monkeypatch.setattr(real, "generated_root", lambda cfg, category: tmp_path)
    args = argparse.Namespace(
        anomalib_venv="venv", categories=["moon"], image_size=64, work_dir=str(tmp_path),
        resume=False,
    )  # fmt: skip
    first = real.run_peers(args, ["padim"])
    args.resume = True
    again = real.run_peers(args, ["padim"])
    assert calls == [("padim", "moon")]
    assert again == first == {"padim": {"moon": {"image_auroc": 0.6}}}
    args.image_size = 96  # another job: its record does not count
    assert real.run_peers(args, ["padim"]) == {"padim": {"moon": {"image_auroc": 0.7}}}
    assert calls == [("padim", "moon")] * 2


def test_resume_reuses_a_setting_only_if_its_command_and_model_config_are_the_same(
    tmp_path, monkeypatch
):
    from adbench.bench import real

    runs = []

    def fake_multirun(command, stdout, **kwargs):
        runs.append(command)
        out = tmp_path / "padim" / "moon"
        assert not out.exists()  # a rerun starts afresh: adbench refuses another run's folder
        out.mkdir(parents=True)
        summary = {"dataset": "realphotos/moon", "metrics": {"image_auroc": len(runs) / 10}}
        (out / "metrics.json").write_text(json.dumps(summary))

    monkeypatch.setattr(real.subprocess, "run", fake_multirun)

    def bench(*overrides: str) -> dict:
        return real.run_setting(
            ["model=padim", *overrides], ["moon"], "synthetic", 64, tmp_path / "padim", True
        )

    assert bench()["moon"]["image_auroc"] == 0.1
    assert bench()["moon"]["image_auroc"] == 0.1 and len(runs) == 1  # reused
    assert bench("model.eps=1.0")["moon"]["image_auroc"] == 0.2  # another setting: rerun
    setting = json.loads((tmp_path / "padim" / "setting.json").read_text())
    setting["model"]["n_features"] = 7  # as if the default had changed since
    (tmp_path / "padim" / "setting.json").write_text(json.dumps(setting))
    assert bench("model.eps=1.0")["moon"]["image_auroc"] == 0.3
