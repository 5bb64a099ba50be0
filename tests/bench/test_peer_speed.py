"""adbench beside anomalib, speed: the sides alternate, the best round of each is kept, the
ratios are adbench's speed over anomalib's, and both sides get the same settings. No anomalib:
both sides are faked (the adbench side job itself runs in tests/bench/test_bench.py)."""

from __future__ import annotations

import argparse

import pytest

from adbench.bench import peer_speed
from adbench.bench.jobs import compose_config


def bench_args(tmp_path, **changes) -> argparse.Namespace:
    venv = tmp_path / "venv"
    (venv / "bin").mkdir(parents=True, exist_ok=True)
    (venv / "bin" / "python").touch()
    values = dict(peer_methods=["patchcore", "padim"], peer_train_images=[60, 1000],
                  peer_category="moon", peer_rounds=2, peer_time_images=8, peer_timeout=60.0,
                  anomalib_venv=str(venv), image_size=64, batch_size=4)  # fmt: skip
    return argparse.Namespace(**(values | changes))


@pytest.fixture
def fake_sides(monkeypatch, tmp_path):
    """Both sides faked; every call recorded in order as (side, method, train images)."""
    calls = []

    def ours(name, overrides, **kwargs):
        n_train = int(next(o for o in overrides if o.startswith("dataset.n_train=")).split("=")[1])
        calls.append(("adbench", overrides[-1], n_train))
        round_index = sum(call[0] == "adbench" for call in calls)
        return {"fit_seconds": 2.0 * round_index, "train_images": n_train, "test_images": 20,
                "test_seconds": 1.0 * round_index, "model_images_per_second": 50.0 / round_index,
                "image_auroc": 0.9}  # fmt: skip

    def theirs(python, root, category, method, image_size, layers, **kwargs):
        calls.append(("anomalib", method, kwargs["extra_args"]))
        return {
            "fit_seconds": 30.0, "validation_seconds_in_fit": 10.0, "test_images": 20,
            "test_seconds": 4.0, "model_images_per_second": 20.0, "image_auroc": 0.8,
        }  # fmt: skip

    monkeypatch.setattr(peer_speed, "run_anomalib", theirs)
    monkeypatch.setattr(peer_speed, "generated_root", lambda cfg, category: tmp_path)
    return ours, calls


def test_sides_alternate_and_the_best_round_gives_the_ratios(fake_sides, tmp_path):
    ours, calls = fake_sides
    table = peer_speed.peer_speed_table(bench_args(tmp_path), ours, str(tmp_path))
    sides = [call[0] for call in calls]
    assert sides == ["adbench", "anomalib"] * 6  # 2 rounds x (patchcore 60, 1000; padim 60)
    rows = [[cell.strip() for cell in line.split("|")[1:-1]] for line in table.splitlines()[4:]]
    cells = next(row for row in rows if row[:2] == ["patchcore", "60"])
    # best adbench round: fit 2 s, model 50 img/s, test loop 20 img/s; anomalib: fit 30 - 10 s
    # of validation, 20 img/s alone, 5 img/s in its loop
    assert [float(cell) for cell in cells[2:11]] == [2, 20, 10, 50, 20, 2.5, 20, 5, 4]
    assert cells[11] == "0.9 / 0.8"
    assert not any("padim" in line and "1000" in line for line in table.splitlines())


def test_both_sides_get_the_same_levels_and_the_large_set_its_smaller_coreset(tmp_path):
    args = bench_args(tmp_path, peer_time_images=16)
    small, peer_small = peer_speed.side_settings("patchcore", 60, args)
    large, peer_large = peer_speed.side_settings("patchcore", 1000, args)
    assert "model.layers=[2,3]" in small and peer_small["layers"] == [2, 3]
    assert "--coreset-ratio" not in peer_small["extra_args"]
    assert large[-1] == "model.coreset_sampling_ratio=0.001"
    assert peer_large["extra_args"][-2:] == ["--coreset-ratio", "0.001"]
    assert peer_small["extra_args"][:2] == ["--batch-size", "4"]
    cfg = compose_config(large)  # adbench's side composes: every override is a real key
    assert cfg.model.coreset_sampling_ratio == 0.001 and cfg.model.max_bank_size is None
    cflow, peer_cflow = peer_speed.side_settings("cflow", 60, args)
    cfg = compose_config(cflow)
    assert list(cfg.model.layers) == peer_cflow["layers"] == [1]
    assert cfg.trainer.max_epochs == peer_cflow["max_epochs"] == 1
    assert cfg.dataset.validation == "from_test"  # every normal trains, as in anomalib


def test_a_failed_side_is_named_in_its_row(fake_sides, tmp_path, monkeypatch):
    ours, _ = fake_sides
    monkeypatch.setattr(peer_speed, "run_anomalib", lambda *a, **k: {"error": "job timed out"})
    table = peer_speed.peer_speed_table(bench_args(tmp_path, peer_methods=["padim"]), ours,
                                        str(tmp_path))  # fmt: skip
    assert "padim (failed: anomalib: job timed out)" in table


def test_without_the_anomalib_venv_the_table_says_how_to_get_it(tmp_path):
    args = bench_args(tmp_path, anomalib_venv=str(tmp_path / "missing"))
    assert "make anomalib-venv" in peer_speed.peer_speed_table(args, None, str(tmp_path))
