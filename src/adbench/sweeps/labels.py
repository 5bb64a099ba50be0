"""Short job labels from the swept overrides: `bottle`, or `model=padim,category=bottle`.

A label names a multirun job's folder and its row in the results table. Only the keys that
vary across the sweep (command-line sweeps such as `a=1,2` and `hydra.sweeper.params`) appear.
The multirun callback stores the swept keys in ADBENCH_SWEEP before the first job starts; the
`adbench.job_dir` resolver (hydra.sweep.subdir) reads them back in every job.
"""

from __future__ import annotations

import json
import os
import re
from collections.abc import Iterable, Sequence

from hydra.core.override_parser.overrides_parser import OverridesParser
from omegaconf import DictConfig, OmegaConf

SWEEP_ENV = "ADBENCH_SWEEP"
RESOLVER = "adbench.job_dir"
BASIC_SWEEPER = "hydra._internal.core_plugins.basic_sweeper.BasicSweeper"
MAX_LABEL_CHARS = 100
_UNSAFE = re.compile(r"[\s/\\:*?\"<>|']+")


def _parse(overrides: Iterable[str]):
    return OverridesParser.create().parse_overrides(list(overrides))


def swept_keys(multirun_config: DictConfig) -> list[str]:
    """Keys that vary across the sweep, in command-line order, then hydra.sweeper.params."""
    task = OmegaConf.select(multirun_config, "hydra.overrides.task", default=[]) or []
    keys = [o.key_or_group for o in _parse(task) if o.is_sweep_override()]
    params = OmegaConf.select(multirun_config, "hydra.sweeper.params", default=None) or {}
    return keys + [key for key in params if key not in keys]


def labels_repeat(multirun_config: DictConfig) -> bool:
    """True for search sweepers (Optuna, ...): they may propose the same values twice."""
    target = OmegaConf.select(multirun_config, "hydra.sweeper._target_", default=BASIC_SWEEPER)
    return target != BASIC_SWEEPER


def short_names(keys: Sequence[str]) -> dict[str, str]:
    """Each key's last dotted part (`dataset.category` -> `category`), full keys on a clash."""
    last = [key.rsplit(".", 1)[-1] for key in keys]
    clash = len(set(last)) < len(last)
    return {key: key if clash else name for key, name in zip(keys, last, strict=True)}


def job_label(overrides: Sequence[str], keys: Sequence[str]) -> str:
    """`value` for one swept key, `name=value,name=value` for several; '' when none is swept."""
    values = {o.key_or_group: o.get_value_element_as_str() for o in _parse(overrides)}
    present = [key for key in keys if key in values]
    if len(keys) == 1 and present:
        return values[present[0]]
    names = short_names(present)
    return ",".join(f"{names[key]}={values[key]}" for key in present)


def safe_dir_name(label: str) -> str:
    """A label usable as one folder name: no separators, quotes or spaces, bounded length."""
    return _UNSAFE.sub("-", label).strip("-.")[:MAX_LABEL_CHARS]


def announce_sweep(keys: Sequence[str], numbered: bool) -> None:
    """Tell the jobs (this process and launched ones inherit the environment) what is swept."""
    os.environ[SWEEP_ENV] = json.dumps({"keys": list(keys), "numbered": numbered})


def job_dir_name(num: int, overrides: Sequence[str]) -> str:
    """The job folder: its label (`bottle`), prefixed by the job number when labels may repeat
    or no swept key is known."""
    announced = json.loads(os.environ.get(SWEEP_ENV, "null"))
    if announced is None:
        label = safe_dir_name(",".join(overrides))
        return f"{num}_{label}" if label else str(num)
    label = safe_dir_name(job_label(overrides, announced["keys"]))
    if not label:
        return str(num)
    return f"{num}_{label}" if announced["numbered"] else label


def register_job_dir_resolver() -> None:
    """`${adbench.job_dir:${hydra.job.num},${hydra.overrides.task}}` in hydra.sweep.subdir."""
    if not OmegaConf.has_resolver(RESOLVER):
        OmegaConf.register_new_resolver(
            RESOLVER, lambda num, overrides: job_dir_name(int(num), list(overrides or []))
        )
