"""Text from engines, files and users made safe for where a report puts it.

Engine names, options, file names and engine messages are not ours: a `.wast`
file name or an error message may hold markup or terminal control sequences.
HTML is escaped by jinja2's autoescape; these cover Markdown (which the CI
systems that show it render as HTML) and the terminal.
"""

from __future__ import annotations

import html
import re

# C0 and C1 control characters, DEL, and the ESC that starts terminal sequences; not tab or newline.
_CONTROL = re.compile(r"[\x00-\x08\x0b-\x1f\x7f-\x9f]")


def terminal(text: str) -> str:
    """Control characters shown as escapes (`\\x1b`), so printing them cannot drive the terminal."""
    return _CONTROL.sub(lambda m: f"\\x{ord(m[0]):02x}", text)


def shorten(text: str, limit: int = 90) -> str:
    """One line of at most `limit` characters: a message in a table cell."""
    text = " ".join(str(text).split())
    return text if len(text) <= limit else text[: limit - 3] + "..."


def markdown_cell(value: object) -> object:
    """A table cell for GitHub Markdown: no raw HTML, no `|` that would split the cell."""
    if not isinstance(value, str):
        return value
    text = html.escape(terminal(value), quote=False).replace("|", "\\|")
    return text.replace("\n", " ")


def table(rows: list, headers: list, fmt: str, **options: object) -> str:
    """tabulate, with every cell escaped for Markdown when the table is Markdown (`github`)."""
    from tabulate import tabulate

    if fmt == "github":
        rows = [[markdown_cell(c) for c in row] for row in rows]
        headers = [markdown_cell(h) for h in headers]
    return tabulate(rows, headers=headers, tablefmt=fmt, **options)
