"""The run report in a real browser (tests/browser.py): it renders with no console error, its
table shows metrics.json's numbers, a click on a header sorts the table, a second reverses it.
A full-page screenshot goes to the test's folder."""

from __future__ import annotations

import json

from browser import opened


def test_the_report_renders_shows_the_metrics_and_sorts_on_a_click(finished_run, tmp_path):
    summary = json.loads((finished_run / "metrics.json").read_text())
    errors: list[str] = []
    with opened(finished_run / "report.html", errors) as page:
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
    assert not errors, errors
    assert (tmp_path / "report.png").stat().st_size > 10_000
