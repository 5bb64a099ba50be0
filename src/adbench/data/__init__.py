"""Datasets: MVTec AD layout, anomalib-style folders, the built-in synthetic set, and the
road-damage layouts (RoadImages, Panorama)."""

from adbench.data.datamodule import (
    AnomalyDataModule,
    FolderDataModule,
    MVTecDataModule,
    SyntheticDataModule,
)
from adbench.data.predict import PredictDataModule
from adbench.data.realphotos import RealPhotosDataModule
from adbench.data.road import PanoramaDataModule, RoadImagesDataModule

__all__ = [
    "AnomalyDataModule",
    "FolderDataModule",
    "MVTecDataModule",
    "PanoramaDataModule",
    "PredictDataModule",
    "RealPhotosDataModule",
    "RoadImagesDataModule",
    "SyntheticDataModule",
]
