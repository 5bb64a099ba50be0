"""What metrics.json says when figures are skipped, partial or meaningless."""

from __future__ import annotations

import torch

from adbench.methods.results import EvalResults, compute_metrics
from adbench.postprocess import Calibration


def results(scores: list[float], labels: list[int], has_mask: list[bool]) -> EvalResults:
    n = len(scores)
    masks = torch.zeros(n, 1, 4, 4)
    masks[torch.tensor(labels, dtype=torch.bool), :, 1:3, 1:3] = 1
    batch = {
        "path": [f"dir/{'a' if y else 'n'}{i}.png" for i, y in enumerate(labels)],
        "defect_type": ["x" if y else "good" for y in labels],
        "label": torch.tensor(labels),
        "mask": masks,
        "has_mask": torch.tensor(has_mask),
    }
    collected = EvalResults()
    collected.add(batch, torch.tensor(scores), masks.clone())
    return collected


def test_anomalous_images_without_masks_are_named():
    labels = [0, 0, 1, 1, 1, 1, 1]
    has_mask = [True, True, True, False, False, False, False]
    _, notes = compute_metrics(results([0.1, 0.2, 0.9, 0.8, 0.7, 0.6, 0.5], labels, has_mask))
    assert "4 anomalous images have no mask (a3.png, a4.png, a5.png and 1 more)" in notes


def test_a_model_that_scores_every_validation_image_alike_is_called_out():
    calibration = Calibration()
    calibration.fit(torch.full((6,), 3.0), torch.tensor([0, 0, 0, 1, 1, 1]))
    evaluated = results([3.0, 3.0, 3.0, 3.0], [0, 0, 1, 1], [True] * 4)
    _, notes = compute_metrics(evaluated, calibration)
    assert any("every validation image scored 3" in note for note in notes)
    calibration.fit(torch.tensor([1.0, 2.0, 8.0, 9.0]), torch.tensor([0, 0, 1, 1]))
    _, notes = compute_metrics(evaluated, calibration)
    assert not any("every validation image" in note for note in notes)


def test_a_model_whose_validation_scores_barely_differ_is_called_out():
    calibration = Calibration()
    flat = torch.tensor([0.49, 0.49, 0.490002, 0.490002], dtype=torch.float64)
    calibration.fit(flat, torch.tensor([0, 0, 1, 1]))
    evaluated = results([0.49, 0.49, 0.490002, 0.490002], [0, 0, 1, 1], [True] * 4)
    _, notes = compute_metrics(evaluated, calibration)
    assert any("the validation image scores span only 2e-06 (from 0.49)" in n for n in notes)
    calibration.fit(
        flat * torch.tensor([1.0, 1.0, 1.001, 1.001], dtype=torch.float64),
        torch.tensor([0, 0, 1, 1]),
    )
    _, notes = compute_metrics(evaluated, calibration)
    assert not any("span only" in note for note in notes)
