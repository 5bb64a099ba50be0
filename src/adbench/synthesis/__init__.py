"""Anomaly synthesis: for validation, defects that look real, from invisible to obvious
(validation.py, regions.py); for DRAEM's training, Perlin-shaped texture anomalies (draem.py,
perlin.py, photometric.py, textures.py).

Never imports adbench.data: datasets call into synthesis, not the other way round.
"""

from adbench.synthesis.validation import VALIDATION_KINDS, add_validation_anomaly

__all__ = ["VALIDATION_KINDS", "add_validation_anomaly"]
