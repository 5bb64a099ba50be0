"""The Lightning side shared by every method: validation fits the calibration, test measures.

A method's pure torch model has an eval forward images -> (raw image scores, raw maps); its
thin Lightning module adds training and hands evaluation to this base class.

With a `tiling` config, forward cuts each image into sliding-window tiles, runs the model on
the tiles and stitches their maps back to the full image (overlaps averaged); the image score is
the maximum of the tile scores, so every method keeps its own image-score rule (e.g. PatchCore's
neighbour re-weighting) and a defect seen by one tile is not averaged down by its neighbours.
Training steps take their images from `training_images`, which tiles them the same way.
"""

from __future__ import annotations

import inspect
from pathlib import Path
from typing import Any, ClassVar

import lightning as L
import torch
from torch import nn

from adbench.errors import AdbenchError
from adbench.methods.distributed import GATHERED_CHUNK, gather_eval_results, world_size
from adbench.methods.registry import MethodSpec, specs
from adbench.methods.results import EvalResults, compute_metrics
from adbench.metrics.binned import BinnedPixelMetrics
from adbench.metrics.pixel_tally import PixelTally
from adbench.postprocess import Calibration
from adbench.runs.settings import MOVED_TO_TRAINER
from adbench.tiling import Tiler


class AnomalyModule(L.LightningModule):
    """Validation (held-out normals + synthetic anomalies) fits thresholds and normalisation;
    test steps return raw scores and maps (adbench.tasks.test_pass measures them); predict
    returns raw and normalised scores and maps."""

    # set by @register_method (adbench.methods.registry) on each method's module
    name: ClassVar[str]
    spec: ClassVar[MethodSpec]
    model: nn.Module
    out_of_fold = False  # True: validation scores training normals out of fold (one_pass.py)

    def __init__(
        self,
        image_size: Any = 224,
        normal_quantile: float = 0.99,
        tiling: dict | None = None,
        seed: int = 0,
        pixel_bins: int | None = None,
    ) -> None:
        """The wiring every method receives (conf/config.yaml's `model:`): the dataset's image
        size, the calibration's normal quantile, the tiling, the run's seed (for the methods
        that draw random numbers) and eval.pixel_bins (validation's pixels binned batch by
        batch; None: every validation map kept for the exact figures)."""
        super().__init__()
        if tiling and not self.spec.supports_tiling:
            tiled = ", ".join(spec.name for spec in specs() if spec.supports_tiling)
            raise AdbenchError(
                f"model={self.name} does not support tiling: set tiling=null (tiling works "
                f"with {tiled})"
            )
        self.image_size = image_size
        self.seed = seed
        self.tiler = Tiler.from_config(tiling)
        self.calibration = Calibration(normal_quantile)
        self.pixel_bins = pixel_bins
        self.val_results = EvalResults()
        self.val_pixels: BinnedPixelMetrics | None = None
        self.val_metrics: dict[str, float] = {}
        # how the training images were read (adbench.data.predict): set by the run, kept in the
        # checkpoint so that task=predict reads new images the same way; None: image files
        self.input_format: dict | None = None

    def forward(self, images: torch.Tensor) -> tuple[torch.Tensor, torch.Tensor]:
        """Images (B,3,H,W) in [0, 1] -> raw image scores (B,) and maps (B,1,H,W)."""
        if self.tiler is None:
            return self.model(images)
        tile_scores, tile_maps = self.model(self.tiler.tile(images))
        maps = self.tiler.stitch(tile_maps, images.shape[-2:])
        return self.tiler.merge_scores(tile_scores, images.shape[0]), maps  # traced: not len()

    def training_images(self, batch: dict) -> torch.Tensor:
        """The batch's training images, cut into tiles when tiling is on."""
        images = batch["image"]
        return images if self.tiler is None else self.tiler.tile(images)

    # validation: calibration (and, for trained methods, the model selection metric)
    def on_validation_epoch_start(self) -> None:
        self.start_validation_record()

    def start_validation_record(self) -> None:
        """Empty validation results; their pixels go to a growing histogram as they come (one
        process, pixel_bins set), else each map is kept (exact figures; DDP: binned once the
        ranks' maps are gathered)."""
        streamed = self.pixel_bins is not None and world_size() == 1
        self.val_results = EvalResults(keep_maps=not streamed)
        self.val_pixels = BinnedPixelMetrics.growing(self.pixel_bins) if streamed else None

    def validation_step(self, batch: dict, batch_idx: int) -> None:
        self.record_validation(batch, *self.validation_forward(batch))

    def record_validation(self, batch: dict, scores: torch.Tensor, maps: torch.Tensor) -> None:
        """Keep a validation batch's scores; bin or keep its masked maps."""
        self.val_results.add(batch, scores, maps)
        if self.val_pixels is not None and "label" in batch:
            known = torch.as_tensor(batch["has_mask"]).bool().cpu()
            if known.any():
                masks = batch["mask"].detach().cpu()[known, 0] > 0.5
                self.val_pixels.update(maps.detach().float().cpu()[known, 0], masks)

    def validation_forward(self, batch: dict) -> tuple[torch.Tensor, torch.Tensor]:
        """Raw scores and maps of a validation batch; out-of-fold methods override it."""
        return self(batch["image"])

    def on_validation_epoch_end(self) -> None:
        if not self.trainer.sanity_checking:  # DDP: every rank calibrates on the whole set
            self.val_results = gather_eval_results(self.val_results, self.trainer.val_dataloaders)
        if self.trainer.sanity_checking or not len(self.val_results):
            return
        data = self.val_results.stacked()
        histogram, maps, masks = self.val_pixels, None, None
        with_mask = data["has_mask"]
        if histogram is None and with_mask.any():
            maps, masks = data["maps"][with_mask], data["masks"][with_mask]
            if self.pixel_bins is not None:  # DDP: the gathered maps, binned as one process
                histogram = BinnedPixelMetrics.growing(self.pixel_bins)
                for start in range(0, len(maps), GATHERED_CHUNK):
                    part = slice(start, start + GATHERED_CHUNK)
                    histogram.update(maps[part], masks[part])
        if histogram is not None and not histogram.seen:
            histogram = None  # no masked image
        self.calibration.fit(data["scores"], data["labels"], maps, masks, histogram)
        tally = None if histogram is None else PixelTally(histogram)
        metrics, _ = compute_metrics(self.val_results, tally=tally)
        self.val_metrics = {f"val_{key}": value for key, value in metrics.items()}
        for key, value in self.val_metrics.items():
            self.log(key, value)

    # test: the steps' outputs are collected and measured by adbench.tasks.test_pass
    def test_step(self, batch: dict, batch_idx: int) -> tuple[torch.Tensor, torch.Tensor]:
        return self(batch["image"])

    # predict
    def predict_step(self, batch: dict, batch_idx: int) -> dict:
        return self.prediction(batch, *self(batch["image"]))

    def prediction(self, batch: dict, scores: torch.Tensor, maps: torch.Tensor) -> dict:
        """What task=predict keeps of a batch: paths, raw and normalised scores and maps."""
        return {
            "path": list(batch["path"]),
            "scores": scores,
            "maps": maps,
            "normalized_scores": self.calibration.normalize_scores(scores),
            "normalized_maps": self.calibration.normalize_maps(maps),
        }

    def extra_predict_outputs(self, out_dir: Path, batches: list[dict]) -> None:
        """Method-specific files for task=predict (e.g. CRN's reconstructions); none here."""

    def on_save_checkpoint(self, checkpoint: dict) -> None:
        checkpoint["adbench"] = {
            "model": self.name,
            "class": type(self).__qualname__,
            "input_format": self.input_format,
            "val_metrics": self.val_metrics,
        }

    def on_load_checkpoint(self, checkpoint: dict) -> None:
        record = checkpoint.get("adbench", {})
        self.input_format = record.get("input_format")
        self.val_metrics = record.get("val_metrics", {})


def split_wiring(settings: dict[str, Any]) -> tuple[dict[str, Any], dict[str, Any]]:
    """A module's keyword settings as (its torch model's knobs, the wiring AnomalyModule takes):
    a method module passes the knobs on to its model, which alone declares them."""
    wiring_names = set(inspect.signature(AnomalyModule.__init__).parameters) - {"self"}
    # checkpoints written before the training length moved to trainer.* still hold it
    settings = {key: value for key, value in settings.items() if key not in MOVED_TO_TRAINER}
    knobs = {key: value for key, value in settings.items() if key not in wiring_names}
    wiring = {key: value for key, value in settings.items() if key in wiring_names}
    return knobs, wiring
