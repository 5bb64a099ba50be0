"""PaDiM: per-position Gaussians over concatenated backbone features."""

from adbench.methods.padim.model import PadimModel
from adbench.methods.padim.module import PadimModule

__all__ = ["PadimModel", "PadimModule"]
