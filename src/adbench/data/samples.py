"""What a dataset layout yields: one record per image, before any pixel is read."""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

from adbench.image_files import IMAGE_EXTENSIONS

NORMAL = "good"


@dataclass(frozen=True)
class Sample:
    """One image: its file, label (0 normal, 1 anomalous), optional mask and defect type, and
    its class when one run covers several (`dataset.category=[a,b]`; "" otherwise)."""

    image: Path
    label: int
    mask: Path | None = None
    defect_type: str = NORMAL
    group: str = ""


def list_images(directory: Path, extensions: tuple[str, ...] = IMAGE_EXTENSIONS) -> list[Path]:
    """Image files directly in a directory (by lower-case suffix), sorted by name."""
    return sorted(p for p in directory.iterdir() if p.is_file() and p.suffix.lower() in extensions)
