"""Pages of text for report.pdf: wrapped lines and the flagged-figures table.

Text pages can run to hundreds of pages for a large ledger, and matplotlib lays out
embedded TrueType text glyph by glyph in Python (about 0.13 s per page). Lines that the
PDF standard fonts can show (Windows-1252) are therefore drawn in Helvetica, which needs
no embedding or glyph layout (about 0.01 s per page); a line with other characters (a
quote in Ukrainian, say) keeps DejaVu Sans so that it is printed verbatim.
"""

from __future__ import annotations

import textwrap
from collections.abc import Iterator

import matplotlib
from matplotlib.backend_bases import RendererBase
from matplotlib.figure import Figure
from matplotlib.lines import Line2D
from matplotlib.text import Text

from tracker.report.charts import PAGE_SIZE_IN
from tracker.report.flagged import FLAGGED_COLUMNS

_TEXT_FONT_PT = 8
_TEXT_LINE_STEP = 0.0185  # of the page height: about 1.35 lines of 8 pt on A4 landscape
_TEXT_TOP, _TEXT_BOTTOM = 0.86, 0.05
_TEXT_WRAP_CHARS = 150

# Signs outside Windows-1252, written in words so that the line can use a standard font.
_WORDS = {"≈ ": "about ", "≥ ": "at least ", "≤ ": "at most ", "→": "->"}


class _StandardFontText(Text):
    """Text drawn with a PDF standard font (only ever used for Windows-1252 text)."""

    def draw(self, renderer: RendererBase) -> None:
        # Set and restore the one parameter directly: rc_context copies every rcParam,
        # which costs more than drawing the line.
        previous = matplotlib.rcParams["pdf.use14corefonts"]
        matplotlib.rcParams["pdf.use14corefonts"] = True
        try:
            super().draw(renderer)
        finally:
            matplotlib.rcParams["pdf.use14corefonts"] = previous


def page_text(figure: Figure, x: float, y: float, text: str, **style: object) -> Text:
    """Put `text` on a page, in Helvetica when the standard font can show it."""
    for sign, words in _WORDS.items():
        text = text.replace(sign, words)
    try:
        text.encode("cp1252")
    except UnicodeEncodeError:
        return figure.text(x, y, text, **style)
    weight = "bold" if style.pop("fontweight", None) == "bold" else "medium"
    artist = _StandardFontText(x, y, text, fontfamily="Helvetica", fontweight=weight,
                               transform=figure.transSubfigure, **style)
    figure.add_artist(artist)
    return artist


def text_pages(title: str, entries: list[list[str]]) -> Iterator[Figure]:
    """Pages of wrapped text; an entry is never split across pages unless it fills one."""
    page: list[str] = []
    capacity = int((_TEXT_TOP - _TEXT_BOTTOM) / _TEXT_LINE_STEP)
    page_number = 1
    for entry in entries:
        lines = [wrapped for line in entry for wrapped in _wrap(line)] + [""]
        if page and len(page) + len(lines) > capacity:
            yield _text_page(title, page, page_number)
            page, page_number = [], page_number + 1
        page.extend(lines)
        while len(page) > capacity:
            yield _text_page(title, page[:capacity], page_number)
            page, page_number = page[capacity:], page_number + 1
    if page:
        yield _text_page(title, page, page_number)


def _wrap(line: str) -> list[str]:
    indent = " " * (len(line) - len(line.lstrip(" ")))
    return textwrap.wrap(line, _TEXT_WRAP_CHARS, subsequent_indent=indent + "  ",
                         break_long_words=True, break_on_hyphens=False) or [""]


def _text_page(title: str, lines: list[str], page_number: int) -> Figure:
    figure = Figure(figsize=PAGE_SIZE_IN)
    heading = title if page_number == 1 else f"{title} (continued)"
    page_text(figure, 0.06, 0.93, heading, fontsize=16, fontweight="bold", va="top")
    for row, line in enumerate(lines):
        page_text(figure, 0.06, _TEXT_TOP - row * _TEXT_LINE_STEP, line, fontsize=_TEXT_FONT_PT, va="top")
    return figure


# Flagged-figures table: column left edges (share of the page width) and wrap widths.
_TABLE_X = (0.04, 0.09, 0.37, 0.52, 0.66)
_TABLE_WRAP = (6, 58, 30, 28, 70)
_TABLE_ROWS_PER_PAGE = 40  # lines, header excluded


def table_pages(title: str, rows: list[tuple[str, str, str, str, str]]) -> Iterator[Figure]:
    """The flagged-figures table, wrapped per column, continued over pages as needed."""
    if not rows:
        yield _text_page(title, ["No figure in this section is revised, conflicting or failing a check."], 1)
        return
    wrapped = [[textwrap.wrap(str(cell), width, break_on_hyphens=False) or [""]
                for cell, width in zip(row, _TABLE_WRAP)] for row in rows]
    page: list[list[list[str]]] = []
    used, number = 0.0, 1
    for cells in wrapped:
        height = max(len(c) for c in cells)
        if page and used + height > _TABLE_ROWS_PER_PAGE:
            yield _table_page(title, page, number)
            page, used, number = [], 0.0, number + 1
        page.append(cells)
        used += height + 0.4
    if page:
        yield _table_page(title, page, number)


def _table_page(title: str, rows: list[list[list[str]]], page_number: int) -> Figure:
    figure = Figure(figsize=PAGE_SIZE_IN)
    heading = title if page_number == 1 else f"{title} (continued)"
    page_text(figure, 0.04, 0.93, heading, fontsize=16, fontweight="bold", va="top")
    y = _TEXT_TOP
    for x, name in zip(_TABLE_X, FLAGGED_COLUMNS):
        page_text(figure, x, y, name, fontsize=_TEXT_FONT_PT + 1, fontweight="bold", va="top")
    y -= _TEXT_LINE_STEP * 1.4
    figure.add_artist(_rule(y + _TEXT_LINE_STEP * 0.3))
    for cells in rows:
        for x, lines in zip(_TABLE_X, cells):
            page_text(figure, x, y, "\n".join(lines), fontsize=_TEXT_FONT_PT, va="top", linespacing=1.25)
        y -= _TEXT_LINE_STEP * (max(len(c) for c in cells) + 0.4)
        figure.add_artist(_rule(y + _TEXT_LINE_STEP * 0.3))
    return figure


def _rule(y: float) -> Line2D:
    return Line2D([0.04, 0.96], [y, y], color="#cccccc", linewidth=0.5)
