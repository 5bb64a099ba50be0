"""The validation-vs-test agreement figures on inputs with known answers."""

import math

import pytest

from adbench.bench.agreement import validation_agreement


def test_same_order_is_one_and_reversed_order_is_minus_one():
    assert validation_agreement([0.5, 0.7, 0.9], [0.1, 0.2, 0.8]).spearman == pytest.approx(1.0)
    assert validation_agreement([0.5, 0.7, 0.9], [0.8, 0.2, 0.1]).spearman == pytest.approx(-1.0)


def test_known_spearman_with_one_swap():
    # ranks (1, 2, 3, 4) vs (1, 2, 4, 3): rho = 1 - 6 * 2 / (4 * 15) = 0.8
    result = validation_agreement([0.1, 0.2, 0.3, 0.4], [0.5, 0.6, 0.9, 0.8])
    assert result.spearman == pytest.approx(0.8)
    assert result.runs == 4


def test_median_of_validation_and_nan_pairs_dropped():
    result = validation_agreement([0.99, 0.9, float("nan"), 0.95], [0.7, 0.6, 0.5, 0.8])
    assert result.runs == 3
    assert result.median_validation == pytest.approx(0.95)


def test_saturated_validation_has_no_order():
    result = validation_agreement([1.0, 1.0, 1.0], [0.6, 0.8, 0.9])
    assert result.median_validation == 1.0
    assert math.isnan(result.spearman)


def test_lengths_must_match():
    with pytest.raises(ValueError, match="2 validation values but 3 test values"):
        validation_agreement([0.1, 0.2], [0.1, 0.2, 0.3])
