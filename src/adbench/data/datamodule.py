"""Lightning datamodules: a layout scanner plus the shared train/validation/test split logic."""

from __future__ import annotations

from abc import ABC, abstractmethod
from collections.abc import Callable, Sequence
from dataclasses import replace
from pathlib import Path
from typing import ClassVar

import lightning as L
import numpy as np
from torch.utils.data import DataLoader, Sampler

from adbench.data.dataset import AnomalyDataset, Synthesizer
from adbench.data.folder import Folders, scan_folder
from adbench.data.geometry import check_resize
from adbench.data.images import check_samples
from adbench.data.mvtec import scan_mvtec
from adbench.data.samples import Sample
from adbench.data.splits import VALIDATION_MODES, hold_out_normals, split_test
from adbench.data.synthetic import ensure_category
from adbench.errors import AdbenchError
from adbench.synthesis import VALIDATION_KINDS


class AnomalyDataModule(L.LightningDataModule, ABC):
    """Train on normals; validate (see adbench.data.splits for the modes); test.

    Validation and test never share an image: nothing fitted on validation (threshold,
    normalisation, best epoch) is ever measured on an image it saw.
    """

    def __init__(
        self,
        image_size: int | Sequence[int] = 224,
        batch_size: int = 16,
        eval_batch_size: int | None = None,
        num_workers: int = 0,
        validation: str = "synthetic",
        val_split: float = 0.2,
        val_synthetic_copies: int = 1,
        val_max_normals: int | None = None,
        validation_kinds: Sequence[str] | None = None,
        resize: str = "stretch",
        resize_fill: float = 0,
        out_of_fold: bool = False,
        trains_in_batches: bool = False,
        seed: int = 0,
        augmentations: Sequence = (),
        anomaly_synthesis: Synthesizer | None = None,
    ) -> None:
        super().__init__()
        if validation not in VALIDATION_MODES:
            raise AdbenchError(
                f"dataset.validation={validation} is unknown: use {', '.join(VALIDATION_MODES)}"
            )
        self.validation_kinds = _checked_validation_kinds(validation_kinds)
        check_resize(resize)
        self.geometry = {"resize": resize, "fill": resize_fill}
        self.image_size = image_size
        self.batch_size = batch_size
        self.eval_batch_size = eval_batch_size or batch_size
        self.num_workers = num_workers
        self.validation = validation
        self.val_split = val_split
        self.val_synthetic_copies = val_synthetic_copies
        self.val_max_normals = val_max_normals
        self.out_of_fold = out_of_fold
        self.trains_in_batches = trains_in_batches
        self.seed = seed
        self.augmentations = list(augmentations or ())
        self.anomaly_synthesis = anomaly_synthesis
        self.resume_position: tuple[int, int] | None = None
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
        if self.validation == "from_test":
            self.train_samples = train
            self.val_samples, self.test_samples = split_test(test, self.val_split, self.seed)
            return
        copies = self.val_synthetic_copies if self.validation == "synthetic" else 0
        self.train_samples, self.val_samples = hold_out_normals(
            train, self.val_split, self.seed, copies, self.out_of_fold, self.val_max_normals
        )
        self.test_samples = test

    def validation_summary(self) -> dict:
        """For metrics.json: the validation mode, the real images it used (each once) and, for
        synthetic validation, the anomaly kinds drawn."""
        images = dict.fromkeys(str(s.image) for s in self.val_samples)
        summary = {"mode": self.validation, "images": list(images)}
        if self.validation == "synthetic":
            summary["kinds"] = list(self.validation_kinds)
        return summary

    def input_format(self) -> dict | None:
        """How this dataset reads an image and brings it to the model's size, kept in the
        checkpoint for task=test and predict (adbench.data.predict); None: one image file each,
        stretched. Layouts that compose one image from several files override this."""
        return self.geometry_format() or None

    def geometry_format(self) -> dict:
        """The resize mode and fill, unless the default stretch."""
        return dict(self.geometry) if self.geometry["resize"] != "stretch" else {}

    def make_dataset(self, samples: list[Sample], **kwargs) -> AnomalyDataset:
        """The torch Dataset over samples (kwargs go to AnomalyDataset); layouts that compose
        one image from several files override this."""
        return AnomalyDataset(samples, self.image_size, **self.geometry, **kwargs)

    def resume_at(self, epoch: int, batches_done: int) -> None:
        """A resumed run: its training data starts at `epoch`, after `batches_done` batches."""
        self.resume_position = (epoch, batches_done)

    def train_dataloader(self) -> DataLoader:
        dataset = self.make_dataset(
            self.train_samples,
            augmentations=self.augmentations,
            seed=self.seed,
            synthesizer=self.anomaly_synthesis,
        )
        sampler = EpochSampler(len(dataset), self.seed)
        if self.resume_position is not None:
            epoch, batches_done = self.resume_position
            sampler.start_at(epoch, batches_done * self.batch_size)
        # a last batch of one image breaks batch norm in training: a method that trains drops
        # it (another image each epoch, as the order changes); one-pass fits keep every image
        single_tail = len(dataset) % self.batch_size == 1 and len(dataset) > self.batch_size
        drop_last = self.trains_in_batches and single_tail
        return self._loader(dataset, self.batch_size, sampler=sampler, drop_last=drop_last)

    def val_dataloader(self) -> DataLoader:
        dataset = self.make_dataset(
            self.val_samples, seed=self.seed, validation_kinds=self.validation_kinds
        )
        return self._loader(dataset, self.eval_batch_size)

    def test_dataloader(self) -> DataLoader:
        return self._loader(self.make_dataset(self.test_samples), self.eval_batch_size)

    def _loader(
        self,
        dataset: AnomalyDataset,
        batch_size: int,
        sampler: Sampler | None = None,
        drop_last: bool = False,
    ) -> DataLoader:
        return DataLoader(
            dataset,
            batch_size=batch_size,
            sampler=sampler,
            drop_last=drop_last,
            num_workers=self.num_workers,
            persistent_workers=self.num_workers > 0,
        )


def _checked_validation_kinds(kinds: Sequence[str] | None) -> tuple[str, ...]:
    """The validation anomaly kinds to draw from (None: all of them), names checked."""
    if kinds is None:
        return tuple(VALIDATION_KINDS)
    unknown = [kind for kind in kinds if kind not in VALIDATION_KINDS]
    if unknown or not kinds:
        raise AdbenchError(
            f"dataset.validation_kinds={list(kinds)}: "
            + (f"unknown kind {unknown[0]!r}" if unknown else "empty")
            + f"; choose from {', '.join(VALIDATION_KINDS)} (null: all)"
        )
    return tuple(kinds)


class EpochSampler(Sampler[tuple[int, int]]):
    """A new order every epoch, drawn from (seed, epoch); yields (epoch, index) pairs so that
    per-item randomness (augmentation, anomaly synthesis) depends on the epoch but not on the
    worker count. Lightning sets the epoch (`set_epoch`) before each epoch; `start_at` makes a
    resumed run's first epoch go on after the items it had already trained on."""

    def __init__(self, length: int, seed: int = 0) -> None:
        self.length, self.seed, self.epoch, self.skip = length, seed, 0, 0

    def __len__(self) -> int:
        return self.length

    def set_epoch(self, epoch: int) -> None:
        if epoch != self.epoch:
            self.epoch, self.skip = epoch, 0

    def start_at(self, epoch: int, items_done: int) -> None:
        """The next pass is `epoch`, without its first `items_done` items."""
        self.epoch, self.skip = epoch, items_done

    def __iter__(self):
        order = np.random.default_rng([self.seed, self.epoch]).permutation(self.length)
        for index in order[self.skip :]:
            yield self.epoch, int(index)


def require_single(**values: object) -> None:
    """A one-line error for a list where one path or name is expected (dataset.KEY=[a,b])."""
    for key, value in values.items():
        if isinstance(value, Sequence) and not isinstance(value, str):
            raise AdbenchError(
                f"dataset.{key}={list(value)} is a list, but one value is expected: run several "
                f"as a sweep, python -m adbench -m dataset.{key}=A,B"
            )


def categories_of(category: str | Sequence[str]) -> tuple[str, ...]:
    """`dataset.category` as the classes one model covers: a name, or a list of distinct names."""
    if isinstance(category, str):
        return (category,)
    names = tuple(category)
    if not names or len(set(names)) != len(names) or not all(isinstance(n, str) for n in names):
        raise AdbenchError(
            f"dataset.category={list(names)}: give one class or a list of distinct class names, "
            "e.g. dataset.category=[bottle,cable]"
        )
    return names


def scan_classes(root: Path | str, categories: Sequence[str]) -> tuple[list[Sample], list[Sample]]:
    """Train and test samples of one or several categories of an MVTec-layout tree; with
    several, each sample names its class (Sample.group) and one model covers their union."""
    if len(categories) == 1:
        return scan_mvtec(root, categories[0])
    train: list[Sample] = []
    test: list[Sample] = []
    for category in categories:
        part_train, part_test = scan_mvtec(root, category)
        train += [replace(sample, group=category) for sample in part_train]
        test += [replace(sample, group=category) for sample in part_test]
    return train, test


class MVTecDataModule(AnomalyDataModule):
    """`dataset=mvtec dataset.root=DIR dataset.category=bottle` (or `=[bottle,cable]`: one model
    over both classes, metrics per class and overall)."""

    def __init__(self, root: str, category: str | Sequence[str], **kwargs) -> None:
        super().__init__(**kwargs)
        require_single(root=root)
        self.root, self.categories = root, categories_of(category)

    def scan(self) -> tuple[list[Sample], list[Sample]]:
        return scan_classes(self.root, self.categories)


class GeneratedDataModule(AnomalyDataModule):
    """A generated dataset: written once into a cache dir in MVTec layout, then reused.

    Subclasses set `ensure`, called as ensure(root, category, seed=, image_size=, n_train=,
    n_test_good=, n_test_per_defect=) to write root/category unless complete, and their default
    sizes in `generation_defaults` (keyed by the constructor's names): a size left at None takes
    that default. source_size is the generated image size, image_size the model input size.
    """

    ensure: ClassVar[Callable[..., Path]]
    generation_defaults: ClassVar[dict[str, int]]

    def __init__(
        self,
        root: str,
        category: str | Sequence[str],
        source_size: int | None = None,
        n_train: int | None = None,
        n_test_good: int | None = None,
        n_test_per_defect: int | None = None,
        **kwargs,
    ) -> None:
        super().__init__(**kwargs)
        require_single(root=root)
        self.root, self.categories = root, categories_of(category)
        given = {
            "source_size": source_size,
            "n_train": n_train,
            "n_test_good": n_test_good,
            "n_test_per_defect": n_test_per_defect,
        }
        sizes = {k: self.generation_defaults[k] if v is None else v for k, v in given.items()}
        self.generation = {"image_size": sizes.pop("source_size"), **sizes}

    @property
    def tree_root(self) -> Path:
        """One cache folder per generation setting and seed, so runs never collide."""
        g = self.generation
        key = (
            f"{g['image_size']}px_{g['n_train']}-{g['n_test_good']}-{g['n_test_per_defect']}"
            f"_seed{self.seed}"
        )
        return Path(self.root).expanduser() / key

    def prepare_data(self) -> None:
        for category in self.categories:
            self.ensure(self.tree_root, category, seed=self.seed, **self.generation)

    def scan(self) -> tuple[list[Sample], list[Sample]]:
        self.prepare_data()
        return scan_classes(self.tree_root, self.categories)


class SyntheticDataModule(GeneratedDataModule):
    """The built-in dataset: generated once into a cache dir in MVTec layout, then reused."""

    ensure = staticmethod(ensure_category)
    generation_defaults: ClassVar[dict[str, int]] = dict(
        source_size=256, n_train=80, n_test_good=20, n_test_per_defect=8
    )


class FolderDataModule(AnomalyDataModule):
    """anomalib's Folder layout: normal_dir, abnormal_dir, optional mask_dir, normal_test_dir
    (each a folder or a list, relative to root if given), optional file extensions."""

    def __init__(
        self,
        normal_dir: Folders,
        abnormal_dir: Folders,
        mask_dir: Folders = None,
        normal_test_dir: Folders = None,
        normal_test_split: float = 0.2,
        root: str | None = None,
        extensions: Sequence[str] | None = None,
        **kwargs,
    ) -> None:
        super().__init__(**kwargs)
        require_single(root=root)
        self.layout = {
            "normal_dir": normal_dir,
            "abnormal_dir": abnormal_dir,
            "mask_dir": mask_dir,
            "normal_test_dir": normal_test_dir,
            "normal_test_split": normal_test_split,
            "root": root,
            "extensions": extensions,
        }

    def scan(self) -> tuple[list[Sample], list[Sample]]:
        return scan_folder(**self.layout, seed=self.seed)
