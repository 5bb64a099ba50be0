"""`python -m adbench ARGS` for tests, without paying its start-up each time.

Importing adbench's run (torch, Lightning, timm) takes ~8 s per interpreter on the 2-core CI
machine, and the command-line tests start dozens of runs. `adbench_command` runs the same
entry point (`adbench.__main__.cli`) in a fresh process forked from a server that imported those
modules once (multiprocessing's forkserver): its own argv, working directory, environment,
stdout, stderr and exit status, as with `subprocess.run`. Tests about start-up itself (imports,
`--help`) or about signals sent to the process keep a real `python -m adbench`.

Imported by test modules as `from adbench_command import adbench_command`.
"""

from __future__ import annotations

import multiprocessing
import os
import subprocess
import sys
import tempfile
from pathlib import Path

PRELOADED = ["adbench.__main__", "adbench.run"]  # what `python -m adbench` imports to run
_context = multiprocessing.get_context("forkserver")
_context.set_forkserver_preload(PRELOADED)


def adbench_command(
    *args: str, cwd: str | Path, env: dict[str, str] | None = None, timeout: float = 300
) -> subprocess.CompletedProcess:
    """`python -m adbench *args` in `cwd` (with `env`, default this process's environment):
    exit status, stdout and stderr as text."""
    environment = dict(os.environ if env is None else env)
    with tempfile.TemporaryDirectory() as scratch:
        stdout, stderr = Path(scratch, "stdout"), Path(scratch, "stderr")
        process = _context.Process(
            target=_run_cli, args=(list(args), str(cwd), environment, str(stdout), str(stderr))
        )
        process.start()
        process.join(timeout)
        if process.exitcode is None:
            process.kill()
            process.join()
            raise subprocess.TimeoutExpired(["adbench", *args], timeout)
        output = [path.read_text() if path.exists() else "" for path in (stdout, stderr)]
        return subprocess.CompletedProcess(["adbench", *args], process.exitcode, *output)


def _run_cli(args: list[str], cwd: str, env: dict[str, str], stdout: str, stderr: str) -> None:
    """In the forked process: become `python -m adbench *args` and run it."""
    os.chdir(cwd)
    os.environ.clear()
    os.environ.update(env)
    for stream, path in ((sys.stdout, stdout), (sys.stderr, stderr)):
        stream.flush()
        file = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_TRUNC)
        os.dup2(file, stream.fileno())
        os.close(file)
    from adbench import __main__ as entry

    sys.argv = [entry.__file__, *args]  # as `python -m adbench` sets it
    entry.cli()
