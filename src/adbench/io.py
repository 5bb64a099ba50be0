"""Crash-safe result files: written to a temporary file, then renamed over the target, so a
reader sees the old file or the complete new one, never a partial write."""

from __future__ import annotations

import csv
import io
import json
import os
import secrets
from collections.abc import Sequence
from pathlib import Path
from typing import Any


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
