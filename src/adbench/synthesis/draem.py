"""DRAEM's training-time anomaly synthesis (Zavrtanik et al., ICCV 2021, Sec. 3.3).

A Perlin-noise mask is filled with an appearance-augmented texture, blended into the image with
opacity 1 - beta, beta ~ U(beta_range). A share of the samples stays clean. Runs in the
dataloader workers: the dataset calls the synthesizer with a generator seeded per item.
"""

from __future__ import annotations

from collections.abc import Sequence

import numpy as np

from adbench.errors import AdbenchError
from adbench.synthesis.perlin import perlin_mask
from adbench.synthesis.photometric import random_appearance
from adbench.synthesis.textures import TextureSource


class DraemSynthesizer:
    """Callable (uint8 HxWx3 image, generator) -> (augmented float32 HxWx3 in [0, 1], bool mask).

    With `ignore_black_region`, pixels that are 0 in every channel (masked-out or padded areas,
    e.g. of car images) never receive an anomaly.
    """

    def __init__(
        self,
        anomaly_source: str | None = None,
        clean_probability: float = 0.5,
        beta_range: Sequence[float] = (0.0, 0.8),
        perlin_scale_exponents: Sequence[int] = (0, 6),
        threshold: float = 0.5,
        max_rotation: float = 90.0,
        appearance_ops: int = 3,
        ignore_black_region: bool = False,
    ) -> None:
        low, high = perlin_scale_exponents
        if not 0 <= low < high:
            raise AdbenchError(
                f"augmentation.anomaly_synthesis.perlin_scale_exponents={list(perlin_scale_exponents)}"
                " must be [low, high) with 0 <= low < high"
            )
        self.source = TextureSource(anomaly_source)
        self.clean_probability = clean_probability
        self.beta_range = (float(beta_range[0]), float(beta_range[1]))
        self.scale_exponents = (int(low), int(high))
        self.threshold = threshold
        self.max_rotation = max_rotation
        self.appearance_ops = appearance_ops
        self.ignore_black_region = ignore_black_region

    def __call__(
        self, image: np.ndarray, rng: np.random.Generator
    ) -> tuple[np.ndarray, np.ndarray]:
        clean = image.astype(np.float32) / 255
        shape = image.shape[:2]
        if rng.random() < self.clean_probability:
            return clean, np.zeros(shape, dtype=bool)
        mask = perlin_mask(shape, rng, self.scale_exponents, self.threshold, self.max_rotation)
        if self.ignore_black_region:
            mask &= image.any(axis=2)
        if not mask.any():
            return clean, mask
        texture = random_appearance(self.source.sample(shape, rng), rng, self.appearance_ops)
        beta = rng.uniform(*self.beta_range)
        blended = (1 - beta) * (texture.astype(np.float32) / 255) + beta * clean
        augmented = np.where(mask[..., None], blended, clean).astype(np.float32)
        return augmented, mask
