"""`dataset=realphotos`: real photographs with painted defects, generated once into a cache."""

from __future__ import annotations

from pathlib import Path

from adbench.data.datamodule import AnomalyDataModule
from adbench.data.mvtec import scan_mvtec
from adbench.data.realphotos.build import ensure_realphotos
from adbench.data.samples import Sample


class RealPhotosDataModule(AnomalyDataModule):
    """The real-photo development benchmark in MVTec layout, generated offline on first use."""

    def __init__(
        self,
        root: str,
        category: str,
        source_size: int = 256,
        n_train: int = 60,
        n_test_good: int = 20,
        n_test_per_defect: int = 5,
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
        """One cache folder per generation setting and seed, so runs never collide."""
        g = self.generation
        key = (
            f"{g['image_size']}px_{g['n_train']}-{g['n_test_good']}-{g['n_test_per_defect']}"
            f"_seed{self.seed}"
        )
        return Path(self.root).expanduser() / key

    def prepare_data(self) -> None:
        ensure_realphotos(self.tree_root, self.category, seed=self.seed, **self.generation)

    def scan(self) -> tuple[list[Sample], list[Sample]]:
        self.prepare_data()
        return scan_mvtec(self.tree_root, self.category)
