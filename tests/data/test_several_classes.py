"""One model over several classes (`dataset.category=[a,b]`): trained on the union of their
normals, measured per class and overall, in metrics.json, scores.csv, heatmaps/, the printed
table and a multirun's results table."""

from __future__ import annotations

import csv
import json
import shutil

import pytest
from adbench_command import adbench_command
from image_files import write_mvtec_tree
from sklearn.metrics import roc_auc_score

from adbench.data.datamodule import MVTecDataModule, SyntheticDataModule, categories_of
from adbench.errors import AdbenchError
from adbench.run import run

SMALL = ("logger=none", "model=padim", "model.n_features=20", "dataset=mvtec",
         "dataset.image_size=64")  # fmt: skip


@pytest.fixture(scope="module")
def two_classes(tmp_path_factory):
    root = tmp_path_factory.mktemp("classes") / "tree"
    write_mvtec_tree(root, "cat", seed=0)
    write_mvtec_tree(root, "dog", seed=1)
    for index in range(3):  # dog's "defects" are normal images: its AUROC is not cat's
        shutil.copy(root / "dog/train/good" / f"00{index + 5}.png",
                    root / "dog/test/dent" / f"00{index}.png")  # fmt: skip
    return root


@pytest.fixture(scope="module")
def two_class_run(two_classes, tmp_path_factory):
    from configs import compose_adbench

    out = tmp_path_factory.mktemp("run")
    run(compose_adbench(*SMALL, f"dataset.root={two_classes}", "dataset.category=[cat,dog]",
                        f"output_dir={out}"))  # fmt: skip
    return out


def test_category_is_a_name_or_a_list_of_distinct_names():
    assert categories_of("cat") == ("cat",)
    assert categories_of(["cat", "dog"]) == ("cat", "dog")
    for wrong in ([], ["cat", "cat"]):
        with pytest.raises(AdbenchError, match=r"dataset.category=.*distinct class names"):
            categories_of(wrong)


def test_the_union_of_the_classes_is_scanned_each_sample_naming_its_class(two_classes):
    both = MVTecDataModule(two_classes, ["cat", "dog"])
    both.setup()
    assert len({s.image for s in both.train_samples + both.val_samples}) == 20  # all normals
    assert {s.group for s in both.test_samples} == {"cat", "dog"}
    one = MVTecDataModule(two_classes, "cat")
    one.setup()
    assert {s.group for s in one.test_samples} == {""}  # one class: no per-class breakdown


def test_a_generated_dataset_writes_every_class(tmp_path):
    module = SyntheticDataModule(str(tmp_path), ["weave", "nut"], source_size=32, n_train=4,
                                 n_test_good=2, n_test_per_defect=1)  # fmt: skip
    module.setup()
    assert {s.image.parts[-4] for s in module.test_samples} == {"weave", "nut"}


def test_metrics_per_class_are_those_of_their_own_images(two_class_run):
    summary = json.loads((two_class_run / "metrics.json").read_text())
    assert summary["dataset"] == "mvtec/cat+dog"
    with (two_class_run / "scores.csv").open() as handle:
        rows = list(csv.DictReader(handle))
    assert {row["class"] for row in rows} == {"cat", "dog"} and len(rows) == 12
    for name in ("cat", "dog"):
        mine = [row for row in rows if row["class"] == name]
        labels = [int(row["label"]) for row in mine]
        scores = [float(row["raw_score"]) for row in mine]
        measured = summary["classes"][name]["image_auroc"]
        assert measured == pytest.approx(roc_auc_score(labels, scores), abs=1e-6)
        assert 0 <= summary["classes"][name]["pixel_aupro_30"] <= 1
    assert summary["classes"]["cat"]["image_auroc"] == 1 > summary["classes"]["dog"]["image_auroc"]
    assert len(list((two_class_run / "heatmaps" / "dog").rglob("*.png"))) == 6


def test_a_grid_over_groups_of_classes_has_a_row_per_class(two_classes, tmp_path):
    result = adbench_command(
        "-m", *SMALL, f"dataset.root={two_classes}", "dataset.category=[cat,dog],[dog]",
        "output.heatmaps=false", f"hydra.sweep.dir={tmp_path / 'sweep'}", cwd=tmp_path,
    )  # fmt: skip
    assert result.returncode == 0, result.stderr[-2000:]
    with (tmp_path / "sweep" / "results.csv").open() as handle:
        rows = {row["job"]: row for row in csv.DictReader(handle)}
    assert {"[cat,dog] / cat", "[cat,dog] / dog"} <= set(rows)
    assert rows["[cat,dog] / dog"]["status"] == "class"
    assert rows["mean"]["status"] == "2/2 ok"
