"""The photographs behind the real-photo categories: files shipped inside installed pip packages.

Each category is one photo read straight from its package's data folder (no download, no pooch):
scikit-image's `skimage/data`, scikit-learn's `sklearn/datasets/images` and matplotlib's
`mpl-data/sample_data`. A source also says how it becomes shots: a *texture* is cut into random
crops whose centres lie in `centre_box`; an *object* is one fixed view (the centre of the box)
that shots only jitter. scikit-image's brick, grass and gravel are never used (`RESERVED_FILES`):
they are kept for an independent check.
"""

from __future__ import annotations

import functools
import importlib.util
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path

import numpy as np
from PIL import Image

from adbench.errors import AdbenchError

TEXTURE, OBJECT = "texture", "object"
RESERVED_FILES = frozenset({"brick.png", "grass.png", "gravel.png"})  # never a source

Box = tuple[float, float, float, float]  # top, left, bottom, right as fractions of height, width


@dataclass(frozen=True)
class PhotoSource:
    """One photo file inside a package and the way shots are cut from it."""

    package: str  # import name of the package holding the file
    relative: str  # path of the file inside that package
    kind: str  # TEXTURE (random crops) or OBJECT (one fixed view, jittered)
    centre_box: Box  # where view centres lie; an object uses the centre of this box
    side: float  # view side as a fraction of the photo's shorter side

    @property
    def file_name(self) -> str:
        return Path(self.relative).name


PHOTO_SOURCES: dict[str, PhotoSource] = {
    # textures: random crops of a large photo
    "moon": PhotoSource("skimage", "data/moon.png", TEXTURE, (0.3, 0.3, 0.7, 0.7), 0.45),
    "ihc": PhotoSource("skimage", "data/ihc.png", TEXTURE, (0.3, 0.3, 0.7, 0.7), 0.45),
    "hubble": PhotoSource(
        "skimage", "data/hubble_deep_field.jpg", TEXTURE, (0.25, 0.25, 0.75, 0.75), 0.36
    ),
    "retina": PhotoSource("skimage", "data/retina.jpg", TEXTURE, (0.36, 0.36, 0.64, 0.64), 0.24),
    "flower": PhotoSource(
        "sklearn", "datasets/images/flower.jpg", TEXTURE, (0.45, 0.43, 0.59, 0.53), 0.28
    ),
    # objects: one fixed view of the whole photo or a region of it
    "coffee": PhotoSource("skimage", "data/coffee.png", OBJECT, (0.48, 0.45, 0.48, 0.45), 0.94),
    "chelsea": PhotoSource("skimage", "data/chelsea.png", OBJECT, (0.5, 0.5, 0.5, 0.5), 0.94),
    "grace_hopper": PhotoSource(
        "matplotlib", "mpl-data/sample_data/grace_hopper.jpg", OBJECT, (0.4, 0.5, 0.4, 0.5), 0.9
    ),
    "astronaut": PhotoSource("skimage", "data/astronaut.png", OBJECT, (0.5, 0.5, 0.5, 0.5), 0.92),
}

PIP_NAMES = {"skimage": "scikit-image", "sklearn": "scikit-learn", "matplotlib": "matplotlib"}


def source_file(category: str) -> Path:
    """The local file of a category's photo, located without importing its package."""
    source = PHOTO_SOURCES[category]
    spec = importlib.util.find_spec(source.package)
    locations = list(spec.submodule_search_locations or []) if spec else []
    for location in locations:
        path = Path(location) / source.relative
        if path.is_file():
            return path
    pip_name = PIP_NAMES.get(source.package, source.package)
    raise AdbenchError(
        f"realphotos category {category!r} needs {source.relative} from the {pip_name} package:"
        f" pip install {pip_name}"
    )


@functools.lru_cache(maxsize=16)
def _read_rgb(path: Path) -> np.ndarray:
    with Image.open(path) as image:
        array = np.asarray(image.convert("RGB"))  # grayscale photos become 3-channel
    array.flags.writeable = False
    return array


def load_photo(category: str) -> np.ndarray:
    """The category's photo as a read-only (H, W, 3) uint8 array."""
    return _read_rgb(source_file(category))


LOADERS: dict[str, Callable[[], np.ndarray]] = {
    name: functools.partial(load_photo, name) for name in PHOTO_SOURCES
}


def is_grayscale(photo: np.ndarray) -> bool:
    """True when all three channels are equal (a grayscale photo made 3-channel)."""
    return bool((photo[..., 0] == photo[..., 1]).all() and (photo[..., 1] == photo[..., 2]).all())
