"""PatchCore: coreset memory bank of locally aware patch features."""

from adbench.methods.patchcore.model import PatchcoreModel
from adbench.methods.patchcore.module import PatchcoreModule

__all__ = ["PatchcoreModel", "PatchcoreModule"]
