"""`task=preview`: a grid of training samples as the method will see them."""

from __future__ import annotations

from pathlib import Path

from omegaconf import DictConfig

from adbench.tasks.building import build_from
from adbench.visualize import save_panel
from adbench.visualize.preview import preview_grid, preview_tiles


def preview(cfg: DictConfig, out_dir: Path) -> None:
    """task=preview: preview.png, a grid of training samples as the method will see them."""
    datamodule = build_from(cfg.dataset, "dataset", _convert_="all")
    datamodule.setup("fit")
    tiles = preview_tiles(datamodule.train_dataloader(), cfg.preview.samples)
    path = out_dir / "preview.png"
    save_panel(path, preview_grid(tiles, cfg.preview.columns))
    print(f"{len(tiles)} training samples: {path}")
