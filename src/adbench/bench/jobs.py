"""Benchmark jobs. Each runs in a fresh process, so its peak memory is its own."""

from __future__ import annotations

import time
from collections.abc import Callable
from dataclasses import dataclass

import lightning as L
import torch
from hydra.utils import instantiate
from omegaconf import DictConfig

from adbench.compose import compose_adbench
from adbench.run import quiet_lightning
from adbench.tasks.test_pass import run_test_pass
from adbench.tasks.train import build


def compose_config(overrides: list[str]) -> DictConfig:
    """The composed adbench config with these overrides (no logger)."""
    return compose_adbench(["logger=none", *overrides])


def _test_images(datamodule, limit: int) -> torch.Tensor:
    images = [batch["image"] for batch in datamodule.test_dataloader()]
    return torch.cat(images)[:limit]


def _full_path(module) -> Callable[[torch.Tensor], None]:
    """What inference costs: the model, its maps and the normalisation of both."""

    def full_path(images: torch.Tensor) -> None:
        scores, maps = module(images)
        module.calibration.normalize_scores(scores)
        module.calibration.normalize_maps(maps)

    return full_path


def _speeds(
    forwards: list[Callable[[torch.Tensor], object]],
    images: torch.Tensor,
    batch_size: int,
    rounds: int = 3,
) -> list[float]:
    """Images/s of each forward, timed batch by batch in alternation (after one warm-up batch
    each), so that the machine's load drifts hit them alike; `rounds` passes over the images."""
    batches = list(images.split(batch_size))
    seconds = [0.0] * len(forwards)
    with torch.inference_mode():
        for forward in forwards:
            forward(batches[0])
        for _ in range(rounds):
            for batch in batches:
                for index, forward in enumerate(forwards):
                    started = time.perf_counter()
                    forward(batch)
                    seconds[index] += time.perf_counter() - started
    return [rounds * len(images) / total for total in seconds]


def method_job(method: str, overrides: list[str], batch_size: int, out_dir: str) -> dict:
    """Fit one method through Lightning, then time its full inference path and test it."""
    quiet_lightning()
    cfg = compose_config([f"model={method}", f"output_dir={out_dir}", *overrides])
    module, datamodule = build(cfg)
    trainer = instantiate(cfg.trainer, logger=False, enable_progress_bar=False)
    started = time.perf_counter()
    trainer.fit(module, datamodule=datamodule)
    fit_seconds = time.perf_counter() - started
    test = run_test_pass(trainer, module, datamodule, pixel_bins=cfg.eval.pixel_bins)
    module.eval()
    images = _test_images(datamodule, limit=64)
    method_speed, backbone_speed = _speeds(
        [_full_path(module), module.model.extractor], images, batch_size
    )
    return {
        "fit_seconds": fit_seconds,
        "train_images": len(datamodule.train_samples),
        "images_per_second": method_speed,
        "backbone_images_per_second": backbone_speed,
        "image_auroc": test.metrics.get("image_auroc"),
        "pixel_auroc": test.metrics.get("pixel_auroc"),
    }


def patchcore_search_job(
    overrides: list[str], batch_size: int, out_dir: str, probes: list[int]
) -> dict:
    """PatchCore fitted once, then tested with exact search and with the IVF index at each
    number of probes: inference images/s against the backbone's, the share of test patches
    whose nearest bank row the index finds (recall@1 against exact search), image AUROC."""
    from adbench.methods.patchcore.model import flatten_patches
    from adbench.methods.patchcore.neighbours import nearest_neighbours

    quiet_lightning()
    cfg = compose_config(["model=patchcore", f"output_dir={out_dir}", *overrides])
    module, datamodule = build(cfg)
    trainer = instantiate(cfg.trainer, logger=False, enable_progress_bar=False)
    trainer.fit(module, datamodule=datamodule)
    module.eval()
    model = module.model
    images = _test_images(datamodule, limit=64)
    with torch.inference_mode():
        patches = model.scaled(flatten_patches(model.embed(images)))
        _, exact = nearest_neighbours(patches, model.memory_bank)
    rows = []
    for search, probe_count in [("exact", model.search_probes)] + [("ivf", p) for p in probes]:
        model.search, model.search_probes = search, probe_count
        started = time.perf_counter()
        index = model.approximate_index()  # built here, outside the timed inference
        index_seconds = time.perf_counter() - started
        with torch.inference_mode():
            found = nearest_neighbours(patches, model.memory_bank, index=index)[1]
        speed, ceiling = _speeds([_full_path(module), model.extractor], images, batch_size)
        test = run_test_pass(trainer, module, datamodule, pixel_bins=cfg.eval.pixel_bins)
        name = "exact" if index is None else f"ivf, {index.lists} lists, {probe_count} probes"
        rows.append({
            "search": name,
            "index_seconds": index_seconds,
            "recall": float((found == exact).float().mean()),
            "images_per_second": speed,
            "backbone_images_per_second": ceiling,
            "image_auroc": test.metrics.get("image_auroc"),
            "pixel_auroc": test.metrics.get("pixel_auroc"),
        })  # fmt: skip
    return {"bank_size": len(model.memory_bank), "rows": rows}


class _ValidationTimer(L.Callback):
    """Adds up the wall time of validation passes, from their first batch (the module's own
    epoch-start hook may still be fitting: PatchCore's coreset) to their end."""

    def __init__(self) -> None:
        self.seconds, self.started = 0.0, None

    def on_validation_batch_start(self, trainer, module, batch, batch_idx, dataloader_idx=0):
        if self.started is None:
            self.started = time.perf_counter()

    def on_validation_end(self, trainer, module) -> None:
        if self.started is not None:
            self.seconds += time.perf_counter() - self.started
            self.started = None


@dataclass
class _Fitted:
    """A run composed, built and fitted as `task=train` does, validation timed apart."""

    cfg: DictConfig
    module: L.LightningModule
    datamodule: L.LightningDataModule
    trainer: L.Trainer
    seconds: float  # the whole fit, validation included
    validation_seconds: float


def _fit(overrides: list[str], out_dir: str) -> _Fitted:
    quiet_lightning()
    cfg = compose_config([f"output_dir={out_dir}", "output.heatmaps=false", *overrides])
    module, datamodule = build(cfg)
    timer = _ValidationTimer()
    trainer = instantiate(cfg.trainer, logger=False, enable_progress_bar=False)
    trainer.callbacks.append(timer)
    started = time.perf_counter()
    trainer.fit(module, datamodule=datamodule)
    seconds = time.perf_counter() - started
    return _Fitted(cfg, module, datamodule, trainer, seconds, timer.seconds)


def peer_side_job(
    overrides: list[str], batch_size: int, out_dir: str, time_images: int, rounds: int
) -> dict:
    """What the anomalib side-by-side measures of adbench (bench/peer_speed.py): fit seconds
    without validation, the test loop's images/s (decode, resize, forward, map, metrics) and
    the model's alone on `time_images` test images in memory (forward and normalisation)."""
    run = _fit(overrides, out_dir)
    pixel_bins = run.cfg.eval.pixel_bins
    test = run_test_pass(run.trainer, run.module, run.datamodule, pixel_bins=pixel_bins)
    run.module.eval()
    images = _test_images(run.datamodule, limit=time_images)
    (model_speed,) = _speeds([_full_path(run.module)], images, batch_size, rounds)
    return {
        "fit_seconds": run.seconds - run.validation_seconds,
        "validation_seconds_in_fit": run.validation_seconds,
        "train_images": len(run.datamodule.train_samples),
        "test_images": len(test.results),
        "test_seconds": test.seconds,
        "model_images_per_second": model_speed,
        "image_auroc": test.metrics.get("image_auroc"),
    }


def fit_memory_job(overrides: list[str], out_dir: str) -> dict:
    """A run's fit as `task=train` does it (training, then validation and calibration): its
    seconds, those of validation, the images of each, and (in the caller) peak memory."""
    run = _fit(overrides, out_dir)
    return {
        "fit_seconds": run.seconds,
        "validation_seconds": run.validation_seconds,
        "train_images": len(run.datamodule.train_samples),
        "validation_images": len(run.module.val_results),
    }


def patchcore_scaling_job(n_images: int, image_size: int, batch_size: int, category: str) -> dict:
    """PatchCore's fit with its defaults on n real-photo shots (rendered in memory, untimed):
    embedding and coreset selection timed apart, the bank's size."""
    import numpy as np

    from adbench.data.realphotos.shots import render_shot

    quiet_lightning()
    module = instantiate(compose_config(["model=patchcore"]).model)
    model = module.model.eval()
    rng = np.random.default_rng(0)
    shots = np.stack([render_shot(category, rng, image_size) for _ in range(n_images)])
    started = time.perf_counter()
    with torch.inference_mode():
        embeddings = [
            model.embed(torch.from_numpy(batch).permute(0, 3, 1, 2).float() / 255)
            for batch in np.array_split(shots, max(1, n_images // batch_size))
        ]
    embedded = time.perf_counter()
    model.fit(embeddings)
    return {
        "train_images": n_images,
        "patch_vectors": sum(e.shape[0] * e.shape[2] * e.shape[3] for e in embeddings),
        "bank_size": len(model.memory_bank),
        "embed_seconds": embedded - started,
        "coreset_seconds": time.perf_counter() - embedded,
    }


class _RandomDefects(torch.utils.data.Dataset):
    """`count` labelled test items made on the fly (no memory kept per item): noise images,
    every other one anomalous with a rectangle mask."""

    def __init__(self, count: int, image_size: int) -> None:
        self.count, self.image_size = count, image_size

    def __len__(self) -> int:
        return self.count

    def __getitem__(self, index: int) -> dict:
        generator = torch.Generator().manual_seed(index)
        size = self.image_size
        mask = torch.zeros(1, size, size)
        if index % 2:
            y, x = torch.randint(0, size // 2, (2,), generator=generator).tolist()
            mask[:, y : y + size // 4, x : x + size // 4] = 1
        return {
            "image": torch.rand(3, size, size, generator=generator),
            "label": index % 2, "mask": mask, "has_mask": True,
            "path": f"{index:05d}.png", "defect_type": "rectangle" if index % 2 else "good",
        }  # fmt: skip


def test_pass_memory_job(
    n_images: int,
    image_size: int,
    batch_size: int,
    pixel_bins: int | None,
    overrides: tuple[str, ...] = (),
) -> dict:
    """PaDiM fitted on the default data (or that of `overrides`), then one test pass over
    `n_images` generated test images (metrics only, no figures): its seconds and (in the
    caller) peak memory."""
    import tempfile

    from torch.utils.data import DataLoader

    quiet_lightning()
    with tempfile.TemporaryDirectory() as scratch:
        cfg = compose_config(["model=padim", f"dataset.image_size={image_size}",
                              f"output_dir={scratch}", *overrides])  # fmt: skip
        module, datamodule = build(cfg)
        trainer = instantiate(cfg.trainer, logger=False, enable_progress_bar=False)
        trainer.fit(module, datamodule=datamodule)
        loader = DataLoader(_RandomDefects(n_images, image_size), batch_size=batch_size)
        test = run_test_pass(trainer, module, dataloaders=loader, pixel_bins=pixel_bins)
    return {"test_images": n_images, "test_seconds": test.seconds,
            "pixel_auroc": test.metrics.get("pixel_auroc")}  # fmt: skip


def coreset_job(n_vectors: int, dims: int, ratio: float) -> dict:
    """PatchCore's greedy coreset selection alone on random vectors."""
    from adbench.methods.patchcore.coreset import greedy_coreset

    vectors = torch.randn(n_vectors, dims, generator=torch.Generator().manual_seed(0))
    started = time.perf_counter()
    greedy_coreset(vectors, int(n_vectors * ratio), 128, torch.Generator().manual_seed(0))
    return {"seconds": time.perf_counter() - started, "selected": int(n_vectors * ratio)}


JOBS = {
    "method": method_job,
    "patchcore_search": patchcore_search_job,
    "fit_memory": fit_memory_job,
    "patchcore_scaling": patchcore_scaling_job,
    "coreset": coreset_job,
    "test_pass_memory": test_pass_memory_job,
    "peer_side": peer_side_job,
}


def run_job(name: str, kwargs: dict) -> dict:
    """Run a job and add this process's peak resident memory in MiB."""
    import resource

    result = JOBS[name](**kwargs)
    result["peak_mib"] = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
    return result


if __name__ == "__main__":
    import json
    import sys

    request = json.loads(sys.argv[1])
    print("BENCH_RESULT " + json.dumps(run_job(request["job"], request["kwargs"])))
