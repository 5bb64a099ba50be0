"""Does the validation metric rank settings the way test does? Median and Spearman figures."""

from __future__ import annotations

import math
import statistics
from collections.abc import Sequence
from dataclasses import dataclass

from scipy.stats import spearmanr


@dataclass(frozen=True)
class Agreement:
    """Over a set of runs (settings) on one dataset: how saturated validation is, and how well
    its order agrees with test's."""

    runs: int
    median_validation: float  # goal: < 0.97 (not saturated)
    spearman: float  # rank correlation of validation with test, in [-1, 1]; nan if undefined


def validation_agreement(validation: Sequence[float], test: Sequence[float]) -> Agreement:
    """Median validation AUROC and the Spearman correlation between validation and test AUROC
    of the same runs (pairs with a NaN are dropped). Spearman is NaN when either side is
    constant or fewer than 3 pairs remain: no order to compare."""
    if len(validation) != len(test):
        raise ValueError(f"{len(validation)} validation values but {len(test)} test values")
    pairs = [(v, t) for v, t in zip(validation, test, strict=True) if not _nan(v) and not _nan(t)]
    if not pairs:
        return Agreement(0, math.nan, math.nan)
    values, tests = zip(*pairs, strict=True)
    median = statistics.median(values)
    constant = len(set(values)) < 2 or len(set(tests)) < 2
    rho = math.nan if len(pairs) < 3 or constant else float(spearmanr(values, tests).statistic)
    return Agreement(len(pairs), float(median), rho)


def _nan(value: float | None) -> bool:
    return value is None or math.isnan(value)
