"""The study loop: ask trials, launch their Hydra jobs, tell Optuna how each one ended.

A study's `n_trials` is its total, shared by every worker and every rerun. Trials that count
towards it: COMPLETE, PRUNED, RUNNING or WAITING ones, and FAIL ones whose job failed (an
exception, or a return value that is not a finite number). Trials of an interrupted run
(Ctrl-C, or a killed worker whose heartbeat went stale) are FAIL too but do not count, so a
rerun does them again.
"""

from __future__ import annotations

import functools
import logging
import math
import random
import threading
import time
import warnings
from collections.abc import Iterator, Sequence
from contextlib import contextmanager, suppress
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import optuna
from hydra.core.utils import JobReturn, JobStatus
from hydra.utils import get_method
from omegaconf import DictConfig, OmegaConf
from optuna.trial import FrozenTrial, Trial, TrialState

from . import running_trial
from ._errors import SweeperError
from ._search_space import SearchSpace

log = logging.getLogger(__name__)

FAILURE_ATTR = "adbench_failure"  # why the job failed; such a FAIL counts towards n_trials
INTERRUPTED_ATTR = "adbench_interrupted"  # the run stopped during this trial; it is redone
SURPLUS_ATTR = "adbench_surplus"  # another worker filled the study first; never run
COUNTED_STATES = (TrialState.COMPLETE, TrialState.PRUNED, TrialState.RUNNING, TrialState.WAITING)
DIRECTIONS = ("minimize", "maximize")
STORAGE_ATTEMPTS = 5
DRIVER_PACKAGES = {"psycopg": "'psycopg[binary]'", "psycopg2": "psycopg2-binary"}


@contextmanager
def quiet_heartbeat_notes() -> Iterator[None]:
    """Optuna flags heartbeats as experimental and meant for Study.optimize: used as designed."""
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", optuna.exceptions.ExperimentalWarning)
        warnings.filterwarnings("ignore", message="Heartbeat of storage is supposed to be used")
        yield


@dataclass
class StudySettings:
    """The sweeper's settings, checked."""

    sampler: Any
    pruner: Any
    directions: list[str]
    storage: Any
    study_name: str | None
    n_trials: int
    n_jobs: int
    max_failure_rate: float
    custom_search_space: str | None
    heartbeat_interval: int | None
    grace_period: int | None

    def __post_init__(self) -> None:
        for direction in self.directions:
            if direction not in DIRECTIONS:
                raise SweeperError(
                    f"hydra.sweeper.direction={direction}: use minimize or maximize (or a list)"
                )
        if self.n_trials < 1 or self.n_jobs < 1:
            raise SweeperError("hydra.sweeper.n_trials and n_jobs must be at least 1")


def directions_of(direction: Any) -> list[str]:
    """hydra.sweeper.direction (a name, an enum-like, or a list of them) -> names."""
    single = isinstance(direction, str) or not isinstance(direction, Sequence)
    items = [direction] if single else list(direction)
    return [str(getattr(item, "name", item)).lower() for item in items]


def counts(trial: FrozenTrial) -> bool:
    """Whether the trial counts towards the study's n_trials."""
    if trial.state in COUNTED_STATES:
        return True
    return trial.state == TrialState.FAIL and FAILURE_ATTR in trial.user_attrs


def requeue_unfinished_grid_points(study: optuna.Study) -> None:
    """Optuna's grid sampler counts every finished trial's point as visited, FAIL included: a
    point whose trial was interrupted, stale or surplus (not counted) is queued again."""
    if not isinstance(study.sampler, optuna.samplers.GridSampler):
        return
    trials = study.get_trials(deepcopy=False)
    covered = {_point(t) for t in trials if counts(t)}
    for trial in trials:
        if trial.state == TrialState.FAIL and trial.params and _point(trial) not in covered:
            study.enqueue_trial(trial.params)
            covered.add(_point(trial))


def _point(trial: FrozenTrial) -> tuple:
    return tuple(sorted((name, repr(value)) for name, value in trial.params.items()))


def open_storage(settings: StudySettings) -> Any:
    """A URL becomes an RDB storage with heartbeats (SQLite: its folder is created)."""
    storage = settings.storage
    if not isinstance(storage, str):
        return storage  # None (in memory) or an instantiated Optuna storage
    from sqlalchemy.engine import make_url

    try:
        url = make_url(storage)
    except Exception as error:
        raise SweeperError(
            f"hydra.sweeper.storage={storage}: not a database URL, use e.g. "
            "sqlite:///multirun/optuna.db or postgresql://USER:PASSWORD@HOST/DB"
        ) from error
    engine_kwargs: dict[str, Any] = {}
    if url.get_backend_name() == "sqlite":
        if url.database and url.database != ":memory:":
            Path(url.database).expanduser().parent.mkdir(parents=True, exist_ok=True)
        engine_kwargs["connect_args"] = {"timeout": 60}  # workers wait for each other's writes
    try:
        return _rdb_storage(storage, engine_kwargs, settings)
    except ImportError as error:
        driver = url.get_driver_name()
        package = DRIVER_PACKAGES.get(driver, f"the {driver} database driver")
        raise SweeperError(
            f"hydra.sweeper.storage={url.render_as_string(hide_password=True)}: its database "
            f"driver is not installed: pip install {package}"
        ) from error


def _rdb_storage(url: str, engine_kwargs: dict[str, Any], settings: StudySettings) -> Any:
    """RDBStorage(url); workers starting together may race to create its tables: retry."""
    from sqlalchemy.exc import SQLAlchemyError

    for attempt in range(STORAGE_ATTEMPTS):
        try:
            with quiet_heartbeat_notes():
                return optuna.storages.RDBStorage(
                    url,
                    engine_kwargs=engine_kwargs,
                    heartbeat_interval=settings.heartbeat_interval,
                    grace_period=settings.grace_period,
                )
        except SQLAlchemyError:
            if attempt == STORAGE_ATTEMPTS - 1:
                raise
            time.sleep(0.5 + random.random())
    raise AssertionError("unreachable")


class StudyRunner:
    """Runs (or resumes) one study: batches of n_jobs trials until the study holds n_trials."""

    def __init__(self, settings: StudySettings, space: SearchSpace, launcher: Any) -> None:
        self.settings = settings
        self.space = space
        self.launcher = launcher
        self.job_idx = 0
        self.told = 0
        self.failed = 0
        sampler = settings.sampler
        if isinstance(sampler, functools.partial):  # the grid sampler takes the search space
            sampler = sampler(search_space=space.grid())
        self.storage = open_storage(settings)
        self.study = optuna.create_study(
            storage=self.storage,
            sampler=sampler,
            pruner=settings.pruner,
            study_name=settings.study_name,
            directions=settings.directions,
            load_if_exists=True,
        )

    def run(self, config: DictConfig) -> optuna.Study:
        """Launch trials until the study is full; returns the study."""
        log.info(f"Study {self.study.study_name}: {self._done()}/{self.settings.n_trials} trials")
        requeue_unfinished_grid_points(self.study)
        while True:
            with quiet_heartbeat_notes():
                optuna.storages.fail_stale_trials(self.study)
            remaining = self.settings.n_trials - self._done()
            if remaining <= 0 or self._grid_exhausted():
                break
            trials = self._ask(min(remaining, self.settings.n_jobs), config)
            if trials:
                self._launch(trials)
            self._check_failure_rate()
        return self.study

    def _grid_exhausted(self) -> bool:
        sampler = self.study.sampler
        waiting = self.study.get_trials(deepcopy=False, states=(TrialState.WAITING,))
        if (
            isinstance(sampler, optuna.samplers.GridSampler)
            and sampler.is_exhausted(self.study)
            and not waiting  # re-queued points still run
        ):
            log.info(f"Study {self.study.study_name}: every grid point has a trial")
            return True
        return False

    def _done(self) -> int:
        return sum(counts(t) for t in self.study.get_trials(deepcopy=False))

    def _ask(self, size: int, config: DictConfig) -> list[Trial]:
        """Ask up to `size` trials; one another worker got first is closed as surplus."""
        trials = []
        for _ in range(size):
            with quiet_heartbeat_notes():
                trial = self.study.ask(fixed_distributions=self.space.distributions)
            ahead = sum(
                counts(t) for t in self.study.get_trials(deepcopy=False) if t.number < trial.number
            )
            if ahead >= self.settings.n_trials:
                trial.set_user_attr(SURPLUS_ATTR, True)
                self.study.tell(trial, state=TrialState.FAIL)
                break
            if self.settings.custom_search_space:
                get_method(self.settings.custom_search_space)(config, trial)
            trials.append(trial)
        return trials

    def _launch(self, trials: list[Trial]) -> None:
        overrides = [self.space.overrides(trial.params) for trial in trials]
        first = self.job_idx
        for offset, trial in enumerate(trials):
            running_trial.register(first + offset, trial)
        pending = list(trials)
        try:
            with self._heartbeats(trials):
                returns = self.launcher.launch(overrides, initial_job_idx=first)
            self.job_idx += len(returns)
            for trial, job in zip(trials, returns, strict=True):
                self._tell(trial, job)
                pending.remove(trial)
        except BaseException:
            for trial in pending:  # interrupted: recorded, not counted, redone by a rerun
                with suppress(optuna.exceptions.UpdateFinishedTrialError):
                    trial.set_user_attr(INTERRUPTED_ATTR, True)
                    self.study.tell(trial, state=TrialState.FAIL)
            raise
        finally:
            for offset in range(len(trials)):
                running_trial.release(first + offset)

    def _tell(self, trial: Trial, job: JobReturn) -> None:
        state, values, failure = outcome(trial, job, len(self.settings.directions))
        if failure is not None:
            self.failed += 1
            trial.set_user_attr(FAILURE_ATTR, failure[:1000])
            log.warning(f"Trial {trial.number} failed: {failure}")
        try:
            self.study.tell(trial, values=values, state=state)
        except RuntimeError:
            # the grid sampler calls Study.stop() (meant for Study.optimize) once every grid
            # point is taken; the trial is stored by then, and run() stops at an exhausted grid
            if not isinstance(self.study.sampler, optuna.samplers.GridSampler):
                raise
        self.told += 1
        log.info(f"Trial {trial.number}: {state.name} {values or ''} {trial.params}")

    def _check_failure_rate(self) -> None:
        rate = self.failed / max(self.told, 1)
        if rate > self.settings.max_failure_rate:
            raise SweeperError(
                f"{self.failed} of {self.told} trials failed, more than "
                f"hydra.sweeper.max_failure_rate={self.settings.max_failure_rate}: see the log "
                "above, fix the cause and run the same command again to resume"
            )

    @contextmanager
    def _heartbeats(self, trials: list[Trial]) -> Iterator[None]:
        """While jobs run, beat for their trials so that other workers see them alive."""
        storage = self.storage
        interval = getattr(storage, "get_heartbeat_interval", lambda: None)()
        if not interval:
            yield
            return
        stop = threading.Event()

        def beat() -> None:
            while True:
                for trial in trials:
                    storage.record_heartbeat(trial._trial_id)
                if stop.wait(interval):
                    return

        thread = threading.Thread(target=beat, name="optuna-heartbeat", daemon=True)
        thread.start()
        try:
            yield
        finally:
            stop.set()
            thread.join()


def outcome(
    trial: Trial, job: JobReturn, n_objectives: int
) -> tuple[TrialState, list[float] | None, str | None]:
    """(state, values, failure) of a finished job: PRUNED, COMPLETE, or FAIL with the reason."""
    if running_trial.PRUNED_AT_ATTR in trial.user_attrs:
        return TrialState.PRUNED, None, None
    if job.status == JobStatus.FAILED:
        error = job._return_value  # the job's exception (the public getter re-raises it)
        if isinstance(error, optuna.TrialPruned):
            return TrialState.PRUNED, None, None
        return TrialState.FAIL, None, f"{type(error).__name__}: {error}"
    returned = job.return_value
    try:
        raw = [returned] if n_objectives == 1 else list(returned)
        values = [float(value) for value in raw]
    except (TypeError, ValueError):
        return TrialState.FAIL, None, f"the job returned {returned!r}, not a number"
    if len(values) != n_objectives:
        return TrialState.FAIL, None, f"the job returned {len(values)} values, not {n_objectives}"
    if not all(math.isfinite(value) for value in values):
        return TrialState.FAIL, None, recorded_failure(job) or f"the job returned {returned!r}"
    return TrialState.COMPLETE, values, None


def recorded_failure(job: JobReturn) -> str | None:
    """The error an adbench job recorded in its folder (it returns NaN to keep the sweep going)."""
    try:
        from adbench.sweeps.job_status import read_failure
    except ImportError:  # the sweeper without adbench: nothing recorded
        return None
    output_dir = OmegaConf.select(job.hydra_cfg or {}, "hydra.runtime.output_dir")
    return read_failure(output_dir) if output_dir else None


def write_results(study: optuna.Study, sweep_dir: str) -> None:
    """optimization_results.yaml in the sweep folder: the best trial(s) so far."""
    completed = study.get_trials(deepcopy=False, states=(TrialState.COMPLETE,))
    if not completed:
        log.warning(f"Study {study.study_name}: no trial completed")
        return
    if len(study.directions) == 1:
        best = study.best_trial
        results = {
            "name": "optuna",
            "study_name": study.study_name,
            "best_trial": best.number,
            "best_params": best.params,
            "best_value": best.value,
        }
        log.info(f"Best trial {best.number}: value {best.value}, params {best.params}")
    else:
        front = [{"params": t.params, "values": t.values} for t in study.best_trials]
        results = {"name": "optuna", "study_name": study.study_name, "solutions": front}
        log.info(f"{len(front)} Pareto-optimal trials")
    Path(sweep_dir).mkdir(parents=True, exist_ok=True)
    OmegaConf.save(OmegaConf.create(results), Path(sweep_dir) / "optimization_results.yaml")
