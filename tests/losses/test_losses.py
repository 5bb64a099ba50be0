"""Focal, L2, SSIM, MS-SSIM and LPIPS losses: values, signs, small images, offline weights."""

from __future__ import annotations

import urllib.error

import lpips
import pytest
import torch
import torch.nn.functional as F
import torchvision

from adbench.errors import AdbenchError
from adbench.losses import FocalLoss, L2Loss, LpipsLoss, MsSsimLoss, SsimLoss, load_lpips

# lpips builds its random trunk with torchvision's deprecated `pretrained` argument
pytestmark = pytest.mark.filterwarnings("ignore:.*(pretrained|weight enum).*:UserWarning")


@pytest.fixture(autouse=True)
def _single_thread(one_thread):
    """Every test here runs on one torch thread (see conftest.one_thread)."""


def test_focal_loss_with_gamma_0_is_cross_entropy_and_focuses_on_hard_pixels():
    torch.manual_seed(0)
    logits = torch.randn(2, 2, 8, 8)
    target = (torch.rand(2, 1, 8, 8) > 0.7).float()
    cross_entropy = F.cross_entropy(logits, target[:, 0].long())
    assert torch.allclose(FocalLoss(gamma=0)(logits, target), cross_entropy)
    assert FocalLoss(gamma=2)(logits, target) < cross_entropy
    confident = torch.cat([1 - target, target], dim=1) * 20 - 10  # right class, logit gap 20
    assert FocalLoss(gamma=2)(confident, target) < 1e-6


@pytest.mark.parametrize(
    ("loss", "size"),
    [(L2Loss(), 32), (SsimLoss(11), 32), (SsimLoss(11), 64), (MsSsimLoss(11), 48)],
)
def test_reconstruction_losses_are_zero_for_identical_images_only(loss, size):
    torch.manual_seed(0)
    target = torch.rand(2, 3, size, size)
    noisy = (target + 0.3 * torch.randn_like(target)).clamp(0, 1).requires_grad_(True)
    assert float(loss(target, target)) == pytest.approx(0, abs=1e-5)
    value = loss(noisy, target)
    value.backward()
    assert value > 0.001 and torch.isfinite(noisy.grad).all()


def test_ms_ssim_window_shrinks_to_what_the_image_allows():
    loss = MsSsimLoss(11)
    assert [loss.window_for(s, s) for s in (33, 64, 96, 160, 161, 256)] == [3, 3, 5, 9, 11, 11]
    assert loss.window_for(256, 64) == 3
    with pytest.raises(AdbenchError, match="ms_ssim loss needs images larger than 32 px"):
        loss(torch.rand(1, 3, 32, 32), torch.rand(1, 3, 32, 32))


def random_trunk_lpips(net: str = "squeeze") -> LpipsLoss:
    return LpipsLoss(lpips.LPIPS(net=net, pnet_rand=True, verbose=False))


def test_lpips_loss_is_the_distance_lowest_for_identical_images():
    torch.manual_seed(0)
    loss = random_trunk_lpips("alex")
    target = torch.rand(2, 3, 64, 64)
    identical = loss(target, target)
    apart = loss(torch.rand(2, 3, 64, 64), target)
    assert float(identical) == pytest.approx(0, abs=1e-6) and apart > identical
    # minimising it moves a reconstruction toward its target (the study's code maximised)
    guess = (target + 0.5 * torch.randn_like(target)).requires_grad_(True)
    before = float(loss(guess, target).detach())
    optimizer = torch.optim.SGD([guess], lr=0.5)
    for _ in range(5):
        optimizer.zero_grad()
        loss(guess, target).backward()
        optimizer.step()
    assert float(loss(guess, target).detach()) < before


def test_lpips_metric_stays_frozen_and_in_eval_mode():
    loss = random_trunk_lpips().train()
    assert not loss.metric.training
    assert not any(p.requires_grad for p in loss.parameters())


@pytest.fixture(scope="module")
def squeeze_weights(tmp_path_factory):
    """A torchvision-layout SqueezeNet 1.1 state dict (random values, small) in a file."""
    path = tmp_path_factory.mktemp("weights") / "squeeze.pth"
    torch.manual_seed(0)
    state = torchvision.models.squeezenet1_1().state_dict()
    torch.save({k: v for k, v in state.items() if k.startswith("features.")}, path)
    return path


def test_lpips_trunk_weights_load_from_a_configured_file(squeeze_weights):
    loss = load_lpips("squeeze", str(squeeze_weights))
    saved = torch.load(squeeze_weights, weights_only=True)
    trunk = loss.metric.net.state_dict()
    assert torch.equal(trunk["slice1.0.weight"], saved["features.0.weight"])
    assert torch.equal(trunk["slice7.12.expand3x3.bias"], saved["features.12.expand3x3.bias"])
    with pytest.raises(AdbenchError, match="does not fit the LPIPS alex trunk"):
        load_lpips("alex", str(squeeze_weights))


def test_lpips_offline_without_weights_fails_with_one_line(monkeypatch, tmp_path):
    def offline(*args, **kwargs):
        raise urllib.error.URLError("Name or service not known")

    monkeypatch.setattr(torch.hub, "load_state_dict_from_url", offline)
    monkeypatch.setattr(torch.hub, "get_dir", lambda: str(tmp_path / "hub"))
    with pytest.raises(AdbenchError) as error:
        load_lpips("alex")
    message = str(error.value)
    assert "\n" not in message
    assert "alexnet-owt-7be5be79.pth" in message and "torch hub cache" in message
    assert "loss.options.lpips_weights=FILE" in message
    with pytest.raises(AdbenchError, match=r"lpips_weights=.*nothing\.pth: no such file"):
        load_lpips("alex", str(tmp_path / "nothing.pth"))
    with pytest.raises(AdbenchError, match="lpips_net='resnet' is unknown"):
        load_lpips("resnet")
