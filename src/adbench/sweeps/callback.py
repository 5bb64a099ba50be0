"""Hydra callback: names job folders after the swept values and, when the multirun ends, writes
and prints the results table; exits non-zero when any job failed."""

from __future__ import annotations

import sys
from pathlib import Path
from typing import Any

from hydra.experimental.callback import Callback
from omegaconf import DictConfig, OmegaConf

from adbench.report import write_report
from adbench.sweeps.labels import announce_sweep, labels_repeat, swept_keys
from adbench.sweeps.results_table import FAILED, TABLE_NAME, collect_jobs, write_results_table

FAILED_SWEEP_EXIT_CODE = 1


class ResultsTableCallback(Callback):
    """Configured in conf/config.yaml under hydra.callbacks."""

    def on_multirun_start(self, config: DictConfig, **kwargs: Any) -> None:
        announce_sweep(swept_keys(config), numbered=labels_repeat(config))

    def on_multirun_end(self, config: DictConfig, **kwargs: Any) -> None:
        sweep_dir = Path(config.hydra.sweep.dir)
        jobs = collect_jobs(sweep_dir, swept_keys(config))
        if not jobs:
            return
        print(write_results_table(sweep_dir, jobs))
        print(f"results: {sweep_dir / TABLE_NAME}.csv and .md")
        if OmegaConf.select(config, "output.report", default=False):
            try:
                print(f"report: {write_report(sweep_dir)}")
            except Exception as error:  # the results table stands without its page
                print(f"note: report.html not written: {type(error).__name__}: {error}")
        failed = sum(job.status == FAILED for job in jobs)
        if failed:
            print(
                f"adbench: error: {failed} of {len(jobs)} jobs failed: see the error column of "
                f"{sweep_dir / TABLE_NAME}.md",
                file=sys.stderr,
            )
            sys.stdout.flush()
            # Hydra turns a callback's exception into a warning; SystemExit ends the sweep here
            raise SystemExit(FAILED_SWEEP_EXIT_CODE)
