"""adbench: visual anomaly-detection experiments from composed Hydra configs."""

__version__ = "0.1.0"
