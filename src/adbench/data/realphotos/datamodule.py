"""`dataset=realphotos`: real photographs with painted defects, generated once into a cache."""

from __future__ import annotations

from typing import ClassVar

from adbench.data.datamodule import GeneratedDataModule
from adbench.data.realphotos.build import ensure_realphotos


class RealPhotosDataModule(GeneratedDataModule):
    """The real-photo development benchmark in MVTec layout, generated offline on first use."""

    ensure = staticmethod(ensure_realphotos)
    generation_defaults: ClassVar[dict[str, int]] = dict(
        source_size=256, n_train=60, n_test_good=20, n_test_per_defect=5
    )
