"""Human-readable tables: results and metrics as markdown, numbers aligned."""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

MAX_DECIMALS = 4


def _format_value(value: Any, decimals: int = MAX_DECIMALS) -> str:
    """Floats with `decimals` decimals, integers as they are, None as n/a; else as text."""
    if value is None:
        return "n/a"
    if isinstance(value, float):
        return f"{value:.{decimals}f}"
    return str(value)


def _decimals_needed(values: Sequence[Any]) -> int:
    """The decimals (at most 4) that a column's floats need: 14.3 -> 1, 0.9225 -> 4."""
    needed = [
        len(f"{value:.{MAX_DECIMALS}f}".rstrip("0").partition(".")[2])
        for value in values
        if isinstance(value, float) and value == value and abs(value) != float("inf")
    ]
    return max(needed, default=MAX_DECIMALS)


def _is_number(value: Any) -> bool:
    return isinstance(value, (int, float)) and not isinstance(value, bool)


def format_table(
    header: Sequence[str], rows: Sequence[Sequence[Any]], title: str | None = None
) -> str:
    """Aligned markdown table; numeric columns right-aligned, a column's floats with the
    decimals they need (at most 4)."""
    decimals = [_decimals_needed([row[i] for row in rows]) for i in range(len(header))]
    cells = [
        [_format_value(v, d).replace("|", "\\|") for v, d in zip(row, decimals, strict=True)]
        for row in rows
    ]
    numeric = [
        bool(rows) and all(_is_number(row[i]) or row[i] is None for row in rows)
        for i in range(len(header))
    ]
    widths = [max([len(name), 3, *(len(row[i]) for row in cells)]) for i, name in enumerate(header)]

    def line(values: Sequence[str]) -> str:
        padded = (
            v.rjust(w) if right else v.ljust(w)
            for v, w, right in zip(values, widths, numeric, strict=True)
        )
        return "| " + " | ".join(padded) + " |"

    rule = (
        "| "
        + " | ".join(
            "-" * (w - 1) + ":" if right else "-" * w
            for w, right in zip(widths, numeric, strict=True)
        )
        + " |"
    )
    lines = [line(list(header)), rule, *(line(row) for row in cells)]
    if title:
        lines = [f"### {title}", "", *lines]
    return "\n".join(lines) + "\n"


def format_metrics_table(metrics: dict[str, float], title: str | None = None) -> str:
    """Aligned markdown table ``metric | value`` sorted by metric name, optional heading."""
    rows = [(name, float(metrics[name])) for name in sorted(metrics)]
    return format_table(["metric", "value"], rows, title)
