"""Loading a trained model back: the checkpoint's own record says which method it holds."""

from __future__ import annotations

from pathlib import Path
from typing import Any

from adbench.errors import AdbenchError
from adbench.methods.base import AnomalyModule
from adbench.methods.registry import method_class, method_names
from adbench.state_dicts import load_torch_file


def load_module(path: str | Path | None, method: str | None = None) -> AnomalyModule:
    """The AnomalyModule saved at `path`, of the method its checkpoint records; `method`, when
    given (a `model=` chosen on the command line), must be that one."""
    if not path:
        raise AdbenchError("ckpt_path is not set: pass ckpt_path=RUN_DIR/model.ckpt")
    checkpoint = load_torch_file(path, "ckpt_path", "checkpoint")
    module_class = checked_module_class(checkpoint, method, f"ckpt_path={path}")
    overrides = {}
    backbone = checkpoint.get("hyper_parameters", {}).get("backbone")
    if backbone:  # the checkpoint carries the backbone's weights: never download them again
        overrides["backbone"] = {**backbone, "weights": "random"}
    file = Path(path).expanduser()
    return module_class.load_from_checkpoint(file, map_location="cpu", **overrides)


def check_resumable(path: Path, method: str) -> None:
    """A checkpoint that `resume=` may continue: readable, weights only, of the configured
    method (tensors mapped, not read)."""
    checkpoint = load_torch_file(path, "resume", "checkpoint", mmap=True)
    checked_module_class(checkpoint, method, f"resume={path}")


def checked_module_class(checkpoint: Any, method: str | None, given: str) -> type:
    """The module class of the method an adbench `checkpoint` records, which must be `method`
    when that is given; `given` (e.g. `ckpt_path=FILE`) names it in errors."""
    record = checkpoint.get("adbench") if isinstance(checkpoint, dict) else None
    if not record:
        raise AdbenchError(f"{given}: not an adbench checkpoint (no 'adbench' record)")
    held = record["model"]
    if method is not None and held != method:
        raise AdbenchError(f"{given} holds a {held} model, not {method}: pass model={held}")
    try:
        return method_class(held)
    except AdbenchError:
        raise AdbenchError(
            f"{given} holds a {held!r} model, a method this adbench does not have (it has "
            f"{', '.join(method_names())})"
        ) from None


def method_chosen_on_command_line() -> str | None:
    """The `model=NAME` given on the command line (None when none was, or outside Hydra): a
    task that loads a checkpoint takes the method from it, and checks it against this."""
    from hydra.core.hydra_config import HydraConfig

    if not HydraConfig.initialized():
        return None
    chosen = [item for item in HydraConfig.get().overrides.task if item.startswith("model=")]
    return chosen[-1].split("=", 1)[1] if chosen else None
