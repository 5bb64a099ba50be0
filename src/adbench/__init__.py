"""adbench: visual anomaly-detection experiments from composed Hydra configs."""

from adbench.process_tuning import tune_process

tune_process()  # before torch loads: OpenMP wait policy and malloc thresholds (see there)

__version__ = "0.1.0"
