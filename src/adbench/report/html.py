"""Pieces of a self-contained HTML page: escaped tables (sortable by a click on a header),
embedded PNGs, folded sections. No network, no build step: one file opens anywhere."""

from __future__ import annotations

import base64
import html
import io
from collections.abc import Sequence
from pathlib import Path
from typing import Any

from matplotlib.figure import Figure

STYLE = """
body { font-family: system-ui, sans-serif; margin: 2em; color: #222; max-width: 1200px; }
table { border-collapse: collapse; margin: 0.5em 0 1.5em; }
th, td { border: 1px solid #ccc; padding: 0.25em 0.6em; text-align: right; }
th { background: #f2f2f2; cursor: pointer; }
td:first-child, th:first-child { text-align: left; }
figure { display: inline-block; margin: 0.4em; vertical-align: top; }
figcaption { font-size: 0.85em; max-width: 420px; overflow-wrap: anywhere; }
img { max-width: 420px; border: 1px solid #ddd; }
pre { background: #f7f7f7; padding: 1em; overflow-x: auto; }
.note { color: #8a5a00; }
"""
# click a header: sort the table's body rows by that column (numbers as numbers), again: reverse
SORT_SCRIPT = """
document.querySelectorAll("table.sortable th").forEach((header, column) => {
  header.addEventListener("click", () => {
    const body = header.closest("table").tBodies[0];
    const ascending = header.dataset.order !== "ascending";
    header.dataset.order = ascending ? "ascending" : "descending";
    const key = (row) => {
      const text = row.cells[column].textContent.trim();
      const number = parseFloat(text);
      return isNaN(number) ? text : number;
    };
    const rows = Array.from(body.rows).sort((a, b) => {
      const x = key(a), y = key(b);
      const same = typeof x === typeof y;
      const order = same ? (x < y ? -1 : x > y ? 1 : 0) : (typeof x === "number" ? -1 : 1);
      return ascending ? order : -order;
    });
    rows.forEach((row) => body.appendChild(row));
  });
});
"""


def page(title: str, sections: Sequence[str]) -> str:
    """The whole document."""
    return (
        f'<!DOCTYPE html>\n<html lang="en"><head><meta charset="utf-8">'
        f"<title>{html.escape(title)}</title><style>{STYLE}</style></head>\n<body>\n"
        f"<h1>{html.escape(title)}</h1>\n"
        + "\n".join(sections)
        + f"\n<script>{SORT_SCRIPT}</script>\n</body></html>\n"
    )


def section(heading: str, *parts: str) -> str:
    return f"<section><h2>{html.escape(heading)}</h2>\n" + "\n".join(parts) + "\n</section>"


def table(
    header: Sequence[str],
    rows: Sequence[Sequence[Any]],
    footer: Sequence[Sequence[Any]] = (),
    sortable: bool = True,
) -> str:
    """Cells: numbers to 4 decimals, None as n/a, the rest escaped text (or `Link`s); `footer`
    rows (e.g. means) stay below the rows a click sorts."""
    head = "".join(f"<th>{html.escape(str(name))}</th>" for name in header)
    kind = ' class="sortable"' if sortable else ""
    return (
        f"<table{kind}><thead><tr>{head}</tr></thead>\n<tbody>\n{_rows(rows)}\n</tbody>\n"
        f"<tfoot>\n{_rows(footer)}\n</tfoot></table>"
    )


def _rows(rows: Sequence[Sequence[Any]]) -> str:
    return "\n".join("<tr>" + "".join(f"<td>{cell(v)}</td>" for v in row) + "</tr>" for row in rows)


class Link(str):
    """A table cell that links: Link(text).to(href)."""

    href = ""

    def to(self, href: str) -> Link:
        link = Link(self)
        link.href = href
        return link


def cell(value: Any) -> str:
    if value is None:
        return "n/a"
    if isinstance(value, Link):
        return f'<a href="{html.escape(value.href)}">{html.escape(str(value))}</a>'
    if isinstance(value, float):
        return f"{value:.4f}"
    return html.escape(str(value))


def png_image(source: Path | Figure, alt: str) -> str:
    """An <img> holding the PNG file or the figure, base64-embedded."""
    if isinstance(source, Figure):
        buffer = io.BytesIO()
        source.savefig(buffer, format="png")
        data = buffer.getvalue()
    else:
        data = Path(source).read_bytes()
    encoded = base64.b64encode(data).decode("ascii")
    return f'<img alt="{html.escape(alt)}" src="data:image/png;base64,{encoded}">'


def figure(image: str, caption: str) -> str:
    return f"<figure>{image}<figcaption>{html.escape(caption)}</figcaption></figure>"


def folded(summary: str, text: str) -> str:
    """A <details> block holding preformatted text."""
    body = f"<pre>{html.escape(text)}</pre>"
    return f"<details><summary>{html.escape(summary)}</summary>{body}</details>"


def note(text: str) -> str:
    return f'<p class="note">{html.escape(text)}</p>'
