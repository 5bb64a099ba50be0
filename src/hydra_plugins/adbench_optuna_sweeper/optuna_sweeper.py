"""The Hydra Sweeper plugin class; the Optuna work is in `_study` (imported when sweeping)."""

from __future__ import annotations

from typing import Any

from hydra.core.plugins import Plugins
from hydra.plugins.sweeper import Sweeper
from hydra.types import HydraContext, TaskFunction
from omegaconf import DictConfig, OmegaConf


class OptunaSweeper(Sweeper):
    """`python -m adbench -m hparams_search=...`: an Optuna study, one Hydra job per trial."""

    def __init__(
        self,
        sampler: Any,
        pruner: Any,
        direction: Any,
        storage: Any,
        study_name: str | None,
        n_trials: int,
        n_jobs: int,
        max_failure_rate: float,
        params: DictConfig | None,
        custom_search_space: str | None,
        heartbeat_interval: int | None,
        grace_period: int | None,
    ) -> None:
        self.settings: dict[str, Any] = {
            "sampler": sampler,
            "pruner": pruner,
            "direction": direction,
            "storage": storage,
            "study_name": study_name,
            "n_trials": n_trials,
            "n_jobs": n_jobs,
            "max_failure_rate": max_failure_rate,
            "custom_search_space": custom_search_space,
            "heartbeat_interval": heartbeat_interval,
            "grace_period": grace_period,
        }
        self.params = OmegaConf.to_container(params) if params is not None else None
        self.config: DictConfig | None = None
        self.launcher: Any = None

    def setup(
        self, *, hydra_context: HydraContext, task_function: TaskFunction, config: DictConfig
    ) -> None:
        self.config = config
        self.launcher = Plugins.instance().instantiate_launcher(
            hydra_context=hydra_context, task_function=task_function, config=config
        )

    def sweep(self, arguments: list[str]) -> Any:
        from ._plots import write_plots
        from ._search_space import build_search_space
        from ._study import StudyRunner, StudySettings, directions_of, write_results

        assert self.config is not None, "setup() comes before sweep()"
        settings = dict(self.settings)
        # resolved again in the whole config: the name may refer to job keys (dataset.category)
        settings["study_name"] = OmegaConf.select(
            self.config, "hydra.sweeper.study_name", default=settings["study_name"]
        )
        settings["directions"] = directions_of(settings.pop("direction"))
        runner = StudyRunner(
            StudySettings(**settings), build_search_space(self.params, arguments), self.launcher
        )
        study = runner.run(self.config)
        write_results(study, str(self.config.hydra.sweep.dir))
        write_plots(study, str(self.config.hydra.sweep.dir))
        return study
