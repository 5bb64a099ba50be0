"""`task=benchmark`: images/s of the full inference path (model, anomaly map, smoothing,
tiling if configured, [0, 1] normalisation) after warm-up, on a trained model.

With ckpt_path=RUN/model.ckpt it measures that model; without one it first trains (exactly as
task=train, writing the same outputs) and then measures the model it just trained.
Inputs are uniform noise of the model's image size: the cost of these methods does not depend
on image content.
"""

from __future__ import annotations

import time
from pathlib import Path

import torch
from omegaconf import DictConfig

from adbench.checkpoints import load_module, method_chosen_on_command_line
from adbench.errors import AdbenchError
from adbench.export.serving import ServingModel
from adbench.io import write_json_atomic, write_text_atomic
from adbench.runs.layout import MODEL_FILE
from adbench.tables import format_table
from adbench.tasks.train import train


def benchmark(cfg: DictConfig, out_dir: Path) -> float:
    """Measure, print and write benchmark.json / benchmark.md; returns images per second."""
    settings = cfg.benchmark
    device = resolve_device(settings.device)
    checkpoint = cfg.ckpt_path
    if not checkpoint:
        print("benchmark: no ckpt_path given: training first (as task=train), then measuring")
        train(cfg, out_dir)
        checkpoint = out_dir / MODEL_FILE
    module = load_module(checkpoint, method_chosen_on_command_line())
    serving = ServingModel(module).to(device)
    height, width = serving.image_size
    result = {
        "model": module.name,
        "checkpoint": str(checkpoint),
        "device": str(device),
        "threads": torch.get_num_threads(),
        "batch_size": settings.batch_size,
        "image_size": [height, width],
        "warmup_batches": settings.warmup_batches,
        "batches": settings.batches,
        **measure(serving, settings.batch_size, (height, width), settings, device),
    }
    write_json_atomic(out_dir / "benchmark.json", result)
    write_text_atomic(out_dir / "benchmark.md", benchmark_table(result))
    print(benchmark_line(result))
    return result["images_per_second"]


def measure(
    model: torch.nn.Module,
    batch_size: int,
    image_size: tuple[int, int],
    settings: DictConfig,
    device: torch.device,
) -> dict[str, float]:
    """Images/s and ms per batch over `settings.batches` timed batches after the warm-up."""
    generator = torch.Generator().manual_seed(0)
    images = torch.rand(batch_size, 3, *image_size, generator=generator).to(device)
    with torch.inference_mode():
        for _ in range(settings.warmup_batches):
            model(images)
        _synchronize(device)
        started = time.perf_counter()
        for _ in range(settings.batches):
            model(images)
        _synchronize(device)
        seconds = time.perf_counter() - started
    return {
        "images_per_second": round(settings.batches * batch_size / seconds, 2),
        "ms_per_batch": round(1000 * seconds / settings.batches, 2),
    }


def resolve_device(name: str) -> torch.device:
    """auto = the GPU when there is one, else the CPU."""
    if name == "auto":
        return torch.device("cuda" if torch.cuda.is_available() else "cpu")
    if name not in ("cpu", "cuda"):
        raise AdbenchError(f"benchmark.device={name} is unknown: use auto, cpu or cuda")
    if name == "cuda" and not torch.cuda.is_available():
        raise AdbenchError("benchmark.device=cuda but no CUDA device is visible: use cpu or auto")
    return torch.device(name)


def benchmark_line(result: dict) -> str:
    height, width = result["image_size"]
    return (
        f"benchmark: {result['model']} {result['images_per_second']:.2f} images/s on "
        f"{result['device']} (batch size {result['batch_size']}, image size {height}x{width}, "
        f"{result['ms_per_batch']:.1f} ms/batch; model + map + smoothing + normalisation, "
        f"{result['batches']} batches after {result['warmup_batches']} warm-up)"
    )


def benchmark_table(result: dict) -> str:
    height, width = result["image_size"]
    header = ["model", "device", "threads", "batch size", "image size", "images/s", "ms/batch"]
    row = [
        result["model"], result["device"], result["threads"], result["batch_size"],
        f"{height}x{width}", f"{result['images_per_second']:.1f}", f"{result['ms_per_batch']:.1f}",
    ]  # fmt: skip
    return format_table(header, [row], title="Inference throughput (task=benchmark)")


def _synchronize(device: torch.device) -> None:
    if device.type == "cuda":
        torch.cuda.synchronize(device)
