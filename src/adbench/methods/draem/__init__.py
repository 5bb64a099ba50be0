"""DRAEM: a reconstructive and a discriminative network trained on synthetic anomalies."""

from adbench.methods.draem.model import DraemModel
from adbench.methods.draem.module import DraemModule

__all__ = ["DraemModel", "DraemModule"]
