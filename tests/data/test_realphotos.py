"""The real-photo benchmark: sources, layout, exact masks, determinism, caching and isolation."""

from __future__ import annotations

import ast
import hashlib
import importlib.util
import json
from pathlib import Path

import numpy as np
import pytest
from hydra.utils import instantiate
from PIL import Image

from adbench.data import RealPhotosDataModule as ExportedDataModule
from adbench.data.realphotos import (
    DEFECT_KINDS,
    REALPHOTO_CATEGORIES,
    RealPhotosDataModule,
    build,
    ensure_realphotos,
    painter,
    sources,
)
from adbench.data.realphotos.build import render_defect_example, render_normal
from adbench.errors import AdbenchError

SMALL = {"image_size": 64, "n_train": 3, "n_test_good": 2, "n_test_per_defect": 2}
TINY = {"image_size": 48, "n_train": 2, "n_test_good": 1, "n_test_per_defect": 1}
PACKAGE_DIR = Path(build.__file__).parent
FORBIDDEN_IMPORTS = ("adbench.synthesis", "adbench.data.synthetic")


def relative_files(directory: Path) -> list[str]:
    return sorted(str(p.relative_to(directory)) for p in directory.rglob("*") if p.is_file())


def package_dir(name: str) -> Path:
    spec = importlib.util.find_spec(name)
    assert spec is not None and spec.submodule_search_locations
    return Path(next(iter(spec.submodule_search_locations))).resolve()


# --------------------------------------------------------------------------- sources


def test_categories_and_kinds() -> None:
    assert len(REALPHOTO_CATEGORIES) >= 8
    assert len(set(REALPHOTO_CATEGORIES)) == len(REALPHOTO_CATEGORIES)
    kinds = [sources.PHOTO_SOURCES[c].kind for c in REALPHOTO_CATEGORIES]
    assert kinds.count(sources.TEXTURE) >= 5 and kinds.count(sources.OBJECT) >= 3
    assert len(DEFECT_KINDS) >= 6 and len(set(DEFECT_KINDS)) == len(DEFECT_KINDS)
    assert set(sources.LOADERS) == set(REALPHOTO_CATEGORIES)


@pytest.mark.parametrize("category", REALPHOTO_CATEGORIES)
def test_each_source_is_a_local_file_inside_its_package(category: str) -> None:
    source = sources.PHOTO_SOURCES[category]
    path = sources.source_file(category).resolve()
    assert path.is_file()
    assert path.is_relative_to(package_dir(source.package))  # shipped, never downloaded
    photo = sources.LOADERS[category]()
    assert photo.dtype == np.uint8 and photo.ndim == 3 and photo.shape[2] == 3
    assert min(photo.shape[:2]) >= 256


def test_no_source_is_skimage_brick_grass_or_gravel() -> None:
    reserved_dir = package_dir("skimage") / "data"
    reserved = {
        hashlib.sha256((reserved_dir / name).read_bytes()).hexdigest()
        for name in ("brick.png", "grass.png", "gravel.png")
    }
    assert len(reserved) == 3
    for category in REALPHOTO_CATEGORIES:
        path = sources.source_file(category)
        assert path.stem not in {"brick", "grass", "gravel"}, category
        assert path.name not in sources.RESERVED_FILES, category
        assert hashlib.sha256(path.read_bytes()).hexdigest() not in reserved, category


def test_grayscale_photos_become_three_equal_channels() -> None:
    moon = sources.load_photo("moon")
    assert moon.shape[2] == 3 and sources.is_grayscale(moon)
    assert not sources.is_grayscale(sources.load_photo("coffee"))


# --------------------------------------------------------------------------- shots


def test_shots_vary_like_camera_shots_not_copies() -> None:
    for category in ("moon", "coffee"):
        shots = [render_normal(category, "train/good", i, image_size=64) for i in range(3)]
        assert all(s.shape == (64, 64, 3) and s.dtype == np.uint8 for s in shots)
        for a, b in ((0, 1), (1, 2), (0, 2)):
            assert not np.array_equal(shots[a], shots[b])
        # an object keeps its view: shots of it correlate strongly, unlike crops of a texture
        if category == "coffee":
            gray = [s.astype(float).mean(axis=-1).ravel() for s in shots]
            assert np.corrcoef(gray[0], gray[1])[0, 1] > 0.8


# --------------------------------------------------------------------------- defects


@pytest.mark.parametrize("category", REALPHOTO_CATEGORIES)
def test_masks_are_exact_and_every_kind_is_visible(category: str) -> None:
    for kind in DEFECT_KINDS:
        for index in range(2):
            clean, defective, mask = render_defect_example(category, kind, index, image_size=64)
            assert mask.dtype == bool and mask.shape == (64, 64)
            assert np.array_equal(defective[~mask], clean[~mask]), (kind, index)
            assert np.array_equal(mask, (defective != clean).any(axis=-1)), (kind, index)
            assert mask.any() and painter.is_visible(clean, defective, mask), (kind, index)


def test_severity_ranges_from_faint_to_obvious() -> None:
    clean = render_normal("ihc", "test/good", 0, image_size=96)
    for kind in DEFECT_KINDS:
        totals = []
        for severity in (0.0, 1.0):
            total = 0
            for seed in range(6):
                rng = np.random.default_rng(seed)
                defective, _ = painter.paint_defect(clean, kind, rng, severity=severity)
                total += int(np.abs(defective.astype(np.int32) - clean).sum())
            totals.append(total)
        assert totals[0] < totals[1], kind


def test_unknown_defect_kind_is_an_error() -> None:
    with pytest.raises(AdbenchError, match="unknown defect kind 'dent': choose one of spatter"):
        render_defect_example("moon", "dent", image_size=48)


def test_realphotos_imports_nothing_from_other_anomaly_synthesis() -> None:
    for module in sorted(PACKAGE_DIR.glob("*.py")):
        tree = ast.parse(module.read_text())
        for node in ast.walk(tree):
            if isinstance(node, ast.Import):
                names = [alias.name for alias in node.names]
            elif isinstance(node, ast.ImportFrom):
                assert node.level == 0, f"{module.name}: relative import"
                base = node.module or ""
                names = [base, *(f"{base}.{alias.name}" for alias in node.names)]
            else:
                continue
            for name in names:
                assert not name.startswith(FORBIDDEN_IMPORTS), f"{module.name} imports {name}"


# --------------------------------------------------------------------------- files on disk


def test_writes_mvtec_layout_with_expected_counts(tmp_path: Path) -> None:
    category = REALPHOTO_CATEGORIES[0]
    base = ensure_realphotos(tmp_path, category, **SMALL)

    assert base == tmp_path / category
    assert sorted(p.name for p in tmp_path.iterdir()) == [category]  # no staging leftovers
    expected = [f"train/good/{i:03d}.png" for i in range(3)]
    expected += [f"test/good/{i:03d}.png" for i in range(2)]
    for kind in DEFECT_KINDS:
        expected += [f"test/{kind}/{i:03d}.png" for i in range(2)]
        expected += [f"ground_truth/{kind}/{i:03d}_mask.png" for i in range(2)]
    assert relative_files(base) == sorted([*expected, build.MARKER_NAME])
    for path in base.glob("t*/*/*.png"):
        with Image.open(path) as image:
            assert (image.mode, image.size) == ("RGB", (64, 64)), path
    for path in base.glob("ground_truth/*/*_mask.png"):
        with Image.open(path) as image:
            values = np.asarray(image)
            assert (image.mode, image.size) == ("L", (64, 64)), path
        assert set(np.unique(values)) == {0, 255}, path
    marker = json.loads((base / build.MARKER_NAME).read_text())
    assert marker["version"] == build.GENERATOR_VERSION
    assert marker["defect_kinds"] == list(DEFECT_KINDS)
    assert {k: marker[k] for k in SMALL} == SMALL and marker["seed"] == 0


def test_files_match_the_rendering_functions(tmp_path: Path) -> None:
    base = ensure_realphotos(tmp_path, "coffee", seed=3, **TINY)
    kind = DEFECT_KINDS[0]
    _, defective, mask = render_defect_example("coffee", kind, 0, seed=3, image_size=48)
    assert np.array_equal(np.asarray(Image.open(base / f"test/{kind}/000.png")), defective)
    stored_mask = np.asarray(Image.open(base / f"ground_truth/{kind}/000_mask.png"))
    assert np.array_equal(stored_mask == 255, mask)
    normal = render_normal("coffee", "train/good", 1, seed=3, image_size=48)
    assert np.array_equal(np.asarray(Image.open(base / "train/good/001.png")), normal)


def test_same_seed_same_bytes_other_seed_other_images(tmp_path: Path) -> None:
    first = ensure_realphotos(tmp_path / "a", "flower", seed=5, **TINY)
    second = ensure_realphotos(tmp_path / "b", "flower", seed=5, **TINY)
    other = ensure_realphotos(tmp_path / "c", "flower", seed=6, **TINY)
    files = relative_files(first)
    assert files == relative_files(second) == relative_files(other)
    for name in files:
        assert (first / name).read_bytes() == (second / name).read_bytes(), name
    assert (first / "train/good/000.png").read_bytes() != (
        other / "train/good/000.png"
    ).read_bytes()


def test_complete_tree_is_reused_and_changed_parameters_regenerate(tmp_path: Path) -> None:
    base = ensure_realphotos(tmp_path, "moon", **TINY)
    sentinel = base / "sentinel.txt"
    sentinel.write_text("kept while the tree is reused")
    assert ensure_realphotos(tmp_path, "moon", **TINY) == base
    assert sentinel.exists()

    ensure_realphotos(tmp_path, "moon", **{**TINY, "n_train": 3})
    assert not sentinel.exists()
    assert len(list((base / "train" / "good").glob("*.png"))) == 3
    assert sorted(p.name for p in tmp_path.iterdir()) == ["moon"]  # no staging or stale trees


def test_partial_or_foreign_tree_is_regenerated(tmp_path: Path) -> None:
    base = ensure_realphotos(tmp_path, "moon", **TINY)
    (base / build.MARKER_NAME).unlink()  # as if interrupted before completion
    (base / "train" / "good" / "000.png").write_bytes(b"broken")
    ensure_realphotos(tmp_path, "moon", **TINY)
    with Image.open(base / "train" / "good" / "000.png") as image:
        assert image.size == (48, 48)

    marker = json.loads((base / build.MARKER_NAME).read_text())
    (base / build.MARKER_NAME).write_text(json.dumps({**marker, "version": -1}))
    sentinel = base / "sentinel.txt"
    sentinel.write_text("an older generator's tree")
    ensure_realphotos(tmp_path, "moon", **TINY)
    assert not sentinel.exists()


def test_unknown_category_lists_the_known_ones(tmp_path: Path) -> None:
    with pytest.raises(AdbenchError) as error:
        ensure_realphotos(tmp_path, "brick", **TINY)
    message = str(error.value)
    assert "\n" not in message and "'brick'" in message
    assert all(category in message for category in REALPHOTO_CATEGORIES)
    assert not any(tmp_path.iterdir())


def test_invalid_sizes_are_errors(tmp_path: Path) -> None:
    with pytest.raises(AdbenchError, match="image_size=16 must be an integer >= 32"):
        ensure_realphotos(tmp_path, "moon", **{**TINY, "image_size": 16})
    with pytest.raises(AdbenchError, match="n_train=0"):
        ensure_realphotos(tmp_path, "moon", **{**TINY, "n_train": 0})


# --------------------------------------------------------------------------- datamodule


def make_module(root: Path, **kwargs) -> RealPhotosDataModule:
    generation = {"source_size": 48, "n_train": 4, "n_test_good": 1, "n_test_per_defect": 1}
    settings = {"image_size": 32, "batch_size": 2, "val_split": 0.25, **generation, **kwargs}
    return RealPhotosDataModule(root=str(root), category="chelsea", **settings)


def test_datamodule_generates_then_scans(tmp_path: Path) -> None:
    assert ExportedDataModule is RealPhotosDataModule
    module = make_module(tmp_path)
    module.setup("fit")
    assert module.tree_root == tmp_path / "48px_4-1-1_seed0"
    assert len(module.train_samples) == 3 and len(module.test_samples) == 1 + len(DEFECT_KINDS)
    assert {s.defect_type for s in module.test_samples if s.label == 1} == set(DEFECT_KINDS)
    assert all(s.mask is not None and s.mask.is_file() for s in module.test_samples if s.label)
    batch = next(iter(module.test_dataloader()))
    assert tuple(batch["image"].shape[-2:]) == (32, 32)
    assert make_module(tmp_path, seed=1).tree_root != module.tree_root


def test_dataset_config_instantiates_the_datamodule(compose_config, tmp_path: Path) -> None:
    cfg = compose_config("dataset=realphotos", f"dataset.root={tmp_path}")
    assert cfg.dataset.category == REALPHOTO_CATEGORIES[0]
    assert (cfg.dataset.n_train, cfg.dataset.n_test_good, cfg.dataset.n_test_per_defect) == (
        60,
        20,
        5,
    )
    module = instantiate(cfg.dataset, _convert_="all")
    assert isinstance(module, RealPhotosDataModule)
