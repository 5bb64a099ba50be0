"""Human-readable metric tables and crash-safe result files."""

from __future__ import annotations

import csv
import io
import json
import os
import secrets
from collections.abc import Sequence
from pathlib import Path
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


def write_text_atomic(path: str | Path, text: str) -> None:
    """Write ``text`` to a temp file next to ``path``, fsync it, then rename over ``path``.

    Readers see the old file or the complete new one, never a partial write. The temp file is
    created with normal permissions (0o666 minus umask) and removed on any failure.
    """
    path = Path(path)
    path.parent.mkdir(parents=True, exist_ok=True)
    temp = path.with_name(f".{path.name}.{secrets.token_hex(6)}.tmp")
    fd = os.open(temp, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o666)
    try:
        with os.fdopen(fd, "w", encoding="utf-8", newline="") as handle:
            handle.write(text)
            handle.flush()
            os.fsync(handle.fileno())
        os.replace(temp, path)
    except BaseException as error:
        temp.unlink(missing_ok=True)
        if isinstance(error, OSError) and error.errno and error.filename is None:
            error.filename = str(path)  # name the file the user will look for
        raise


def write_json_atomic(path: str | Path, data: dict) -> None:
    """Atomically write ``data`` as indented JSON (serialised before the file is touched)."""
    write_text_atomic(path, json.dumps(data, indent=2) + "\n")


def write_csv_atomic(path: str | Path, header: list[str], rows: Sequence[Sequence[Any]]) -> None:
    """Atomically write a CSV file; every row must have as many cells as the header."""
    for index, row in enumerate(rows):
        if len(row) != len(header):
            raise ValueError(f"row {index} has {len(row)} cells, header has {len(header)}")
    buffer = io.StringIO(newline="")
    writer = csv.writer(buffer)
    writer.writerow(header)
    writer.writerows(rows)
    write_text_atomic(path, buffer.getvalue())
