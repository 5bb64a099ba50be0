"""A Hydra sweeper that runs an Optuna study with its ask/tell API (`hydra/sweeper=optuna`).

It reads the same keys and search-space syntax as hydra-optuna-sweeper (`params` with
`interval(...)`, `choice(...)`, `range(...)`, `tag(log, ...)`), so those configs carry over, and
works with a current Optuna (>= 4). Beyond it: a study persists in SQLite by default and resumes
(`n_trials` is the study's total), workers may share one RDB storage (PostgreSQL), a failed job
is recorded as FAIL and the study goes on, and Lightning jobs can prune trials
(`adbench.sweeps.optuna_pruning`).

Hydra imports every module of a `hydra_plugins` package whose name does not start with `_`
when it scans for plugins, so the modules that import optuna are private (`_study.py`, ...).
"""
