"""Settings every run reads, checked before anything is built or written: a wrong type or
range is one line naming the key and what it takes."""

from __future__ import annotations

from collections.abc import Sequence

from omegaconf import DictConfig

from adbench.errors import AdbenchError


def check_run_settings(cfg: DictConfig) -> None:
    """dataset.image_size, the batch sizes, workers and the checkpoint interval."""
    dataset = cfg.dataset
    check_image_size(dataset.get("image_size"))
    _check_integer("dataset.batch_size", dataset.get("batch_size"), minimum=1)
    if dataset.get("eval_batch_size") is not None:
        _check_integer("dataset.eval_batch_size", dataset.eval_batch_size, minimum=1)
    _check_integer("dataset.num_workers", dataset.get("num_workers", 0), minimum=0)
    _check_integer("predict.batch_size", cfg.predict.batch_size, minimum=1)
    minutes = cfg.checkpoint.every_minutes
    if not _is_number(minutes) or minutes < 0:
        raise AdbenchError(
            f"checkpoint.every_minutes={minutes}: expected a number >= 0 (0: at every chance)"
        )


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


def _is_integer(value: object, minimum: int) -> bool:
    return isinstance(value, int) and not isinstance(value, bool) and value >= minimum


def _is_number(value: object) -> bool:
    return isinstance(value, int | float) and not isinstance(value, bool)
