"""`task=preview`: a grid of training samples as the method will see them."""

from __future__ import annotations

from pathlib import Path

from hydra.utils import instantiate
from omegaconf import DictConfig

from adbench.visualize import save_panel
from adbench.visualize.preview import preview_grid, preview_tiles


def preview(cfg: DictConfig, out_dir: Path) -> None:
    """task=preview: preview.png, a grid of training samples as the method will see them."""
    datamodule = instantiate(cfg.dataset, _convert_="all")
    datamodule.setup("fit")
    tiles = preview_tiles(datamodule.train_dataloader(), cfg.preview.samples)
    path = out_dir / "preview.png"
    save_panel(path, preview_grid(tiles, cfg.preview.columns))
    print(f"{len(tiles)} training samples: {path}")
