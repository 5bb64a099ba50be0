"""Writing a procedurally generated dataset to disk in the MVTec AD layout, once, atomically.

Shared by the built-in synthetic set (adbench.data.synthetic) and the real-photo benchmark
(adbench.data.realphotos.build). Layout::

    root/category/train/good/000.png
    root/category/test/good/000.png
    root/category/test/<defect>/000.png
    root/category/ground_truth/<defect>/000_mask.png
    root/category/.complete.json          # generation parameters, present once complete

Every image is drawn from a generator seeded by (seed, category, split, index) only, so a tree is
reproducible file by file. A tree is staged in a temporary sibling folder and renamed into place;
a complete tree whose marker records the same parameters is reused, anything else regenerated.
"""

from __future__ import annotations

import copy
import dataclasses
import functools
import json
import os
import shutil
import uuid
import zlib
from collections.abc import Callable, Sequence
from dataclasses import asdict, dataclass
from pathlib import Path
from typing import ClassVar, TypeVar

import numpy as np
from PIL import Image

from adbench.errors import AdbenchError

MARKER_NAME = ".complete.json"
INSTALL_ATTEMPTS = 5

Params = TypeVar("Params", bound="GenerationParams")
# render_normal(category, split=..., index=..., seed=..., image_size=...) -> (H, W, 3) uint8
NormalRenderer = Callable[..., np.ndarray]
# render_defect(category, defect, index=..., seed=..., image_size=...) -> (clean, defective, mask)
DefectRenderer = Callable[..., tuple[np.ndarray, np.ndarray, np.ndarray]]


@dataclass(frozen=True)
class GenerationParams:
    """Everything that determines the files of one generated category.

    A dataset subclasses it with its MARKER_HEADER (generator, version, defect names): the marker
    file records the header and these fields, and a cached tree is reused only when both match.
    """

    category: str
    image_size: int
    n_train: int
    n_test_good: int
    n_test_per_defect: int
    seed: int

    MARKER_HEADER: ClassVar[dict[str, object]] = {}

    def validated(self: Params, dataset_name: str, min_image_size: int) -> Params:
        """A copy with the sizes and seed as plain ints; AdbenchError naming the dataset for the
        first that is not an integer at least its minimum."""
        minimums = {
            "image_size": min_image_size,
            "n_train": 1,
            "n_test_good": 0,
            "n_test_per_defect": 0,
            "seed": 0,
        }
        checked = {
            name: require_int(dataset_name, name, getattr(self, name), minimum)
            for name, minimum in minimums.items()
        }
        return dataclasses.replace(self, **checked)

    def marker(self) -> dict[str, object]:
        return {**copy.deepcopy(self.MARKER_HEADER), **asdict(self)}


def require_int(dataset_name: str, name: str, value: object, minimum: int) -> int:
    """value as an int; AdbenchError unless it is an integer (not a bool) >= minimum."""
    if isinstance(value, bool) or not isinstance(value, (int, np.integer)) or value < minimum:
        raise AdbenchError(
            f"{dataset_name} dataset {name}={value!r} must be an integer >= {minimum}"
        )
    return int(value)


def require_choice(what: str, value: str, choices: Sequence[str]) -> None:
    """AdbenchError 'unknown <what> <value>: choose one of ...' unless value is in choices."""
    if value not in choices:
        raise AdbenchError(f"unknown {what} {value!r}: choose one of {', '.join(choices)}")


def image_rng(seed: int, category: str, split: str, index: int) -> np.random.Generator:
    """A generator that depends only on (seed, category, split, index)."""
    return np.random.default_rng([seed, _stable_hash(category), _stable_hash(split), index])


def _stable_hash(text: str) -> int:
    return zlib.crc32(text.encode("utf-8"))


def save_png(array: np.ndarray, path: Path) -> None:
    Image.fromarray(array).save(path, format="PNG", compress_level=1)  # ~3x faster than 6


# --------------------------------------------------------------------------- one MVTec tree


def ensure_mvtec_tree(
    root: str | Path,
    params: GenerationParams,
    defect_types: Sequence[str],
    render_normal: NormalRenderer,
    render_defect: DefectRenderer,
    dataset_name: str,
) -> Path:
    """ensure_tree with write_mvtec_tree: root/<params.category> once, in MVTec layout."""
    write = functools.partial(
        write_mvtec_tree,
        params=params,
        defect_types=defect_types,
        render_normal=render_normal,
        render_defect=render_defect,
    )
    return ensure_tree(root, params.category, params.marker(), write, dataset_name)


def write_mvtec_tree(
    directory: Path,
    params: GenerationParams,
    defect_types: Sequence[str],
    render_normal: NormalRenderer,
    render_defect: DefectRenderer,
) -> None:
    """train/good, test/good, test/<defect> and ground_truth/<defect>/NNN_mask.png, counted by
    params; each image is what the renderer returns for (category, split or defect, index)."""
    common = {"seed": params.seed, "image_size": params.image_size}
    for split, count in (("train/good", params.n_train), ("test/good", params.n_test_good)):
        folder = directory / split
        folder.mkdir(parents=True)
        for index in range(count):
            image = render_normal(params.category, split=split, index=index, **common)
            save_png(image, folder / f"{index:03d}.png")
    for defect in defect_types:
        image_dir = directory / "test" / defect
        mask_dir = directory / "ground_truth" / defect
        image_dir.mkdir(parents=True)
        mask_dir.mkdir(parents=True)
        for index in range(params.n_test_per_defect):
            _, defective, mask = render_defect(params.category, defect, index=index, **common)
            save_png(defective, image_dir / f"{index:03d}.png")
            save_png(mask.astype(np.uint8) * 255, mask_dir / f"{index:03d}_mask.png")


# --------------------------------------------------------------------------- staging and install


def ensure_tree(
    root: str | Path,
    category: str,
    marker: dict[str, object],
    write: Callable[[Path], None],
    dataset_name: str,
) -> Path:
    """root/category, written once by write(directory) and marked complete with marker.

    Reuses the tree when its marker file records marker; otherwise (re)generates it into a
    temporary sibling directory renamed into place at the end. Raises a one-line AdbenchError
    naming the dataset when root cannot be written or the target keeps changing.
    """
    root = Path(root).expanduser()
    target = root / category
    if is_complete(target, marker):
        return target
    staging = root / f".{category}.tmp-{os.getpid()}-{uuid.uuid4().hex[:8]}"
    try:
        staging.mkdir(parents=True)
    except OSError as error:
        raise AdbenchError(
            f"cannot write the {dataset_name} dataset under {root}: {error}"
        ) from error
    try:
        write(staging)
        write_marker(staging, marker)
        install_tree(staging, target, marker, dataset_name)
    finally:
        shutil.rmtree(staging, ignore_errors=True)
    return target


def is_complete(directory: Path, marker: dict[str, object]) -> bool:
    try:
        recorded = json.loads((directory / MARKER_NAME).read_text())
    except (OSError, ValueError):
        return False
    return recorded == marker


def write_marker(directory: Path, marker: dict[str, object]) -> None:
    text = json.dumps(marker, indent=2, sort_keys=True) + "\n"
    (directory / MARKER_NAME).write_text(text)


def install_tree(staging: Path, target: Path, marker: dict[str, object], dataset_name: str) -> None:
    """Atomically rename staging to target, replacing a stale target, keeping a complete one."""
    for _ in range(INSTALL_ATTEMPTS):
        if is_complete(target, marker):
            return  # another caller finished first: keep its tree, ours is discarded
        if target.exists():
            discard_tree(target)
        try:
            staging.rename(target)
            return
        except OSError:
            continue  # the target reappeared in between: check it again
    raise AdbenchError(
        f"could not install the {dataset_name} dataset at {target}: it keeps changing"
    )


def discard_tree(directory: Path) -> None:
    """Move a directory out of the way atomically, then delete it."""
    doomed = directory.with_name(f".{directory.name}.stale-{uuid.uuid4().hex[:8]}")
    try:
        directory.rename(doomed)
    except FileNotFoundError:
        return  # someone else removed it already
    if doomed.is_dir():
        shutil.rmtree(doomed, ignore_errors=True)
    else:
        doomed.unlink(missing_ok=True)
