"""Thresholds and [0, 1] normalisation fitted on validation and stored with the model.

Normalised score = (raw - threshold) / (max - min) + 0.5, clipped to [0, 1]: 0 = normal,
0.5 = the decision threshold ("unsure"), 1 = anomalous. The threshold is F1-optimal on the
validation set when it holds (synthetic) anomalies, else a high quantile of its normal scores;
for pixels it is read from the histogram validation filled batch by batch (eval.pixel_bins: to
a bin's width) unless every validation map was kept.
"""

from __future__ import annotations

import torch
from torch import nn

from adbench.metrics import f1_max
from adbench.metrics.binned import BinnedPixelMetrics

STATISTICS = ("threshold", "min", "max")


class Calibration(nn.Module):
    """Image and pixel thresholds plus min/max, kept as buffers so checkpoints carry them."""

    def __init__(self, normal_quantile: float = 0.99) -> None:
        super().__init__()
        self.normal_quantile = normal_quantile
        for level in ("image", "pixel"):
            for name in STATISTICS:
                self.register_buffer(f"{level}_{name}", torch.tensor(float("nan")))

    @property
    def fitted(self) -> bool:
        return bool(torch.isfinite(self.image_threshold))

    def fit(
        self,
        scores: torch.Tensor,
        labels: torch.Tensor,
        maps: torch.Tensor | None = None,
        masks: torch.Tensor | None = None,
        pixel_histogram: BinnedPixelMetrics | None = None,
    ) -> None:
        """Fit from validation image scores/labels and (optionally) the pixels: exactly from
        maps/masks, or from the histogram that validation filled batch by batch."""
        self._fit_level("image", scores.flatten(), labels.flatten())
        if pixel_histogram is not None:
            self._set("pixel", *pixel_histogram.calibration(self.normal_quantile))
        elif maps is not None and masks is not None:
            self._fit_level("pixel", maps.flatten(), masks.flatten())

    def _fit_level(self, level: str, values: torch.Tensor, targets: torch.Tensor) -> None:
        values = values.double()
        targets = targets.bool()
        if targets.any() and not targets.all():
            threshold = f1_max(values, targets.long())[1]
        else:
            threshold = torch.quantile(_subsample(values), self.normal_quantile).item()
        self._set(level, threshold, values.min().item(), values.max().item())

    def _set(self, level: str, threshold: float, low: float, high: float) -> None:
        getattr(self, f"{level}_threshold").fill_(threshold)
        getattr(self, f"{level}_min").fill_(low)
        getattr(self, f"{level}_max").fill_(high)

    def thresholds(self) -> dict[str, float] | None:
        """The raw-score decision thresholds of images and map pixels (None before fitting):
        normalised scores and maps reach 0.5 exactly there."""
        if not self.fitted:
            return None
        pixel = getattr(self, f"{self._map_level()}_threshold")
        return {"image": float(self.image_threshold), "pixel": float(pixel)}

    def raw_map_value(self, normalised: float) -> float:
        """The raw map value that normalize_maps turns into `normalised` (0.5: the threshold)."""
        level = self._map_level()
        threshold = float(getattr(self, f"{level}_threshold"))
        span = float(
            (getattr(self, f"{level}_max") - getattr(self, f"{level}_min")).clamp_min(1e-12)
        )
        return threshold + (normalised - 0.5) * span

    def normalize_scores(self, scores: torch.Tensor) -> torch.Tensor:
        return self._normalize(scores, "image")

    def normalize_maps(self, maps: torch.Tensor) -> torch.Tensor:
        return self._normalize(maps, self._map_level())

    def _map_level(self) -> str:
        """Maps use the pixel statistics when validation had masks, else the image ones."""
        return "pixel" if torch.isfinite(self.pixel_threshold) else "image"

    def _normalize(self, values: torch.Tensor, level: str) -> torch.Tensor:
        threshold = getattr(self, f"{level}_threshold")
        span = (getattr(self, f"{level}_max") - getattr(self, f"{level}_min")).clamp_min(1e-12)
        return ((values - threshold) / span + 0.5).clamp(0, 1)

    def as_dict(self) -> dict[str, float]:
        """Plain numbers, e.g. for a JSON next to an exported model."""
        return {name: float(buffer) for name, buffer in self.named_buffers()}


def _subsample(values: torch.Tensor, limit: int = 1_000_000) -> torch.Tensor:
    """torch.quantile refuses huge inputs: every k-th sorted value keeps quantiles close enough."""
    if values.numel() <= limit:
        return values
    return values.sort().values[:: values.numel() // limit + 1]
