"""Command-line overrides checked by composing the config before the run: an unknown group
option or key is one line with the valid choices, instead of Hydra's text and traceback hint,
and the settings every run reads (runs/settings.py) are checked before Hydra writes anything."""

from __future__ import annotations

import difflib
import re

from hydra.core.override_parser.overrides_parser import OverridesParser
from hydra.errors import (
    ConfigCompositionException,
    HydraException,
    MissingConfigException,
    OverrideParseException,
)
from omegaconf import DictConfig, OmegaConf

from adbench.compose import compose_adbench
from adbench.errors import AdbenchError
from adbench.runs.settings import check_run_settings, moved_to_trainer

UNKNOWN_KEY = re.compile(r"Could not override '([^']+)'")


def check_overrides(args: list[str]) -> None:
    """Compose the config of one run from `args` (of a sweep: its first job); runs with
    Hydra's other flags (--cfg, --help, ...) are left to Hydra."""
    args = [arg for arg in args if arg not in ("-m", "--multirun")]
    if any(arg.startswith("-") for arg in args):
        return
    overrides = [arg for arg in args if not arg.startswith(("hydra.", "hydra/"))]
    try:
        for job in _jobs_to_check(overrides):
            check_run_settings(compose_adbench(job))
    except OverrideParseException as error:
        raise AdbenchError(
            f"cannot read the override {getattr(error, 'override', '')!r}: {_first_line(error)}"
        ) from None
    except MissingConfigException as error:
        raise AdbenchError(_unknown_option(error)) from None
    except ConfigCompositionException as error:
        found = UNKNOWN_KEY.search(str(error))
        if not found:
            raise
        key = found.group(1)
        rest = [arg for arg in overrides if arg.split("=", 1)[0] != key]
        raise AdbenchError(_unknown_key(key, compose_adbench(rest))) from None


def _jobs_to_check(overrides: list[str]) -> list[list[str]]:
    """The overrides of a sweep's first job (each swept value: a,b / range / choice replaced
    by its first; Optuna's intervals left out), and for each top-level swept key (a config
    group: model=padim,crn) one job per value."""
    parsed = OverridesParser.create().parse_overrides(overrides)
    values = {}
    for override in parsed:
        key = override.input_line.split("=", 1)[0]
        if not override.is_sweep_override():
            values[key] = [override.input_line.split("=", 1)[1]]
            continue
        try:
            values[key] = list(override.sweep_string_iterator())
        except HydraException:
            continue
    first = {key: choices[0] for key, choices in values.items() if choices}
    jobs = [first]
    for key, choices in values.items():
        if "." not in key.lstrip("+~"):
            jobs += [first | {key: choice} for choice in choices[1:]]
    return [[f"{key}={value}" for key, value in job.items()] for job in jobs]


def _unknown_option(error: MissingConfigException) -> str:
    missing = error.missing_cfg_file or ""
    group, _, option = missing.rpartition("/")
    if not group or not error.options:
        return _first_line(error)
    return f"{group}={option} is not an option of {group}: choose {', '.join(error.options)}"


def _unknown_key(key: str, config: DictConfig) -> str:
    if line := moved_to_trainer(key):
        return line
    keys = _all_keys(OmegaConf.to_container(config, resolve=False))
    close = difflib.get_close_matches(key, keys, n=1, cutoff=0.6)
    hint = f"did you mean {close[0]}? " if close else ""
    return (
        f"{key} is not a setting of adbench: {hint}(python -m adbench --cfg job lists every "
        f"key; +{key}=VALUE adds a new one)"
    )


def _all_keys(node: object, prefix: str = "") -> list[str]:
    if not isinstance(node, dict):
        return []
    keys = []
    for name, value in node.items():
        key = f"{prefix}{name}"
        keys += [key, *_all_keys(value, f"{key}.")]
    return keys


def _first_line(error: Exception) -> str:
    return str(error).strip().splitlines()[0]
