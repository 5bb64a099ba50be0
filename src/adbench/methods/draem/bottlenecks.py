"""Bottleneck layers between DRAEM's reconstructive encoder and decoder (car-damage study):
none, a variational layer, SAGAN self-attention, or the variational layer then attention.

Each maps encoder features (B, C, h, w) to (decoder input (B, C, h, w), KL term (scalar))."""

from __future__ import annotations

import torch
from torch import nn

from adbench.errors import AdbenchError

BOTTLENECKS = ("plain", "vae", "attention", "vae_attention")


class PlainBottleneck(nn.Module):
    """The paper's DRAEM: features pass unchanged; no KL term."""

    def forward(self, features: torch.Tensor) -> tuple[torch.Tensor, torch.Tensor]:
        return features, features.new_zeros(())


class VariationalBottleneck(nn.Module):
    """Separate 1x1-conv heads for the mean and log-variance of a per-position Gaussian latent.

    Training samples z = mu + sigma * eps (reparameterisation); evaluation uses z = mu, so
    scores are deterministic. The KL divergence to N(0, I) is averaged over latent elements.
    """

    def __init__(self, channels: int) -> None:
        super().__init__()
        self.mean = nn.Conv2d(channels, channels, kernel_size=1)
        self.log_variance = nn.Conv2d(channels, channels, kernel_size=1)

    def forward(self, features: torch.Tensor) -> tuple[torch.Tensor, torch.Tensor]:
        mean, log_variance = self.mean(features), self.log_variance(features)
        kl = -0.5 * torch.mean(1 + log_variance - mean**2 - log_variance.exp())
        if not self.training:
            return mean, kl
        latent = mean + torch.randn_like(mean) * torch.exp(0.5 * log_variance)
        return latent, kl


class SelfAttention(nn.Module):
    """SAGAN self-attention (Zhang et al. 2019) over the bottleneck positions.

    Output = x + gamma * attention(x); the learned gate gamma starts at 0, so training starts
    from the plain network and lets the attention in gradually.
    """

    def __init__(self, channels: int, reduction: int = 8) -> None:
        super().__init__()
        inner = max(1, channels // reduction)
        self.query = nn.Conv2d(channels, inner, kernel_size=1)
        self.key = nn.Conv2d(channels, inner, kernel_size=1)
        self.value = nn.Conv2d(channels, channels, kernel_size=1)
        self.gamma = nn.Parameter(torch.zeros(1))

    def forward(self, features: torch.Tensor) -> tuple[torch.Tensor, torch.Tensor]:
        batch, channels, height, width = features.shape
        query = self.query(features).flatten(2)  # (B, C', N)
        key = self.key(features).flatten(2)  # (B, C', N)
        value = self.value(features).flatten(2)  # (B, C, N)
        attention = torch.softmax(query.transpose(1, 2) @ key, dim=-1)  # (B, N queries, N keys)
        attended = (value @ attention.transpose(1, 2)).view(batch, channels, height, width)
        return features + self.gamma * attended, features.new_zeros(())


class VariationalAttention(nn.Module):
    """The variational layer, then self-attention on its latent; the KL term is the VAE's."""

    def __init__(self, channels: int, reduction: int = 8) -> None:
        super().__init__()
        self.variational = VariationalBottleneck(channels)
        self.attention = SelfAttention(channels, reduction)

    def forward(self, features: torch.Tensor) -> tuple[torch.Tensor, torch.Tensor]:
        latent, kl = self.variational(features)
        attended, _ = self.attention(latent)
        return attended, kl


def make_bottleneck(name: str, channels: int, attention_reduction: int = 8) -> nn.Module:
    """The bottleneck called `name` (one of BOTTLENECKS) for `channels` feature channels."""
    if name == "plain":
        return PlainBottleneck()
    if name == "vae":
        return VariationalBottleneck(channels)
    if name == "attention":
        return SelfAttention(channels, attention_reduction)
    if name == "vae_attention":
        return VariationalAttention(channels, attention_reduction)
    raise AdbenchError(
        f"model.reconstruction_network={name!r} is unknown: use one of {', '.join(BOTTLENECKS)}"
    )


def is_variational(name: str) -> bool:
    """Whether the bottleneck `name` has a KL term."""
    return name in ("vae", "vae_attention")
