"""Hydra sweep overrides -> Optuna distributions (hydra-optuna-sweeper's syntax).

`choice(a, b)` -> categorical; `range(start, stop[, step])` -> integers start..stop-1 as Python's
range (floats: a categorical of its values); `interval(low, high)` -> uniform floats,
`int(interval(low, high))` -> uniform integers; `tag(log, interval(...))` -> log-uniform. Any
other override is a fixed value passed to every trial.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Any

from hydra.core.override_parser.overrides_parser import OverridesParser
from hydra.core.override_parser.types import Override, Transformer
from optuna.distributions import (
    BaseDistribution,
    CategoricalDistribution,
    FloatDistribution,
    IntDistribution,
)

from ._errors import SweeperError


@dataclass
class SearchSpace:
    """What each trial samples (`distributions`) and what it takes as given (`fixed`)."""

    distributions: dict[str, BaseDistribution] = field(default_factory=dict)
    fixed: dict[str, str] = field(default_factory=dict)

    def overrides(self, params: Mapping[str, Any]) -> tuple[str, ...]:
        """A trial's command-line overrides: its sampled params, then the fixed ones."""
        sampled = [f"{key}={value}" for key, value in params.items() if key not in self.fixed]
        return (*sampled, *(f"{key}={value}" for key, value in self.fixed.items()))

    def grid(self) -> dict[str, list[Any]]:
        """Every value of every parameter, for Optuna's GridSampler."""
        grid = {}
        for key, dist in self.distributions.items():
            if isinstance(dist, CategoricalDistribution):
                grid[key] = list(dist.choices)
            elif isinstance(dist, IntDistribution) and not dist.log:
                grid[key] = list(range(dist.low, dist.high + 1, dist.step))
            else:
                raise SweeperError(
                    f"hydra.sweeper.params.{key}: the grid sampler needs choice(...) or range(...)"
                    ", not a continuous interval"
                )
        return grid


def build_search_space(params: Mapping[str, str] | None, arguments: list[str]) -> SearchSpace:
    """The search space of `hydra.sweeper.params` and the command line (which wins)."""
    lines = [f"{key}={value}" for key, value in (params or {}).items()] + list(arguments)
    try:
        overrides = OverridesParser.create().parse_overrides(lines)
    except Exception as error:
        message = str(error).strip().splitlines()[0]
        raise SweeperError(f"hydra.sweeper.params: {message}") from error
    space = SearchSpace()
    for override in overrides:
        key = override.get_key_element()
        space.distributions.pop(key, None)
        space.fixed.pop(key, None)
        if override.is_sweep_override():
            space.distributions[key] = distribution(override)
        else:
            space.fixed[key] = override.get_value_element_as_str()
    return space


def distribution(override: Override) -> BaseDistribution:
    """The Optuna distribution of one sweep override."""
    key = override.get_key_element()
    if override.is_choice_sweep() or (override.is_range_sweep() and not _int_range(override)):
        return CategoricalDistribution(_swept_values(override))
    if override.is_range_sweep():
        sweep = override.value()
        start, stop, step = int(sweep.start), int(sweep.stop), int(sweep.step)
        if step <= 0 or stop <= start:
            raise SweeperError(f"{override.input_line}: an empty range, use start < stop, step > 0")
        last = start + step * ((stop - start - 1) // step)  # Python's range excludes stop
        return IntDistribution(start, last, step=step)
    if override.is_interval_sweep():
        sweep = override.value()
        log = "log" in sweep.tags
        if isinstance(sweep.start, int) and isinstance(sweep.end, int):
            return IntDistribution(sweep.start, sweep.end, log=log)
        return FloatDistribution(float(sweep.start), float(sweep.end), log=log)
    raise SweeperError(f"{key}: use choice(...), range(...) or interval(...) for an Optuna search")


def _int_range(override: Override) -> bool:
    sweep = override.value()
    numbers = (sweep.start, sweep.stop, sweep.step)
    return not sweep.shuffle and all(isinstance(n, int) for n in numbers)


def _swept_values(override: Override) -> list[Any]:
    values = list(override.sweep_iterator(transformer=Transformer.encode))
    if not values:
        raise SweeperError(f"{override.get_key_element()}: the sweep has no values")
    return values
