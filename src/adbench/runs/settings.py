"""Settings every run reads, checked before anything is built or written: a wrong type or
range is one line naming the key and what it takes."""

from __future__ import annotations

from collections.abc import Sequence

from omegaconf import DictConfig

from adbench.errors import AdbenchError

# Method knobs with a lower bound, checked for whichever model has them (its conf/model file
# says what each does): the smallest integer each takes, and the numbers that must be > 0 or
# >= 0. `epochs` may also be -1 (no epoch limit) for a model that counts `max_steps`.
MODEL_INTEGER_MINIMUMS = {
    "epochs": 1,
    "max_steps": 1,
    "num_neighbors": 1,
    "projection_dim": 0,
    "max_bank_size": 1,
    "coreset_exact_limit": 1,
    "chunk_size": 1,
    "n_features": 1,
    "coupling_blocks": 1,
    "fiber_batch_size": 1,
    "base_width": 1,
    "disc_base_width": 1,
    "network_depth": 1,
}
MODEL_POSITIVE_NUMBERS = ("lr", "eps")
MODEL_NON_NEGATIVE_NUMBERS = ("smoothing_sigma",)


def check_run_settings(cfg: DictConfig) -> None:
    """dataset.image_size, the batch sizes, workers, the checkpoint interval and the model's
    bounded knobs."""
    dataset = cfg.dataset
    check_image_size(dataset.get("image_size"))
    _check_integer("dataset.batch_size", dataset.get("batch_size"), minimum=1)
    if dataset.get("eval_batch_size") is not None:
        _check_integer("dataset.eval_batch_size", dataset.eval_batch_size, minimum=1)
    _check_integer("dataset.num_workers", dataset.get("num_workers", 0), minimum=0)
    if dataset.get("val_max_normals") is not None:
        _check_integer("dataset.val_max_normals", dataset.val_max_normals, minimum=1)
    _check_integer("predict.batch_size", cfg.predict.batch_size, minimum=1)
    _check_number(
        "checkpoint.every_minutes", cfg.checkpoint.every_minutes, hint="0: at every chance"
    )
    check_model_knobs(cfg.model)


def check_model_knobs(model: DictConfig) -> None:
    """The knobs of MODEL_INTEGER_MINIMUMS, MODEL_POSITIVE_NUMBERS and
    MODEL_NON_NEGATIVE_NUMBERS that this model has (unset ones are left to the method)."""
    for key, minimum in MODEL_INTEGER_MINIMUMS.items():
        value = model.get(key)
        if value is None or (key == "epochs" and value == -1 and "max_steps" in model):
            continue
        _check_integer(f"model.{key}", value, minimum)
    for key in (*MODEL_POSITIVE_NUMBERS, *MODEL_NON_NEGATIVE_NUMBERS):
        if model.get(key) is not None:
            _check_number(f"model.{key}", model[key], strict=key in MODEL_POSITIVE_NUMBERS)


def check_image_size(value: object) -> None:
    sides = [value, value] if not isinstance(value, Sequence | str) else list(value)
    if isinstance(value, str) or len(sides) != 2 or not all(_is_integer(s, 1) for s in sides):
        raise AdbenchError(
            f"dataset.image_size={value}: expected a positive integer or [height, width] of "
            "positive integers, e.g. dataset.image_size=256 or 'dataset.image_size=[256,512]'"
        )


def _check_integer(key: str, value: object, minimum: int) -> None:
    if not _is_integer(value, minimum):
        raise AdbenchError(f"{key}={value}: expected an integer >= {minimum}")


def _check_number(key: str, value: object, strict: bool = False, hint: str = "") -> None:
    """A number >= 0 (> 0 when `strict`)."""
    if not _is_number(value) or value < 0 or (strict and value == 0):
        hint = f" ({hint})" if hint else ""
        raise AdbenchError(f"{key}={value}: expected a number {'>' if strict else '>='} 0{hint}")


def _is_integer(value: object, minimum: int) -> bool:
    return isinstance(value, int) and not isinstance(value, bool) and value >= minimum


def _is_number(value: object) -> bool:
    return isinstance(value, int | float) and not isinstance(value, bool)
