"""What a setting takes: an integer or a number in a range, on/off, or a list of such values.
Each rule says whether it accepts a value and, if not, what it expected (for the one-line
error that names the key)."""

from __future__ import annotations

import math
from collections.abc import Sequence
from dataclasses import dataclass


@dataclass(frozen=True)
class Integer:
    """An integer >= minimum (and <= maximum, a multiple of `multiple_of`, odd)."""

    minimum: int
    maximum: int | None = None
    multiple_of: int = 1
    odd: bool = False
    optional: bool = False  # null accepted

    def accepts(self, value: object) -> bool:
        return (
            _is_integer(value)
            and value >= self.minimum
            and (self.maximum is None or value <= self.maximum)
            and value % self.multiple_of == 0
            and (value % 2 == 1 or not self.odd)
        )

    def expected(self) -> str:
        text = f"an integer >= {self.minimum}"
        if self.maximum is not None:
            text = f"an integer in [{self.minimum}, {self.maximum}]"
        if self.multiple_of > 1:
            text += f", a multiple of {self.multiple_of}"
        if self.odd:
            text = text.replace("an integer", "an odd integer")
        return text


@dataclass(frozen=True)
class Number:
    """A finite number in the interval from `low` to `high`; `open_low`/`open_high` exclude the
    end itself (`high=None`: no upper end)."""

    low: float
    high: float | None = None
    open_low: bool = False
    open_high: bool = False
    optional: bool = False

    def accepts(self, value: object) -> bool:
        if not _is_number(value) or not math.isfinite(value):
            return False
        above = value > self.low if self.open_low else value >= self.low
        below = self.high is None or (value < self.high if self.open_high else value <= self.high)
        return above and below

    def expected(self) -> str:
        if self.high is None:
            return f"a number {'>' if self.open_low else '>='} {self.low:g}"
        left, right = "(" if self.open_low else "[", ")" if self.open_high else "]"
        return f"a number in {left}{self.low:g}, {self.high:g}{right}"


@dataclass(frozen=True)
class Flag:
    """true or false."""

    optional: bool = False

    def accepts(self, value: object) -> bool:
        return isinstance(value, bool)

    def expected(self) -> str:
        return "true or false"


@dataclass(frozen=True)
class Each:
    """A list whose every item follows `rule`."""

    rule: Integer | Number
    optional: bool = False

    def accepts(self, value: object) -> bool:
        items = isinstance(value, Sequence) and not isinstance(value, str)
        return items and all(self.rule.accepts(item) for item in value)

    def expected(self) -> str:
        return f"a list, each item {self.rule.expected()}"


Rule = Integer | Number | Flag | Each


def problem(rule: Rule, value: object) -> str | None:
    """What `rule` expected, when `value` breaks it (None when it is fine)."""
    if (value is None and rule.optional) or rule.accepts(value):
        return None
    return f"expected {rule.expected()}" + (" or null" if rule.optional else "")


def _is_integer(value: object) -> bool:
    return isinstance(value, int) and not isinstance(value, bool)


def _is_number(value: object) -> bool:
    return isinstance(value, int | float) and not isinstance(value, bool)
