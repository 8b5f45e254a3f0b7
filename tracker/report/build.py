"""Write the report: one PNG per chart and report.pdf (title page, charts, references).

Empty selection (no claim to plot): no PNG is written and report.pdf holds one page saying
that nothing matched, so a report directory never shows older figures as current.
"""

from __future__ import annotations

import io
import textwrap
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from pathlib import Path

import matplotlib

matplotlib.use("Agg")

import pandas as pd  # noqa: E402
from matplotlib.backends.backend_pdf import PdfPages  # noqa: E402
from matplotlib.figure import Figure  # noqa: E402

from tracker.report.charts import (  # noqa: E402
    PAGE_SIZE_IN,
    PNG_DPI,
    STYLE,
    attribution_colours,
    draw_chart,
)
from tracker.report.points import ChartSpec, Selection, select_points  # noqa: E402
from tracker.report.text import latest_lines, reference_entries  # noqa: E402
from tracker.store import write_if_changed  # noqa: E402

PDF_NAME = "report.pdf"
REPORT_TITLE = "Territorial figures cited in war reporting"

# Dates and tool names would make two runs on the same data differ byte for byte.
PNG_METADATA: dict[str, str | None] = {"Software": None}
PDF_METADATA: dict[str, str | None] = {
    "CreationDate": None, "ModDate": None, "Producer": None, "Creator": None,
}

_TEXT_FONT_PT = 8
_TEXT_LINE_STEP = 0.0185  # of the page height: about 1.35 lines of 8 pt on A4 landscape
_TEXT_TOP, _TEXT_BOTTOM = 0.86, 0.05
_TEXT_WRAP_CHARS = 150


@dataclass
class ReportResult:
    """What build_report wrote."""

    charts: list[Path]
    pdf: Path | None
    plotted: pd.DataFrame  # one row per plotted citation: ledger columns + mark, chart, is_partial


def build_report(
    claims: pd.DataFrame,
    out_dir: Path,
    *,
    conflict: str | None = None,
    since: str | None = None,
    until: str | None = None,
    metrics: list[str] | None = None,
    progress: Callable[[str], None] | None = None,
) -> ReportResult:
    """Chart every metric with data and write report.pdf with numbered references.

    `since`/`until` take 'YYYY', 'YYYY-MM' or 'YYYY-MM-DD': a flow is kept when its
    period overlaps the window, a stock when its as_of date falls inside it.
    """
    notify = progress or (lambda _message: None)
    out_dir = Path(out_dir)
    out_dir.mkdir(parents=True, exist_ok=True)
    selection = select_points(claims, conflict=conflict, since=since, until=until, metrics=metrics)
    scope = _scope_text(selection, conflict=conflict, since=since, until=until, metrics=metrics)
    pdf_path = out_dir / PDF_NAME
    chart_paths: list[Path] = []
    pdf_bytes = io.BytesIO()
    # Files are rendered in memory and replaced atomically, and only when their bytes
    # change, so a failed run leaves the previous report whole and a rerun touches nothing.
    with matplotlib.rc_context(STYLE), PdfPages(pdf_bytes, metadata=PDF_METADATA) as pdf:
        for page in _title_pages(selection, scope):
            pdf.savefig(page)
        for chart in selection.charts:
            figure = _chart_figure(selection, chart)
            chart_paths.append(_save_png(figure, out_dir / chart.file_name))
            pdf.savefig(figure)
            notify(f"chart written: {chart_paths[-1]}")
        for page in _text_pages("References", reference_entries(selection.plotted())):
            pdf.savefig(page)
    write_if_changed(pdf_path, pdf_bytes.getvalue())
    notify(f"report written: {pdf_path}")
    return ReportResult(charts=chart_paths, pdf=pdf_path, plotted=selection.plotted())


def _chart_figure(selection: Selection, chart: ChartSpec) -> Figure:
    colours = attribution_colours(list(selection.rows["attribution"]))
    citations = selection.rows[selection.rows["chart"] == chart.file_name]
    return draw_chart(chart, selection.points(chart), citations, colours)


def _save_png(figure: Figure, path: Path) -> Path:
    png_bytes = io.BytesIO()
    figure.savefig(png_bytes, format="png", dpi=PNG_DPI, metadata=PNG_METADATA)
    write_if_changed(path, png_bytes.getvalue())
    return path


def _scope_text(
    selection: Selection,
    *,
    conflict: str | None,
    since: str | None,
    until: str | None,
    metrics: list[str] | None,
) -> list[str]:
    """What the report covers, from the arguments and the selection (no run date)."""
    citations = len(selection.rows)
    points = selection.rows["mark"].nunique() if citations else 0
    return [
        f"Conflict: {conflict or 'all'}.  Period: {since or 'start'} to {until or 'latest'}.  "
        f"Metrics: {', '.join(metrics) if metrics else 'all with data'}.",
        f"{points} figures from {citations} citations in {len(selection.charts)} charts, "
        f"selected from {selection.ledger_count} ledger rows.",
    ]


def _title_pages(selection: Selection, scope: list[str]) -> Iterator[Figure]:
    if not selection.charts:
        notice = ["No figure in the ledger matches this selection: there is nothing to chart."]
        return _text_pages(REPORT_TITLE, [scope, notice])
    latest = latest_lines(selection.plotted(), selection.charts)
    heading = ["Latest figures per chart and source (mark in brackets):"]
    return _text_pages(REPORT_TITLE, [scope, heading, *latest])


def _text_pages(title: str, entries: list[list[str]]) -> Iterator[Figure]:
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
    figure.text(0.06, 0.93, heading, fontsize=16, fontweight="bold", va="top")
    for row, line in enumerate(lines):
        figure.text(0.06, _TEXT_TOP - row * _TEXT_LINE_STEP, line, fontsize=_TEXT_FONT_PT, va="top")
    return figure
