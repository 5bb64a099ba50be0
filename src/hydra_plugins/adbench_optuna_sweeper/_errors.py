"""The sweeper's user-facing error: one line, printed by Hydra without a traceback."""

from __future__ import annotations

from hydra.errors import CompactHydraException

from adbench.errors import AdbenchError


class SweeperError(AdbenchError, CompactHydraException):
    """Bad sweeper settings: names the `hydra.sweeper` key and the fix, in one line."""

    def __init__(self, message: str) -> None:
        super().__init__(f"adbench: error: {message}")
