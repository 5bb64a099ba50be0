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


def _format_value(value: Any) -> str:
    """Numbers with 4 decimals; anything else as text."""
    if isinstance(value, (int, float)) and not isinstance(value, bool):
        return f"{float(value):.4f}"
    return str(value)


def format_metrics_table(metrics: dict[str, float], title: str | None = None) -> str:
    """Aligned markdown table ``metric | value`` sorted by metric name, optional heading."""
    rows = [(name.replace("|", "\\|"), _format_value(metrics[name])) for name in sorted(metrics)]
    name_width = max([len("metric"), *(len(name) for name, _ in rows)])
    value_width = max([len("value"), *(len(value) for _, value in rows)])
    lines = [
        f"| {'metric'.ljust(name_width)} | {'value'.rjust(value_width)} |",
        f"| {'-' * name_width} | {'-' * (value_width - 1)}: |",
        *(f"| {name.ljust(name_width)} | {value.rjust(value_width)} |" for name, value in rows),
    ]
    if title:
        lines = [f"### {title}", "", *lines]
    return "\n".join(lines) + "\n"


def _write_text_atomic(path: str | Path, text: str) -> None:
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
    except BaseException:
        temp.unlink(missing_ok=True)
        raise


def write_json_atomic(path: str | Path, data: dict) -> None:
    """Atomically write ``data`` as indented JSON (serialised before the file is touched)."""
    _write_text_atomic(path, json.dumps(data, indent=2) + "\n")


def write_csv_atomic(path: str | Path, header: list[str], rows: Sequence[Sequence[Any]]) -> None:
    """Atomically write a CSV file; every row must have as many cells as the header."""
    for index, row in enumerate(rows):
        if len(row) != len(header):
            raise ValueError(f"row {index} has {len(row)} cells, header has {len(header)}")
    buffer = io.StringIO(newline="")
    writer = csv.writer(buffer)
    writer.writerow(header)
    writer.writerows(rows)
    _write_text_atomic(path, buffer.getvalue())
