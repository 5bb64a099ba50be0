"""CRN: competitive reconstruction networks, U-Net units trained as generators and
discriminators of each other."""

from adbench.methods.crn.model import CrnModel
from adbench.methods.crn.module import CrnModule

__all__ = ["CrnModel", "CrnModule"]
