"""Per-unit optimizers and learning-rate schedulers, chosen by name from the config."""

from __future__ import annotations

import math
from collections.abc import Iterable, Mapping

import torch
from torch.optim import Optimizer
from torch.optim.lr_scheduler import CosineAnnealingLR, ExponentialLR, LRScheduler, StepLR

OPTIMIZERS: dict[str, type[Optimizer]] = {
    "adam": torch.optim.Adam,
    "adamw": torch.optim.AdamW,
    "radam": torch.optim.RAdam,
    "nadam": torch.optim.NAdam,
    "rmsprop": torch.optim.RMSprop,
    "sgd": torch.optim.SGD,
}
WITH_MOMENTUM = ("rmsprop", "sgd")
SCHEDULERS = ("none", "cosine", "step", "exponential")


def check_names(optimizer: str, scheduler: str) -> None:
    """ValueError naming the choices when a name is unknown."""
    if optimizer not in OPTIMIZERS:
        raise ValueError(f"optimizer={optimizer} is unknown: use one of {', '.join(OPTIMIZERS)}")
    if scheduler not in SCHEDULERS:
        raise ValueError(f"scheduler={scheduler} is unknown: use one of {', '.join(SCHEDULERS)}")


def build_optimizer(
    name: str,
    parameters: Iterable[torch.nn.Parameter],
    lr: float,
    weight_decay: float = 0.0,
    momentum: float = 0.0,
) -> Optimizer:
    """One optimizer; `momentum` is used by sgd and rmsprop only."""
    check_names(name, "none")
    kwargs = {"lr": lr, "weight_decay": weight_decay}
    if name in WITH_MOMENTUM:
        kwargs["momentum"] = momentum
    return OPTIMIZERS[name](parameters, **kwargs)


def build_scheduler(
    name: str, optimizer: Optimizer, total_updates: float, args: Mapping[str, Mapping]
) -> LRScheduler | None:
    """A scheduler stepped once per update of its unit; `args[name]` holds its settings.

    cosine anneals over `total_updates` (the unit's expected number of updates) to eta_min;
    step multiplies the lr by gamma every step_size updates; exponential by gamma every update.
    """
    check_names("adam", name)
    settings = dict(args.get(name) or {})
    if name == "none":
        return None
    if name == "cosine":
        if not math.isfinite(total_updates):
            raise ValueError("scheduler=cosine needs a finite training length (max_steps)")
        return CosineAnnealingLR(optimizer, T_max=max(1, math.ceil(total_updates)), **settings)
    if name == "step":
        return StepLR(optimizer, **settings)
    return ExponentialLR(optimizer, **settings)
