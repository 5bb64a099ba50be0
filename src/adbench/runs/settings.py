"""Settings every run reads, checked before anything is built or written: a wrong type or
range is one line naming the key and what it takes.

SETTING_RULES holds every numeric and on/off setting of conf/ (tests/runs/test_settings.py
fails for one left out); a key the composed config does not have (another method's knob, a
dataset without `n_train`) is skipped. Choices among names (`model.norm=...`) are checked by
the code that reads them, with the same kind of line.
"""

from __future__ import annotations

from collections.abc import Sequence
from pathlib import Path

from omegaconf import DictConfig, OmegaConf

from adbench.errors import AdbenchError
from adbench.runs.rules import Each, Flag, Integer, Number, Rule, problem

SHARE = Number(0, 1, open_low=True, open_high=True)  # a split: something on both sides
PROBABILITY = Number(0, 1)
WEIGHT = Number(0)
POSITIVE = Number(0, open_low=True)
# the training length, once module settings (model.epochs, ...), now the trainer's
MOVED_TO_TRAINER = {
    "epochs": "max_epochs",
    "max_steps": "max_steps",
    "val_check_interval": "val_check_interval",
    "check_val_every_n_epoch": "check_val_every_n_epoch",
}
SEED = Integer(0, 2**32 - 1)  # numpy's range

SETTING_RULES: dict[str, Rule] = {
    "seed": SEED,
    "checkpoint.every_minutes": Number(0),
    "postprocess.normal_quantile": PROBABILITY,
    "eval.region_threshold": PROBABILITY,
    "eval.region_min_area": Integer(1),
    "eval.pixel_bins": Integer(2, optional=True),
    "predict.batch_size": Integer(1),
    "preview.samples": Integer(1),
    "preview.columns": Integer(1),
    "benchmark.batch_size": Integer(1),
    "benchmark.warmup_batches": Integer(0),
    "benchmark.batches": Integer(1),
    "export.opset": Integer(7),
    "export.check_images": Integer(1),
    "export.max_batch_size": Integer(1),
    "export.triton": Flag(),
    "output.overwrite": Flag(),
    "output.heatmaps": Flag(),
    "output.roc_curve": Flag(),
    "output.coco_boxes": Flag(),
    "output.report": Flag(),
    "output.logged_heatmaps": Integer(0),
    # dataset (dataset.image_size: check_image_size)
    "dataset.seed": SEED,
    "dataset.source_size": Integer(32),
    "dataset.n_train": Integer(2),
    "dataset.n_test_good": Integer(1),
    "dataset.n_test_per_defect": Integer(1),
    "dataset.resize_fill": Integer(0, 255),
    "dataset.batch_size": Integer(1),
    "dataset.eval_batch_size": Integer(1, optional=True),
    "dataset.num_workers": Integer(0),
    "dataset.val_split": SHARE,
    "dataset.val_synthetic_copies": Integer(1),
    "dataset.val_max_normals": Integer(1, optional=True),
    "dataset.train_split": SHARE,
    "dataset.normal_test_split": SHARE,
    # the methods' knobs (conf/model/*.yaml say what each does)
    "model.lr": POSITIVE,
    "model.weight_decay": WEIGHT,
    "model.momentum": Number(0, 1, open_high=True),
    "model.betas": Each(Number(0, 1, open_high=True)),
    "model.lr_milestones": Each(PROBABILITY),
    "model.lr_gamma": POSITIVE,
    "model.smoothing_sigma": Number(0),
    "model.out_of_fold": Flag(),
    "model.coreset_sampling_ratio": Number(0, 1, open_low=True),
    "model.max_bank_size": Integer(1, optional=True),
    "model.coreset_exact_limit": Integer(1, optional=True),
    "model.num_neighbors": Integer(1),
    "model.projection_dim": Integer(0),
    "model.chunk_size": Integer(1),
    "model.search_lists": Integer(1, optional=True),
    "model.search_probes": Integer(1),
    "model.n_features": Integer(1, optional=True),
    "model.eps": POSITIVE,
    "model.covariance_shrinkage": PROBABILITY,
    "model.coupling_blocks": Integer(1),
    "model.clamp_alpha": POSITIVE,
    "model.condition_vector": Integer(4, multiple_of=4),
    "model.fiber_batch_size": Integer(1),
    "model.bottleneck_blocks": Integer(1),
    "model.decoder_blocks": Integer(0),
    "model.base_width": Integer(1),
    "model.disc_base_width": Integer(1),
    "model.kl_weight": WEIGHT,
    "model.attention_reduction": Integer(1),
    "model.pool_size": Integer(1),
    "model.num_competitive_units": Integer(2),
    "model.network_depth": Integer(1),
    "model.dropout": Number(0, 1, open_high=True),
    "model.both_roles": Flag(),
    "model.w_rec": WEIGHT,
    "model.w_feedback": WEIGHT,
    "model.w_disc": WEIGHT,
    "model.margin": WEIGHT,
    "model.score_quantile": PROBABILITY,
    "model.selection_max_pairs": Integer(1),
    "model.scheduler_args.cosine.eta_min": WEIGHT,
    "model.scheduler_args.step.step_size": Integer(1),
    "model.scheduler_args.step.gamma": POSITIVE,
    "model.scheduler_args.exponential.gamma": POSITIVE,
    # DRAEM's anomaly synthesis and loss (loss.terms: methods/draem/loss.py)
    "augmentation.anomaly_synthesis.clean_probability": PROBABILITY,
    "augmentation.anomaly_synthesis.beta_range": Each(PROBABILITY),
    "augmentation.anomaly_synthesis.perlin_scale_exponents": Each(Integer(0)),
    "augmentation.anomaly_synthesis.threshold": Number(-1, 1),
    "augmentation.anomaly_synthesis.max_rotation": Number(0, 180),
    "augmentation.anomaly_synthesis.appearance_ops": Integer(0),
    "augmentation.anomaly_synthesis.ignore_black_region": Flag(),
    "loss.options.ssim_window": Integer(1, odd=True),
    "loss.options.ms_ssim_window": Integer(1, odd=True),
    "loss.options.focal_gamma": WEIGHT,
    "backbone.mean": Each(PROBABILITY),
    "backbone.std": Each(POSITIVE),
}


def check_run_settings(cfg: DictConfig) -> None:
    """Every setting of SETTING_RULES that cfg has, dataset.image_size and the training length."""
    check_image_size(OmegaConf.select(cfg, "dataset.image_size"))
    absent = object()
    for key, rule in SETTING_RULES.items():
        value = OmegaConf.select(cfg, key, default=absent)
        if value is not absent and (expected := problem(rule, value)):
            raise AdbenchError(f"{key}={_shown(value)}: {expected}")
    if "model" in cfg:
        _check_nothing_moved(cfg.model)
    if "trainer" in cfg:
        _check_training_length(cfg.trainer)
    compare_to = OmegaConf.select(cfg, "eval.compare_to")
    if compare_to and not Path(compare_to).is_file():
        raise AdbenchError(
            f"eval.compare_to={compare_to}: no such file (the other detector's boxes, COCO JSON)"
        )


def _check_nothing_moved(model: DictConfig) -> None:
    """A model config (e.g. one's own conf/model/NAME.yaml) that still sets the training length."""
    for name in model:
        if line := moved_to_trainer(f"model.{name}"):
            raise AdbenchError(line)


def moved_to_trainer(key: str) -> str | None:
    """For a training-length key given as model.NAME, the line saying where it is now."""
    moved = MOVED_TO_TRAINER.get(key.removeprefix("model.")) if key.startswith("model.") else None
    if moved is None:
        return None
    now = f"trainer.{moved}"
    return f"{key} is now {now}: set {now}=N (on the command line or under trainer: in the config)"


def _check_training_length(trainer: DictConfig) -> None:
    """Epochs an integer >= 1, or -1 (no epoch limit) where max_steps (an integer >= 1, or -1:
    epochs decide) ends the training."""
    steps, epochs = trainer.get("max_steps", -1), trainer.get("max_epochs")
    if steps != -1 and (expected := problem(Integer(1), steps)):
        raise AdbenchError(f"trainer.max_steps={_shown(steps)}: {expected} or -1")
    if epochs is None or (epochs == -1 and steps != -1):
        return
    if expected := problem(Integer(1), epochs):
        raise AdbenchError(f"trainer.max_epochs={_shown(epochs)}: {expected}")


def check_image_size(value: object) -> None:
    sides = [value, value] if not isinstance(value, Sequence | str) else list(value)
    if isinstance(value, str) or len(sides) != 2 or problem(Each(Integer(1)), sides):
        raise AdbenchError(
            f"dataset.image_size={_shown(value)}: expected a positive integer or [height, width] "
            "of positive integers, e.g. dataset.image_size=256 or "
            "'dataset.image_size=[256,512]'"
        )


def _shown(value: object) -> object:
    """Lists as the user typed them (not ListConfig's repr)."""
    return OmegaConf.to_container(value) if OmegaConf.is_list(value) else value
