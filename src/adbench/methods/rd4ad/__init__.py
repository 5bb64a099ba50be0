"""RD4AD: reverse distillation from a one-class bottleneck embedding (Deng & Li, CVPR 2022)."""

from adbench.methods.rd4ad.model import Rd4adModel
from adbench.methods.rd4ad.module import Rd4adModule

__all__ = ["Rd4adModel", "Rd4adModule"]
