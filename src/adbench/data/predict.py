"""`task=predict`: new, unlabelled images, read the way the model's training images were.

A train run stores its dataset's `input_format()` in the checkpoint; predict reads the input
folder with the matching reader, so a model trained on composed images (RoadImages' [height,
intensity, intensity]) never scores plain RGB reads of the same files.
"""

from __future__ import annotations

from pathlib import Path

import lightning as L
from torch.utils.data import DataLoader

from adbench.data.dataset import AnomalyDataset
from adbench.data.geometry import geometry_of
from adbench.data.images import readable_samples
from adbench.data.road import ROADIMAGES, roadimages_predict_dataset
from adbench.data.samples import Sample, list_images
from adbench.errors import AdbenchError


class PredictDataModule(L.LightningDataModule):
    """A folder of new, unlabelled images for `task=predict`."""

    def __init__(
        self,
        input_dir: str,
        image_size,
        batch_size: int = 16,
        num_workers: int = 0,
        input_format: dict | None = None,
    ) -> None:
        super().__init__()
        path = Path(input_dir).expanduser()
        if not path.is_dir():
            raise AdbenchError(f"predict.input={input_dir}: no such directory")
        self.dataset, self.unreadable = _predict_dataset(path, image_size, input_format)
        self.batch_size, self.num_workers = batch_size, num_workers

    def predict_dataloader(self) -> DataLoader:
        return DataLoader(self.dataset, batch_size=self.batch_size, num_workers=self.num_workers)


def _predict_dataset(
    path: Path, image_size, input_format: dict | None
) -> tuple[AnomalyDataset, list[tuple[str, str]]]:
    """The dataset of the readable images, and (file, reason) for each unreadable one (skipped:
    one bad file must not cost the other images their scores)."""
    geometry = geometry_of(input_format)
    layout = (input_format or {}).get("layout")
    if layout == ROADIMAGES:
        scaling = input_format["height_scaling"]
        return roadimages_predict_dataset(path, image_size, scaling, **geometry), []
    if layout is not None:
        raise AdbenchError(
            f"the checkpoint's images were read as {layout!r}, which this adbench cannot read: "
            "update adbench"
        )
    samples = [Sample(p, 0) for p in list_images(path)]
    if not samples:
        raise AdbenchError(f"predict.input={path} holds no images (.png, .jpg, ...)")
    readable, unreadable = readable_samples(samples)
    if not readable:
        raise AdbenchError(f"predict.input={path}: no image there can be read ({unreadable[0][1]})")
    return AnomalyDataset(readable, image_size, **geometry), unreadable
