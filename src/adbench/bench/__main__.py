"""`python -m adbench.bench`: run the feature methods on the same data, backbone and image size
and print a markdown table of fit time, throughput, peak memory and AUROC; PatchCore's exact
search beside its IVF index on real photos (recall@1, throughput, AUROC); and the scaling checks
(PaDiM's and PatchCore's whole fit with validation vs training-set size, PatchCore's fit
alone on real-photo shots, its coreset selection alone on random vectors; the test pass's peak
memory vs the test set's size); and adbench beside anomalib on the same data and settings,
speed only (see bench/peer_speed.py).

`python -m adbench.bench real ...`: the real-photo development benchmark (see bench/real.py)."""

from __future__ import annotations

import argparse
import json
import platform
import subprocess
import sys
import tempfile

import torch

from adbench.bench.peer_speed import peer_speed_table
from adbench.bench.peers.anomalib import DEFAULT_VENV
from adbench.io import write_text_atomic
from adbench.tables import format_table

METHODS = ("patchcore", "padim", "cflow")


def job(name: str, **kwargs) -> dict:
    """Run one job in a fresh Python process and return its result."""
    request = json.dumps({"job": name, "kwargs": kwargs})
    result = subprocess.run(
        [sys.executable, "-m", "adbench.bench.jobs", request],
        capture_output=True, text=True, check=False,
    )  # fmt: skip
    for line in result.stdout.splitlines():
        if line.startswith("BENCH_RESULT "):
            return json.loads(line.removeprefix("BENCH_RESULT "))
    tail = (result.stderr.strip().splitlines() or ["no output"])[-1]
    return {"error": tail}


def _round(value: float | None, digits: int = 0) -> float | int | None:
    """Rounded for the table (whole MiB, tenths of seconds); None stays None."""
    if value is None:
        return None
    return round(value, digits) if digits else round(value)


def methods_table(args: argparse.Namespace, scratch: str) -> str:
    overrides = [
        f"dataset.category={args.category}",
        f"dataset.image_size={args.image_size}",
        f"dataset.batch_size={args.batch_size}",
        "output.heatmaps=false",
    ]
    rows = []
    for method in args.methods:
        result = job("method", method=method, overrides=overrides, batch_size=args.batch_size,
                     out_dir=f"{scratch}/{method}")  # fmt: skip
        if "error" in result:
            rows.append([f"{method} (failed: {result['error'][:80]})", *[None] * 7])
            continue
        speed, ceiling = result["images_per_second"], result["backbone_images_per_second"]
        rows.append([
            method, _round(result["fit_seconds"], 1), _round(speed, 1), _round(ceiling, 1),
            _round(speed / ceiling, 2), _round(result["peak_mib"]),
            result["image_auroc"], result["pixel_auroc"],
        ])  # fmt: skip
    header = ["method", "fit s", "inference img/s", "its backbone img/s", "vs backbone",
              "peak MiB", "image AUROC", "pixel AUROC"]  # fmt: skip
    return format_table(header, rows, title="Feature methods")


def search_table(args: argparse.Namespace, scratch: str) -> str:
    """PatchCore's exact search beside the IVF index, on real-photo images."""
    overrides = [
        "dataset=realphotos",
        f"dataset.category={args.patchcore_category}",
        f"dataset.n_train={args.search_train_images}",
        f"dataset.image_size={args.image_size}",
        f"dataset.batch_size={args.batch_size}",
        "output.heatmaps=false",
    ]
    result = job("patchcore_search", overrides=overrides, batch_size=args.batch_size,
                 out_dir=f"{scratch}/search", probes=args.search_probes)  # fmt: skip
    if "error" in result:
        return f"PatchCore search failed: {result['error']}\n"
    rows = [
        [row["search"], _round(row["index_seconds"], 2), round(row["recall"], 4),
         _round(row["images_per_second"], 1), _round(row["backbone_images_per_second"], 1),
         _round(row["images_per_second"] / row["backbone_images_per_second"], 2),
         row["image_auroc"], row["pixel_auroc"]]
        for row in result["rows"]
    ]  # fmt: skip
    header = ["search", "index s", "recall@1", "inference img/s", "its backbone img/s",
              "vs backbone", "image AUROC", "pixel AUROC"]  # fmt: skip
    title = (
        f"PatchCore nearest-neighbour search ({args.patchcore_category}, "
        f"{args.search_train_images} train images, bank {result['bank_size']})"
    )
    return format_table(header, rows, title=title)


def fit_memory_table(args: argparse.Namespace, scratch: str) -> str:
    """Each method's whole fit (training, validation, calibration) on real-photo shots: time
    and peak memory against the training set's size."""
    rows = []
    for method in args.fit_methods:
        for n_images in args.fit_images:
            overrides = [
                f"model={method}", "dataset=realphotos",
                f"dataset.category={args.patchcore_category}", f"dataset.n_train={n_images}",
                f"dataset.image_size={args.image_size}", f"dataset.batch_size={args.batch_size}",
                *args.fit_overrides,
            ]  # fmt: skip
            result = job("fit_memory", overrides=overrides,
                         out_dir=f"{scratch}/fit/{method}-{n_images}")  # fmt: skip
            name = method if "error" not in result else f"{method} (failed: {result['error'][:80]})"
            rows.append([
                name, n_images, result.get("validation_images"),
                _round(result.get("fit_seconds"), 1), _round(result.get("validation_seconds"), 1),
                _round(result.get("peak_mib")),
            ])  # fmt: skip
    header = ["method", "train images", "validation images", "fit s", "of which validation s",
              "peak MiB"]  # fmt: skip
    title = f"Fit with validation vs training-set size ({args.patchcore_category} shots)"
    return format_table(header, rows, title=title)


def scaling_tables(args: argparse.Namespace) -> str:
    patchcore_rows = []
    for n_images in args.patchcore_images:
        result = job("patchcore_scaling", n_images=n_images, image_size=args.image_size,
                     batch_size=args.batch_size, category=args.patchcore_category)  # fmt: skip
        embed, select = result.get("embed_seconds"), result.get("coreset_seconds")
        patchcore_rows.append([
            n_images, result.get("patch_vectors"), result.get("bank_size"), _round(embed, 1),
            _round(select, 1), _round(embed + select, 1) if "error" not in result else None,
            _round(result.get("peak_mib")),
        ])  # fmt: skip
    coreset = job("coreset", n_vectors=args.coreset_vectors, dims=152, ratio=0.1)
    coreset_rows = [
        [args.coreset_vectors, coreset.get("selected"), _round(coreset.get("seconds"), 1)]
    ]
    return "\n".join([
        format_table(["train images", "patch vectors", "bank", "embed s", "coreset s", "fit s",
                      "peak MiB"], patchcore_rows,
                     title=f"PatchCore fit vs training-set size ({args.patchcore_category} shots)"),
        format_table(["vectors", "selected (10%)", "seconds"], coreset_rows,
                     title="PatchCore greedy coreset selection"),
    ])  # fmt: skip


def test_pass_table(args: argparse.Namespace) -> str:
    """The test pass's peak memory against the test set's size, binned (streamed) and exact."""
    rows = []
    for pixel_bins in (10_000, None):
        for n_images in args.test_pass_images:
            result = job("test_pass_memory", n_images=n_images, image_size=args.image_size,
                         batch_size=args.batch_size, pixel_bins=pixel_bins)  # fmt: skip
            mode = f"binned ({pixel_bins} bins)" if pixel_bins else "exact (every map kept)"
            if "error" in result:
                mode += f" (failed: {result['error'][:80]})"
            rows.append(
                [
                    mode,
                    n_images,
                    _round(result.get("test_seconds"), 1),
                    _round(result.get("peak_mib")),
                ]
            )
    title = "PaDiM's test pass vs test-set size (metrics, no figures)"
    return format_table(["pixel metrics", "test images", "test s", "peak MiB"], rows, title=title)


def main(argv: list[str] | None = None) -> None:
    argv = sys.argv[1:] if argv is None else argv
    if argv[:1] == ["real"]:
        from adbench.bench import real

        real.main(argv[1:])
        return
    parser = argparse.ArgumentParser(prog="python -m adbench.bench", description=__doc__)
    parser.add_argument("--methods", nargs="+", default=list(METHODS), choices=METHODS)
    parser.add_argument("--category", default="weave")
    parser.add_argument("--image-size", type=int, default=256)
    parser.add_argument("--batch-size", type=int, default=16)
    parser.add_argument("--fit-methods", nargs="*", default=["padim", "patchcore"],
                        choices=METHODS, help="whole fits with validation")  # fmt: skip
    parser.add_argument("--fit-images", type=int, nargs="+", default=[500, 1000, 2000])
    parser.add_argument("--fit-overrides", nargs="*", default=[],
                        help="adbench overrides for those fits")  # fmt: skip
    parser.add_argument("--patchcore-images", type=int, nargs="+", default=[250, 500, 1000, 2000])
    parser.add_argument("--patchcore-category", default="moon", help="real-photo category")
    parser.add_argument("--coreset-vectors", type=int, default=200_000)
    parser.add_argument("--search-train-images", type=int, default=60)
    parser.add_argument("--search-probes", type=int, nargs="+", default=[2, 4, 8, 16])
    parser.add_argument("--test-pass-images", type=int, nargs="+", default=[250, 1000, 2000])
    parser.add_argument("--peer-methods", nargs="*", default=list(METHODS), choices=METHODS,
                        help="beside anomalib (none: skip)")  # fmt: skip
    parser.add_argument("--peer-train-images", type=int, nargs="+", default=[60, 1000],
                        help="PatchCore runs at each; PaDiM and CFlow at the smallest")  # fmt: skip
    parser.add_argument("--peer-category", default="moon", help="real-photo category")
    parser.add_argument("--peer-rounds", type=int, default=2, help="alternating rounds per side")
    parser.add_argument("--peer-time-images", type=int, default=64)
    parser.add_argument("--peer-timeout", type=float, default=3600.0, help="per anomalib job")
    parser.add_argument("--anomalib-venv", default=DEFAULT_VENV,
                        help="anomalib's virtualenv (make anomalib-venv); none: skip")  # fmt: skip
    parser.add_argument("--output", default="outputs/bench/bench.md")
    args = parser.parse_args(argv)
    machine = (
        f"{platform.processor() or platform.machine()}, {torch.get_num_threads()} threads, "
        f"torch {torch.__version__}, image size {args.image_size}, batch {args.batch_size}"
    )
    with tempfile.TemporaryDirectory() as scratch:
        report = "\n".join([
            f"# adbench benchmark\n\n{machine}\n",
            methods_table(args, scratch),
            search_table(args, scratch),
            fit_memory_table(args, scratch),
            scaling_tables(args),
            test_pass_table(args),
            peer_speed_table(args, job, scratch),
        ])  # fmt: skip
    write_text_atomic(args.output, report)
    print(report)
    print(f"written to {args.output}")


if __name__ == "__main__":
    main()
