"""`python disk_full.py ADBENCH_ARGS...`: the adbench command on a disk that fills up when the
results are written (every fsync fails with ENOSPC)."""

from __future__ import annotations

import errno
import os

from adbench.__main__ import cli


def full_disk(fd: int) -> None:
    raise OSError(errno.ENOSPC, "No space left on device")


if __name__ == "__main__":
    os.fsync = full_disk
    cli()
