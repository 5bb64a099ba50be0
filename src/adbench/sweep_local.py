"""`python -m adbench.sweep_local SWEEP.yml ...`, the documented command of the local W&B sweep
agent (adbench.sweeps.local_agent)."""

import sys

from adbench.sweeps.local_agent import main

if __name__ == "__main__":
    sys.exit(main())
