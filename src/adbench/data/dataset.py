"""A torch Dataset over Sample records: read, optionally add a synthetic anomaly, transform."""

from __future__ import annotations

from collections.abc import Callable, Sequence

import albumentations as A
import numpy as np
import torch
from torch.utils.data import Dataset

from adbench.data.geometry import resize_transform
from adbench.data.samples import Sample
from adbench.data.splits import SYNTHETIC
from adbench.image_files import read_image, read_mask
from adbench.synthesis import VALIDATION_KINDS, add_validation_anomaly

# (uint8 HxWx3 image, generator) -> (float32 HxWx3 image in [0, 1], bool HxW anomaly mask)
Synthesizer = Callable[[np.ndarray, np.random.Generator], tuple[np.ndarray, np.ndarray]]


class AnomalyDataset(Dataset):
    """Items are dicts: image (3,H,W) float in [0,1], mask (1,H,W), has_mask, label, path, ...

    Samples whose defect_type is "synthetic" get a validation anomaly (adbench.synthesis) of one
    of `validation_kinds`, drawn from a generator seeded by (seed, index), so a validation set
    is the same in every epoch and every run.
    Training augmentations are drawn from (seed, epoch, index); with a `synthesizer`
    (training-time anomaly synthesis, e.g. DRAEM's), items also carry `augmented_image` and
    `anomaly_mask`, drawn from a generator seeded by (seed, epoch, index). The index may be an
    (epoch, index) pair, as EpochSampler yields.
    """

    def __init__(
        self,
        samples: Sequence[Sample],
        image_size: int | Sequence[int],
        augmentations: Sequence[A.BasicTransform] = (),
        seed: int = 0,
        synthesizer: Synthesizer | None = None,
        validation_kinds: Sequence[str] = tuple(VALIDATION_KINDS),
        resize: str = "stretch",
        fill: float = 0,
    ) -> None:
        self.samples = list(samples)
        self.transform = A.Compose([*augmentations, resize_transform(image_size, resize, fill)])
        self.augmented = bool(augmentations)
        self.seed = seed
        self.synthesizer = synthesizer
        self.validation_kinds = tuple(validation_kinds)

    def __len__(self) -> int:
        return len(self.samples)

    def read(self, sample: Sample) -> np.ndarray:
        """The sample's HxWx3 uint8 pixels; layouts that compose one image from several files
        override this."""
        return read_image(sample.image)

    def __getitem__(self, index: int | tuple[int, int]) -> dict:
        epoch, index = index if isinstance(index, tuple) else (0, index)
        sample = self.samples[index]
        image = self.read(sample)
        height, width = image.shape[:2]
        if sample.defect_type == SYNTHETIC:
            rng = np.random.default_rng([self.seed, index])
            image, mask = add_validation_anomaly(image, rng, self.validation_kinds)
        elif sample.mask is not None:
            mask = read_mask(sample.mask)
        else:  # normals have an all-zero mask; anomalies without one have none (has_mask)
            mask = np.zeros((height, width), dtype=bool)
        if self.augmented:  # seeded per (seed, epoch, item): same draws in a resumed run
            self.transform.set_random_seed(_item_seed(self.seed, epoch, index))
        out = self.transform(image=image, mask=mask.astype(np.uint8))
        item = {
            "image": torch.tensor(out["image"]).permute(2, 0, 1).float().div(255),
            "mask": torch.tensor(out["mask"]).unsqueeze(0).float(),
            "label": sample.label,
            "has_mask": sample.label == 0
            or sample.mask is not None
            or sample.defect_type == SYNTHETIC,
            "path": str(sample.image),
            "defect_type": sample.defect_type,
            "group": sample.group,
            "original_size": torch.tensor([height, width]),
        }
        if self.synthesizer is not None:
            rng = np.random.default_rng([self.seed, epoch, index])
            augmented, anomaly = self.synthesizer(out["image"], rng)
            item["augmented_image"] = torch.from_numpy(augmented).permute(2, 0, 1).float()
            item["anomaly_mask"] = torch.from_numpy(anomaly).unsqueeze(0).float()
        return item


def _item_seed(seed: int, epoch: int, index: int) -> int:
    """A 32-bit seed for one item of one epoch."""
    return int(np.random.SeedSequence([seed, epoch, index]).generate_state(1)[0])
