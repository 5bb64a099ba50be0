"""Real-photo development benchmark: photographs shipped in pip packages, cut into categories in
the MVTec AD layout, with defects from a painter of its own (see build.py and painter.py)."""

from adbench.data.realphotos.build import REALPHOTO_CATEGORIES, ensure_realphotos
from adbench.data.realphotos.datamodule import RealPhotosDataModule
from adbench.data.realphotos.painter import DEFECT_KINDS

__all__ = ["DEFECT_KINDS", "REALPHOTO_CATEGORIES", "RealPhotosDataModule", "ensure_realphotos"]
