"""GaussianSmoothing as matrix products gives torchvision's gaussian_blur numbers."""

from __future__ import annotations

import pytest
import torch
from torchvision.transforms.functional import gaussian_blur

from adbench.errors import AdbenchError
from adbench.postprocess import GaussianSmoothing


@pytest.mark.parametrize(
    ("shape", "sigma"), [((2, 1, 64, 64), 4.0), ((2, 1, 48, 80), 2.0), ((3, 2, 40, 33), 1.0)]
)
def test_matches_torchvision_gaussian_blur(shape: tuple[int, ...], sigma: float) -> None:
    maps = torch.rand(*shape, generator=torch.Generator().manual_seed(0)) ** 3
    smoothing = GaussianSmoothing(sigma)
    expected = gaussian_blur(maps, [smoothing.kernel_size] * 2, [sigma] * 2)
    assert torch.allclose(smoothing(maps), expected, atol=1e-5)


def test_sigma_zero_is_identity() -> None:
    maps = torch.rand(1, 1, 8, 8)
    assert torch.equal(GaussianSmoothing(0)(maps), maps)


def test_map_smaller_than_the_kernel_is_refused_with_the_sizes() -> None:
    with pytest.raises(AdbenchError, match=r"model\.smoothing_sigma=4"):
        GaussianSmoothing(4.0)(torch.rand(1, 1, 10, 10))
