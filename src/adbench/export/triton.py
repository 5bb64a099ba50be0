"""A Triton Inference Server model repository for an exported serving model.

<root>/<name>/config.pbtxt, <root>/<name>/1/model.onnx (or model.pt), and the calibration JSON
beside config.pbtxt. Batch axis first and dynamic, so Triton's dynamic batcher can group
requests; TorchScript tensors follow the PyTorch backend's `<name>__<index>` naming.
"""

from __future__ import annotations

import shutil
from dataclasses import dataclass
from pathlib import Path

from adbench.export.serving import INPUT_NAME, OUTPUT_NAMES


@dataclass(frozen=True)
class TritonBackend:
    platform: str
    backend: str
    file_name: str
    input_name: str
    output_names: tuple[str, ...]


BACKENDS = {
    "onnx": TritonBackend(
        "onnxruntime_onnx", "onnxruntime", "model.onnx", INPUT_NAME, OUTPUT_NAMES
    ),
    "torchscript": TritonBackend(
        "pytorch_libtorch",
        "pytorch",
        "model.pt",
        f"{INPUT_NAME}__0",
        tuple(f"{name}__{index}" for index, name in enumerate(OUTPUT_NAMES)),
    ),
}


def triton_config(
    name: str, export_format: str, image_size: tuple[int, int], max_batch_size: int
) -> str:
    """config.pbtxt text: float32 NCHW images in, (1,) scores and (1, H, W) maps out."""
    spec = BACKENDS[export_format]
    height, width = image_size
    dims = {spec.output_names[0]: [1], spec.output_names[1]: [1, height, width]}
    outputs = ",\n".join(_tensor(out, dims[out]) for out in spec.output_names)
    return (
        f'name: "{name}"\n'
        f'platform: "{spec.platform}"\n'
        f'backend: "{spec.backend}"\n'
        f"max_batch_size: {max_batch_size}\n"
        f"input [\n{_tensor(spec.input_name, [3, height, width])}\n]\n"
        f"output [\n{outputs}\n]\n"
        "dynamic_batching {\n  max_queue_delay_microseconds: 100\n}\n"
    )


def write_triton_repository(
    root: Path,
    name: str,
    model_file: Path,
    export_format: str,
    image_size: tuple[int, int],
    max_batch_size: int,
    calibration_file: Path,
) -> Path:
    """Write the repository under `root`; returns the model's directory."""
    model_dir = Path(root) / name
    version_dir = model_dir / "1"
    version_dir.mkdir(parents=True, exist_ok=True)
    shutil.copyfile(model_file, version_dir / BACKENDS[export_format].file_name)
    config = triton_config(name, export_format, image_size, max_batch_size)
    (model_dir / "config.pbtxt").write_text(config)
    shutil.copyfile(calibration_file, model_dir / calibration_file.name)
    return model_dir


def _tensor(name: str, dims: list[int]) -> str:
    return (
        f'  {{\n    name: "{name}"\n    data_type: TYPE_FP32\n'
        f"    dims: [ {', '.join(str(d) for d in dims)} ]\n  }}"
    )
