"""Reconstruction losses on images in [0, 1]: L2, 1 - SSIM and 1 - MS-SSIM (pytorch-msssim)."""

from __future__ import annotations

import torch
import torch.nn.functional as F
from pytorch_msssim import ms_ssim, ssim
from torch import nn

from adbench.errors import AdbenchError

MS_SSIM_DOWNSAMPLINGS = 4  # pytorch-msssim's five scales: the image must exceed 16 (w - 1)


class L2Loss(nn.Module):
    """Mean squared error."""

    def forward(self, prediction: torch.Tensor, target: torch.Tensor) -> torch.Tensor:
        return F.mse_loss(prediction, target)


class SsimLoss(nn.Module):
    """1 - SSIM with a Gaussian window of `window` pixels (sigma 1.5), data range 1."""

    def __init__(self, window: int = 11) -> None:
        super().__init__()
        self.window = int(window)

    def forward(self, prediction: torch.Tensor, target: torch.Tensor) -> torch.Tensor:
        window = min(self.window, _largest_odd(min(target.shape[-2:])))
        return 1 - ssim(prediction, target, data_range=1.0, win_size=window)


class MsSsimLoss(nn.Module):
    """1 - MS-SSIM over five scales, data range 1.

    The window shrinks to the largest odd size that the image allows (pytorch-msssim needs the
    shorter side above 16 (window - 1)): 11 from 161 px, 5 at 96 px, 3 at 64 px; 32 px and
    smaller are refused (a 1-pixel window would see brightness only).
    """

    def __init__(self, window: int = 11) -> None:
        super().__init__()
        self.window = int(window)

    def window_for(self, height: int, width: int) -> int:
        largest = _largest_odd((min(height, width) - 1) // 2**MS_SSIM_DOWNSAMPLINGS + 1)
        if largest < 3:
            raise AdbenchError(
                f"the ms_ssim loss needs images larger than 32 px (five scales with a window of "
                f"at least 3): got {height}x{width}; raise dataset.image_size"
            )
        return min(self.window, largest)

    def forward(self, prediction: torch.Tensor, target: torch.Tensor) -> torch.Tensor:
        window = self.window_for(*target.shape[-2:])
        return 1 - ms_ssim(prediction, target, data_range=1.0, win_size=window)


def _largest_odd(limit: int) -> int:
    """The largest odd number <= limit (at least 1)."""
    return max(1, limit if limit % 2 else limit - 1)
