"""How a run begins in its directory: fresh, resumed, or (a sweep run again into its own
folder) already done."""

from __future__ import annotations

import json
from dataclasses import dataclass
from pathlib import Path

from hydra.utils import get_class
from omegaconf import DictConfig, OmegaConf

from adbench.checkpoints import check_resumable
from adbench.runs.layout import FINISHED_MARKER
from adbench.runs.output_dir import claim_output_dir
from adbench.runs.resume import (
    resume_checkpoint,
    resumed_in_place,
    unfinished_checkpoint,
)


@dataclass(frozen=True)
class RunStart:
    checkpoint: Path | None = None  # training continues from it
    done: bool = False  # a sweep job that finished earlier with the same settings: kept


def start_run(cfg: DictConfig, out_dir: Path, sweep_job: bool, claim: bool = True) -> RunStart:
    """Claim `out_dir` (runs/output_dir.py) and say where training starts. A sweep job whose
    folder holds an earlier attempt with the same settings (the sweep run again with the same
    hydra.sweep.dir after an interruption) keeps a finished attempt, continues one that left a
    checkpoint and redoes any other; `claim` is False on the ranks a DDP run launches."""
    overwrite = bool(cfg.output.overwrite)
    training = cfg.task == "train"
    checkpoint = resume_checkpoint(cfg.get("resume")) if training else None
    in_place = checkpoint is not None and resumed_in_place(checkpoint, out_dir)
    if sweep_job and training and checkpoint is None and _same_settings(out_dir, cfg):
        if (out_dir / FINISHED_MARKER).is_file():
            return RunStart(done=True)
        checkpoint = unfinished_checkpoint(out_dir)
        in_place, overwrite = checkpoint is not None, True
    if checkpoint is not None:
        check_resumable(checkpoint, get_class(cfg.model._target_).name)
    if claim:
        claim_output_dir(out_dir, overwrite, resuming=in_place)
    return RunStart(checkpoint=checkpoint)


def recorded_validation(out_dir: Path) -> float | None:
    """The validation image AUROC a finished run recorded (what a sweeper optimises)."""
    summary = json.loads((out_dir / FINISHED_MARKER).read_text())
    return summary.get("validation", {}).get("val_image_auroc")


def _same_settings(out_dir: Path, cfg: DictConfig) -> bool:
    recorded = out_dir / "config.yaml"
    if not recorded.is_file():
        return False
    earlier = OmegaConf.to_container(OmegaConf.load(recorded))
    return earlier == OmegaConf.to_container(cfg, resolve=True)
