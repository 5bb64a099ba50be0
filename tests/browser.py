"""A report page in a real browser: Debian's chromium driven by Playwright, console errors
collected. Without chromium a test skips with the reason, except in CI (CI=true), where
.ci/chromium.sh installs it.

Imported by test modules as `from browser import opened` (tests/ is on pytest's pythonpath).
"""

from __future__ import annotations

import os
import shutil
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

import pytest

CHROMIUM = shutil.which("chromium") or shutil.which("chromium-browser")
FLAGS = [  # headless as root, and no calls out of a closed network
    "--no-sandbox", "--disable-gpu", "--disable-quic", "--no-first-run",
    "--disable-background-networking", "--disable-component-update", "--disable-sync",
]  # fmt: skip


@contextmanager
def opened(page_file: Path, errors: list[str]) -> Iterator:
    """The Playwright page showing `page_file`; console and page errors go to `errors`."""
    if CHROMIUM is None:
        reason = "no chromium on this machine: .ci/chromium.sh installs Debian's package"
        if os.environ.get("CI") == "true":
            pytest.fail(reason)
        pytest.skip(reason)
    from playwright.sync_api import sync_playwright

    with sync_playwright() as playwright:
        browser = playwright.chromium.launch(executable_path=CHROMIUM, args=FLAGS)
        try:
            page = browser.new_page(viewport={"width": 1200, "height": 1600})
            page.on(
                "console", lambda message: message.type == "error" and errors.append(message.text)
            )
            page.on("pageerror", lambda error: errors.append(str(error)))
            page.goto(page_file.as_uri())
            yield page
        finally:
            browser.close()
