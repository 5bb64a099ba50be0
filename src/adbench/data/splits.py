"""Seeded, disjoint validation splits: held-out training normals, or a stratified share of test.

`dataset.validation` picks one:
- synthetic: held-out training normals plus synthetic anomalies made from them (default);
- normals: held-out training normals only (thresholds from a normal quantile);
- from_test: a share of the labelled test images, stratified by defect type, moves to
  validation and leaves test; training keeps every normal.
"""

from __future__ import annotations

import random
from collections import defaultdict
from collections.abc import Sequence
from dataclasses import replace
from typing import TypeVar

from adbench.data.samples import Sample
from adbench.errors import AdbenchError

SYNTHETIC = "synthetic"  # defect type of a validation copy that gets a synthetic anomaly
VALIDATION_MODES = ("synthetic", "normals", "from_test")
T = TypeVar("T")


def _key(sample: Sample) -> str:
    return str(sample.image)


def seeded_share(items: Sequence[T], share: float, seed: int) -> tuple[list[T], list[T]]:
    """(taken, rest): round(share * n) of `items`, at least 1 and at most n - 1, drawn by a
    shuffle of their given order seeded with `seed` (the one seeded split of adbench)."""
    shuffled = list(items)
    random.Random(seed).shuffle(shuffled)
    count = min(len(shuffled) - 1, max(1, round(len(shuffled) * share)))
    return shuffled[:count], shuffled[count:]


def _seeded_share(samples: list[Sample], share: float, seed: int) -> tuple[list, list]:
    """seeded_share of the samples in path order; both parts in path order."""
    taken, rest = seeded_share(sorted(samples, key=_key), share, seed)
    return sorted(taken, key=_key), sorted(rest, key=_key)


def hold_out_normals(
    normals: list[Sample],
    share: float,
    seed: int,
    synthetic_copies: int = 0,
    out_of_fold: bool = False,
    max_out_of_fold: int | None = None,
) -> tuple[list[Sample], list[Sample]]:
    """(train, validation): a seeded share of the training normals held out, each followed by
    `synthetic_copies` copies marked for a synthetic anomaly.

    `out_of_fold` (for methods that score a training image without its own contribution, e.g.
    PatchCore): every normal trains and every normal validates, or a seeded subset of
    `max_out_of_fold` of them when there are more; `share` is not used."""
    if len(normals) < 2:
        raise AdbenchError(
            f"only {len(normals)} training image(s): need at least 2 to hold one out "
            "(or dataset.validation=from_test)"
        )
    if out_of_fold:
        train = held_out = sorted(normals, key=_key)
        if max_out_of_fold is not None and len(normals) > max_out_of_fold:
            held_out = _seeded_share(normals, max_out_of_fold / len(normals), seed)[0]
    else:
        held_out, train = _seeded_share(normals, share, seed)
    anomalous = [replace(s, label=1, defect_type=SYNTHETIC) for s in held_out]
    return train, held_out + anomalous * synthetic_copies


def split_test(test: list[Sample], share: float, seed: int) -> tuple[list[Sample], list[Sample]]:
    """(validation, test): a seeded share of each defect type's test images (normals included)
    moves to validation; a type with a single image stays in test. Disjoint by construction."""
    by_type: dict[str, list[Sample]] = defaultdict(list)
    for sample in test:
        by_type[sample.defect_type].append(sample)
    validation, kept = [], []
    for defect_type in sorted(by_type):
        group = by_type[defect_type]
        if len(group) < 2:
            kept += group
            continue
        held_out, rest = _seeded_share(group, share, seed)
        validation += held_out
        kept += rest
    for name, split in (("validation", validation), ("test", kept)):
        if {s.label for s in split} != {0, 1}:
            raise AdbenchError(
                f"dataset.validation=from_test: the {name} share has no "
                f"{'normal' if 0 not in {s.label for s in split} else 'anomalous'} image; "
                "it needs at least 2 normal and 2 anomalous test images of one defect type "
                "(or use dataset.validation=synthetic)"
            )
    return validation, sorted(kept, key=_key)
