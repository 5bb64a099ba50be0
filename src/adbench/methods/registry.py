"""Every method adbench knows, by name: its Lightning module class and what it can do.

A method's module class registers itself with `@register_method(NAME, ...)` (as timm's
`register_model`). Looking a name up imports the package `adbench.methods.NAME` on first use,
so the name a checkpoint records is all that loading it needs, and no other list of the
methods exists: `method_names()` is whatever the packages under adbench/methods register.
"""

from __future__ import annotations

import importlib
import pkgutil
from collections.abc import Callable
from dataclasses import dataclass

from adbench.errors import AdbenchError


@dataclass(frozen=True)
class MethodSpec:
    """What a method can do, for the code that runs it."""

    name: str
    trains: bool  # trains over epochs or steps (checkpoints for resume=); False: one pass
    supports_tiling: bool = True  # False where training needs more than the images
    ddp_find_unused_parameters: bool = False  # trainer=ddp: its steps train only some parameters


_REGISTRY: dict[str, type] = {}


def register_method(
    name: str,
    *,
    trains: bool,
    supports_tiling: bool = True,
    ddp_find_unused_parameters: bool = False,
) -> Callable[[type], type]:
    """Class decorator: the Lightning module of method `name`, with its capabilities as
    `cls.spec` (and `cls.name`)."""

    def register(module_class: type) -> type:
        known = _REGISTRY.get(name)
        if known is not None and known.__qualname__ != module_class.__qualname__:
            raise ValueError(f"method {name!r} is registered twice: {known} and {module_class}")
        module_class.name = name
        module_class.spec = MethodSpec(name, trains, supports_tiling, ddp_find_unused_parameters)
        _REGISTRY[name] = module_class
        return module_class

    return register


def method_class(name: str) -> type:
    """The module class registered as `name` (a one-line error for an unknown name)."""
    if name not in _REGISTRY and name.isidentifier():
        try:
            importlib.import_module(f"{__package__}.{name}")
        except ModuleNotFoundError as missing:
            if missing.name != f"{__package__}.{name}":
                raise  # the method's package exists but needs something that is missing
    if name not in _REGISTRY:
        raise AdbenchError(
            f"model={name} is not a method of adbench: use one of {', '.join(method_names())}"
        )
    return _REGISTRY[name]


def method_names() -> list[str]:
    """The methods adbench has: those its packages under adbench/methods register (a class
    registered elsewhere, e.g. in a test or a plugin, is found by name but not listed)."""
    package = importlib.import_module(__package__)
    for found in pkgutil.iter_modules(package.__path__):
        if found.ispkg:
            importlib.import_module(f"{__package__}.{found.name}")
    inside = f"{__package__}."
    return sorted(name for name, cls in _REGISTRY.items() if cls.__module__.startswith(inside))


def specs() -> list[MethodSpec]:
    """The capabilities of the methods adbench has, by name."""
    return [_REGISTRY[name].spec for name in method_names()]
