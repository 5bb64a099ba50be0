"""Training losses: reconstruction (L2, SSIM, MS-SSIM, LPIPS) and focal segmentation."""

from adbench.losses.focal import FocalLoss
from adbench.losses.lpips import LpipsLoss, load_lpips
from adbench.losses.reconstruction import L2Loss, MsSsimLoss, SsimLoss

__all__ = ["FocalLoss", "L2Loss", "LpipsLoss", "MsSsimLoss", "SsimLoss", "load_lpips"]
