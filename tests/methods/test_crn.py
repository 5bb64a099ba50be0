"""CRN parts: loss signs and weights, pairing, U-Net shapes, per-unit optimizers, and the
choice of generator and discriminator on validation."""

from __future__ import annotations

import lightning as L
import pytest
import torch
from torch import nn
from torch.utils.data import DataLoader

from adbench.errors import AdbenchError
from adbench.methods.crn import CrnModel, CrnModule
from adbench.methods.crn.losses import (
    LossWeights,
    discriminator_loss,
    generator_loss,
    pair_losses,
)
from adbench.methods.crn.optimizers import OPTIMIZERS, build_optimizer, build_scheduler
from adbench.methods.crn.pairing import candidate_pairs, ordered_pairs, sample_pair
from adbench.methods.crn.selection import PairRecord, best_pair
from adbench.methods.crn.unet import UNet
from adbench.tasks.test_pass import run_test_pass


def test_losses_on_a_known_input():
    images = torch.zeros(1, 3, 4, 4)
    generated = torch.full_like(images, 0.2)  # L1(x, G(x)) = 0.2
    judged = torch.full_like(images, 0.5)  # L1(G(x), D(G(x))) = 0.3
    weights = LossWeights(w_rec=0.5, w_feedback=1.0, w_disc=2.0, margin=1.0)
    assert generator_loss(images, generated, judged, weights).item() == pytest.approx(0.4)
    assert discriminator_loss(generated, judged, weights).item() == pytest.approx(1.4)
    other = LossWeights(w_rec=3.0, w_feedback=0.5, w_disc=4.0, margin=0.5)
    assert generator_loss(images, generated, judged, other).item() == pytest.approx(0.75)
    assert discriminator_loss(generated, judged, other).item() == pytest.approx(0.8)
    beyond_margin = LossWeights(margin=0.1)  # D already tells G(x) apart: no push, never < 0
    assert discriminator_loss(generated, judged, beyond_margin).item() == 0.0


def test_generator_loss_trains_g_only_and_discriminator_loss_d_only():
    torch.manual_seed(0)
    g, d = nn.Conv2d(3, 3, 1), nn.Conv2d(3, 3, 1)
    losses = pair_losses(g, d, torch.rand(2, 3, 5, 5), LossWeights())
    losses.generator.backward()
    assert g.weight.grad is not None and d.weight.grad is None
    g.weight.grad = None
    losses.discriminator.backward()
    assert g.weight.grad is None and d.weight.grad is not None
    assert all(p.requires_grad for p in d.parameters())  # unfrozen again


def test_discriminator_step_pushes_its_reconstruction_of_g_away():
    torch.manual_seed(0)
    g, d = nn.Conv2d(3, 3, 1), nn.Conv2d(3, 3, 1)
    images = torch.rand(4, 3, 6, 6)
    before = pair_losses(g, d, images, LossWeights()).feedback
    optimizer = torch.optim.SGD(d.parameters(), lr=0.1)
    pair_losses(g, d, images, LossWeights()).discriminator.backward()
    optimizer.step()
    assert pair_losses(g, d, images, LossWeights()).feedback > before


def test_pairing_never_picks_one_unit_twice_and_reaches_every_pair():
    generator = torch.Generator().manual_seed(0)
    draws = [sample_pair(4, generator) for _ in range(600)]
    assert all(g != d for g, d in draws)
    assert set(draws) == set(ordered_pairs(4))
    assert all(sample_pair(2, generator) in {(0, 1), (1, 0)} for _ in range(20))
    with pytest.raises(ValueError, match="at least 2 units"):
        sample_pair(1)


def test_candidate_pairs_are_capped_and_keep_the_current_pair():
    assert len(candidate_pairs(3, 30, (0, 1))) == 6
    generator = torch.Generator().manual_seed(0)
    chosen = candidate_pairs(12, 10, (7, 3), generator)
    assert len(chosen) == 10 and (7, 3) in chosen and len(set(chosen)) == 10
    assert all(g != d for g, d in chosen)


@pytest.mark.parametrize("upsampling", ["transpose", "bilinear", "nearest"])
@pytest.mark.parametrize("norm", ["batch", "instance", "group", "none"])
def test_unet_keeps_any_input_size(norm, upsampling):
    unet = UNet(depth=3, base_width=4, norm=norm, dropout=0.1, upsampling=upsampling).eval()
    with torch.no_grad():
        out = unet(torch.rand(2, 3, 25, 18))
    assert out.shape == (2, 3, 25, 18) and out.min() >= 0 and out.max() <= 1


def test_model_scores_are_map_means_of_the_selected_pair():
    torch.manual_seed(0)
    model = CrnModel(num_competitive_units=3, network_depth=2, base_width=4).eval()
    images = torch.rand(2, 3, 16, 16)
    model.select((2, 0))
    with torch.no_grad():
        scores, maps = model(images)
        expected = (images - model.units[0](model.units[2](images))).abs().mean(dim=1)
    assert maps.shape == (2, 1, 16, 16)
    assert torch.allclose(maps[:, 0], expected) and torch.allclose(scores, expected.mean((1, 2)))
    with pytest.raises(ValueError):
        model.select((1, 1))


@pytest.mark.parametrize("name", sorted(OPTIMIZERS))
def test_every_optimizer_builds(name):
    optimizer = build_optimizer(name, nn.Linear(2, 2).parameters(), lr=0.01, momentum=0.5)
    assert optimizer.param_groups[0]["lr"] == 0.01


def test_schedulers_follow_their_settings():
    def lr_after(name: str, updates: int) -> float:
        optimizer = torch.optim.SGD(nn.Linear(2, 2).parameters(), lr=1.0)
        args = {"step": {"step_size": 2, "gamma": 0.5}, "exponential": {"gamma": 0.9}}
        scheduler = build_scheduler(name, optimizer, total_updates=4, args=args)
        for _ in range(updates):
            optimizer.step()
            scheduler.step()
        return optimizer.param_groups[0]["lr"]

    assert lr_after("step", 4) == pytest.approx(0.25)
    assert lr_after("exponential", 2) == pytest.approx(0.81)
    assert lr_after("cosine", 4) == pytest.approx(0.0, abs=1e-9)
    assert (
        build_scheduler("none", torch.optim.SGD(nn.Linear(2, 2).parameters(), 1.0), 4, {}) is None
    )


def test_bad_names_are_one_line_errors():
    with pytest.raises(AdbenchError, match="optimizer=adagrad is unknown: use one of adam"):
        CrnModule(optimizer="adagrad")
    with pytest.raises(AdbenchError, match="at least 2 competitive units"):
        CrnModule(num_competitive_units=1)


def test_best_pair_prefers_auroc_then_lower_error():
    records = [
        PairRecord((0, 1), 0.5, 0.01),
        PairRecord((1, 2), 0.9, 0.30),
        PairRecord((2, 0), 0.9, 0.20),
        PairRecord((2, 1), 0.2, 0.00),  # worse than chance: never flipped to 0.8
    ]
    assert best_pair(records).pair == (2, 0)
    assert best_pair([PairRecord((0, 1), None, 0.3), PairRecord((1, 0), None, 0.1)]).pair == (1, 0)


class Blend(nn.Module):
    """A fake unit: (1 - strength) * x + strength * template (strength 1: a full projector)."""

    def __init__(self, strength: float) -> None:
        super().__init__()
        self.strength = strength

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        return (1 - self.strength) * x + self.strength * torch.full_like(x, 0.5)


def validation_batches() -> list[dict]:
    """Normals close to the template 0.5, anomalies with a bright square."""
    generator = torch.Generator().manual_seed(0)
    images = 0.5 + 0.02 * torch.randn(12, 3, 16, 16, generator=generator)
    labels = torch.tensor([0] * 6 + [1] * 6)
    images[6:, :, 4:10, 4:10] = 1.0
    masks = torch.zeros(12, 1, 16, 16)
    masks[6:, :, 4:10, 4:10] = 1
    return [
        {
            "image": images[i : i + 4],
            "label": labels[i : i + 4],
            "mask": masks[i : i + 4],
            "has_mask": torch.ones(4, dtype=torch.bool),
            "path": [f"{j}.png" for j in range(i, i + 4)],
            "defect_type": ["x"] * 4,
        }
        for i in range(0, 12, 4)
    ]


def test_validation_picks_the_best_pair_and_calibrates_on_it():
    module = CrnModule(num_competitive_units=4, network_depth=1, base_width=2)
    # identity pairs reconstruct everything (AUROC 0.5, error 0); projector pairs find the
    # anomalies (AUROC 1); with the half projector their error on normals is smallest
    module.model.units = nn.ModuleList([Blend(0.0), Blend(1.0), Blend(0.5), Blend(0.0)])
    assert module.model.pair == (0, 1)
    trainer = L.Trainer(logger=False, enable_progress_bar=False, enable_model_summary=False)
    trainer.validate(module, dataloaders=DataLoader(validation_batches(), batch_size=None))
    assert module.model.pair == (0, 2)
    chosen = next(r for r in module.selection if r.pair == (0, 2))
    assert chosen.auroc == 1.0
    assert next(r for r in module.selection if r.pair == (0, 3)).auroc == 0.5
    assert module.val_metrics["val_image_auroc"] == 1.0
    assert len(module.val_results) == 12  # re-scored with the chosen pair
    scores = module.val_results.stacked()["scores"]
    with torch.no_grad():
        expected = module(torch.cat([b["image"] for b in validation_batches()]))[0]
    assert torch.allclose(scores, expected)
    assert module.calibration.fitted
    restored = CrnModule(num_competitive_units=4, network_depth=1, base_width=2)
    restored.load_state_dict(module.state_dict(), strict=False)
    assert restored.model.pair == (0, 2)  # the checkpoint carries the choice


def test_testing_never_changes_the_pair_chosen_on_validation():
    module = CrnModule(num_competitive_units=4, network_depth=1, base_width=2)
    module.model.units = nn.ModuleList([Blend(0.0), Blend(1.0), Blend(0.5), Blend(0.0)])
    module.model.select((0, 3))  # an identity pair: blind to the test anomalies below
    trainer = L.Trainer(logger=False, enable_progress_bar=False, enable_model_summary=False)
    test = run_test_pass(
        trainer, module, dataloaders=DataLoader(validation_batches(), batch_size=None)
    )
    assert module.model.pair == (0, 3)  # a better pair on test is never picked
    assert test.metrics["image_auroc"] == 0.5
