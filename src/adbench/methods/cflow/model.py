"""CFlow as a pure torch module: per backbone level a conditional normalizing flow over feature
fibers, conditioned on a 2-D positional encoding (Gudovskiy et al., WACV 2022)."""

from __future__ import annotations

import math
from collections.abc import Iterator, Sequence
from contextlib import contextmanager

import torch
import torch.nn.functional as F
from FrEIA.framework import SequenceINN
from FrEIA.modules import AllInOneBlock
from torch import nn

from adbench.backbones import FeatureExtractor
from adbench.errors import AdbenchError
from adbench.methods.patch_features import patch_features
from adbench.postprocess import GaussianSmoothing

LOG_SQRT_2PI = 0.5 * math.log(2 * math.pi)
# what one flow models: each backbone level's fibers (the paper), or PatchCore's patch features
# (the levels 3x3-averaged, resized to the finest, stacked: one flow over them)
FIBERS = ("levels", "patches")


class CflowModel(nn.Module):
    """Eval forward: images in [0, 1] (B,3,H,W) -> (image scores (B,), anomaly maps (B,1,H,W)).

    A position's anomaly score is its fiber's negative log-likelihood per dimension, -log p / dim,
    averaged over the flows (one per level, or one over patch features: `fibers`). No score
    depends on other images (the paper's map shifts by a test-set-wide max). The paper's
    exp(log p / dim) squashes every unlikely fiber to ~0, so faint and strong defects look
    alike: on the built-in data's validation set (synthetic anomalies) the image AUROC of one
    trained model was 0.92 with -exp(log p / dim) and 0.98 with -log p / dim.
    """

    def __init__(
        self,
        extractor: FeatureExtractor,
        coupling_blocks: int = 8,
        clamp_alpha: float = 1.9,
        condition_vector: int = 128,
        smoothing_sigma: float = 4.0,
        fibers: str = "levels",
    ) -> None:
        super().__init__()
        if fibers not in FIBERS:
            raise AdbenchError(f"model.fibers={fibers}: choose one of {', '.join(FIBERS)}")
        if condition_vector <= 0 or condition_vector % 4:
            raise AdbenchError(
                f"model.condition_vector={condition_vector} must be a positive multiple of 4"
            )
        self.extractor = extractor
        self.condition_vector = condition_vector
        self.smoothing = GaussianSmoothing(smoothing_sigma)
        self.fibers = fibers
        dims = extractor.channels if fibers == "levels" else [sum(extractor.channels)]
        self.decoders = nn.ModuleList(
            conditional_flow(channels, condition_vector, coupling_blocks, clamp_alpha)
            for channels in dims
        )

    def feature_maps(self, images: torch.Tensor) -> list[torch.Tensor]:
        """What the flows model, one (B, C, h, w) map per flow: the backbone's levels, or their
        patch features."""
        levels = self.extractor(images)
        return levels if self.fibers == "levels" else [patch_features(levels)]

    @torch.no_grad()
    def level_fibers(self, images: torch.Tensor) -> list[tuple[torch.Tensor, torch.Tensor]]:
        """Per flow (features (B*h*w, C), positional conditions (B*h*w, condition_vector))."""
        levels = []
        for features in self.feature_maps(images):
            fibers, conditions = self._fibers(features)
            levels.append((fibers, conditions.repeat(len(fibers) // len(conditions), 1)))
        return levels

    def _fibers(self, features: torch.Tensor) -> tuple[torch.Tensor, torch.Tensor]:
        """Fibers (B*h*w, C) in row-major order per image, and one condition per position
        (h*w, condition_vector)."""
        _, channels, height, width = features.shape
        encoding = positional_encoding_2d(self.condition_vector, height, width, features)
        conditions = encoding.permute(1, 2, 0).reshape(height * width, -1)
        return features.permute(0, 2, 3, 1).reshape(-1, channels), conditions

    def log_likelihood(
        self, level: int, features: torch.Tensor, conditions: torch.Tensor
    ) -> torch.Tensor:
        """log p / dim (N,) of N fibers under the level's flow and a standard normal prior."""
        latents, log_det_jacobian = self.decoders[level](features, c=[conditions])
        dim = features.shape[1]
        log_prob = -dim * LOG_SQRT_2PI - 0.5 * latents.pow(2).sum(dim=1) + log_det_jacobian
        return log_prob / dim

    def loss(self, level: int, features: torch.Tensor, conditions: torch.Tensor) -> torch.Tensor:
        """The paper's training loss: mean of -logsigmoid(log p / dim) over the fibers."""
        return -F.logsigmoid(self.log_likelihood(level, features, conditions)).mean()

    def forward(self, images: torch.Tensor) -> tuple[torch.Tensor, torch.Tensor]:
        level_maps = []
        for level, features in enumerate(self.feature_maps(images)):
            batch, _, height, width = features.shape
            with conditions_per_position(self.decoders[level]):
                log_prob = self.log_likelihood(level, *self._fibers(features))
            anomaly = -log_prob.view(batch, 1, height, width)
            level_maps.append(
                F.interpolate(anomaly, size=images.shape[-2:], mode="bilinear", align_corners=False)
            )
        maps = self.smoothing(torch.stack(level_maps).mean(dim=0))
        return maps.amax(dim=(1, 2, 3)), maps


def fiber_batches(
    level_fibers: Sequence[tuple[torch.Tensor, torch.Tensor]],
    fiber_batch_size: int,
    generator: torch.Generator | None = None,
) -> Iterator[tuple[int, torch.Tensor, torch.Tensor]]:
    """(level, features, conditions) batches: each level's fibers shuffled and split into
    batches of at least `fiber_batch_size` (fewer only if the level has fewer fibers)."""
    for level, (features, conditions) in enumerate(level_fibers):
        n_batches = max(1, len(features) // fiber_batch_size)
        order = torch.randperm(len(features), generator=generator).to(features.device)
        for indices in order.tensor_split(n_batches):
            yield level, features[indices], conditions[indices]


def conditional_flow(
    channels: int, condition_vector: int, coupling_blocks: int, clamp_alpha: float
) -> SequenceINN:
    """A stack of FrEIA all-in-one coupling blocks over `channels`-dim fibers."""
    flow = SequenceINN(channels)
    for _ in range(coupling_blocks):
        flow.append(
            PositionalCouplingBlock,
            cond=0,
            cond_shape=(condition_vector,),
            subnet_constructor=coupling_subnet,
            affine_clamping=clamp_alpha,
            global_affine_type="SOFTPLUS",
            permute_soft=False,
        )
    return flow


def coupling_subnet(dims_in: int, dims_out: int) -> nn.Sequential:
    """The paper's coupling subnetwork: Linear(in, 2*in) -> ReLU -> Linear(2*in, out)."""
    return nn.Sequential(
        nn.Linear(dims_in, 2 * dims_in), nn.ReLU(), nn.Linear(2 * dims_in, dims_out)
    )


class PositionalCouplingBlock(AllInOneBlock):
    """FrEIA's all-in-one coupling block, plus a faster forward for whole images' fibers.

    In FrEIA's forward, every fiber's subnet input is its passive half concatenated with its
    positional condition, which is most of the input and the same for every image. With
    `per_position` set (conditions_per_position), the conditions are given once per position,
    the fibers are whole images in row-major order, and the conditions' share of the subnet's
    first layer is computed once per position: the same numbers (to rounding) without the
    concatenation, the repeated conditions or most of the first layer's multiply-adds. It is
    FrEIA's forward without the options adbench leaves off (Householder or reversed
    permutations); tests/methods/test_cflow.py checks it against FrEIA's.
    """

    per_position = False

    def forward(self, x: tuple[torch.Tensor], c=(), rev: bool = False, jac: bool = True):
        if rev or not self.per_position:
            return super().forward(x, c=list(c), rev=rev, jac=jac)
        passive, active = torch.split(x[0], self.splits, dim=1)
        active, log_jac_det = self._affine(active, self._subnet_per_position(passive, c[0]))
        out, global_scaling_jac = self._permute(torch.cat((passive, active), 1), rev=False)
        return (out,), log_jac_det + out[0, :1].numel() * global_scaling_jac

    def _subnet_per_position(self, passive: torch.Tensor, conditions: torch.Tensor):
        """The subnet on (passive half | condition) rows, conditions (P, C) shared by images."""
        first, _, last = self.subnet  # Linear, ReLU, Linear
        split, positions = passive.shape[1], conditions.shape[0]
        shared = F.linear(conditions, first.weight[:, split:], first.bias)  # (P, hidden)
        hidden = F.linear(passive, first.weight[:, :split]).unflatten(0, (-1, positions)) + shared
        return last(hidden.flatten(0, 1).relu_())


@contextmanager
def conditions_per_position(flow: nn.Module) -> Iterator[None]:
    """Within it, `flow` takes whole images' fibers with one condition per position
    (see PositionalCouplingBlock)."""
    blocks = [module for module in flow.modules() if isinstance(module, PositionalCouplingBlock)]
    for block in blocks:
        block.per_position = True
    try:
        yield
    finally:
        for block in blocks:
            block.per_position = False


def positional_encoding_2d(
    channels: int, height: int, width: int, like: torch.Tensor | None = None
) -> torch.Tensor:
    """Sinusoidal encoding (channels, height, width): first half encodes x, second half y."""
    options = {"device": like.device, "dtype": like.dtype} if like is not None else {}
    half = channels // 2
    frequencies = torch.exp(
        torch.arange(0, half, 2, **options) * (-math.log(1e4) / half)
    )  # (channels / 4,)
    x = torch.arange(width, **options)[None, :] * frequencies[:, None]  # (channels / 4, W)
    y = torch.arange(height, **options)[:, None] * frequencies[:, None, None]  # (c / 4, H, 1)
    encoding = torch.empty(channels, height, width, **options)
    encoding[0:half:2] = torch.sin(x)[:, None, :]
    encoding[1:half:2] = torch.cos(x)[:, None, :]
    encoding[half::2] = torch.sin(y)
    encoding[half + 1 :: 2] = torch.cos(y)
    return encoding
