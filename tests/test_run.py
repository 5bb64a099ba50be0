"""A whole run on tiny data: outputs written, and a saved model predicts the same scores."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from run_checks import read_csv

from adbench.checkpoints import load_module
from adbench.errors import AdbenchError
from adbench.run import run
from adbench.synthesis import VALIDATION_KINDS

MODELS = {
    "patchcore": ["model.coreset_sampling_ratio=0.5"],
    "padim": ["model.n_features=50"],
}


@pytest.fixture(params=sorted(MODELS))
def trained_run(request, compose_config, mvtec_tree, tmp_path):
    cfg = compose_config(
        f"model={request.param}",
        "dataset=mvtec",
        f"dataset.root={mvtec_tree}",
        "dataset.category=cat",
        "dataset.image_size=64",
        *MODELS[request.param],
    )
    value = run(cfg)
    return cfg, tmp_path / "run", value


def test_train_run_writes_metrics_scores_heatmaps_and_config(trained_run):
    _, out, value = trained_run
    summary = json.loads((out / "metrics.json").read_text())
    figures = ("image_auroc", "pixel_auroc", "pixel_aupro_30", "image_f1_max_oracle", "image_aupr",
               "pixel_aupr", "ad_mean", "region_map_50", "region_f1_at_threshold",
               "segmentation_iou_at_threshold")  # fmt: skip
    for key in figures:
        assert 0 <= summary["metrics"][key] <= 1
    assert value == summary["validation"]["val_image_auroc"]
    rows = read_csv(out / "scores.csv")
    assert len(rows) == 6 and {r["defect_type"] for r in rows} == {"good", "dent"}
    assert all(0 <= float(r["normalized_score"]) <= 1 for r in rows)
    assert len(list((out / "heatmaps").rglob("*.png"))) == 6
    assert (out / "roc_curve.png").is_file() and (out / "pro_curve.png").is_file()
    assert (out / "config.yaml").is_file() and (out / "model.ckpt").is_file()


def test_thresholded_metrics_are_those_of_the_written_predictions(trained_run):
    _, out, _ = trained_run
    metrics = json.loads((out / "metrics.json").read_text())["metrics"]
    rows = read_csv(out / "scores.csv")
    hits = sum(r["prediction"] == r["label"] == "1" for r in rows)
    flagged = sum(r["prediction"] == "1" for r in rows)
    anomalous = sum(r["label"] == "1" for r in rows)
    assert metrics["image_precision_at_threshold"] == pytest.approx(hits / max(flagged, 1))
    assert metrics["image_recall_at_threshold"] == pytest.approx(hits / anomalous)
    for key in ("pixel_f1_at_threshold", "pixel_precision_at_threshold"):
        assert 0 <= metrics[key] <= 1


def test_obvious_defects_are_found(trained_run):
    _, out, _ = trained_run
    summary = json.loads((out / "metrics.json").read_text())
    assert summary["metrics"]["image_auroc"] >= 0.9


def test_saved_model_predicts_the_same_scores(trained_run, compose_config, mvtec_tree, tmp_path):
    cfg, out, _ = trained_run
    test_scores = {r["file"]: float(r["raw_score"]) for r in read_csv(out / "scores.csv")}
    folder = mvtec_tree / "cat" / "test" / "dent"
    cfg = compose_config(
        "task=predict",
        f"ckpt_path={out / 'model.ckpt'}",
        f"predict.input={folder}",
        f"output_dir={tmp_path / 'predict'}",
    )
    run(cfg)
    predicted = read_csv(tmp_path / "predict" / "anomaly_scores.csv")
    assert len(predicted) == 3
    for row in predicted:
        assert float(row["raw_score"]) == pytest.approx(test_scores[row["file"]], rel=1e-5)
    assert len(list((tmp_path / "predict" / "heatmaps").glob("*.png"))) == 3


def test_saved_model_is_tested_as_the_train_run_tested_it(trained_run, compose_config, mvtec_tree):
    cfg, out, _ = trained_run
    trained = json.loads((out / "metrics.json").read_text())
    tested_dir = out.parent / "tested"
    cfg = compose_config(
        "task=test",
        f"ckpt_path={out / 'model.ckpt'}",
        "dataset=mvtec",
        f"dataset.root={mvtec_tree}",
        "dataset.category=cat",
        "dataset.image_size=32",  # the checkpoint's own size (64) wins
        f"output_dir={tested_dir}",
    )
    assert run(cfg) is None
    summary = json.loads((tested_dir / "metrics.json").read_text())
    assert summary["metrics"] == pytest.approx(trained["metrics"], rel=1e-5)
    assert summary["calibration"] == trained["calibration"]  # the checkpoint's, not refitted
    assert summary["checkpoint"] == str((out / "model.ckpt").resolve())
    assert "fit_seconds" not in summary["timing"]
    assert read_csv(tested_dir / "scores.csv") == read_csv(out / "scores.csv")
    assert len(list((tested_dir / "heatmaps").rglob("*.png"))) == 6
    assert (tested_dir / "roc_curve.png").is_file()


def test_checkpoint_of_another_model_is_refused(trained_run):
    cfg, out, _ = trained_run
    held = cfg.model._target_.rsplit(".", 1)[-1].removesuffix("Module").lower()
    other = "padim" if held == "patchcore" else "patchcore"
    with pytest.raises(AdbenchError, match=f"holds a {held} model, not {other}: pass model={held}"):
        load_module(out / "model.ckpt", other)


def test_checkpoint_names_its_method(trained_run):
    cfg, out, _ = trained_run
    assert type(load_module(out / "model.ckpt")).__qualname__ == cfg.model._target_.split(".")[-1]


def test_from_test_validation_is_listed_and_left_out_of_test(compose_config, mvtec_tree, tmp_path):
    cfg = compose_config(
        "model=padim", "dataset=mvtec", f"dataset.root={mvtec_tree}", "dataset.category=cat",
        "dataset.image_size=64", "model.n_features=50", "dataset.validation=from_test",
        "dataset.val_split=0.4",
    )  # fmt: skip
    run(cfg)
    out = tmp_path / "run"
    summary = json.loads((out / "metrics.json").read_text())
    split = summary["validation_split"]
    assert split["mode"] == "from_test" and len(split["images"]) == 2
    tested = {r["file"] for r in read_csv(out / "scores.csv")}
    assert len(tested) == 4
    assert not tested & set(split["images"])
    assert len(tested | set(split["images"])) == 6


def test_one_pass_methods_calibrate_on_every_normal_out_of_fold(trained_run):
    _, out, _ = trained_run
    split = json.loads((out / "metrics.json").read_text())["validation_split"]
    assert len(split["images"]) == 10  # all 10 training normals
    assert split["kinds"] == list(VALIDATION_KINDS)


def test_without_out_of_fold_a_share_of_the_normals_is_held_out(compose_config, mvtec_tree):
    cfg = compose_config(
        "model=padim", "dataset=mvtec", f"dataset.root={mvtec_tree}", "dataset.category=cat",
        "dataset.image_size=64", "model.n_features=50", "model.out_of_fold=false",
    )  # fmt: skip
    run(cfg)
    split = json.loads((Path(cfg.output_dir) / "metrics.json").read_text())["validation_split"]
    assert len(split["images"]) == 2  # val_split 0.2 of 10


def test_letterboxed_model_predicts_and_tests_as_it_was_trained(compose_config, mvtec_tree):
    from PIL import Image

    common = (f"dataset.root={mvtec_tree}", "dataset.category=cat", "dataset=mvtec")
    cfg = compose_config(
        "model=padim", "model.n_features=20", *common, "dataset.image_size=[32,48]",
        "dataset.resize=pad", "dataset.resize_fill=128",
    )  # fmt: skip
    run(cfg)
    out = Path(cfg.output_dir)
    tested = {r["file"]: float(r["raw_score"]) for r in read_csv(out / "scores.csv")}
    panel = next((out / "heatmaps").rglob("*.png"))
    assert Image.open(panel).size == (3 * 48, 32)  # image | ground truth | heatmap, model size
    later = [f"ckpt_path={out / 'model.ckpt'}", "model=padim"]  # no resize given: the checkpoint's
    run(compose_config("task=predict", *later, f"predict.input={mvtec_tree / 'cat/test/dent'}",
                       f"output_dir={out.parent / 'predicted'}"))  # fmt: skip
    for row in read_csv(out.parent / "predicted" / "anomaly_scores.csv"):
        assert float(row["raw_score"]) == pytest.approx(tested[row["file"]], rel=1e-5)
    run(compose_config("task=test", *later, *common, f"output_dir={out.parent / 'tested'}"))
    assert read_csv(out.parent / "tested" / "scores.csv") == read_csv(out / "scores.csv")


def test_one_unreadable_image_costs_only_its_own_score(
    trained_run, compose_config, mvtec_tree, tmp_path, capsys
):
    cfg, out, _ = trained_run
    folder = tmp_path / "new_images"
    folder.mkdir()
    for image in (mvtec_tree / "cat" / "test" / "dent").glob("*.png"):
        (folder / image.name).write_bytes(image.read_bytes())
    data = (folder / "000.png").read_bytes()
    (folder / "broken.png").write_bytes(data[: len(data) // 2])  # a valid header, half the pixels
    run(
        compose_config(
            "task=predict",
            f"model={cfg.model._target_.split('.')[2]}",
            f"ckpt_path={out / 'model.ckpt'}",
            f"predict.input={folder}",
            f"output_dir={tmp_path / 'predict'}",
        )
    )
    scored = read_csv(tmp_path / "predict" / "anomaly_scores.csv")
    assert sorted(Path(row["file"]).name for row in scored) == ["000.png", "001.png", "002.png"]
    skipped = read_csv(tmp_path / "predict" / "unreadable.csv")
    assert [Path(row["file"]).name for row in skipped] == ["broken.png"]
    assert "1 image(s) could not be read" in capsys.readouterr().err


def test_a_run_owns_its_directory(trained_run, compose_config):
    cfg, out, _ = trained_run
    with pytest.raises(AdbenchError, match=r"already holds another run's files.*overwrite=true"):
        run(cfg)  # the same output_dir again: its files are not mixed with a new run's
    assert len(list((out / "heatmaps").rglob("*.png"))) == 6  # untouched
    run(
        compose_config(
            *tiny_padim(cfg.dataset.root), "output.heatmaps=false", "output.overwrite=true"
        )
    )
    assert not (out / "heatmaps").exists()  # the earlier run's panels are gone


def test_figures_that_cannot_be_written_cost_no_metrics(compose_config, mvtec_tree, monkeypatch):
    import adbench.outputs

    def unwritable(path, panel):
        raise PermissionError(13, "Permission denied", str(path))

    monkeypatch.setattr(adbench.outputs, "save_panel", unwritable)
    cfg = compose_config(*tiny_padim(mvtec_tree))
    run(cfg)
    summary = json.loads((Path(cfg.output_dir) / "metrics.json").read_text())
    assert 0 <= summary["metrics"]["image_auroc"] <= 1
    assert any(
        "figures not written" in note and "Permission denied" in note for note in summary["notes"]
    )


def tiny_padim(root) -> list[str]:
    return [
        "model=padim",
        "dataset=mvtec",
        f"dataset.root={root}",
        "dataset.category=cat",
        "dataset.image_size=32",
        "model.n_features=20",
    ]


def test_a_run_compared_with_its_own_boxes_scores_them_alike(
    compose_config, mvtec_tree, tmp_path, capsys
):
    """output.coco_boxes writes adbench's boxes in the format eval.compare_to reads: a test of
    the same model against them gives the other detector adbench's own region figures."""
    run(compose_config(*tiny_padim(mvtec_tree), "output.coco_boxes=true"))
    out = tmp_path / "run"
    boxes = json.loads((out / "coco_boxes.json").read_text())
    assert len(boxes["images"]) == 6 and boxes["annotations"]
    tested = tmp_path / "compared"
    compared = f"eval.compare_to={out / 'coco_boxes.json'}"
    checkpoint = f"ckpt_path={out / 'model.ckpt'}"
    run(compose_config("task=test", checkpoint, *tiny_padim(mvtec_tree), compared,
                       f"output_dir={tested}"))  # fmt: skip
    metrics = json.loads((tested / "metrics.json").read_text())["metrics"]
    for key in ("region_precision_at_threshold", "region_recall_at_threshold", "region_map_50"):
        assert metrics[f"detector_{key}"] == pytest.approx(metrics[key])
    assert metrics["union_region_recall_at_threshold"] == metrics["region_recall_at_threshold"]
    assert "Regions, side by side" in capsys.readouterr().out
