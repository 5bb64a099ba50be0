"""Structured configs of the sweeper (`hydra/sweeper=optuna`), its samplers and its pruners.

The keys follow hydra-optuna-sweeper 1.3 so that existing configs carry over; added here:
`heartbeat_interval` and `grace_period` (RDB storages: trials of a killed worker are failed and
redone). Samplers and pruners are any Optuna class: `_target_` plus its arguments.
"""

# no `from __future__ import annotations`: Hydra runs this module before it is in sys.modules,
# where dataclasses would look string annotations up
from dataclasses import dataclass, field
from typing import Any

from hydra.core.config_store import ConfigStore
from omegaconf import MISSING

PROVIDER = "adbench_optuna_sweeper"


@dataclass
class TPESamplerConfig:
    """Optuna 4.9 deprecated most other TPE arguments; pass them with + if you need them."""

    _target_: str = "optuna.samplers.TPESampler"
    seed: int | None = None  # leave None when several workers share a study
    n_startup_trials: int = 10
    n_ei_candidates: int = 24
    multivariate: bool | None = None  # None: Optuna's default
    # True (Optuna 5's default): running trials of other workers count as bad ones, so parallel
    # trials do not all propose the same values
    constant_liar: bool = True


@dataclass
class RandomSamplerConfig:
    _target_: str = "optuna.samplers.RandomSampler"
    seed: int | None = None


@dataclass
class CmaEsSamplerConfig:
    _target_: str = "optuna.samplers.CmaEsSampler"
    seed: int | None = None
    x0: dict[str, Any] | None = None
    sigma0: float | None = None
    n_startup_trials: int = 1
    warn_independent_sampling: bool = True
    consider_pruned_trials: bool = False
    use_separable_cma: bool = False


@dataclass
class NSGAIISamplerConfig:
    _target_: str = "optuna.samplers.NSGAIISampler"
    seed: int | None = None
    population_size: int = 50
    mutation_prob: float | None = None
    crossover_prob: float = 0.9
    swapping_prob: float = 0.5


@dataclass
class GridSamplerConfig:
    """The grid is the search space itself: filled in when the study starts."""

    _target_: str = "optuna.samplers.GridSampler"
    _partial_: bool = True
    seed: int | None = None


@dataclass
class NopPrunerConfig:
    _target_: str = "optuna.pruners.NopPruner"


@dataclass
class MedianPrunerConfig:
    _target_: str = "optuna.pruners.MedianPruner"
    n_startup_trials: int = 5  # trials that finish unpruned before pruning starts
    n_warmup_steps: int = 0  # reports of a trial before it may be pruned (epochs or steps)
    interval_steps: int = 1
    n_min_trials: int = 1


@dataclass
class PercentilePrunerConfig:
    _target_: str = "optuna.pruners.PercentilePruner"
    percentile: float = 25.0
    n_startup_trials: int = 5
    n_warmup_steps: int = 0
    interval_steps: int = 1
    n_min_trials: int = 1


@dataclass
class HyperbandPrunerConfig:
    _target_: str = "optuna.pruners.HyperbandPruner"
    min_resource: int = 1
    max_resource: Any = "auto"
    reduction_factor: int = 3


@dataclass
class SuccessiveHalvingPrunerConfig:
    _target_: str = "optuna.pruners.SuccessiveHalvingPruner"
    min_resource: Any = "auto"
    reduction_factor: int = 4
    min_early_stopping_rate: int = 0
    bootstrap_count: int = 0


@dataclass
class ThresholdPrunerConfig:
    _target_: str = "optuna.pruners.ThresholdPruner"
    lower: float | None = None
    upper: float | None = None
    n_warmup_steps: int = 0
    interval_steps: int = 1


@dataclass
class OptunaSweeperConf:
    _target_: str = "hydra_plugins.adbench_optuna_sweeper.optuna_sweeper.OptunaSweeper"
    defaults: list[Any] = field(default_factory=lambda: [{"sampler": "tpe"}, {"pruner": "nop"}])

    sampler: Any = MISSING
    pruner: Any = MISSING
    # minimize | maximize, or a list of them for several objectives
    direction: Any = "minimize"
    # an Optuna storage URL (sqlite:///FILE, postgresql://USER:PASSWORD@HOST/DB) or null (memory)
    storage: Any = "sqlite:///multirun/optuna.db"
    study_name: str | None = None  # null: a new, randomly named study each time
    n_trials: int = 20  # the study's total: a rerun finishes the remaining trials
    n_jobs: int = 1  # trials asked and launched together (in parallel with a parallel launcher)
    max_failure_rate: float = 1.0  # stop when more than this share of this run's trials failed
    # name -> search space, e.g. model.lr: tag(log, interval(1e-5, 1e-2))
    params: dict[str, str] | None = None
    custom_search_space: str | None = None  # dotpath of a function (cfg, trial) -> None
    heartbeat_interval: int | None = 60  # seconds; RDB storages: a silent trial is stale
    grace_period: int | None = None  # seconds without heartbeat before a trial is failed


def register() -> None:
    """Make `hydra/sweeper=optuna` and its sampler and pruner options known to Hydra."""
    store = ConfigStore.instance()
    store.store(group="hydra/sweeper", name="optuna", node=OptunaSweeperConf, provider=PROVIDER)
    for name, node in {
        "tpe": TPESamplerConfig,
        "random": RandomSamplerConfig,
        "cmaes": CmaEsSamplerConfig,
        "grid": GridSamplerConfig,
        "nsgaii": NSGAIISamplerConfig,
    }.items():
        store.store(group="hydra/sweeper/sampler", name=name, node=node, provider=PROVIDER)
    for name, node in {
        "nop": NopPrunerConfig,
        "median": MedianPrunerConfig,
        "percentile": PercentilePrunerConfig,
        "successive_halving": SuccessiveHalvingPrunerConfig,
        "hyperband": HyperbandPrunerConfig,
        "threshold": ThresholdPrunerConfig,
    }.items():
        store.store(group="hydra/sweeper/pruner", name=name, node=node, provider=PROVIDER)


register()
