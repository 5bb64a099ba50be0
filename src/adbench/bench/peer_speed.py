"""adbench beside anomalib, speed only: the same method, backbone weights, image size, levels and
real-photo images on both sides, each side in its own process, run in alternation (adbench,
anomalib, adbench, anomalib, ...) so that the machine's load drifts hit both alike; the best
round of each side is kept. Printed: fit seconds without validation, images/s of the model
alone (tensors in memory: forward, map, normalisation) and of the whole test loop (decode,
resize, forward, map, metrics), and adbench's ratio over anomalib for each."""

from __future__ import annotations

import argparse
import sys
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path

from adbench.bench.peers.anomalib import anomalib_python, run_anomalib
from adbench.bench.real import generated_root
from adbench.tables import format_table

# Each method at settings both sides share: the paper's PatchCore (levels [2, 3], 10% coreset,
# 9 neighbours, no level scaling, no bank cap), PaDiM with anomalib's 100 random channels, CFlow
# with a flow per level at level [1] and anomalib's fiber batch, one epoch. Validation comes
# from the test set on both sides (anomalib's default), so both train on every normal.


@dataclass(frozen=True)
class PeerSetting:
    """adbench's overrides for one method, and the levels and epochs both sides use."""

    overrides: tuple[str, ...]
    layers: tuple[int, ...]
    max_epochs: int | None = None


SETTINGS = {
    "patchcore": PeerSetting(
        ("model=patchcore", "model.coreset_sampling_ratio=0.1", "model.num_neighbors=9",
         "model.feature_scaling=none", "model.max_bank_size=null"),
        layers=(2, 3),
    ),
    "padim": PeerSetting(("model=padim", "model.n_features=100"), layers=(1, 2, 3)),
    "cflow": PeerSetting(
        ("model=cflow", "model.fibers=levels", "model.fiber_batch_size=64",
         "trainer.max_epochs=1"),
        layers=(1,),
        max_epochs=1,
    ),
}  # fmt: skip
# at 1,000 training images PatchCore keeps 0.1% on both sides (1,024 of 1,024,000 patch
# vectors): anomalib's greedy coreset takes ~0.4 s per pick there on 2 cores (a distance pass
# over every vector in its ~340-dim projection), so its default 10% would run for days, and 1%
# had not finished after 9 minutes
LARGE_SET, LARGE_SET_RATIO = 1000, 0.001


def side_settings(method: str, n_train: int, args: argparse.Namespace) -> tuple[list[str], dict]:
    """adbench's overrides and the anomalib job's options for one method and training-set size."""
    setting = SETTINGS[method]
    overrides = [
        "dataset=realphotos", f"dataset.category={args.peer_category}",
        f"dataset.n_train={n_train}", f"dataset.image_size={args.image_size}",
        f"dataset.batch_size={args.batch_size}", "dataset.validation=from_test",
        "dataset.num_workers=0", *setting.overrides,
        f"model.layers=[{','.join(map(str, setting.layers))}]",
    ]  # fmt: skip
    ratio = None
    if method == "patchcore" and n_train >= LARGE_SET:
        ratio = LARGE_SET_RATIO
        overrides.append(f"model.coreset_sampling_ratio={ratio}")
    extra = ["--batch-size", str(args.batch_size), "--num-workers", "0",
             "--time-images", str(args.peer_time_images)]  # fmt: skip
    if ratio is not None:
        extra += ["--coreset-ratio", str(ratio)]
    peer = {"layers": list(setting.layers), "max_epochs": setting.max_epochs, "extra_args": extra}
    return overrides, peer


def measure(
    method: str,
    n_train: int,
    args: argparse.Namespace,
    run_job: Callable[..., dict],
    scratch: str,
) -> tuple[dict, dict]:
    """The best of `args.peer_rounds` alternating rounds on each side: (adbench, anomalib)."""
    from adbench.bench.jobs import compose_config

    overrides, peer = side_settings(method, n_train, args)
    root = generated_root(compose_config(overrides), args.peer_category)  # untimed, shared
    python = anomalib_python(args.anomalib_venv)
    ours: list[dict] = []
    theirs: list[dict] = []
    for round_index in range(args.peer_rounds):
        ours.append(run_job("peer_side", overrides=overrides, batch_size=args.batch_size,
                            out_dir=f"{scratch}/peer/{method}-{n_train}-{round_index}",
                            time_images=args.peer_time_images, rounds=3))  # fmt: skip
        theirs.append(run_anomalib(python, root, args.peer_category, method, args.image_size,
                                   peer["layers"], timeout=args.peer_timeout,
                                   max_epochs=peer["max_epochs"],
                                   extra_args=peer["extra_args"]))  # fmt: skip
    return best_round(ours, own=True), best_round(theirs, own=False)


def best_round(results: list[dict], own: bool) -> dict:
    """Per figure the best finished round (least fit seconds, most images/s); the first error
    when none finished. `own`: adbench's record (its fit excludes validation already)."""
    done = [result for result in results if "error" not in result]
    if not done:
        return results[0]
    fits = [r["fit_seconds"] - (0 if own else r.get("validation_seconds_in_fit", 0)) for r in done]
    return {
        "fit_seconds": min(fits),
        "model_images_per_second": max(r.get("model_images_per_second", 0.0) for r in done),
        "test_images_per_second": max(r["test_images"] / r["test_seconds"] for r in done),
        "image_auroc": done[0].get("image_auroc"),
    }


def _ratio(ours: float | None, theirs: float | None, faster_is_less: bool) -> float | None:
    if not ours or not theirs:
        return None
    return round(theirs / ours if faster_is_less else ours / theirs, 1)


def _cell(value: float | None, digits: int = 1) -> float | None:
    return None if value is None else round(value, digits)


def peer_speed_table(args: argparse.Namespace, run_job: Callable[..., dict], scratch: str) -> str:
    """The side-by-side table, a row per method and training-set size."""
    if args.anomalib_venv == "none":
        return "adbench beside anomalib: skipped (--anomalib-venv none)\n"
    if not Path(args.anomalib_venv).exists():
        return (
            f"adbench beside anomalib: skipped, no anomalib virtualenv at {args.anomalib_venv} "
            "(run `make anomalib-venv`)\n"
        )
    rows = []
    runs = [(method, n) for method in args.peer_methods for n in args.peer_train_images
            if method == "patchcore" or n == min(args.peer_train_images)]  # fmt: skip
    for method, n_train in runs:
        ours, theirs = measure(method, n_train, args, run_job, scratch)
        failed = [f"{side}: {result['error'][:80]}" for side, result in
                  (("adbench", ours), ("anomalib", theirs)) if "error" in result]  # fmt: skip
        if failed:
            rows.append([f"{method} (failed: {'; '.join(failed)})", n_train, *[None] * 10])
            continue
        fit, model, loop = (
            [ours[key], theirs[key]]
            for key in ("fit_seconds", "model_images_per_second", "test_images_per_second")
        )
        rows.append([
            method, n_train, _cell(fit[0]), _cell(fit[1]), _ratio(*fit, faster_is_less=True),
            _cell(model[0]), _cell(model[1]), _ratio(*model, faster_is_less=False),
            _cell(loop[0]), _cell(loop[1]), _ratio(*loop, faster_is_less=False),
            f"{_cell(ours['image_auroc'], 3)} / {_cell(theirs['image_auroc'], 3)}",
        ])  # fmt: skip
        print(f"beside anomalib: {rows[-1]}", file=sys.stderr, flush=True)  # a long bench
    header = ["method", "train images", "fit s", "anomalib fit s", "fit x",
              "model img/s", "anomalib", "x", "test loop img/s", "anomalib", "x",
              "image AUROC (adbench / anomalib)"]  # fmt: skip
    title = (
        f"adbench beside anomalib ({args.peer_category} shots, best of {args.peer_rounds} "
        "alternating rounds; x = adbench's speed over anomalib's)"
    )
    return format_table(header, rows, title=title)
