"""Where a run keeps its files (names only: importing this loads nothing heavy)."""

from __future__ import annotations

from pathlib import Path

# the latest training state, and the state when training ended (the test then runs; it
# becomes the run's model.ckpt once the results are written)
RESUME_CHECKPOINT = Path("checkpoints") / "last.ckpt"
TRAINED_CHECKPOINT = Path("checkpoints") / "trained.ckpt"
MODEL_FILE = "model.ckpt"
FINISHED_MARKER = "metrics.json"  # written last: the run completed
