"""CRN's thin Lightning wrapper: random pairs of units compete in training; validation picks
the generator and discriminator; the base class then calibrates on that pair's outputs."""

from __future__ import annotations

from collections.abc import Mapping
from pathlib import Path
from typing import Any

import torch

from adbench.data.geometry import geometry_of
from adbench.errors import AdbenchError
from adbench.methods.base import AnomalyModule, split_wiring
from adbench.methods.crn.losses import LossWeights, pair_losses
from adbench.methods.crn.model import CrnModel
from adbench.methods.crn.optimizers import build_optimizer, build_scheduler, check_names
from adbench.methods.crn.pairing import Pair, candidate_pairs, sample_pair
from adbench.methods.crn.predict_outputs import write_reconstruction_outputs
from adbench.methods.crn.selection import PairRecord, best_pair, evaluate_pair
from adbench.methods.registry import register_method


# no tiling: validation scores many (G, D) pairs on whole images; trainer=ddp: each step
# trains two of the units, so DDP searches for unused parameters
@register_method("crn", trains=True, supports_tiling=False, ddp_find_unused_parameters=True)
class CrnModule(AnomalyModule):
    """`model=crn`: competitive reconstruction networks (manual optimization, one optimizer and
    optional scheduler per unit; only the two paired units step in a training step).

    Training length: trainer.max_steps training steps (conf/model/crn.yaml), validated every
    trainer.val_check_interval steps. The last training step is always validated, so the
    chosen pair and the calibration belong to the final weights.
    """

    def __init__(
        self,
        both_roles: bool = True,
        w_rec: float = 0.5,
        w_feedback: float = 1.0,
        w_disc: float = 2.0,
        margin: float = 1.0,
        optimizer: str = "adam",
        lr: float = 1e-4,
        weight_decay: float = 0.0,
        momentum: float = 0.9,
        scheduler: str = "none",
        scheduler_args: Mapping[str, Mapping] | None = None,
        selection_max_pairs: int = 30,
        image_size: Any = 128,
        **settings: Any,
    ) -> None:
        """`settings`: CrnModel's knobs (num_competitive_units, network_depth, base_width,
        norm, dropout, upsampling, score_reduction, score_quantile, smoothing_sigma) and the
        wiring."""
        knobs, wiring = split_wiring(settings)
        super().__init__(image_size=image_size, **wiring)
        self.save_hyperparameters()
        self.automatic_optimization = False
        try:
            check_names(optimizer, scheduler)
            self.model = CrnModel(**knobs)
        except ValueError as error:
            raise AdbenchError(f"model=crn: {error}") from error
        self.weights = LossWeights(w_rec, w_feedback, w_disc, margin)
        self.both_roles = both_roles
        self.selection_max_pairs = selection_max_pairs
        self.pairing_rng = torch.Generator().manual_seed(self.seed)
        self.selection_rng = torch.Generator().manual_seed(self.seed + 1)
        self.selection: list[PairRecord] = []
        self._candidates: list[Pair] = []
        self._pair_scores: dict[Pair, list[torch.Tensor]] = {}
        self._pair_errors: dict[Pair, list[torch.Tensor]] = {}
        self._val_labels: list[torch.Tensor] = []

    @property
    def num_units(self) -> int:
        return len(self.model.units)

    # training
    def configure_optimizers(self):
        hp = self.hparams
        optimizers = [
            build_optimizer(hp.optimizer, unit.parameters(), hp.lr, hp.weight_decay, hp.momentum)
            for unit in self.model.units
        ]
        if hp.scheduler == "none":
            return optimizers
        # each training step updates two units: a unit's expected share of the updates
        steps = self.trainer.max_steps
        total = steps if steps > 0 else self.trainer.estimated_stepping_batches
        per_unit = 2 * total / self.num_units
        try:
            schedulers = [
                build_scheduler(hp.scheduler, opt, per_unit, hp.scheduler_args or {})
                for opt in optimizers
            ]
        except (TypeError, ValueError) as error:
            raise AdbenchError(f"model.scheduler={hp.scheduler}: {error}") from error
        return optimizers, schedulers

    def training_step(self, batch: dict, batch_idx: int) -> torch.Tensor:
        images = batch["image"]
        pair = sample_pair(self.num_units, self.pairing_rng)
        roles = [pair, pair[::-1]] if self.both_roles else [pair]
        optimizers = self.optimizers()
        for unit in pair:
            optimizers[unit].zero_grad(set_to_none=True)
        units = self.model.units
        terms = [pair_losses(units[g], units[d], images, self.weights) for g, d in roles]
        loss = torch.stack([t.generator + t.discriminator for t in terms]).sum()
        self.manual_backward(loss)
        self._step_units(pair, optimizers)
        size = len(images)
        for key, values in (
            ("generator_loss", [t.generator for t in terms]),
            ("discriminator_loss", [t.discriminator for t in terms]),
            ("reconstruction_l1", [t.reconstruction for t in terms]),
            ("feedback_l1", [t.feedback for t in terms]),
        ):
            self.log(f"train_{key}", torch.stack(values).detach().mean(), batch_size=size)
        self.log("train_loss", loss.detach(), prog_bar=True, batch_size=size)
        return loss.detach()

    def _step_units(self, pair: Pair, optimizers: list) -> None:
        """Step both units' optimizers (and schedulers). Lightning counts every
        LightningOptimizer.step as a global step; only the first one goes through it, so that
        trainer.max_steps counts training steps, as the paper does."""
        first, second = pair
        self.trainer.strategy.optimizer_step(optimizers[second].optimizer, closure=_no_closure)
        optimizers[first].step()
        schedulers = self.lr_schedulers()
        if schedulers:
            for unit in pair:
                schedulers[unit].step()

    def on_train_batch_end(self, outputs: Any, batch: Any, batch_idx: int) -> None:
        """Ask Lightning to stop after the last step: it then validates that step too."""
        trainer = self.trainer
        last_step = 0 < trainer.max_steps <= trainer.global_step
        last_epoch = 0 < (trainer.max_epochs or 0) <= trainer.current_epoch + 1
        if last_step or (last_epoch and batch_idx + 1 >= trainer.num_training_batches):
            trainer.should_stop = True

    # validation: choose the pair, then the base class calibrates on its outputs
    def on_validation_epoch_start(self) -> None:
        super().on_validation_epoch_start()
        self._candidates = candidate_pairs(
            self.num_units, self.selection_max_pairs, self.model.pair, self.selection_rng
        )
        self._pair_scores = {pair: [] for pair in self._candidates}
        self._pair_errors = {pair: [] for pair in self._candidates}
        self._val_labels = []

    def validation_step(self, batch: dict, batch_idx: int) -> None:
        images = batch["image"]
        units = self.model.units
        generated = {g: units[g](images) for g in sorted({g for g, _ in self._candidates})}
        for pair in self._candidates:
            reconstructions = units[pair[1]](generated[pair[0]])
            maps = self.model.anomaly_maps(images, reconstructions)
            scores = self.model.image_scores(maps)
            self._pair_scores[pair].append(scores.float().cpu())
            errors = (images - reconstructions).abs().mean(dim=(1, 2, 3))
            self._pair_errors[pair].append(errors.float().cpu())
            if pair == self.model.pair:
                self.record_validation(batch, scores, maps)
        self._val_labels.append(torch.as_tensor(batch["label"]).cpu())

    def on_validation_epoch_end(self) -> None:
        if not self.trainer.sanity_checking and self._val_labels:
            self._select_pair()
        super().on_validation_epoch_end()

    def _select_pair(self) -> None:
        labels = torch.cat(self._val_labels)
        self.selection = [
            evaluate_pair(
                pair,
                torch.cat(self._pair_scores[pair]),
                torch.cat(self._pair_errors[pair]),
                labels,
            )
            for pair in self._candidates
        ]
        best = best_pair(self.selection)
        if best.pair != self.model.pair:
            self.model.select(best.pair)
            self._rescore_validation(len(self._val_labels))
        self.log("val_generator", float(best.pair[0]))
        self.log("val_discriminator", float(best.pair[1]))
        self.log("val_reconstruction_error", best.normal_error)

    @torch.no_grad()
    def _rescore_validation(self, n_batches: int) -> None:
        """val_results from the newly chosen pair: the same batches once more, that pair only."""
        loaders = self.trainer.val_dataloaders
        loader = loaders[0] if isinstance(loaders, list | tuple) else loaders
        self.start_validation_record()
        for _, batch in zip(range(n_batches), loader, strict=False):
            self.record_validation(batch, *self(batch["image"].to(self.device)))

    # predict: scores and maps as every method, plus the reconstructions
    def predict_step(self, batch: dict, batch_idx: int) -> dict:
        scores, maps, reconstructions = self.model.score(batch["image"])
        return {
            **self.prediction(batch, scores, maps),
            "reconstructions": reconstructions.cpu(),
            "original_size": batch["original_size"].cpu(),
        }

    def extra_predict_outputs(self, out_dir: Path, batches: list[dict]) -> None:
        """inputs/, reconstructions/ and differences/ at each input's own size."""
        write_reconstruction_outputs(
            out_dir,
            [path for batch in batches for path in batch["path"]],
            torch.cat([batch["reconstructions"] for batch in batches]),
            torch.cat([batch["maps"].cpu() for batch in batches]),
            torch.cat([batch["original_size"] for batch in batches]),
            geometry_of(self.input_format)["resize"],
        )

    # checkpoints also carry the random streams, so a resumed run continues them
    def on_save_checkpoint(self, checkpoint: dict) -> None:
        super().on_save_checkpoint(checkpoint)
        checkpoint["crn_rng"] = {
            "pairing": self.pairing_rng.get_state(),
            "selection": self.selection_rng.get_state(),
        }

    def on_load_checkpoint(self, checkpoint: dict) -> None:
        super().on_load_checkpoint(checkpoint)
        states = checkpoint.get("crn_rng")
        if states:
            self.pairing_rng.set_state(states["pairing"])
            self.selection_rng.set_state(states["selection"])


def _no_closure() -> None:
    """Manual optimization: gradients are already there when the optimizer steps."""
    return None
