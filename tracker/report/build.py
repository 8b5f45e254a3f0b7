"""Write the report: one PNG per chart and report.pdf, a section per conflict.

The report shows the current view of the ledger (tracker/view.py): corrected figures with
their corrected values, never a rejected, superseded or retracted reading; with
`reviewed_only`, no machine-read figure that no person confirmed or corrected. Machine-read
figures nobody checked are marked apart on the charts (charts.py) and said so in the text.

Each conflict's section has a first page (latest figure per chart and source, and what
changed since the previous report, see changes.py), its charts, a table of flagged
figures (revisions, conflicting copies, failed checks) and its references: every plotted
observation with its citations. Marks are numbered across the whole PDF.

Every chart is written as print and web PNG, SVG, the CSV of its points and a JSON
sidecar (outputs.py). All files are rendered before any is replaced; the files the
previous report wrote and this one does not make are removed (outputs.report_files).

Empty selection (no claim to plot): NothingToChart is raised and nothing is written, so
a mistyped option never replaces a good report with an empty one.
"""

from __future__ import annotations

import io
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path

import matplotlib

matplotlib.use("Agg")

import pandas as pd  # noqa: E402
from matplotlib.backends.backend_pdf import PdfPages  # noqa: E402
from matplotlib.figure import Figure  # noqa: E402

from tracker.publishing import Publishing  # noqa: E402
from tracker.report.charts import (  # noqa: E402
    STYLE,
    draw_chart,
)
from tracker.report.changes import STATE_NAME, change_lines, load_baseline, save_state  # noqa: E402
from tracker.report.flagged import flagged_rows, observation_notes  # noqa: E402
from tracker.report.outputs import chart_files, report_files  # noqa: E402
from tracker.report.pages import table_pages as _table_pages  # noqa: E402
from tracker.report.pages import text_pages as _text_pages  # noqa: E402
from tracker.report.pdfdoc import DocumentInfo, PageLog, finish_pdf  # noqa: E402
from tracker.report.points import ChartSpec, Selection, select_points  # noqa: E402
from tracker.report.text import (  # noqa: E402
    REVIEW_EXPLANATION,
    chart_title,
    conflict_name,
    latest_lines,
    plural,
    reference_entries,
    review_notes,
    selection_words,
    time_text,
    value_text,
    with_point_columns,
)

PDF_NAME = "report.pdf"
REPORT_TITLE = "Territorial figures cited in war reporting"

# Dates and tool names would make two runs on the same data differ byte for byte.
PDF_METADATA: dict[str, str | None] = {
    "CreationDate": None, "ModDate": None, "Producer": None, "Creator": None,
}



@dataclass
class ReportResult:
    """What build_report wrote."""

    charts: list[Path]
    pdf: Path | None
    plotted: pd.DataFrame  # one row per plotted citation: view columns + observation, mark, chart, unchecked
    flagged: list[tuple[str, str, str, str, str]]  # rows of the flagged-figures tables
    state: Path | None = None  # the JSON of latest figures for the next report's comparison
    files: list[Path] = field(default_factory=list)  # every file of the report, changed or not
    removed: list[Path] = field(default_factory=list)  # files of the previous report not made again


class NothingToChart(ValueError):
    """The selection holds no figure to plot: nothing was written (the message says what
    was selected)."""


def build_report(
    claims: pd.DataFrame,
    out_dir: Path,
    *,
    conflict: str | None = None,
    since: str | None = None,
    until: str | None = None,
    metrics: list[str] | None = None,
    progress: Callable[[str], None] | None = None,
    checks: pd.DataFrame | None = None,
    reviewed_only: bool = False,
    publishing: Publishing | None = None,
) -> ReportResult:
    """Chart every metric with data and write report.pdf with numbered references.

    `claims` is the current view (tracker/view.py current_view) or ledger rows, whose
    current view is then taken with no decision applied. `since`/`until` take 'YYYY',
    'YYYY-MM' or 'YYYY-MM-DD': a flow is kept when its period overlaps the window, a stock
    when its as_of date falls inside it. `checks` (data/processed/checks.csv: claim_id,
    status, detail) adds failed checks of charted figures to the flagged-figures table;
    None when that file does not exist. `reviewed_only`: chart only what
    `charted(view, reviewed_only=True)` keeps.
    """
    out_dir = Path(out_dir)
    selection = select_points(claims, conflict=conflict, since=since, until=until, metrics=metrics,
                              reviewed_only=reviewed_only,
                              excluded_source_ids=(publishing or Publishing()).example_source_ids)
    charted_ids = selection.claim_observations
    return write_report(selection, out_dir, conflict=conflict, since=since, until=until,
                        metrics=metrics, progress=progress,
                        checks=charted_checks(checks, lambda ids: ids.isin(charted_ids)),
                        publishing=publishing)


def charted_checks(checks: pd.DataFrame | None,
                   is_charted: Callable[[pd.Series], pd.Series]) -> pd.DataFrame | None:
    """The rows of checks.csv that may be flagged: those against no computed figure or
    against a charted one (`is_charted`: per claim_id, whether it is a charted row).

    Checks may name claims outside the plotted rows (other territories, periods), but
    only charted ones count: checks.csv may predate a rejection (deciding does not rerun
    the checks), and a check against a rejected computed figure says nothing."""
    if checks is not None and "computed_claim_id" in checks.columns:
        against = checks["computed_claim_id"].astype(str).where(checks["computed_claim_id"].notna(), "")
        checks = checks[(against == "") | is_charted(against)]
    return checks


def write_report(
    selection: Selection,
    out_dir: Path,
    *,
    conflict: str | None = None,
    since: str | None = None,
    until: str | None = None,
    metrics: list[str] | None = None,
    progress: Callable[[str], None] | None = None,
    checks: pd.DataFrame | None = None,
    publishing: Publishing | None = None,
) -> ReportResult:
    """Write the PNGs, report.pdf and the state for the next report's comparison from a
    selection (points.py select_points, or tracker/report/stored.py from the job's
    tables) and the rows of checks.csv that may be flagged (charted_checks).

    `selection.observations` needs only the observations of the charted series (the
    flagged table and the references' notes read no other), and
    `selection.claim_observations` only their claims."""
    notify = progress or (lambda _message: None)
    publishing = publishing or Publishing()
    out_dir = Path(out_dir)
    scope = _scope_text(selection, conflict=conflict, since=since, until=until, metrics=metrics,
                        publishing=publishing)
    if not selection.charts:
        # Before anything is written: an empty report would replace a good one.
        raise NothingToChart(f"no figure to chart in this selection ({scope[0].rstrip('.')}; "
                             f"{selection.ledger_count} current ledger rows)")
    pdf_path = out_dir / PDF_NAME
    plotted = selection.plotted()
    marks = dict(zip(plotted["observation_id"], plotted["mark"].astype(int)))
    claim_observations = selection.claim_observations
    reviews = review_notes(plotted)
    current = latest_figures(selection)
    scope_key = " ".join(scope[:1])
    baseline, state = load_baseline(out_dir / STATE_NAME, scope_key, current)
    chart_paths: list[Path] = []
    files: dict[str, bytes] = {}  # name -> bytes, written once all are rendered
    all_flagged: list[tuple[str, str, str, str, str]] = []
    pdf_bytes = io.BytesIO()
    # Files are rendered in memory and replaced atomically, and only when their bytes
    # change, so a failed run leaves the previous report whole and a rerun touches nothing.
    with matplotlib.rc_context(STYLE), PdfPages(pdf_bytes, metadata=PDF_METADATA) as pdf:
        log = PageLog(pdf.savefig)  # page numbers of the outline and the links
        for section_conflict in _conflicts(selection):
            charts = [c for c in selection.charts if c.conflict == section_conflict]
            section = plotted[plotted["chart"].isin({c.file_name for c in charts})]
            in_section = selection.observations["conflict"] == section_conflict
            observations = selection.observations[in_section]
            name = conflict_name(section_conflict)
            changes = change_lines(baseline, current, prefix=f"{_conflict_label(section_conflict)} |")
            log.add(_text_pages(f"{REPORT_TITLE} — {name}", _first_page(section, charts, scope, changes)),
                    bookmark=name, level=0)
            for chart in charts:
                if not chart.drawn:
                    continue  # too few figures for a chart: they are in the summary
                figure = _chart_figure(selection, chart, publishing)
                files.update(_chart_outputs(selection, chart, figure, publishing))
                chart_paths.append(out_dir / chart.file_name)
                log.add([figure], bookmark=chart_title(chart))
            flagged = flagged_rows(_charted(observations, charts), marks, checks, claim_observations,
                                   reviews)
            all_flagged += flagged
            table_title = (f"Flagged figures — {name} "
                           "(charted series; every flag is in observations.csv)")
            log.add(_table_pages(table_title, flagged), bookmark=f"Flagged figures — {name}")
            notes = observation_notes(observations, marks)
            log.add(_text_pages(f"References — {name}", reference_entries(section, notes), gap=False),
                    bookmark=f"References — {name}")
    info = DocumentInfo(title=REPORT_TITLE, author=publishing.credit,
                        subject=scope[0], bookmarks=tuple(log.bookmarks), links=tuple(log.links))
    files[PDF_NAME] = finish_pdf(pdf_bytes.getvalue(), info)
    written, removed = report_files(out_dir, files)
    state_path = out_dir / STATE_NAME
    save_state(state_path, state)
    for path in chart_paths:
        notify(f"chart written: {path}")
    for path in removed:
        notify(f"removed, no longer made: {path}")
    notify(f"report written: {pdf_path}")
    return ReportResult(charts=chart_paths, pdf=pdf_path, plotted=plotted, flagged=all_flagged,
                        state=state_path, files=written, removed=removed)


def _charted(observations: pd.DataFrame, charts: list[ChartSpec]) -> pd.DataFrame:
    """Observations of the charted series (metric, actor, territory of a chart), plotted or
    not: the flagged table is about what the report shows; exports hold every flag."""
    shown = {(c.metric, c.actor, c.territory) for c in charts}
    keys = zip(observations["metric"], observations["actor"], observations["territory"])
    return observations[[key in shown for key in keys]]


def _conflicts(selection: Selection) -> list[str]:
    return sorted({chart.conflict for chart in selection.charts})


def _conflict_label(conflict: str) -> str:
    return conflict or "unspecified conflict"


def latest_figures(selection: Selection) -> dict[str, dict[str, str]]:
    """Per chart and source, the most recent plotted figure (for the next report's comparison)."""
    plotted = selection.plotted()
    if plotted.empty:
        return {}
    points = with_point_columns(plotted).drop_duplicates("mark")
    titles = {c.file_name: c for c in selection.charts}
    figures: dict[str, dict[str, str]] = {}
    for (chart_name, attribution, method), series in points.groupby(
            ["chart", "attribution", "method"], sort=True):
        latest = series.sort_values(["_ref", "mark"], kind="mergesort").iloc[-1]
        chart = titles[chart_name]
        source = (attribution or "unattributed") + (" (computed)" if method == "computed" else "")
        key = f"{_conflict_label(chart.conflict)} | {chart.metric}, {chart.actor} in {chart.territory} | {source}"
        figures[key] = {"observation_id": str(latest["observation_id"]),
                        "figure": f"{value_text(latest)}, {time_text(latest)}"}
    return figures


def _first_page(section: pd.DataFrame, charts: list[ChartSpec], scope: list[str],
                changes: list[str]) -> list[list[str]]:
    latest = latest_lines(section, charts)
    return [scope, ["Latest figures per chart and source (mark in brackets):"], *latest,
            ["What changed since the previous report (latest figure per chart and source):", *changes]]


def _chart_figure(selection: Selection, chart: ChartSpec,
                  publishing: Publishing | None = None) -> Figure:
    citations = selection.rows[selection.rows["chart"] == chart.file_name]
    return draw_chart(chart, selection.points(chart), citations,
                      publishing=publishing or Publishing())


def _chart_outputs(selection: Selection, chart: ChartSpec, figure: Figure,
                   publishing: Publishing) -> dict[str, bytes]:
    """The files of one chart (outputs.py): PNGs, SVG, the CSV of its points, sidecar."""
    citations = selection.rows[selection.rows["chart"] == chart.file_name]
    return chart_files(figure, chart, selection.points(chart), citations, publishing)


def _scope_text(
    selection: Selection,
    *,
    conflict: str | None,
    since: str | None,
    until: str | None,
    metrics: list[str] | None,
    publishing: Publishing,
) -> list[str]:
    """What the report covers, from the arguments and the selection (no run date), and
    the credit and licence it is published under."""
    citations = len(selection.rows)
    points = selection.rows["mark"].nunique() if citations else 0
    unchecked = selection.rows.loc[selection.rows["unchecked"], "mark"].nunique() if citations else 0
    # The first line is the key of the change tracking (changes.py): a reviewed-only report
    # is compared with reviewed-only reports only.
    review = [f"{plural(unchecked, 'figure')} shown {'is' if unchecked == 1 else 'are'} machine-read "
              "and not yet checked by a person."] if unchecked else []
    if selection.rejected_count:
        review.append(f"{plural(selection.rejected_count, 'figure')} rejected by a reviewer "
                      f"{'is' if selection.rejected_count == 1 else 'are'} not shown.")
    if selection.reviewed_only:
        review.append("Reviewed only: machine-read figures are shown only once a person confirmed or "
                      "corrected them"
                      + (f" ({selection.unchecked_left_out} left out)." if selection.unchecked_left_out
                         else "."))
    drawn = sum(1 for chart in selection.charts if chart.drawn)
    small = len(selection.charts) - drawn
    summary = (f" ({plural(small, 'metric')} with fewer than three figures listed below, not "
               "charted)") if small else ""
    if selection.example_left_out:
        review.append(f"{plural(selection.example_left_out, 'citation')} from example sources "
                      "(example = true in sources.toml: text bundled to try the tracker, not "
                      "reporting) left out.")
    return [
        selection_words(conflict, since, until, metrics, selection.reviewed_only),
        f"{plural(points, 'figure')} from {plural(citations, 'citation')} in "
        f"{plural(drawn, 'chart')}{summary}, "
        f"selected from {selection.ledger_count} current ledger rows.",
        *review,
        REVIEW_EXPLANATION,
        publishing.credit_line() + ".",
    ]
