"""The run report in a real browser (Debian's chromium, driven by Playwright): it renders with
no console error, its table shows metrics.json's numbers, a click on a header sorts the table.
A screenshot goes to the test's folder. Skipped, with the reason, where chromium is missing
(.ci/chromium.sh installs it)."""

from __future__ import annotations

import json
import os
import shutil

import pytest

CHROMIUM = shutil.which("chromium") or shutil.which("chromium-browser")


@pytest.fixture(autouse=True)
def chromium_or_reason():
    """Skips without chromium, except in CI (CI=true), where .ci/chromium.sh installs it."""
    if CHROMIUM is None:
        reason = "no chromium on this machine: .ci/chromium.sh installs Debian's package"
        if os.environ.get("CI") == "true":
            pytest.fail(reason)
        pytest.skip(reason)


FLAGS = [  # headless as root, and no calls out of a closed network
    "--no-sandbox", "--disable-gpu", "--disable-quic", "--no-first-run",
    "--disable-background-networking", "--disable-component-update", "--disable-sync",
]  # fmt: skip


def test_the_report_renders_shows_the_metrics_and_sorts_on_a_click(finished_run, tmp_path):
    from playwright.sync_api import sync_playwright

    summary = json.loads((finished_run / "metrics.json").read_text())
    errors: list[str] = []
    with sync_playwright() as playwright:
        browser = playwright.chromium.launch(executable_path=CHROMIUM, args=FLAGS)
        page = browser.new_page(viewport={"width": 1200, "height": 1600})
        page.on("console", lambda message: message.type == "error" and errors.append(message.text))
        page.on("pageerror", lambda error: errors.append(str(error)))
        page.goto((finished_run / "report.html").as_uri())
        table = page.locator("table.sortable").first
        names = table.locator("tbody tr td:nth-child(1)").all_inner_texts()
        tests = table.locator("tbody tr td:nth-child(2)").all_inner_texts()
        shown = dict(zip(names, tests, strict=True))
        for name, value in summary["metrics"].items():
            assert shown[name] == f"{value:.4f}"
        table.locator("th", has_text="test").click()  # ascending by the test column
        values = [
            float(text) for text in table.locator("tbody tr td:nth-child(2)").all_inner_texts()
        ]
        assert values == sorted(values) and values != list(map(float, shown.values()))
        table.locator("th", has_text="test").click()  # again: descending
        again = [
            float(text) for text in table.locator("tbody tr td:nth-child(2)").all_inner_texts()
        ]
        assert again == sorted(values, reverse=True)
        page.screenshot(path=str(tmp_path / "report.png"), full_page=True)
        browser.close()
    assert not errors, errors
    assert (tmp_path / "report.png").stat().st_size > 10_000
