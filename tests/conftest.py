"""Shared fixtures: tiny image trees on disk and composed configs (never @hydra.main)."""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path

import pytest
from configs import compose_adbench
from image_files import write_mvtec_tree
from omegaconf import DictConfig

import adbench  # noqa: F401  (sets OMP_WAIT_POLICY; nothing above imports torch)


@pytest.fixture
def one_thread():
    """Tiny tensors: one thread is faster, and immune to a busy machine's thread contention."""
    import torch

    threads = torch.get_num_threads()
    torch.set_num_threads(1)
    yield
    torch.set_num_threads(threads)


@pytest.fixture
def mvtec_tree(tmp_path: Path) -> Path:
    """root/cat in MVTec layout: 10 train normals, 3 test normals, 3 'dent' anomalies + masks."""
    return write_mvtec_tree(tmp_path / "mvtec")


@pytest.fixture
def compose_config(tmp_path: Path) -> Callable[..., DictConfig]:
    """compose(overrides) -> the run's config, with outputs under tmp_path/run."""

    def _compose(*overrides: str) -> DictConfig:
        return compose_adbench(f"output_dir={tmp_path / 'run'}", "logger=none", *overrides)

    return _compose
