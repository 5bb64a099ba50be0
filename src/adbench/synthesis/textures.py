"""Where DRAEM's anomaly content comes from: a folder of images (DTD in the paper), or
procedurally generated textures, so that the default run works offline."""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path

import numpy as np
from PIL import Image

from adbench.errors import AdbenchError
from adbench.image_files import IMAGE_EXTENSIONS, read_image
from adbench.synthesis.perlin import perlin_noise


def _fbm(shape: tuple[int, int], rng: np.random.Generator, octaves: int = 4) -> np.ndarray:
    """Fractal noise: Perlin octaves of doubling resolution and halving weight, in ~[-1, 1]."""
    base = int(rng.integers(1, 5))
    total = np.zeros(shape)
    for octave in range(octaves):
        cells = min(base * 2**octave, max(1, min(shape) // 2))
        total += perlin_noise(shape, (cells, cells), rng) / 2**octave
    return total / (2 - 2 ** (1 - octaves))


def _colourise(values: np.ndarray, rng: np.random.Generator) -> np.ndarray:
    """Map values in ~[0, 1] through a random gradient of 2-4 colours."""
    n_colours = int(rng.integers(2, 5))
    colours = rng.uniform(0, 255, (n_colours, 3))
    stops = np.linspace(0, 1, n_colours)
    values = np.clip(values, 0, 1)
    return np.stack([np.interp(values, stops, colours[:, c]) for c in range(3)], axis=-1)


def _coordinates(shape: tuple[int, int], rng: np.random.Generator) -> tuple[np.ndarray, ...]:
    """Pixel coordinates rotated by a random angle."""
    yy, xx = np.mgrid[0 : shape[0], 0 : shape[1]].astype(float)
    angle = rng.uniform(0, np.pi)
    return xx * np.cos(angle) + yy * np.sin(angle), -xx * np.sin(angle) + yy * np.cos(angle)


def _clouds(shape: tuple[int, int], rng: np.random.Generator) -> np.ndarray:
    return _colourise(0.5 + 0.5 * _fbm(shape, rng), rng)


def _stripes(shape: tuple[int, int], rng: np.random.Generator) -> np.ndarray:
    u, _ = _coordinates(shape, rng)
    period = rng.uniform(3, max(4.0, min(shape) / 4))
    wobble = rng.uniform(0, 6) * _fbm(shape, rng, octaves=2)
    return _colourise(0.5 + 0.5 * np.sin(2 * np.pi * u / period + wobble), rng)


def _checks(shape: tuple[int, int], rng: np.random.Generator) -> np.ndarray:
    u, v = _coordinates(shape, rng)
    period = rng.uniform(4, max(5.0, min(shape) / 3))
    checks = (np.floor(u / period) + np.floor(v / period)) % 2
    return _colourise(checks * 0.8 + 0.2 * rng.random(shape), rng)


def _cells(shape: tuple[int, int], rng: np.random.Generator) -> np.ndarray:
    n_cells = int(rng.integers(8, 48))
    centres = rng.uniform(0, 1, (n_cells, 2)) * np.array(shape)
    yy, xx = np.mgrid[0 : shape[0], 0 : shape[1]]
    distances = (yy[..., None] - centres[:, 0]) ** 2 + (xx[..., None] - centres[:, 1]) ** 2
    cell_values = rng.random(n_cells)
    return _colourise(cell_values[distances.argmin(axis=-1)], rng)


def _dots(shape: tuple[int, int], rng: np.random.Generator) -> np.ndarray:
    image = np.zeros(shape)
    yy, xx = np.mgrid[0 : shape[0], 0 : shape[1]]
    for _ in range(int(rng.integers(5, 40))):
        cy, cx = rng.uniform(0, shape[0]), rng.uniform(0, shape[1])
        radius = rng.uniform(1.5, max(2.0, min(shape) / 8))
        image[(yy - cy) ** 2 + (xx - cx) ** 2 < radius**2] = rng.random()
    return _colourise(image, rng)


PROCEDURAL_KINDS: dict[str, Callable[[tuple[int, int], np.random.Generator], np.ndarray]] = {
    "clouds": _clouds,
    "stripes": _stripes,
    "checks": _checks,
    "cells": _cells,
    "dots": _dots,
}


def procedural_texture(shape: tuple[int, int], rng: np.random.Generator) -> np.ndarray:
    """An HxWx3 uint8 texture of a random kind (clouds, stripes, checks, cells, dots) + noise."""
    kinds = list(PROCEDURAL_KINDS.values())
    texture = kinds[int(rng.integers(len(kinds)))](shape, rng)
    texture = texture + rng.normal(0, rng.uniform(0, 12), (*shape, 3))
    return np.clip(texture, 0, 255).astype(np.uint8)


class TextureSource:
    """Anomaly content of a requested size: a random image of `folder` (searched recursively,
    e.g. DTD's images/), resized; or, when no folder is given, a procedural texture."""

    def __init__(self, folder: str | None = None) -> None:
        self.folder = folder
        self.files: list[Path] = []
        if folder:
            root = Path(folder).expanduser()
            if not root.is_dir():
                raise AdbenchError(
                    f"augmentation.anomaly_synthesis.anomaly_source={folder}: no such directory"
                )
            self.files = sorted(
                p for p in root.rglob("*") if p.is_file() and p.suffix.lower() in IMAGE_EXTENSIONS
            )
            if not self.files:
                raise AdbenchError(
                    f"augmentation.anomaly_synthesis.anomaly_source={folder} holds no images"
                )

    def sample(self, shape: tuple[int, int], rng: np.random.Generator) -> np.ndarray:
        """An HxWx3 uint8 image of `shape` (height, width)."""
        if not self.files:
            return procedural_texture(shape, rng)
        image = read_image(self.files[int(rng.integers(len(self.files)))])
        resized = Image.fromarray(image).resize((shape[1], shape[0]), Image.BILINEAR)
        return np.asarray(resized)
