"""Score a folder of images with a model that Triton serves, as training prepared them.

    python -m adbench.export.client MODEL_NAME DIR [--url localhost:8001] [--resize pad]

The repository is the one `task=export export.triton=true` wrote. Images are read as RGB and
brought to the model's input size (read from the server) by the dataset's resize (OpenCV
bilinear stretch by default; pass the `dataset.resize` the model was trained with), then sent
in batches over gRPC; each line printed is file, normalised score, and the decision at 0.5.
"""

from __future__ import annotations

import argparse
import sys
from collections.abc import Sequence
from pathlib import Path

import numpy as np

from adbench.data.geometry import RESIZE_MODES, resize_transform
from adbench.data.samples import list_images
from adbench.errors import AdbenchError
from adbench.image_files import read_image

DECISION_THRESHOLD = 0.5  # normalised scores: the threshold fitted on validation


def prepare_batch(
    paths: Sequence[Path], image_size: tuple[int, int], resize: str = "stretch", fill: float = 0
) -> np.ndarray:
    """(N, 3, H, W) float32 RGB in [0, 1]: the served model's `images` input."""
    transform = resize_transform(image_size, resize, fill)
    images = [transform(image=read_image(path))["image"] for path in paths]
    return np.stack(images).transpose(0, 3, 1, 2).astype(np.float32) / 255.0


def score_folder(
    url: str, model: str, folder: Path, batch_size: int, resize: str, fill: float
) -> list[tuple[Path, float]]:
    """(file, normalised score) for every image in folder, scored by the served model."""
    import tritonclient.grpc as triton
    from tritonclient.utils import InferenceServerException

    paths = list_images(folder) if folder.is_dir() else []
    if not paths:
        raise AdbenchError(f"{folder}: no such folder of images (.png, .jpg, ...)")
    client = triton.InferenceServerClient(url)
    try:
        config = client.get_model_config(model, client_timeout=10).config
        source, target = config.input[0], config.output[0]
        image_size = (int(source.dims[-2]), int(source.dims[-1]))
        scored = []
        for start in range(0, len(paths), batch_size):
            chunk = paths[start : start + batch_size]
            images = prepare_batch(chunk, image_size, resize, fill)
            request = triton.InferInput(source.name, list(images.shape), "FP32")
            request.set_data_from_numpy(images)
            wanted = [triton.InferRequestedOutput(target.name)]
            result = client.infer(model, [request], outputs=wanted, client_timeout=60)
            scored += zip(chunk, result.as_numpy(target.name)[:, 0].tolist(), strict=True)
    except InferenceServerException as error:
        raise AdbenchError(
            f"Triton at {url} could not score with model {model!r} ({error.message()}): start "
            "tritonserver on the repository task=export export.triton=true wrote, or pass --url"
        ) from error
    return scored


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m adbench.export.client", description=__doc__)
    parser.add_argument("model", help="the model's name in the Triton repository")
    parser.add_argument("input", type=Path, help="a folder of images")
    parser.add_argument("--url", default="localhost:8001", help="Triton's gRPC address")
    parser.add_argument("--batch-size", type=int, default=8)
    parser.add_argument("--resize", choices=RESIZE_MODES, default="stretch")
    parser.add_argument("--fill", type=float, default=0, help="--resize pad: the padding's level")
    args = parser.parse_args(argv)
    try:
        scored = score_folder(
            args.url, args.model, args.input, args.batch_size, args.resize, args.fill
        )
    except AdbenchError as error:
        print(f"adbench: error: {error}", file=sys.stderr)
        return 2
    for path, score in scored:
        verdict = "anomalous" if score >= DECISION_THRESHOLD else "normal"
        print(f"{path}\t{score:.4f}\t{verdict}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
