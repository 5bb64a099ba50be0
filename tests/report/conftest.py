"""One finished tiny run whose report the tests read."""

from __future__ import annotations

import pytest

from adbench.run import run


@pytest.fixture(scope="session")
def finished_run(tmp_path_factory):
    from configs import compose_adbench
    from image_files import write_mvtec_tree

    root = tmp_path_factory.mktemp("report")
    tree = write_mvtec_tree(root / "mvtec")
    out = root / "run"
    run(compose_adbench("logger=none", "output.report=true", "model=padim", "model.n_features=20",
                        "dataset=mvtec", f"dataset.root={tree}", "dataset.category=cat",
                        "dataset.image_size=64", f"output_dir={out}"))  # fmt: skip
    return out
