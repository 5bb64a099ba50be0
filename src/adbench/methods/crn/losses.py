"""CRN's competition losses for one (generator, discriminator) pair of units.

L_G = w_rec * L1(x, G(x)) + w_feedback * L1(G(x), D(G(x)))
L_D = w_disc * max(0, margin - L1(G(x), D(G(x))))

G learns to reconstruct x in a way D reconstructs too; D learns to tell G's output apart
(reconstruct it badly), up to the margin.
"""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass

import torch
import torch.nn.functional as F
from torch import nn


@dataclass(frozen=True)
class LossWeights:
    """The paper code's defaults: w_rec 0.5, w_feedback 1.0, w_disc 2.0."""

    w_rec: float = 0.5
    w_feedback: float = 1.0
    w_disc: float = 2.0
    margin: float = 1.0


def generator_loss(
    images: torch.Tensor, generated: torch.Tensor, judged: torch.Tensor, weights: LossWeights
) -> torch.Tensor:
    """L_G from x, G(x) and D(G(x))."""
    return weights.w_rec * F.l1_loss(generated, images) + weights.w_feedback * F.l1_loss(
        judged, generated
    )


def discriminator_loss(
    generated: torch.Tensor, judged: torch.Tensor, weights: LossWeights
) -> torch.Tensor:
    """L_D from G(x) and D(G(x)); never negative."""
    return weights.w_disc * (weights.margin - F.l1_loss(judged, generated)).clamp_min(0)


@dataclass
class PairLosses:
    """The two losses to minimise, and the unweighted L1 terms for logging."""

    generator: torch.Tensor
    discriminator: torch.Tensor
    reconstruction: torch.Tensor  # L1(x, G(x))
    feedback: torch.Tensor  # L1(G(x), D(G(x)))


@contextmanager
def frozen(module: nn.Module) -> Iterator[nn.Module]:
    """Run `module` without recording gradients for its own parameters (inputs still get them)."""
    flags = [(p, p.requires_grad) for p in module.parameters()]
    for parameter, _ in flags:
        parameter.requires_grad_(False)
    try:
        yield module
    finally:
        for parameter, flag in flags:
            parameter.requires_grad_(flag)


def pair_losses(
    generator: nn.Module, discriminator: nn.Module, images: torch.Tensor, weights: LossWeights
) -> PairLosses:
    """L_G reaches only G's weights (through D, whose weights stay out of it); L_D reaches only
    D's weights (G's output enters as a constant). One backward of their sum trains both."""
    generated = generator(images)
    with frozen(discriminator):
        judged_for_generator = discriminator(generated)
    judged_for_discriminator = discriminator(generated.detach())
    return PairLosses(
        generator=generator_loss(images, generated, judged_for_generator, weights),
        discriminator=discriminator_loss(generated.detach(), judged_for_discriminator, weights),
        reconstruction=F.l1_loss(generated.detach(), images),
        feedback=F.l1_loss(judged_for_discriminator.detach(), generated.detach()),
    )
