"""CFlow: conditional normalizing flows over backbone feature fibers."""

from adbench.methods.cflow.model import CflowModel
from adbench.methods.cflow.module import CflowModule

__all__ = ["CflowModel", "CflowModule"]
