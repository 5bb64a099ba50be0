"""adbench: visual anomaly-detection experiments from composed Hydra configs."""

import os

# Idle OpenMP threads sleep instead of spinning. On an idle 2-core machine spinning is ~25%
# faster, but when the cores are shared (dataloader workers, parallel jobs) spinning threads made
# small convolutions 4-10x slower. Set here, before torch loads, for every entry point
# (python -m adbench, adbench.bench, tests); a user's own OMP_WAIT_POLICY wins.
os.environ.setdefault("OMP_WAIT_POLICY", "PASSIVE")

__version__ = "0.1.0"
