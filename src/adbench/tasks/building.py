"""Objects built from the config (Hydra's instantiate) with one-line errors: a constructor
that refuses a setting names the group instead of Hydra's multi-line instantiation error."""

from __future__ import annotations

from typing import Any

from hydra.errors import InstantiationException
from hydra.utils import instantiate
from omegaconf import DictConfig

from adbench.errors import AdbenchError


def build_from(node: DictConfig, group: str, **kwargs: Any) -> Any:
    """instantiate(node, **kwargs); a failure is an AdbenchError naming `group` (the
    constructor's own AdbenchError as it is)."""
    try:
        return instantiate(node, **kwargs)
    except InstantiationException as error:
        cause = error.__cause__ or error
        if isinstance(cause, AdbenchError):
            raise cause from error
        raise AdbenchError(f"a {group}.* setting is refused: {cause}") from error
