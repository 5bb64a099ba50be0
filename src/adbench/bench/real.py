"""`python -m adbench.bench real`: every method on every category of the real-photo development
benchmark (dataset=realphotos), anomalib beside it, and how well validation tracks test.

Each setting runs as one adbench multirun over the categories in a fresh process (exactly what
a user runs); the table is read back from the jobs' metrics.json. `--study` runs the settings
grid of real_settings.STUDY in each validation mode and prints, per mode, the median
validation AUROC and the Spearman correlation of validation with test image AUROC.
"""

from __future__ import annotations

import argparse
import json
import math
import re
import shutil
import statistics
import subprocess
import sys
import time
from pathlib import Path
from typing import Any

from hydra.utils import instantiate
from omegaconf import DictConfig, OmegaConf

from adbench.bench.agreement import validation_agreement
from adbench.bench.jobs import compose_config
from adbench.bench.peers.anomalib import anomalib_python, run_anomalib
from adbench.bench.real_settings import METHODS, PEER_LEVELS, STUDY
from adbench.io import write_json_atomic, write_text_atomic
from adbench.methods.registry import method_class
from adbench.tables import format_table

METRICS = ("image_auroc", "pixel_auroc", "pixel_aupro_30")


def run_setting(
    overrides: list[str],
    categories: list[str],
    validation: str,
    image_size: int,
    out_dir: Path,
    resume: bool = False,
) -> dict[str, dict]:
    """One adbench multirun of a setting over the categories; category -> its results
    (metrics, val_image_auroc, wall seconds) or {"error": line}. With `resume`, a setting whose
    every category already has results in out_dir from the same setting is not run again."""
    preset = any(o.startswith("preset=") for o in overrides)  # a preset keeps its own size
    sized = [] if preset else [f"dataset.image_size={image_size}"]
    command = [
        sys.executable, "-m", "adbench", "-m", "dataset=realphotos",
        f"dataset.category={','.join(categories)}", f"dataset.validation={validation}",
        *sized, *overrides, "logger=none", "output.heatmaps=false", "output.roc_curve=false",
        f"hydra.sweep.dir={out_dir}",
    ]  # fmt: skip
    # what --resume compares: the command, the model config it composes and the training
    # length (defaults change)
    cfg = compose_config(["dataset=realphotos", *sized, *overrides])
    length = {key: cfg.trainer[key] for key in ("max_epochs", "max_steps")}
    setting = {
        "command": command[1:],
        "model": OmegaConf.to_container(cfg.model, resolve=True),
        "trainer": length,
    }
    same = _read_json(out_dir / "setting.json") == setting
    if resume and same and all("error" not in _job_result(out_dir, c) for c in categories):
        return {category: _job_result(out_dir, category) for category in categories}
    shutil.rmtree(out_dir, ignore_errors=True)  # run afresh: a run refuses another's folder
    out_dir.mkdir(parents=True)
    write_json_atomic(out_dir / "setting.json", setting)
    with open(out_dir / "bench.log", "w") as log:
        subprocess.run(command, stdout=log, stderr=subprocess.STDOUT, check=False)
    return {category: _job_result(out_dir, category) for category in categories}


def _job_result(sweep_dir: Path, category: str) -> dict:
    for summary_file in sweep_dir.rglob("metrics.json"):
        summary = json.loads(summary_file.read_text())
        if summary.get("dataset") == f"realphotos/{category}":
            timing = summary.get("timing", {})
            return {
                **{key: summary["metrics"].get(key) for key in METRICS},
                "val_image_auroc": summary.get("validation", {}).get("val_image_auroc"),
                "seconds": timing.get("fit_seconds", 0) + timing.get("test_seconds", 0),
            }
    for failure in sweep_dir.rglob("failed.json"):
        if failure.parent.name == category:
            return {"error": json.loads(failure.read_text()).get("error", "failed")}
    log = sweep_dir / "bench.log"
    lines = log.read_text(errors="replace").strip().splitlines() if log.is_file() else []
    errors = [line for line in lines if "rror" in line] or lines or ["no output"]
    return {"error": f"no result: {errors[-1].strip()} (see {log})"}


def _folder_name(setting: str) -> str:
    """A setting's name as a folder that Hydra's override parser accepts (no '=', ',', ' ')."""
    return re.sub(r"[^A-Za-z0-9_.-]+", "_", setting)


def _whole(seconds: float | None) -> int | None:
    return None if seconds is None else round(seconds)


def _mean(values) -> float | None:
    finite = [v for v in values if v is not None and not math.isnan(v)]
    return sum(finite) / len(finite) if finite else None


def methods_table(results: dict, peers: dict, categories: list[str]) -> str:
    """Rows per method and category, then the method's mean row; anomalib's figures beside."""
    header = ["method", "category", "image AUROC", "pixel AUROC", "pixel AUPRO", "val image AUROC",
              "seconds", "anomalib image AUROC", "anomalib pixel AUROC"]  # fmt: skip
    rows = []
    for method, by_category in results.items():
        cells = []
        for category in categories:
            ours = by_category.get(category, {})
            peer = peers.get(method, {}).get(category, {})
            cells.append([
                *(ours.get(key) for key in METRICS), ours.get("val_image_auroc"),
                _whole(ours.get("seconds")), peer.get("image_auroc"), peer.get("pixel_auroc"),
            ])  # fmt: skip
            label = ours["error"][:60] if "error" in ours else category
            rows.append([method, label, *cells[-1]])
        rows.append([method, "mean", *(_mean(column) for column in zip(*cells, strict=True))])
    return format_table(header, rows, title="Real-photo development benchmark")


def agreement_table(study: dict, categories: list[str]) -> str:
    """Per validation mode and category: median validation AUROC and Spearman over settings."""
    rows = []
    for validation, by_setting in study.items():
        rhos, medians = [], []
        for category in categories:
            pairs = [(r[category].get("val_image_auroc"), r[category].get("image_auroc"))
                     for r in by_setting.values() if "error" not in r[category]]  # fmt: skip
            agreement = validation_agreement([p[0] for p in pairs], [p[1] for p in pairs])
            rows.append([validation, category, agreement.runs, agreement.median_validation,
                         agreement.spearman])  # fmt: skip
            rhos.append(agreement.spearman)
            medians.append(agreement.median_validation)
        finite = [rho for rho in rhos if not math.isnan(rho)]
        rows.append([validation, "median over categories", None, _median(medians), _median(finite)])
    header = ["validation", "category", "settings", "median val AUROC", "Spearman val vs test"]
    return format_table(header, rows, title="Does validation track test? (goals: < 0.97, >= 0.6)")


def _median(values: list[float]) -> float | None:
    finite = [v for v in values if not math.isnan(v)]
    return statistics.median(finite) if finite else None


def main(argv: list[str] | None = None) -> None:
    from adbench.data.realphotos import REALPHOTO_CATEGORIES

    parser = argparse.ArgumentParser(prog="python -m adbench.bench real", description=__doc__)
    parser.add_argument("--categories", nargs="+", default=list(REALPHOTO_CATEGORIES))
    parser.add_argument("--methods", nargs="+", default=list(METHODS), choices=list(METHODS))
    parser.add_argument("--image-size", type=int, default=256)
    parser.add_argument("--validation", default="synthetic")
    parser.add_argument(
        "--study", nargs="*", default=None, metavar="MODE",
        help="run the validation study in these modes (default: synthetic from_test)",
    )  # fmt: skip
    parser.add_argument(
        "--anomalib-venv", default=".venv-anomalib",
        help="anomalib's virtualenv (make anomalib-venv); 'none' to skip",
    )  # fmt: skip
    parser.add_argument("--work-dir", default="outputs/bench/real")
    parser.add_argument(
        "--resume", action="store_true",
        help="keep the results of settings already complete in --work-dir (after an interruption)",
    )  # fmt: skip
    parser.add_argument("--output", default="outputs/bench/real.md")
    args = parser.parse_args(argv)
    work = Path(args.work_dir)
    started = time.perf_counter()
    sections, record = [], {}
    if args.study is None:
        results = {
            method: run_setting(METHODS[method], args.categories, args.validation,
                                args.image_size, work / args.validation / method, args.resume)
            for method in args.methods
        }  # fmt: skip
        peers = run_peers(args, [m for m in args.methods if m in PEER_LEVELS])
        sections.append(methods_table(results, peers, args.categories))
        sections += [f"anomalib ran {method} at levels {PEER_LEVELS[method]} (PEER_LEVELS)\n"
                     for method in peers if PEER_LEVELS[method]]  # fmt: skip
        record.update(results=results, anomalib=peers)
    else:
        modes = args.study or ["synthetic", "from_test"]
        study = {
            mode: {name: run_setting(overrides, args.categories, mode, args.image_size,
                                     work / "study" / mode / _folder_name(name), args.resume)
                   for name, overrides in STUDY.items()}
            for mode in modes
        }  # fmt: skip
        sections.append(agreement_table(study, args.categories))
        record["study"] = study
    sections.append(f"wall time {time.perf_counter() - started:.0f} s\n")
    report = "\n".join(sections)
    write_text_atomic(args.output, report)
    write_json_atomic(Path(args.output).with_suffix(".json"), record)
    print(report)
    print(f"written to {args.output}")


def run_peers(args: argparse.Namespace, methods: list[str]) -> dict:
    """anomalib on the same category trees, backbone and image size as adbench's bench setting
    of each method, at its levels unless PEER_LEVELS names others; {} when switched off
    (--anomalib-venv none). Each job's result is kept in WORK_DIR/anomalib/ with its settings
    and, with --resume, reused if they match."""
    if args.anomalib_venv == "none" or not methods:
        return {}
    python = anomalib_python(args.anomalib_venv)
    peers: dict[str, dict] = {}
    for method in methods:
        cfg = compose_config(
            ["dataset=realphotos", *METHODS[method], f"dataset.image_size={args.image_size}"]
        )
        layers = PEER_LEVELS[method] or list(cfg.model.layers)
        job = {"image_size": args.image_size, "layers": layers,
               "seed": cfg.seed, "max_epochs": _trained_epochs(cfg, method)}  # fmt: skip
        peers[method] = {}
        for category in args.categories:
            record = Path(args.work_dir) / "anomalib" / method / f"{category}.json"
            kept = _read_json(record) if args.resume else None
            if kept and kept.get("job") == job:
                peers[method][category] = kept["result"]
                continue
            result = run_anomalib(
                python, generated_root(cfg, category), category, method, job["image_size"],
                job["layers"], seed=job["seed"], max_epochs=job["max_epochs"],
            )  # fmt: skip
            if "error" not in result:
                write_json_atomic(record, {"job": job, "result": result})
            peers[method][category] = result
    return peers


def _trained_epochs(cfg: DictConfig, method: str) -> int | None:
    """The epochs of a method that trains (trainer.max_epochs); None for one that fits in one
    pass (anomalib then runs its own single epoch)."""
    return cfg.trainer.max_epochs if method_class(method).spec.trains else None


def _read_json(path: Path) -> Any:
    """A bench record, or None if it is missing or unreadable (then it is rerun)."""
    try:
        return json.loads(path.read_text())
    except (OSError, json.JSONDecodeError):
        return None


def generated_root(cfg: DictConfig, category: str) -> Path:
    """The MVTec-layout root that holds `category`, generated if needed (as adbench runs it)."""
    datamodule = instantiate(cfg.dataset, category=category, _convert_="all")
    datamodule.prepare_data()
    return datamodule.tree_root
