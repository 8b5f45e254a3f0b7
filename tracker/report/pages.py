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
from functools import cache
from pathlib import Path

import matplotlib
from matplotlib._afm import AFM
from matplotlib.backend_bases import RendererBase
from matplotlib.figure import Figure
from matplotlib.lines import Line2D
from matplotlib.text import Text

from tracker.report.charts import PAGE_SIZE_IN
from tracker.report.flagged import FLAGGED_COLUMNS
from tracker.report.pdfdoc import Linked

# 9 pt body text, as a printed page is read (8 pt was too small on paper).
_TEXT_FONT_PT = 9
_TEXT_LINE_STEP = 0.0204  # of the page height: about 1.35 lines of 9 pt on A4 landscape
_TEXT_TOP, _TEXT_BOTTOM = 0.86, 0.05
_TEXT_WRAP_CHARS = 150  # Helvetica 9 pt across A4 landscape

# Signs outside Windows-1252, written in words so that the line can use a standard font.
_WORDS = {"≈ ": "about ", "≥ ": "at least ", "≤ ": "at most ", "→": "->"}


def _url(line: str | None) -> str | None:
    return getattr(line, "url", None)


class _StandardFontText(Text):
    """Text drawn with a PDF standard font (only ever used for Windows-1252 text).

    With `line_step` (a share of the figure height), a multi-line text puts its lines
    exactly that far apart, so one artist can draw a run of lines of a page: each artist
    costs about a millisecond whatever its length.
    """

    line_step: float | None = None

    def draw(self, renderer: RendererBase) -> None:
        # Set and restore the one parameter directly: rc_context copies every rcParam,
        # which costs more than drawing the line.
        previous = matplotlib.rcParams["pdf.use14corefonts"]
        matplotlib.rcParams["pdf.use14corefonts"] = True
        try:
            if self.line_step is not None and self.figure is not None:
                self.set_linespacing(self.line_step * self.figure.bbox.height
                                     / _font_height(renderer, self))
            super().draw(renderer)
        finally:
            matplotlib.rcParams["pdf.use14corefonts"] = previous


def _font_height(renderer: RendererBase, text: Text) -> float:
    """Ascent + descent of the font, as matplotlib's multi-line layout measures a line."""
    ascent = descent = None
    metrics = getattr(renderer, "_get_font_height_metrics", None)  # PDF renderer, AFM fonts
    if metrics is not None:
        ascent, descent, _ = metrics(text.get_fontproperties())
    if ascent is None or descent is None:
        _, height, descent = renderer.get_text_width_height_descent(
            "lp", text.get_fontproperties(), ismath=False)
        ascent = height - descent
    return max(ascent + descent, 1e-6)


def _standard(text: str) -> str | None:
    """`text` with signs in words when a standard font can show it, else None."""
    for sign, words in _WORDS.items():
        text = text.replace(sign, words)
    try:
        text.encode("cp1252")
    except UnicodeEncodeError:
        return None
    return text


def page_text(figure: Figure, x: float, y: float, text: str, **style: object) -> Text:
    """Put `text` on a page, in Helvetica when the standard font can show it."""
    standard = _standard(text)
    if standard is None:
        return figure.text(x, y, text, **style)
    text = standard
    weight = "bold" if style.pop("fontweight", None) == "bold" else "medium"
    artist = _StandardFontText(x, y, text, fontfamily="Helvetica", fontweight=weight,
                               transform=figure.transSubfigure, **style)
    figure.add_artist(artist)
    return artist


def text_pages(title: str, entries: list[list[str]], *, gap: bool = True) -> Iterator[Figure]:
    """Pages of wrapped text; an entry is never split across pages unless it fills one.

    `gap`: a blank line after each entry (the references go without: their entries start
    at the margin, their other lines are indented, and a page holds a fifth more)."""
    page: list[str] = []
    capacity = int((_TEXT_TOP - _TEXT_BOTTOM) / _TEXT_LINE_STEP)
    page_number = 1
    for entry in entries:
        lines = [wrapped for line in entry for wrapped in _wrap(line)] + ([""] if gap else [])
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
    lines = textwrap.wrap(line, _TEXT_WRAP_CHARS, subsequent_indent=indent + "  ",
                          break_long_words=True, break_on_hyphens=False) or [""]
    url = _url(line)
    # Every wrapped piece of a linked line keeps its link: a long URL runs over two lines.
    return [Linked(piece, url) for piece in lines] if url else lines


def _text_page(title: str, lines: list[str], page_number: int) -> Figure:
    figure = Figure(figsize=PAGE_SIZE_IN)
    heading = title if page_number == 1 else f"{title} (continued)"
    page_text(figure, 0.06, 0.93, heading, fontsize=16, fontweight="bold", va="top")
    # Runs of lines a standard font can show are one artist each; other lines (non-Latin
    # quotes) are drawn one by one in DejaVu Sans at their row.
    _lines_block(figure, 0.06, _TEXT_TOP, lines)
    return figure


# Flagged-figures table: column left edges (share of the page width) and wrap widths.
_TABLE_X = (0.04, 0.09, 0.37, 0.52, 0.66)
_TABLE_WRAP = (6, 52, 27, 25, 62)
_TABLE_ROWS_PER_PAGE = 37  # lines, header excluded
_CELL_LINES = 2  # lines of a cell at most
_RULE_AT = 0.15  # of a line step above the next row's top: below the descenders of the last


def table_pages(title: str, rows: list[tuple[str, str, str, str, str]]) -> Iterator[Figure]:
    """The flagged-figures table, wrapped per column, continued over pages as needed."""
    if not rows:
        yield _text_page(title, ["No figure in this section is revised, conflicting or failing a check."], 1)
        return
    wrapped = [[_cell_lines(str(cell), width) for cell, width in zip(row, _TABLE_WRAP)] for row in rows]
    page: list[list[list[str]]] = []
    used, number = 0, 1
    for cells in wrapped:
        height = _row_height(cells)
        if page and used + height > _TABLE_ROWS_PER_PAGE:
            yield _table_page(title, page, number)
            page, used, number = [], 0, number + 1
        page.append(cells)
        used += height
    if page:
        yield _table_page(title, page, number)


def _cell_lines(text: str, width: int) -> list[str]:
    """A cell wrapped to `width`, cut after _CELL_LINES lines with ' …': the table points
    at a figure; its whole detail is in observations.csv and checks.csv (ReportResult.flagged)."""
    lines = textwrap.wrap(text, width, break_on_hyphens=False) or [""]
    if len(lines) <= _CELL_LINES:
        return lines
    return [*lines[:_CELL_LINES - 1], textwrap.shorten(" ".join(lines[_CELL_LINES - 1:]), width, placeholder=" …")]


def _row_height(cells: list[list[str]]) -> int:
    """Lines of a table row: its tallest cell, no blank line (a rule separates rows, and
    hundreds of flagged figures should not take a page per ten)."""
    return max(len(cell) for cell in cells)


def _table_page(title: str, rows: list[list[list[str]]], page_number: int) -> Figure:
    """One artist per column: each cell padded to its row's height in whole lines."""
    figure = Figure(figsize=PAGE_SIZE_IN)
    heading = title if page_number == 1 else f"{title} (continued)"
    page_text(figure, 0.04, 0.93, heading, fontsize=16, fontweight="bold", va="top")
    top = _TEXT_TOP
    for x, name in zip(_TABLE_X, FLAGGED_COLUMNS):
        page_text(figure, x, top, name, fontsize=_TEXT_FONT_PT + 1, fontweight="bold", va="top")
    top -= _TEXT_LINE_STEP * 1.5
    figure.add_artist(_rule(top + _TEXT_LINE_STEP * 0.5))
    columns: list[list[str]] = [[] for _ in _TABLE_X]
    line = 0
    for cells in rows:
        height = _row_height(cells)
        for column, cell in zip(columns, cells):
            column.extend(cell + [""] * (height - len(cell)))
        line += height
        # The rule sits in the gap between the last line of a row and the next row.
        figure.add_artist(_rule(top - (line - _RULE_AT) * _TEXT_LINE_STEP))
    for x, column in zip(_TABLE_X, columns):
        _lines_block(figure, x, top, column)
    return figure


def _lines_block(figure: Figure, x: float, top: float, lines: list[str]) -> None:
    """Lines one _TEXT_LINE_STEP apart from `top` down: standard-font runs as one artist.

    A Linked line's place is recorded on the figure (`pdf_links`) for pdfdoc.py to add its
    link annotation: matplotlib's own (Text.set_url) fails for the standard fonts."""
    run: list[str] = []
    run_start = 0
    for row, line in enumerate([*lines, None]):
        if _url(line):
            _record_link(figure, x, top - row * _TEXT_LINE_STEP, str(_standard(line) or line), _url(line))
        standard = _standard(line) if line is not None else None
        if standard is not None:
            if not run:
                run_start = row
            run.append(standard)
            continue
        if run:
            block = _StandardFontText(x, top - run_start * _TEXT_LINE_STEP, "\n".join(run),
                                      fontfamily="Helvetica", fontweight="medium",
                                      fontsize=_TEXT_FONT_PT, va="top",
                                      transform=figure.transSubfigure)
            block.line_step = _TEXT_LINE_STEP
            figure.add_artist(block)
            run = []
        if line is not None:
            figure.text(x, top - row * _TEXT_LINE_STEP, line, fontsize=_TEXT_FONT_PT, va="top")


@cache
def _helvetica() -> AFM:
    with open(Path(matplotlib.get_data_path()) / "fonts" / "afm" / "phvr8a.afm", "rb") as file:
        return AFM(file)


def _em_width(text: str) -> float:
    """Width of `text` in Helvetica, in thousandths of an em (half an em a character when
    matplotlib's private AFM reader changes)."""
    try:
        return float(_helvetica().get_str_bbox_and_descent(text)[2]) if text else 0.0
    except (AttributeError, KeyError, TypeError):
        return 500.0 * len(text)


def _record_link(figure: Figure, x: float, top: float, text: str, url: str) -> None:
    """Add the rectangle (PDF points) of a line of text starting at (x, top) to the
    figure's `pdf_links`, with the URL it opens; its width from Helvetica's metrics."""
    width_pt, height_pt = (size * 72 for size in figure.get_size_inches())
    stripped = text.lstrip(" ")
    indent = _em_width(text[:len(text) - len(stripped)])
    advance = _em_width(stripped)
    left = x * width_pt + indent * _TEXT_FONT_PT / 1000
    right = left + advance * _TEXT_FONT_PT / 1000
    upper = top * height_pt
    links = getattr(figure, "pdf_links", [])
    links.append(((round(left, 2), round(upper - _TEXT_FONT_PT * 1.2, 2), round(right, 2),
                   round(upper, 2)), url))
    figure.pdf_links = links


def _rule(y: float) -> Line2D:
    return Line2D([0.04, 0.96], [y, y], color="#cccccc", linewidth=0.5)
