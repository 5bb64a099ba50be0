"""Serving exports: one module = trained model + its [0, 1] calibration, written as ONNX or
TorchScript, optionally as a Triton model repository, with the calibration as a JSON file."""

from adbench.export.serving import INPUT_NAME, OUTPUT_NAMES, ServingModel

__all__ = ["INPUT_NAME", "OUTPUT_NAMES", "ServingModel"]
