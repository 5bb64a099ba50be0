"""AUROC and oracle F1-max on raw scores, checked against scikit-learn."""

import numpy as np
import pytest
import torch
from sklearn.metrics import f1_score, precision_recall_curve, roc_auc_score
from torchmetrics.functional.classification import binary_auroc

from adbench.metrics import auroc, f1_max, to_unit_interval


def sklearn_f1_max(scores: np.ndarray, labels: np.ndarray) -> float:
    precision, recall, _ = precision_recall_curve(labels, scores)
    with np.errstate(divide="ignore", invalid="ignore"):
        f1 = np.nan_to_num(2 * precision * recall / (precision + recall))
    return float(f1.max())


def random_case(seed: int, n: int = 500, ties: bool = False) -> tuple[np.ndarray, np.ndarray]:
    """Labels with both classes; raw scores spanning negative values and values far above 1."""
    rng = np.random.default_rng(seed)
    labels = rng.random(n) < 0.3
    labels[:2] = [False, True]
    scores = rng.normal(0.0, 10.0, n) + 6.0 * labels
    if ties:
        scores = np.round(scores / 5.0) * 5.0
    return scores.astype(np.float32), labels


@pytest.mark.parametrize("ties", [False, True])
@pytest.mark.parametrize("seed", [0, 1, 2])
def test_auroc_matches_sklearn(seed: int, ties: bool) -> None:
    scores, labels = random_case(seed, ties=ties)
    expected = roc_auc_score(labels, scores)
    assert auroc(torch.from_numpy(scores), torch.from_numpy(labels)) == pytest.approx(
        expected, abs=1e-9
    )


def test_large_distances_do_not_saturate() -> None:
    scores = np.linspace(20.0, 50.0, 200, dtype=np.float32)  # sigmoid(>= 20) == 1.0 in float32
    labels = np.arange(200) % 3 == 0
    naive = float(binary_auroc(torch.from_numpy(scores), torch.from_numpy(labels)))
    assert naive == pytest.approx(0.5)  # the pitfall this module exists to avoid
    ours = auroc(torch.from_numpy(scores), torch.from_numpy(labels))
    assert ours == pytest.approx(roc_auc_score(labels, scores), abs=1e-6)
    assert ours != pytest.approx(0.5, abs=1e-3)


def test_auroc_invariant_to_increasing_transform() -> None:
    scores, labels = random_case(3)
    base = auroc(torch.from_numpy(scores), torch.from_numpy(labels))
    moved = auroc(torch.from_numpy(scores.astype(np.float64) * 1e3 - 7.0), torch.from_numpy(labels))
    assert moved == pytest.approx(base, abs=1e-9)


@pytest.mark.parametrize("ties", [False, True])
@pytest.mark.parametrize("seed", [0, 1, 2])
def test_f1_max_matches_sklearn(seed: int, ties: bool) -> None:
    scores, labels = random_case(seed, ties=ties)
    best, threshold = f1_max(torch.from_numpy(scores), torch.from_numpy(labels))
    assert best == pytest.approx(sklearn_f1_max(scores, labels), abs=1e-9)
    assert threshold in set(scores.tolist())  # a raw score, not a scaled one
    assert f1_score(labels, scores >= threshold) == pytest.approx(best, abs=1e-9)


def test_perfect_separation() -> None:
    scores = torch.tensor([-3.0, 0.5, 2.0, 40.0, 41.0])
    labels = torch.tensor([0, 0, 0, 1, 1])
    assert auroc(scores, labels) == pytest.approx(1.0)
    assert f1_max(scores, labels) == pytest.approx((1.0, 40.0))


def test_constant_scores() -> None:
    scores = torch.full((8,), 7.5)
    labels = torch.tensor([0, 0, 0, 0, 0, 0, 1, 1])
    assert auroc(scores, labels) == pytest.approx(0.5)
    best, threshold = f1_max(scores, labels)
    assert best == pytest.approx(2 * 0.25 / 1.25)  # everything predicted anomalous
    assert threshold == 7.5


def test_accepts_int_labels_and_any_shape() -> None:
    scores, labels = random_case(4, n=60)
    as_2d = torch.from_numpy(scores).reshape(6, 10), torch.from_numpy(labels.astype(np.int64))
    assert auroc(as_2d[0], as_2d[1].reshape(6, 10)) == pytest.approx(
        roc_auc_score(labels, scores), abs=1e-6
    )


def test_input_not_modified() -> None:
    scores = torch.tensor([3.0, -1.0, 20.0, 5.0], dtype=torch.float64)
    before = scores.clone()
    auroc(scores, torch.tensor([0, 0, 1, 1]))
    assert torch.equal(scores, before)


def test_unit_interval_keeps_float32_scores_distinct() -> None:
    raw = torch.tensor([-5.0, 1e-6, 2e-6, 1.0, 1.0 + 2**-23, 49.99, 50.0])
    unit = to_unit_interval(raw)
    assert unit.dtype == torch.float64
    assert unit.min() == 0.0 and unit.max() == 1.0
    assert bool((unit[1:] > unit[:-1]).all())


@pytest.mark.parametrize("metric", [auroc, f1_max])
def test_single_class_raises(metric) -> None:
    with pytest.raises(ValueError, match="only normal"):
        metric(torch.tensor([0.1, 0.2]), torch.tensor([0, 0]))
    with pytest.raises(ValueError, match="only anomalous"):
        metric(torch.tensor([0.1, 0.2]), torch.tensor([True, True]))


@pytest.mark.parametrize(
    ("scores", "labels", "message"),
    [
        (torch.tensor([0.1, 0.2]), torch.tensor([0, 1, 1]), "shape"),
        (torch.tensor([]), torch.tensor([]), "empty"),
        (torch.tensor([0.1, float("nan")]), torch.tensor([0, 1]), "NaN"),
        (torch.tensor([0.1, float("inf")]), torch.tensor([0, 1]), "infinite"),
        (torch.tensor([0.1, 0.2]), torch.tensor([0, 2]), "only 0"),
    ],
)
def test_malformed_inputs_raise(scores, labels, message) -> None:
    with pytest.raises(ValueError, match=message):
        auroc(scores, labels)
