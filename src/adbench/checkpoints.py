"""Loading a trained model back: the checkpoint's own record says which method it holds."""

from __future__ import annotations

from pathlib import Path
from typing import Any

from hydra.utils import get_class

from adbench.errors import AdbenchError
from adbench.methods.base import AnomalyModule
from adbench.state_dicts import load_torch_file


def load_module(path: str | Path | None, expected_target: str) -> AnomalyModule:
    """The AnomalyModule saved at `path`; it must be of the class `expected_target` names."""
    if not path:
        raise AdbenchError("ckpt_path is not set: pass ckpt_path=RUN_DIR/model.ckpt")
    checkpoint = load_torch_file(path, "ckpt_path", "checkpoint")
    module_class = checked_module_class(checkpoint, expected_target, f"ckpt_path={path}")
    overrides = {}
    backbone = checkpoint.get("hyper_parameters", {}).get("backbone")
    if backbone:  # the checkpoint carries the backbone's weights: never download them again
        overrides["backbone"] = {**backbone, "weights": "random"}
    file = Path(path).expanduser()
    return module_class.load_from_checkpoint(file, map_location="cpu", **overrides)


def check_resumable(path: Path, expected_target: str) -> None:
    """A checkpoint that `resume=` may continue: readable, weights only, of the configured
    method (tensors mapped, not read)."""
    checkpoint = load_torch_file(path, "resume", "checkpoint", mmap=True)
    checked_module_class(checkpoint, expected_target, f"resume={path}")


def checked_module_class(checkpoint: Any, expected_target: str, given: str) -> type:
    """The module class `expected_target` names, if `checkpoint` is an adbench checkpoint of
    it; `given` (e.g. `ckpt_path=FILE`) names it in errors."""
    record = checkpoint.get("adbench") if isinstance(checkpoint, dict) else None
    if not record:
        raise AdbenchError(f"{given}: not an adbench checkpoint (no 'adbench' record)")
    module_class = get_class(expected_target)
    if record["class"] != module_class.__qualname__:
        raise AdbenchError(
            f"{given} holds a {record['model']} model, not {module_class.name}: "
            f"add model={record['model']}"
        )
    return module_class
