"""PatchCore and PaDiM fit on every training normal and validation scores each one out of fold
(the module hands the model each validation image's training item)."""

from __future__ import annotations

import pytest
import torch
from hydra.utils import instantiate

from adbench.tasks.train import build

# a bank that holds a good share of each image's patches, so that leaving them out shows
BANK = {"patchcore": ["model.coreset_sampling_ratio=0.1"], "padim": []}


@pytest.mark.parametrize("model", ["patchcore", "padim"])
def test_validation_scores_every_training_normal_without_its_own_contribution(
    model, compose_config, mvtec_tree
):
    cfg = compose_config(
        f"model={model}", *BANK[model], "dataset=mvtec", f"dataset.root={mvtec_tree}",
        "dataset.category=cat", "dataset.image_size=64", "dataset.val_synthetic_copies=1",
    )  # fmt: skip
    module, datamodule = build(cfg)
    instantiate(cfg.trainer, logger=False).fit(module, datamodule=datamodule)
    validated = module.val_results.stacked()
    assert len(validated["scores"]) == 20  # all 10 training normals and a copy of each
    images = torch.cat([batch["image"] for batch in datamodule.val_dataloader()])
    with torch.no_grad():
        in_fold, _ = module(images)  # the fitted model as test sees it
    normal = validated["labels"] == 0
    trained = sorted(str(sample.image) for sample in datamodule.train_samples)
    assert sorted(set(module.val_results.paths)) == trained
    assert validated["scores"][normal].mean() > 1.2 * in_fold[normal].mean()


@pytest.mark.parametrize("model", ["patchcore", "padim"])
def test_tiling_falls_back_to_a_held_out_share_of_the_normals(model, compose_config):
    tiled = instantiate(compose_config(f"model={model}", "tiling=grid").model, _convert_="all")
    plain = instantiate(compose_config(f"model={model}").model, _convert_="all")
    assert plain.out_of_fold and not tiled.out_of_fold


def test_padim_keeps_the_features_of_the_scored_normals_only(compose_config, mvtec_tree):
    """Memory: with dataset.val_max_normals below the training set, only the scored images'
    features are kept, and they are scored as when every image's features were."""
    scores = {}
    for limit in ("4", "null"):
        cfg = compose_config(
            "model=padim", "dataset=mvtec", f"dataset.root={mvtec_tree}", "dataset.category=cat",
            "dataset.image_size=32", "model.n_features=20", f"dataset.val_max_normals={limit}",
            "dataset.val_synthetic_copies=1",
        )  # fmt: skip
        module, datamodule = build(cfg)
        module.model.fit = record_offsets(module.model.fit, kept := [])
        instantiate(cfg.trainer, logger=False).fit(module, datamodule=datamodule)
        results = module.val_results.stacked()
        rows = zip(module.val_results.paths, results["scores"].tolist(), results["labels"],
                   strict=True)  # fmt: skip
        scores[limit] = {path: score for path, score, label in rows if label == 0}
        assert kept == [4 if limit == "4" else 10]
    assert len(scores["4"]) == 4
    for path, score in scores["4"].items():
        assert score == pytest.approx(scores["null"][path], rel=1e-5), path


def record_offsets(fit, kept: list):
    """PadimModel.fit, noting how many images' features it got for out-of-fold scoring."""

    def recording(out_of_fold=None):
        kept.append(None if out_of_fold is None else len(out_of_fold))
        return fit(out_of_fold=out_of_fold)

    return recording
