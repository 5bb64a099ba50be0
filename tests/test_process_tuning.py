"""Process tuning on import: large buffers stay on the heap (no page faults per allocation),
OpenMP threads sleep when idle; the user's own settings win."""

from __future__ import annotations

import os
import subprocess
import sys

import pytest

PROBE = """
import adbench, os, torch
page = os.sysconf("SC_PAGE_SIZE")
def rss_mib():
    return int(open("/proc/self/statm").read().split()[1]) * page / 2**20
before = rss_mib()
buffer = torch.ones(64 * 2**20 // 4)  # 64 MiB
del buffer
print(round(rss_mib() - before), os.environ["OMP_WAIT_POLICY"])
"""


def probe(**env: str) -> tuple[int, str]:
    clean = {k: v for k, v in os.environ.items() if not k.startswith(("MALLOC_", "OMP_", "ADB"))}
    output = subprocess.run(
        [sys.executable, "-c", PROBE], env={**clean, **env}, capture_output=True, text=True
    )
    kept_mib, policy = output.stdout.split()
    return int(kept_mib), policy


@pytest.mark.skipif(sys.platform != "linux", reason="glibc malloc tuning is Linux-only")
def test_freed_large_buffers_stay_with_the_process_unless_turned_off():
    kept, policy = probe()
    assert kept >= 60 and policy == "PASSIVE"
    kept_off, _ = probe(ADBENCH_MALLOC_TUNING="0")
    assert kept_off < 10


def test_a_users_own_settings_win():
    kept, policy = probe(OMP_WAIT_POLICY="ACTIVE", MALLOC_ARENA_MAX="2")
    assert policy == "ACTIVE" and kept < 10
