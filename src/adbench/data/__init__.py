"""Datasets: MVTec AD layout, anomalib-style folders, and the built-in synthetic set."""

from adbench.data.datamodule import (
    AnomalyDataModule,
    FolderDataModule,
    MVTecDataModule,
    PredictDataModule,
    SyntheticDataModule,
)

__all__ = [
    "AnomalyDataModule",
    "FolderDataModule",
    "MVTecDataModule",
    "PredictDataModule",
    "SyntheticDataModule",
]
