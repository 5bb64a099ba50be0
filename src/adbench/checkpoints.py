"""Loading a trained model back: the checkpoint's own record says which method it holds."""

from __future__ import annotations

from pathlib import Path

from hydra.utils import get_class

from adbench.errors import AdbenchError
from adbench.methods.base import AnomalyModule
from adbench.state_dicts import load_torch_file


def load_module(path: str | Path | None, expected_target: str) -> AnomalyModule:
    """The AnomalyModule saved at `path`; it must be of the class `expected_target` names."""
    if not path:
        raise AdbenchError("ckpt_path is not set: pass ckpt_path=RUN_DIR/model.ckpt")
    file = Path(path).expanduser()
    checkpoint = load_torch_file(path, "ckpt_path", "checkpoint")
    record = checkpoint.get("adbench") if isinstance(checkpoint, dict) else None
    if not record:
        raise AdbenchError(f"ckpt_path={path}: not an adbench checkpoint (no 'adbench' record)")
    module_class = get_class(expected_target)
    if record["class"] != module_class.__qualname__:
        raise AdbenchError(
            f"ckpt_path={path} holds a {record['model']} model, not {module_class.name}: "
            f"add model={record['model']}"
        )
    overrides = {}
    backbone = checkpoint.get("hyper_parameters", {}).get("backbone")
    if backbone:  # the checkpoint carries the backbone's weights: never download them again
        overrides["backbone"] = {**backbone, "weights": "random"}
    return module_class.load_from_checkpoint(file, map_location="cpu", **overrides)
