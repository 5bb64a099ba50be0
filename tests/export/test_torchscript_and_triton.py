"""TorchScript round trip, and the Triton model repository's files and config.pbtxt."""

from __future__ import annotations

import json

import pytest
import torch
from google.protobuf import text_format
from tritonclient.grpc import model_config_pb2

from adbench.checkpoints import load_module
from adbench.export import ServingModel
from adbench.export.check_images import check_images
from adbench.export.torchscript_format import export_torchscript
from adbench.run import run


def test_torchscript_round_trip_gives_the_same_outputs(
    trained, image_folders, image_size, tmp_path
):
    _, checkpoint = trained("patchcore")
    serving = ServingModel(load_module(checkpoint))
    path = export_torchscript(serving, torch.rand(1, 3, image_size, image_size), tmp_path / "m.pt")
    loaded = torch.jit.load(str(path))
    images = check_images(str(image_folders["new"]), (image_size, image_size), 3)
    with torch.no_grad():
        expected, got = serving(images), loaded(images)
    assert got[0].shape == (3, 1) and got[1].shape == (3, 1, image_size, image_size)
    for want, have in zip(expected, got, strict=True):
        assert torch.allclose(want, have, atol=1e-5)


def parse_pbtxt(text: str) -> model_config_pb2.ModelConfig:
    """config.pbtxt read with Triton's own schema (a typo or unknown field fails here)."""
    return text_format.Parse(text, model_config_pb2.ModelConfig())


def onnx_tensors(path) -> dict[str, tuple[list, int]]:
    """name -> (dims as declared, element type) of an ONNX model's inputs and outputs."""
    import onnx

    graph = onnx.load(str(path)).graph
    return {
        t.name: (
            [d.dim_param or d.dim_value for d in t.type.tensor_type.shape.dim],
            t.type.tensor_type.elem_type,
        )
        for t in [*graph.input, *graph.output]
    }


@pytest.mark.parametrize(
    ("export_format", "platform", "file_name", "names"),
    [
        ("onnx", "onnxruntime_onnx", "model.onnx", ["images", "scores", "anomaly_maps"]),
        (
            "torchscript",
            "pytorch_libtorch",
            "model.pt",
            ["images__0", "scores__0", "anomaly_maps__1"],
        ),
    ],
)
def test_triton_repository_has_what_triton_needs(
    export_format, platform, file_name, names, trained, compose_cfg, image_size, tmp_path
):
    _, checkpoint = trained("padim")
    out = tmp_path / "export"
    cfg = compose_cfg(
        "task=export",
        "model=padim",
        f"ckpt_path={checkpoint}",
        f"export.format={export_format}",
        "export.triton=true",
        "export.max_batch_size=4",
        "export.check_images=2",
        f"output_dir={out}",
    )
    run(cfg)
    model_dir = out / "triton" / "padim"
    assert (model_dir / "1" / file_name).is_file()
    calibration = json.loads((model_dir / "calibration.json").read_text())
    assert (
        calibration["decision_threshold"] == 0.5 and calibration["image"]["threshold"] is not None
    )
    config = parse_pbtxt((model_dir / "config.pbtxt").read_text())
    assert config.name == "padim" and config.platform == platform
    assert config.max_batch_size == 4 and config.HasField("dynamic_batching")
    tensors = [*config.input, *config.output]
    assert [t.name for t in tensors] == names
    assert list(config.input[0].dims) == [3, image_size, image_size]
    assert [list(t.dims) for t in config.output] == [[1], [1, image_size, image_size]]
    assert {model_config_pb2.DataType.Name(t.data_type) for t in tensors} == {"TYPE_FP32"}
    if export_format == "onnx":  # the served file declares the same tensors, batch axis first
        declared = onnx_tensors(model_dir / "1" / file_name)
        for tensor in tensors:
            dims, elem_type = declared[tensor.name]
            assert dims == ["batch", *tensor.dims] and elem_type == 1  # 1: FLOAT
