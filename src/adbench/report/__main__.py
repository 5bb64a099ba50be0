"""`python -m adbench.report RUN_DIR`: write RUN_DIR/report.html and print its path."""

from __future__ import annotations

import argparse
import sys

from adbench.errors import AdbenchError
from adbench.report import write_report


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m adbench.report", description=__doc__)
    parser.add_argument("directory", help="a run's output directory")
    args = parser.parse_args(argv)
    try:
        print(write_report(args.directory))
    except AdbenchError as error:
        print(f"adbench: error: {error}", file=sys.stderr)
        return 2
    return 0


if __name__ == "__main__":
    sys.exit(main())
