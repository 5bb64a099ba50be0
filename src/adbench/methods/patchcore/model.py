"""PatchCore as a pure torch module: locally aware patch features, a coreset memory bank,
nearest-neighbour patch scores and a re-weighted image score (Roth et al., CVPR 2022)."""

from __future__ import annotations

from collections.abc import Sequence

import torch
import torch.nn.functional as F
from torch import nn

from adbench.backbones import FeatureExtractor
from adbench.methods.buffers import resize_fitted_buffers
from adbench.methods.patch_features import patch_features
from adbench.methods.patchcore.coreset import greedy_coreset
from adbench.methods.patchcore.neighbours import IvfIndex, nearest_neighbours
from adbench.postprocess import GaussianSmoothing

FEATURE_SCALINGS = ("none", "channel", "level")
SEARCHES = ("exact", "ivf")
IVF_MIN_ROWS_PER_LIST = 39  # fewer: faiss's k-means warns that it has too few points


class PatchcoreModel(nn.Module):
    """Eval forward: images in [0, 1] (B,3,H,W) -> (image scores (B,), anomaly maps (B,1,H,W))."""

    def __init__(
        self,
        extractor: FeatureExtractor,
        coreset_sampling_ratio: float = 0.1,
        max_bank_size: int | None = None,
        coreset_exact_limit: int | None = None,
        num_neighbors: int = 9,
        projection_dim: int = 128,
        smoothing_sigma: float = 4.0,
        chunk_size: int = 4096,
        feature_scaling: str = "none",
        search: str = "exact",
        search_lists: int | None = None,
        search_probes: int = 8,
        seed: int = 0,
    ) -> None:
        super().__init__()
        self.extractor = extractor
        self.coreset_sampling_ratio = coreset_sampling_ratio
        self.max_bank_size = max_bank_size
        self.coreset_exact_limit = coreset_exact_limit
        self.num_neighbors = num_neighbors
        self.projection_dim = projection_dim
        self.chunk_size = chunk_size
        if feature_scaling not in FEATURE_SCALINGS:
            choices = ", ".join(FEATURE_SCALINGS)
            raise ValueError(f"feature_scaling={feature_scaling}: choose one of {choices}")
        self.feature_scaling = feature_scaling
        if search not in SEARCHES:
            raise ValueError(f"search={search}: choose one of {', '.join(SEARCHES)}")
        self.search, self.search_lists, self.search_probes = search, search_lists, search_probes
        self._index: tuple[tuple, IvfIndex] | None = None  # (the bank it indexes, the index)
        self.level_channels = extractor.channels
        self.seed = seed
        self.smoothing = GaussianSmoothing(smoothing_sigma)
        dim = sum(extractor.channels)
        self.register_buffer("memory_bank", torch.empty(0, dim))
        # training statistics that scale patches before comparison (identity for "none"), so
        # that no feature level outweighs another by the scale of its activations
        self.register_buffer("feature_mean", torch.zeros(dim))
        self.register_buffer("feature_std", torch.ones(dim))
        # which training item each bank row came from (out-of-fold scoring); not saved
        self.register_buffer("bank_sources", torch.empty(0, dtype=torch.long), persistent=False)

    def embed(self, images: torch.Tensor) -> torch.Tensor:
        """Patch embeddings (B, D, h, w): 3x3-averaged levels, resized to the finest, stacked."""
        return patch_features(self.extractor(images))

    @torch.no_grad()
    def fit(self, embeddings: Sequence[torch.Tensor]) -> None:
        """Build the memory bank from (B, D, h, w) training embeddings, one tensor per training
        item; bank_sources records each bank row's item (its position in `embeddings`)."""
        counts = [e.shape[0] * e.shape[2] * e.shape[3] for e in embeddings]
        vectors = embeddings[0].new_empty(sum(counts), embeddings[0].shape[1])
        for rows, item in zip(vectors.split(counts), embeddings, strict=True):
            rows.view(item.shape[0], *item.shape[2:], -1).copy_(item.permute(0, 2, 3, 1))
        if self.feature_scaling != "none":
            self.feature_mean, self.feature_std = self._scaling(vectors)
        vectors.sub_(self.feature_mean).div_(self.feature_std)  # in place: no second copy
        sources = torch.arange(len(counts)).repeat_interleave(torch.tensor(counts))
        generator = torch.Generator().manual_seed(self.seed)
        chosen = greedy_coreset(
            vectors,
            self.bank_size(len(vectors)),
            self.projection_dim,
            generator,
            self.coreset_exact_limit,
        )
        self.memory_bank = vectors[chosen].contiguous()
        self.bank_sources = sources[chosen]

    def bank_size(self, n_patches: int) -> int:
        """The coreset's share of the training patches, at most `max_bank_size`."""
        size = max(1, int(n_patches * self.coreset_sampling_ratio))
        return size if self.max_bank_size is None else min(size, self.max_bank_size)

    @property
    def is_fitted(self) -> bool:
        return self.memory_bank.shape[0] > 0

    def forward(
        self, images: torch.Tensor, sources: torch.Tensor | None = None
    ) -> tuple[torch.Tensor, torch.Tensor]:
        """`sources` (B,): each image's training item (-1: none), whose own bank rows are then
        left out of its nearest-neighbour search (out-of-fold scoring of training images)."""
        embeddings = self.embed(images)
        batch, _, height, width = embeddings.shape
        patches = self.scaled(flatten_patches(embeddings))
        exclude = None
        if sources is not None:
            exclude = (sources.repeat_interleave(height * width), self.bank_sources)
        distances, indices = nearest_neighbours(
            patches, self.memory_bank, 1, self.chunk_size, exclude, self.approximate_index()
        )
        patch_scores = distances[:, 0].view(batch, height * width)
        image_scores = self._reweighted_scores(
            patches.view(batch, height * width, -1), patch_scores, indices[:, 0].view(batch, -1)
        )
        maps = patch_scores.view(batch, 1, height, width)
        maps = F.interpolate(maps, size=images.shape[-2:], mode="bilinear", align_corners=False)
        return image_scores, self.smoothing(maps)

    def approximate_index(self) -> IvfIndex | None:
        """With search="ivf", the inverted-file index of the current bank and settings (built
        on first use, again after either changes); None for exact search."""
        on_cpu = self.memory_bank.device.type == "cpu"
        if self.search == "exact" or torch.jit.is_tracing() or not on_cpu:
            return None
        bank, lists = self.memory_bank, self.ivf_lists(len(self.memory_bank))
        key = (id(bank), bank.data_ptr(), bank._version, tuple(bank.shape), lists)
        if self._index is None or self._index[0] != key:
            self._index = (key, IvfIndex(bank, lists, self.seed))
        self._index[1].probes = self.search_probes
        return self._index[1]

    def ivf_lists(self, bank_size: int) -> int:
        """search_lists, or the root of the bank's size; at most one per 39 bank rows."""
        wanted = self.search_lists or round(bank_size**0.5)
        return max(1, min(wanted, bank_size // IVF_MIN_ROWS_PER_LIST))

    def _scaling(self, vectors: torch.Tensor) -> tuple[torch.Tensor, torch.Tensor]:
        """Per-channel means and the divisors: each channel's standard deviation ("channel"), or
        each level's spread, the root of its channels' summed variances ("level": every level's
        centred patches then have a mean squared norm of 1, whatever its channel count)."""
        variance = vectors.var(dim=0, correction=0)
        if self.feature_scaling == "channel":
            spread = variance.sqrt()
        else:
            levels = variance.split(self.level_channels)
            spread = torch.cat([level.sum().sqrt().expand(len(level)) for level in levels])
        return vectors.mean(dim=0), spread.clamp_min(1e-6)

    def scaled(self, patches: torch.Tensor) -> torch.Tensor:
        """Patch vectors (N, D) scaled as the bank's were."""
        return (patches - self.feature_mean) / self.feature_std

    def _reweighted_scores(
        self, patches: torch.Tensor, patch_scores: torch.Tensor, nearest: torch.Tensor
    ) -> torch.Tensor:
        """Paper eq. 7: damp the max patch score when its bank neighbour sits in a dense area."""
        max_scores, max_index = patch_scores.max(dim=1)
        rows = torch.arange(patches.shape[0], device=patches.device)  # shape: traced, len: not
        worst_patch = patches[rows, max_index]  # (B, D)
        bank_entry = self.memory_bank[nearest[rows, max_index]]  # (B, D)
        k = min(self.num_neighbors, len(self.memory_bank))
        if k < 2:
            return max_scores
        _, support = nearest_neighbours(bank_entry, self.memory_bank, k, self.chunk_size)
        distances = torch.linalg.vector_norm(
            worst_patch.unsqueeze(1) - self.memory_bank[support], dim=-1
        )  # (B, k); column 0 is the nearest entry itself
        weights = 1 - torch.softmax(distances, dim=1)[:, 0]
        return weights * max_scores

    def _load_from_state_dict(self, state_dict, prefix, *args, **kwargs) -> None:
        """The bank's size is known only from the checkpoint: resize before loading."""
        resize_fitted_buffers(self, state_dict, prefix, ("memory_bank",))
        for name in ("feature_mean", "feature_std"):  # checkpoints from before feature scaling
            state_dict.setdefault(prefix + name, getattr(self, name).clone())
        super()._load_from_state_dict(state_dict, prefix, *args, **kwargs)


def flatten_patches(embeddings: torch.Tensor) -> torch.Tensor:
    """(B, D, h, w) -> (B*h*w, D), patches of one image contiguous in row-major order."""
    return embeddings.permute(0, 2, 3, 1).reshape(-1, embeddings.shape[1])
