"""The Panorama layout: root/{good_ones,bad_ones}/*.png, RGB road images without masks."""

from __future__ import annotations

from pathlib import Path

from adbench.data.samples import Sample, list_images
from adbench.errors import AdbenchError

GOOD, BAD = "good_ones", "bad_ones"
EXPECTED = f"expected <root>/{GOOD}/*.png and <root>/{BAD}/*.png"


def scan_panorama(root: str | Path) -> tuple[list[Sample], list[Sample]]:
    """Good (label 0) and bad (label 1, defect type "damaged") samples."""
    if root is None or str(root) in ("", "???"):
        raise AdbenchError(f"dataset.root is not set: pass dataset.root=DIR ({EXPECTED})")
    base = Path(root).expanduser()
    groups = []
    for group in (GOOD, BAD):
        directory = base / group
        if not directory.is_dir():
            found = (
                ", ".join(sorted(p.name for p in base.iterdir())) or "nothing"
                if base.is_dir()
                else f"{base} does not exist"
            )
            raise AdbenchError(f"missing {directory} ({EXPECTED}); found: {found}")
        images = list_images(directory)
        if not images:
            hint = (
                "; it looks like the RoadImages layout: use dataset=roadimages"
                if (directory / "height_files").is_dir()
                else ""
            )
            raise AdbenchError(f"{directory} holds no images ({EXPECTED}){hint}")
        groups.append(images)
    good = [Sample(p, 0) for p in groups[0]]
    return good, [Sample(p, 1, None, "damaged") for p in groups[1]]
