"""Lightning datamodules: a layout scanner plus the shared train/validation/test split logic."""

from __future__ import annotations

import random
from abc import ABC, abstractmethod
from collections.abc import Sequence
from dataclasses import replace
from pathlib import Path

import lightning as L
import numpy as np
from torch.utils.data import DataLoader, Sampler

from adbench.data.dataset import SYNTHETIC, AnomalyDataset, Synthesizer
from adbench.data.folder import scan_folder
from adbench.data.images import check_samples
from adbench.data.mvtec import scan_mvtec
from adbench.data.samples import Sample, list_images
from adbench.data.synthetic import ensure_category
from adbench.errors import AdbenchError


class AnomalyDataModule(L.LightningDataModule, ABC):
    """Train on normals; validate on held-out train normals (plus synthetic anomalies); test.

    Nothing fitted on validation (threshold, normalisation, best epoch) ever sees a test image.
    """

    def __init__(
        self,
        image_size: int | Sequence[int] = 224,
        batch_size: int = 16,
        eval_batch_size: int | None = None,
        num_workers: int = 0,
        val_split: float = 0.2,
        val_synthetic_anomalies: bool = True,
        seed: int = 0,
        augmentations: Sequence = (),
        anomaly_synthesis: Synthesizer | None = None,
    ) -> None:
        super().__init__()
        if not 0 < val_split < 1:
            raise AdbenchError(f"dataset.val_split={val_split} must lie in (0, 1)")
        self.image_size = image_size
        self.batch_size = batch_size
        self.eval_batch_size = eval_batch_size or batch_size
        self.num_workers = num_workers
        self.val_split = val_split
        self.val_synthetic_anomalies = val_synthetic_anomalies
        self.seed = seed
        self.augmentations = list(augmentations or ())
        self.anomaly_synthesis = anomaly_synthesis
        self.train_samples: list[Sample] = []
        self.val_samples: list[Sample] = []
        self.test_samples: list[Sample] = []

    @abstractmethod
    def scan(self) -> tuple[list[Sample], list[Sample]]:
        """Train and test samples of the layout."""

    def setup(self, stage: str | None = None) -> None:
        if self.test_samples:
            return
        train, test = self.scan()
        check_samples(train + test)
        self.train_samples, self.val_samples = self._split_validation(train)
        self.test_samples = test

    def _split_validation(self, normals: list[Sample]) -> tuple[list[Sample], list[Sample]]:
        if len(normals) < 2:
            raise AdbenchError(
                f"only {len(normals)} training image(s): need at least 2 to hold one out"
            )
        shuffled = normals.copy()
        random.Random(self.seed).shuffle(shuffled)
        n_val = min(len(shuffled) - 1, max(1, round(len(shuffled) * self.val_split)))
        val, train = sorted(shuffled[:n_val], key=_key), sorted(shuffled[n_val:], key=_key)
        if self.val_synthetic_anomalies:
            val = val + [replace(s, label=1, defect_type=SYNTHETIC) for s in val]
        return train, val

    def make_dataset(self, samples: list[Sample], **kwargs) -> AnomalyDataset:
        """The torch Dataset over samples (kwargs go to AnomalyDataset); layouts that compose
        one image from several files override this."""
        return AnomalyDataset(samples, self.image_size, **kwargs)

    def train_dataloader(self) -> DataLoader:
        dataset = self.make_dataset(
            self.train_samples,
            augmentations=self.augmentations,
            seed=self.seed,
            synthesizer=self.anomaly_synthesis,
        )
        if self.anomaly_synthesis is None:
            return self._loader(dataset, self.batch_size, shuffle=True)
        sampler = EpochSampler(len(dataset), self.seed)
        return self._loader(dataset, self.batch_size, sampler=sampler)

    def val_dataloader(self) -> DataLoader:
        dataset = self.make_dataset(self.val_samples, seed=self.seed)
        return self._loader(dataset, self.eval_batch_size)

    def test_dataloader(self) -> DataLoader:
        return self._loader(self.make_dataset(self.test_samples), self.eval_batch_size)

    def _loader(
        self,
        dataset: AnomalyDataset,
        batch_size: int,
        shuffle: bool = False,
        sampler: Sampler | None = None,
    ) -> DataLoader:
        return DataLoader(
            dataset,
            batch_size=batch_size,
            shuffle=shuffle,
            sampler=sampler,
            num_workers=self.num_workers,
            persistent_workers=self.num_workers > 0,
        )


class EpochSampler(Sampler[tuple[int, int]]):
    """A new order every epoch, drawn from (seed, epoch); yields (epoch, index) pairs so that
    per-item randomness (anomaly synthesis) depends on the epoch but not on the worker count."""

    def __init__(self, length: int, seed: int = 0) -> None:
        self.length, self.seed, self.epoch = length, seed, 0

    def __len__(self) -> int:
        return self.length

    def __iter__(self):
        epoch, self.epoch = self.epoch, self.epoch + 1
        for index in np.random.default_rng([self.seed, epoch]).permutation(self.length):
            yield epoch, int(index)


def _key(sample: Sample) -> str:
    return str(sample.image)


class MVTecDataModule(AnomalyDataModule):
    """`dataset=mvtec dataset.root=DIR dataset.category=bottle`."""

    def __init__(self, root: str, category: str, **kwargs) -> None:
        super().__init__(**kwargs)
        self.root, self.category = root, category

    def scan(self) -> tuple[list[Sample], list[Sample]]:
        return scan_mvtec(self.root, self.category)


class SyntheticDataModule(AnomalyDataModule):
    """The built-in dataset: generated once into a cache dir in MVTec layout, then reused."""

    def __init__(
        self,
        root: str,
        category: str,
        source_size: int = 256,
        n_train: int = 80,
        n_test_good: int = 20,
        n_test_per_defect: int = 8,
        **kwargs,
    ) -> None:
        super().__init__(**kwargs)
        self.root, self.category = root, category
        self.generation = {
            "image_size": source_size,
            "n_train": n_train,
            "n_test_good": n_test_good,
            "n_test_per_defect": n_test_per_defect,
        }

    @property
    def tree_root(self) -> Path:
        """One cache folder per generation setting, so runs with other sizes never collide."""
        g = self.generation
        key = (
            f"{g['image_size']}px_{g['n_train']}-{g['n_test_good']}-{g['n_test_per_defect']}"
            f"_seed{self.seed}"
        )
        return Path(self.root).expanduser() / key

    def prepare_data(self) -> None:
        ensure_category(self.tree_root, self.category, seed=self.seed, **self.generation)

    def scan(self) -> tuple[list[Sample], list[Sample]]:
        self.prepare_data()
        return scan_mvtec(self.tree_root, self.category)


class FolderDataModule(AnomalyDataModule):
    """anomalib's Folder layout: normal_dir, abnormal_dir, optional mask_dir, normal_test_dir."""

    def __init__(
        self,
        normal_dir: str,
        abnormal_dir: str,
        mask_dir: str | None = None,
        normal_test_dir: str | None = None,
        normal_test_split: float = 0.2,
        **kwargs,
    ) -> None:
        super().__init__(**kwargs)
        self.dirs = {
            "normal_dir": normal_dir,
            "abnormal_dir": abnormal_dir,
            "mask_dir": mask_dir,
            "normal_test_dir": normal_test_dir,
        }
        self.normal_test_split = normal_test_split

    def scan(self) -> tuple[list[Sample], list[Sample]]:
        return scan_folder(**self.dirs, normal_test_split=self.normal_test_split, seed=self.seed)


class PredictDataModule(L.LightningDataModule):
    """A folder of new, unlabelled images for `task=predict`."""

    def __init__(self, input_dir: str, image_size, batch_size: int = 16, num_workers: int = 0):
        super().__init__()
        path = Path(input_dir).expanduser()
        if not path.is_dir():
            raise AdbenchError(f"predict.input={input_dir}: no such directory")
        self.samples = [Sample(p, 0) for p in list_images(path)]
        if not self.samples:
            raise AdbenchError(f"predict.input={input_dir} holds no images (.png, .jpg, ...)")
        check_samples(self.samples)
        self.image_size, self.batch_size, self.num_workers = image_size, batch_size, num_workers

    def predict_dataloader(self) -> DataLoader:
        dataset = AnomalyDataset(self.samples, self.image_size)
        return DataLoader(dataset, batch_size=self.batch_size, num_workers=self.num_workers)
