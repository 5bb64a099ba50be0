"""What `--help` lists: the config groups a user chooses from, internal ones hidden.

Hydra's own $APP_CONFIG_GROUPS also lists groups that only other configs select (the per-method
parts of a preset); `${adbench.config_groups:}` in the help template lists the others.
"""

from __future__ import annotations

from importlib.resources import files
from importlib.resources.abc import Traversable

from omegaconf import OmegaConf

RESOLVER = "adbench.config_groups"
INTERNAL_GROUPS = ("preset/model",)  # chosen by `preset=`, never on the command line


def config_groups() -> dict[str, list[str]]:
    """Group -> its options, for every group under adbench/conf a user picks directly."""
    groups: dict[str, list[str]] = {}
    pending: list[tuple[Traversable, str]] = [(files("adbench.conf"), "")]
    while pending:
        folder, prefix = pending.pop()
        for entry in folder.iterdir():
            if not entry.is_dir() or entry.name.startswith(("_", ".")):
                continue
            name = f"{prefix}{entry.name}"
            options = sorted(
                e.name.removesuffix(".yaml") for e in entry.iterdir() if e.name.endswith(".yaml")
            )
            if options and name not in INTERNAL_GROUPS:
                groups[name] = options
            pending.append((entry, f"{name}/"))
    return dict(sorted(groups.items()))


def register_config_groups_resolver() -> None:
    if not OmegaConf.has_resolver(RESOLVER):
        OmegaConf.register_new_resolver(
            RESOLVER,
            lambda: "\n".join(f"{g}: {', '.join(o)}" for g, o in config_groups().items()),
        )
