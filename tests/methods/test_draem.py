"""DRAEM: every bottleneck x loss trains; KL, attention gate, scheduler, checkpoints per variant."""

from __future__ import annotations

import itertools

import lightning as L
import pytest
import torch
import torchvision
from torch.utils.data import DataLoader

from adbench.checkpoints import load_module
from adbench.errors import AdbenchError
from adbench.methods.draem import DraemModel, DraemModule
from adbench.methods.draem.bottlenecks import BOTTLENECKS, SelfAttention, VariationalBottleneck
from adbench.methods.draem.loss import DraemLoss

SIZE = 64  # the smallest size every loss accepts (MS-SSIM needs > 32 px)
LOSSES = {
    "draem": {"l2": 1.0, "ssim": 1.0, "focal": 1.0},
    "draem_ms_ssim": {"l2": 1.0, "ms_ssim": 1.0, "focal": 1.0},
    "draem_lpips": {"l2": 1.0, "lpips": 1.0, "focal": 1.0},
}

pytestmark = [
    pytest.mark.filterwarnings("ignore:.*(pretrained|weight enum).*:UserWarning"),
    pytest.mark.filterwarnings("ignore:.*module\\(s\\) in eval mode"),  # the frozen LPIPS
    pytest.mark.filterwarnings("ignore:.*LeafSpec"),
    pytest.mark.filterwarnings("ignore:.*have no `val_dataloader`"),
]


@pytest.fixture(autouse=True)
def _single_thread(one_thread):
    """Every test here runs on one torch thread (see conftest.one_thread)."""


@pytest.fixture(scope="module")
def lpips_weights(tmp_path_factory):
    """SqueezeNet 1.1 trunk weights in torchvision's layout (random values: wiring only)."""
    path = tmp_path_factory.mktemp("weights") / "squeeze.pth"
    state = torchvision.models.squeezenet1_1().state_dict()
    torch.save({k: v for k, v in state.items() if k.startswith("features.")}, path)
    return str(path)


def loss_config(name: str, lpips_weights: str) -> dict:
    return {
        "terms": LOSSES[name],
        "options": {"lpips_net": "squeeze", "lpips_weights": lpips_weights},
    }


def tiny(network: str = "plain", loss: dict | None = None, **kwargs) -> DraemModule:
    torch.manual_seed(0)
    return DraemModule(
        reconstruction_network=network,
        base_width=2,
        disc_base_width=2,
        loss=loss or {"terms": LOSSES["draem"]},
        image_size=SIZE,
        **kwargs,
    )


def batch(n: int = 2, size: int = SIZE, seed: int = 0) -> dict:
    generator = torch.Generator().manual_seed(seed)
    image = torch.rand(n, 3, size, size, generator=generator)
    mask = torch.zeros(n, 1, size, size)
    mask[:, :, 8:24, 16:40] = 1
    augmented = torch.where(mask.bool(), torch.rand(n, 3, size, size, generator=generator), image)
    return {"image": image, "augmented_image": augmented, "anomaly_mask": mask}


@pytest.mark.parametrize(("network", "loss"), list(itertools.product(BOTTLENECKS, LOSSES)))
def test_every_bottleneck_and_loss_runs_a_training_step(network, loss, lpips_weights):
    module = tiny(network, loss_config(loss, lpips_weights))
    module.setup("fit")
    optimizer = torch.optim.Adam(module.model.parameters(), lr=1e-3)  # no trainer to configure
    before = [p.detach().clone() for p in module.model.parameters()]
    with pytest.warns(UserWarning, match="self.log"):  # no trainer attached here
        total = module.training_step(batch(), 0)
    total.backward()
    optimizer.step()
    assert torch.isfinite(total)
    assert set(module.criterion.reconstruction) == set(LOSSES[loss]) - {"focal"}
    for name in ("reconstructive", "discriminative"):
        grads = [p.grad for p in getattr(module.model, name).parameters() if p.grad is not None]
        assert grads and any(g.abs().sum() > 0 for g in grads)
    after = list(module.model.parameters())
    assert any(not torch.equal(a, b) for a, b in zip(before, after, strict=True))


@pytest.mark.parametrize("network", BOTTLENECKS)
def test_kl_term_only_with_a_variational_bottleneck(network):
    model = tiny(network).model.train()
    kl = model.outputs(batch()["image"]).kl
    if network in ("vae", "vae_attention"):
        assert kl > 0
    else:
        assert kl == 0


def test_vae_samples_in_training_and_uses_the_mean_in_evaluation():
    layer = VariationalBottleneck(4)
    features = torch.randn(2, 4, 3, 3)
    layer.train()
    assert not torch.equal(layer(features)[0], layer(features)[0])
    layer.eval()
    assert torch.equal(layer(features)[0], layer.mean(features))
    assert layer.mean is not layer.log_variance


def test_attention_gate_starts_closed():
    layer = SelfAttention(16, reduction=8)
    features = torch.randn(2, 16, 4, 4)
    assert float(layer.gamma.detach()) == 0
    assert torch.equal(layer(features)[0], features)
    layer.gamma.data.fill_(1.0)
    assert not torch.allclose(layer(features)[0], features)


def test_scores_pool_the_anomaly_probability_and_maps_have_input_size():
    model = DraemModel(base_width=2, disc_base_width=2).eval()
    assert [model.score_pool_size(s, s) for s in (32, 64, 96, 256, 512)] == [7, 15, 21, 21, 21]
    with torch.no_grad():
        scores, maps = model(batch(3)["image"])
        alone, _ = model(batch(3)["image"][2:])
    assert scores.shape == (3,) and maps.shape == (3, 1, SIZE, SIZE)
    assert maps.min() >= 0 and maps.max() <= 1 and (scores <= maps.amax(dim=(1, 2, 3))).all()
    assert torch.allclose(scores[2], alone[0], atol=1e-6)


def loader(n_batches: int = 1) -> DataLoader:
    items = [{k: v[0] for k, v in batch(1, seed=i).items()} for i in range(2 * n_batches)]
    return DataLoader(items, batch_size=2)


def trainer(**kwargs) -> L.Trainer:
    options = {
        "accelerator": "cpu",
        "logger": False,
        "enable_checkpointing": False,
        "enable_progress_bar": False,
        "enable_model_summary": False,
        "num_sanity_val_steps": 0,
    }
    return L.Trainer(**(options | kwargs))


class LearningRates(L.Callback):
    def __init__(self) -> None:
        self.seen: list[float] = []

    def on_train_epoch_start(self, trainer, module) -> None:
        self.seen.append(trainer.optimizers[0].param_groups[0]["lr"])


def test_learning_rate_drops_at_80_and_90_percent_of_the_epochs():
    rates = LearningRates()
    module = tiny(lr=1e-3)
    trainer(max_epochs=10, limit_train_batches=1, callbacks=[rates]).fit(module, loader())
    assert rates.seen == pytest.approx([1e-3] * 8 + [2e-4, 4e-5])
    assert module.lr_milestone_epochs() == [8, 9]


def test_training_counted_in_steps_alone_is_refused_naming_the_epochs():
    with pytest.raises(AdbenchError, match=r"trainer.max_epochs, which is -1: set "):
        trainer(max_epochs=-1, max_steps=2).fit(tiny(), loader())


@pytest.mark.parametrize("network", BOTTLENECKS)
def test_checkpoint_loads_back_into_the_same_variant_with_identical_scores(
    network, tmp_path, lpips_weights
):
    loss = loss_config("draem_lpips", lpips_weights)
    module = tiny(network, loss)
    trainer_ = trainer(max_epochs=1, limit_train_batches=1)
    trainer_.fit(module, loader())
    trainer_.save_checkpoint(tmp_path / "any_name_plain_vae.ckpt")  # the name says nothing
    checkpoint = torch.load(tmp_path / "any_name_plain_vae.ckpt", weights_only=True)
    assert checkpoint["adbench"]["variant"]["reconstruction_network"] == network
    assert not any(key.startswith("criterion.") for key in checkpoint["state_dict"])
    loaded = load_module(tmp_path / "any_name_plain_vae.ckpt", "draem")
    assert loaded.hparams.reconstruction_network == network
    assert loaded.hparams.loss == loss and loaded.criterion is None
    assert type(loaded.model.reconstructive.bottleneck) is type(
        module.model.reconstructive.bottleneck
    )
    images = batch(2, seed=5)["image"]
    module.eval(), loaded.eval()
    with torch.no_grad():
        assert torch.equal(module(images)[0], loaded(images)[0])


def test_training_without_synthetic_anomalies_says_which_augmentation():
    module = tiny()
    module.setup("fit")
    plain = {"image": torch.rand(2, 3, SIZE, SIZE)}
    with pytest.raises(AdbenchError, match="augmentation=draem"):
        module.training_step(plain, 0)


@pytest.mark.parametrize(
    ("kwargs", "message"),
    [
        ({"image_size": 100}, "multiples of 32"),
        ({"loss": {}}, "needs a DRAEM loss"),
        ({"loss": {"terms": {"l1": 1.0, "focal": 1.0}}}, "loss.terms.l1 is unknown"),
        ({"loss": {"terms": {"focal": 1.0}}}, "needs a reconstruction term"),
        ({"loss": {"terms": {"l2": 1.0, "focal": 0.0}}}, "focal must be > 0"),
        ({"loss": {"terms": {"l2": 1.0, "focal": 1.0}, "options": {"gamma": 2}}}, "gamma is"),
    ],
)
def test_bad_settings_are_named(kwargs, message):
    with pytest.raises(AdbenchError, match=message):
        DraemModule(**{"base_width": 2, "disc_base_width": 2, "loss": {"terms": {}}} | kwargs)


def test_unknown_bottleneck_is_named():
    with pytest.raises(AdbenchError, match="reconstruction_network='unet' is unknown"):
        tiny("unet")


@pytest.mark.parametrize("network", ["vae", "vae_attention"])
def test_training_loss_adds_the_weighted_kl_term(network):
    losses = {}
    for weight in (0.0, 10.0):
        module = tiny(network, kl_weight=weight)  # the same initial weights each time
        module.setup("fit")
        torch.manual_seed(1)  # the same latent sample
        with pytest.warns(UserWarning, match="self.log"):  # no trainer attached here
            losses[weight] = module.training_step(batch(), 0).item()
    kl = tiny(network).model.outputs(batch()["augmented_image"]).kl.item()
    assert kl > 0
    assert losses[10.0] - losses[0.0] == pytest.approx(10 * kl, rel=1e-3)


def test_lpips_term_is_a_distance_that_the_loss_minimises(lpips_weights):
    config = loss_config("draem_lpips", lpips_weights)
    criterion = DraemLoss({**config, "terms": {"lpips": 1.0, "focal": 1.0}})
    target = batch()["image"]
    logits, masks = torch.zeros(2, 2, SIZE, SIZE), torch.zeros(2, 1, SIZE, SIZE)
    perfect, parts = criterion(target, target, logits, masks)
    assert parts["lpips"].item() == pytest.approx(0.0, abs=1e-6)
    blurred = torch.nn.functional.avg_pool2d(target, 5, stride=1, padding=2)
    worse, _ = criterion(blurred, target, logits, masks)
    noisy = (target + 0.3 * torch.randn_like(target)).clamp(0, 1)
    worst, _ = criterion(noisy, target, logits, masks)
    assert perfect < worse and perfect < worst  # a worse reconstruction never lowers the loss
