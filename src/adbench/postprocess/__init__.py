"""Post-processing: map smoothing and score calibration into [0, 1]."""

from adbench.postprocess.calibration import Calibration
from adbench.postprocess.smoothing import GaussianSmoothing

__all__ = ["Calibration", "GaussianSmoothing"]
