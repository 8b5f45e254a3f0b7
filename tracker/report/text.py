"""The words of the report, built from the data: labels, values, footers, references.

Nothing here names a source by hand: every attribution and publisher printed comes from
the citations of the plotted points (DESIGN.md, "Provenance travels with every number").
"""

from __future__ import annotations

import textwrap
from urllib.parse import urlsplit

import pandas as pd

from tracker.report.identity import conflict_name
from tracker.report.pdfdoc import Linked
from tracker.report.points import ChartSpec, add_plot_columns, point_qualifiers
from tracker.report.publishers import AGGREGATOR, PREFERENCE, RELAY, Publisher, describe, publication_date

# Names that read badly when derived from the metric identifier.
_METRIC_LABELS: dict[str, str] = {
    "area_gained_per_day_km2": "Area gained per day",
    "share_present_pct": "Share where present",
    "share_regained_pct": "Share regained",
    "units_captured_count": "Units captured",
    "settlements_captured": "Settlements captured",
}

_UNIT_SUFFIXES: dict[str, str] = {"_per_day_km2": "km²/day", "_km2": "km²", "_pct": "%"}

QUALIFIER_SIGNS: dict[str, str] = {"approx": "≈ ", "at_least": "≥ ", "at_most": "≤ "}

_QUOTE_MAX_CHARS = 180
UNATTRIBUTED = "unattributed"

# A figure relayed by hundreds of sites would fill pages of references: a figure cited
# this many times or fewer lists every citation, one cited more its preferred citation and
# a count by kind (observations.csv lists every claim_id).
MAX_CITATIONS_LISTED = 2


def plural(count: int, noun: str) -> str:
    """'1 figure', '2 figures'."""
    return f"{count} {noun}" if count == 1 else f"{count} {noun}s"


def metric_label(metric: str) -> str:
    """'area_gained_km2' -> 'Area gained'."""
    if metric in _METRIC_LABELS:
        return _METRIC_LABELS[metric]
    words = metric
    for suffix in ("_km2", "_pct", "_count"):
        words = words.removesuffix(suffix)
    return words.replace("_", " ").capitalize()


def metric_unit(metric: str) -> str:
    """The unit printed after values and on the axis: km², km²/day, % or a count."""
    for suffix, unit in _UNIT_SUFFIXES.items():
        if metric.endswith(suffix):
            return unit
    return "count"


# Decimals a figure is published with, by unit: areas in whole km², shares to at most two
# decimals (19.25 %), rates per day to one; counts are whole.
_UNIT_DECIMALS: dict[str, int] = {"km²": 0, "%": 2, "km²/day": 1, "count": 0}


def number_text(number: float, unit: str | None = None) -> str:
    """Thousands separated. With the `unit` (metric_unit), rounded as published (see
    _UNIT_DECIMALS), trailing zeros dropped; without, decimals only when the source gave
    them."""
    if unit is not None:
        decimals = _UNIT_DECIMALS.get(unit, 2)
        text = f"{round(float(number), decimals) + 0.0:,.{decimals}f}"
        return text.rstrip("0").rstrip(".") if decimals else text
    if float(number).is_integer():
        return f"{number:,.0f}"
    return f"{number:,.6g}" if abs(number) >= 1000 else f"{number:.6g}"


def value_text(point: pd.Series) -> str:
    """'≈ 200 km²', '100–150 km²', '19.3 %' for one plotted point."""
    unit = metric_unit(str(point["metric"]))
    unit_text = "" if unit == "count" else f" {unit}"
    low, high = point["value_min"], point["value_max"]
    if pd.notna(low) and pd.notna(high) and low != high:
        core = f"{number_text(low, unit)}–{number_text(high, unit)}"
        if pd.notna(point["value"]):
            core = f"{number_text(point['value'], unit)} ({core})"
    else:
        core = number_text(point["_y"], unit)
    return f"{QUALIFIER_SIGNS.get(str(point['_qualifier']), '')}{core}{unit_text}"


def time_text(point: pd.Series) -> str:
    """'2025-11' for a whole month, '2024-07-01 to 2024-07-30 (partial)', 'as of 2025-08-17'."""
    if not point["_is_flow"]:
        return f"as of {point['_as_of']:%Y-%m-%d}"
    start, end = point["_start"], point["_end"]
    if start.is_month_start and end.is_month_end and start.to_period("M") == end.to_period("M"):
        return f"{start:%Y-%m}"
    suffix = " (partial)" if point["is_partial"] else ""
    return f"{start:%Y-%m-%d} to {end:%Y-%m-%d}{suffix}"


def attribution_of(row: pd.Series | dict) -> str:
    return str(row["attribution"]).strip() or UNATTRIBUTED


def publisher_of(row: pd.Series | dict) -> str:
    """The publisher, or the web site of the URL when the ledger has no publisher name."""
    name = str(row["publisher"]).strip()
    if name:
        return name
    host = urlsplit(str(row["url"])).hostname or ""
    return host.removeprefix("www.") or "unknown publisher"


def chart_title(chart: ChartSpec) -> str:
    """'Russia–Ukraine: area controlled by Russia in Ukraine'."""
    what = metric_label(chart.metric)
    what = what[:1].lower() + what[1:] if what[1:2].islower() else what
    return (f"{conflict_name(chart.conflict)}: {what} by {chart.actor or 'unnamed actor'} "
            f"in {chart.territory or 'unnamed territory'}")


def chart_subtitle(chart: ChartSpec, points: pd.DataFrame, citation_count: int) -> str:
    """What is counted, whose figures, and what was left out of this chart."""
    unit = metric_unit(chart.metric)
    if chart.is_flow:
        counted = (
            f"Counted: {metric_label(chart.metric).lower()} ({unit}) by {chart.actor} "
            f"in {chart.territory}, per reported period, one bar per source and period; "
            "a reported range floats from its minimum to its maximum."
        )
    else:
        counted = (
            f"Counted: {metric_label(chart.metric).lower()} ({unit}) by {chart.actor} "
            f"in {chart.territory}, at the date each figure refers to; one line per source and "
            "definition, broken where the series has a long gap."
        )
    scope = f" {plural(len(points), 'figure')} from {plural(citation_count, 'citation')}."
    left_out = []
    if chart.other_pairs_count:
        left_out.append(f"{chart.other_pairs_count} for other actors or territories")
    if chart.other_spans_count:
        left_out.append(f"{chart.other_spans_count} over periods of another length")
    omitted = f" Not shown: {'; '.join(left_out)}." if left_out else ""
    return counted + scope + omitted


def footer_text(citations: pd.DataFrame) -> str:
    """'Sources: A (via P1, P2); B (via P3, computed from its maps).' from the citations
    of the plotted points."""
    by_attribution: dict[str, set[str]] = {}
    columns = [c for c in ("attribution", "publisher", "url", "method") if c in citations.columns]
    for row in citations[columns].drop_duplicates().to_dict("records"):
        # A computed figure has no publisher: the tracker measured the producer's map.
        via = "computed from its maps" if row.get("method") == "computed" else publisher_of(row)
        by_attribution.setdefault(attribution_of(row), set()).add(via)
    parts = [_source_part(attribution, publishers)
             for attribution, publishers in sorted(by_attribution.items())]
    return "Sources: " + "; ".join(parts) + "." if parts else ""


def _source_part(attribution: str, publishers: set[str]) -> str:
    """'DeepState', 'DeepState (own site; via Kyiv Independent)', 'ISW (via AFP)': a
    producer that published its own figure is named once, not 'DeepState (via DeepState)'."""
    own = {p for p in publishers if p.casefold() == attribution.casefold()}
    others = sorted(publishers - own)
    if not others:
        return attribution
    return f"{attribution} ({'own site; ' if own else ''}via {', '.join(others)})"


def data_stamp(points: pd.DataFrame) -> str:
    """'Data to 2025-11-30': the last date the plotted figures refer to (a period's end, a
    stock's date); '' without one. Derived from the data, never from the clock."""
    dates = points["_ref"].dropna() if "_ref" in points.columns else pd.Series(dtype=object)
    return f"Data to {dates.max():%Y-%m-%d}" if len(dates) else ""


UNCHECKED_NOTE = "machine-read, not yet checked by a person"
# One line of report.pdf explaining the ring on the charts and the review notes.
REVIEW_EXPLANATION = (
    "A dotted grey ring on a chart marks a machine-read figure (read from text by the extractor) "
    "that no person has checked yet; figures without it were confirmed or corrected by a reviewer, "
    "entered by an analyst (curated) or computed from maps. A corrected figure is shown with its "
    "corrected values; figures a reviewer rejected are never shown.")


def _reviewed(row: dict | pd.Series) -> str:
    """'confirmed by Ana on 2026-01-05', 'corrected by Ana on 2026-01-05 (reason)' or ''."""
    status = str(row.get("review_status", "") or "")
    if status not in ("confirmed", "corrected"):
        return ""
    by = str(row.get("reviewed_by", "") or "").strip() or "a reviewer"
    when = str(row.get("reviewed_at", "") or "")[:10]
    reason = " ".join(str(row.get("review_reason", "") or "").split())
    text = f"{status} by {by}" + (f" on {when}" if when else "")
    return text + (f" ({textwrap.shorten(reason, 120, placeholder=' …')})" if reason else "")


def review_notes(citations: pd.DataFrame) -> dict[str, str]:
    """Per plotted observation, whether a person checked it: 'checked by a person:
    confirmed by Ana on 2026-01-05', 'machine-read, not yet checked by a person', or
    nothing for curated and computed figures nobody reviewed.

    `citations` is ReportResult.plotted (or a subset); frames without the review columns
    give no notes."""
    wanted = ("observation_id", "review_status", "reviewed_by", "reviewed_at", "review_reason",
              "unchecked")
    if citations.empty or "review_status" not in citations.columns or "observation_id" not in citations.columns:
        return {}
    notes: dict[str, str] = {}
    checked: dict[str, list[str]] = {}
    for row in citations[[c for c in wanted if c in citations.columns]].to_dict("records"):
        oid = str(row["observation_id"])
        text = _reviewed(row)
        if text and text not in checked.setdefault(oid, []):
            checked[oid].append(text)
        if row.get("unchecked", False):
            notes[oid] = UNCHECKED_NOTE
    for oid, texts in checked.items():
        if texts:
            notes[oid] = "checked by a person: " + "; ".join(sorted(texts))
    return notes


def with_point_columns(citations: pd.DataFrame) -> pd.DataFrame:
    """Plotted citations with what the point texts need: its value, dates and hedge."""
    rows = add_plot_columns(citations)
    rows["_qualifier"] = point_qualifiers(rows, "mark")
    return rows


def reference_entries(
    citations: pd.DataFrame, notes: dict[str, str] | None = None
) -> list[list[str]]:
    """The references: one entry per labelled point, one per series for the rest.

    A labelled point's entry (see points.py: every point unless the chart is dense) is
    its figure line, its preferred citation (the original publisher before relays and
    aggregator copies, see publishers.py) with the publication date and where that date
    came from, and its quote, printed once however many citations repeat it; a second
    citation is listed too, more are counted (observations.csv lists every claim_id).
    The points of a series that are not labelled are summarised in one entry,
    "[12–1,466] 1,455 DeepState snapshots …". Without a `labelled` column every point is
    labelled.

    `citations` is ReportResult.plotted (or any subset of it); `notes` maps an
    observation_id to a remark printed after the figure (revisions, conflicting copies).
    Each figure says whether a person checked it (see review_notes), each listed citation
    who confirmed or corrected it.
    """
    notes = notes or {}
    checks = review_notes(citations)
    rows = with_point_columns(citations).sort_values("mark", kind="mergesort")
    labelled = _listed(rows, notes)
    by_mark = _citations_by_mark(rows[labelled])
    quoted: set[str] = set()
    entries: list[tuple[int, list[str]]] = []
    for point in rows[labelled].drop_duplicates("mark").to_dict("records"):
        mark = int(point["mark"])
        oid = str(point.get("observation_id", ""))
        head = _figure_head(point, checks.get(oid, ""), notes.get(oid, ""))
        entries.append((mark, [head, *_cited(by_mark[mark], quoted)]))
    entries += _series_summaries(rows[~labelled])
    return [lines for _, lines in sorted(entries, key=lambda entry: entry[0])]


def _listed(rows: pd.DataFrame, notes: dict[str, str]) -> pd.Series:
    """Per row, whether its point gets an entry of its own: a labelled point (all of them
    without the column), except in a dense series (a daily map series), where only the
    latest and those with a note (revised, conflicting) are listed, the rest summarised.

    Labels on a dense chart also mark figures linked to another definition's figure of the
    same day; those links are not flags (flagged.py), so they do not make a list entry."""
    def flag(column: str, default: bool) -> pd.Series:
        if column not in rows.columns:
            return pd.Series(default, index=rows.index)
        return rows[column].astype(object).where(rows[column].notna(), default).astype(bool)

    labelled, dense = flag("labelled", True), flag("dense", False)
    if not dense.any():
        return labelled
    key = ["chart", "series"] if "series" in rows.columns else ["chart", "attribution", "method"]
    last = rows.sort_values(["_ref", "mark"], kind="mergesort").groupby(key, dropna=False)["mark"].transform("last")
    noted = rows["observation_id"].astype(str).map(lambda oid: bool(notes.get(oid)))
    return labelled & (~dense | (rows["mark"] == last.reindex(rows.index)) | noted)


def _citations_by_mark(rows: pd.DataFrame) -> dict[int, list[dict]]:
    """Citations per mark, preferred first: one pass over plain dicts (per-group pandas
    calls would dominate for 100k citations)."""
    wanted = ["mark", "publisher", "url", "source_id", "published_at", "quote", "method", "as_of",
              "review_status", "reviewed_by", "reviewed_at", "review_reason"]
    by_mark: dict[int, list[dict]] = {}
    for row in rows[[c for c in wanted if c in rows.columns]].to_dict("records"):
        row["_publisher"] = describe(str(row.get("publisher") or ""), str(row.get("url") or ""))
        row["_date"] = _recovered_date(row)
        by_mark.setdefault(int(row["mark"]), []).append(row)
    for group in by_mark.values():
        group.sort(key=_preference)
    return by_mark


def _recovered_date(row: dict) -> tuple[str, str]:
    computed = row.get("method") == "computed"
    as_of = row.get("as_of")
    map_date = str(as_of) if computed and isinstance(as_of, str) else ""
    return publication_date(str(row.get("published_at") or ""), str(row.get("url") or ""),
                            map_date=map_date)


def _preference(row: dict) -> tuple:
    """The original publisher first, then relays, then aggregator copies; within each,
    dated before undated, the earliest first (the first release of the story)."""
    publisher: Publisher = row["_publisher"]
    when = row["_date"][0]
    return (PREFERENCE[publisher.kind], when == "", when, publisher.name, str(row.get("url") or ""))


def _figure_head(point: dict, check: str, note: str) -> str:
    computed = " (computed from map geometry)" if point["method"] == "computed" else ""
    head = (f"[{int(point['mark'])}] {value_text(point)} — {metric_label(str(point['metric'])).lower()}, "
            f"{point['actor']} in {point['territory']}, {time_text(point)} — "
            f"{attribution_of(point)}{computed}")
    definition = " ".join(str(point.get("definition") or "").split())
    if definition:
        head += f"; definition: {definition}"
    return head + "".join(f" — {part}" for part in (check, note) if part)


def _cited(group: list[dict], quoted: set[str]) -> list[str]:
    """The citation lines of one point: up to MAX_CITATIONS_LISTED citations, the quote of
    the first that has one (unless the references printed it already), the rest counted."""
    # All of a figure cited at most MAX_CITATIONS_LISTED times; else the preferred one and a count.
    listed = group if len(group) <= MAX_CITATIONS_LISTED else group[:1]
    lines: list[str] = []
    for row in listed:
        # Who checked which citation is said per citation only when there are several
        # (the figure's line already says it for one).
        lines.append(_citation_line(row, with_review=len(group) > 1))
    quote = next((q for q in (_quote(row) for row in listed) if q), "")
    if quote and quote not in quoted:
        quoted.add(quote)
        lines.append(f"    “{quote}”")
    others = group[len(listed):]
    if others:
        lines.append(f"    … and {_others_text(others)} of this figure "
                     "(every claim_id is in observations.csv).")
    return lines


def _quote(row: dict) -> str:
    quote = " ".join(str(row.get("quote") or "").split())
    return textwrap.shorten(quote, _QUOTE_MAX_CHARS, placeholder=" …") if quote else ""


def _others_text(others: list[dict]) -> str:
    """'7 more citations (5 relays, 1 aggregator copy)'."""
    kinds = [row["_publisher"].kind for row in others]
    parts = [plural(kinds.count(RELAY), "relay"), plural(kinds.count(AGGREGATOR), "aggregator copy")]
    parts = [p.replace("copys", "copies") for p, kind in zip(parts, (RELAY, AGGREGATOR)) if kind in kinds]
    more = f"{len(others)} more citation" + ("" if len(others) == 1 else "s")
    return more + (f" ({', '.join(parts)})" if parts else "")


def references_lines(citations: pd.DataFrame) -> list[str]:
    """The references section as plain lines (unwrapped), as printed in report.pdf.

    `citations` is ReportResult.plotted; each point's first line starts with `[mark]`.
    """
    return [str(line) for entry in reference_entries(citations) for line in entry]


def _citation_line(row: dict, with_review: bool = False) -> str:
    """'AFP, relayed by Moscow Times, published 2024-07-31 (from the URL): https://…',
    a Linked line (clickable in the PDF) when the citation has a web address."""
    publisher: Publisher = row["_publisher"]
    when, where = row["_date"]
    if row.get("method") == "computed" and not str(row.get("publisher") or "").strip():
        who = "measured by the tracker on the map"
    else:
        who = publisher.text()
    published = (f"published {when}" + (f" ({where})" if where else "")) if when else "published date unknown"
    source = str(row.get("source_id") or "").strip()
    url = str(row.get("url") or "").strip()
    reviewed = _reviewed(row) if with_review else ""
    line = (f"    {who}, {published}: {url or (f'source {source}' if source else 'no URL')}"
            + (f" — {reviewed}" if reviewed else ""))
    return Linked(line, url) if url.startswith(("http://", "https://")) else line


def _series_summaries(rows: pd.DataFrame) -> list[tuple[int, list[str]]]:
    """One entry per series of points not listed one by one: the range of their marks,
    how many, which series (its producer, and its definition when the chart draws one
    line per definition), over which dates."""
    if rows.empty:
        return []
    points = rows.drop_duplicates("mark")
    key = ["chart", "series"] if "series" in points.columns else ["chart", "attribution", "method"]
    entries = []
    for _, series in points.groupby(key, sort=True, dropna=False):
        first = series.iloc[0]
        low, high = int(series["mark"].min()), int(series["mark"].max())
        computed = first["method"] == "computed"
        noun = "snapshots" if computed else "figures"
        whose = str(first.get("series") or "").strip() or (
            attribution_of(first) + (" (computed from map geometry)" if computed else ""))
        marks = f"[{low:,}–{high:,}]" if high > low else f"[{low:,}]"
        dates = f"{series['_ref'].min():%Y-%m-%d} to {series['_ref'].max():%Y-%m-%d}"
        count = f"{len(series):,} {noun if len(series) > 1 else noun[:-1]}"
        entries.append((low, [
            f"{marks} {count} by {whose}: {metric_label(str(first['metric'])).lower()}, "
            f"{first['actor']} in {first['territory']}, {dates}; not listed one by one here: "
            "every figure and citation is in observations.csv"]))
    return entries


# A source whose latest figure is this much older than the newest figure of its chart is
# marked stale on the cover: its line is not news. Measured between figures, never from
# the clock, so the same data gives the same PDF whenever it is made.
STALE_AFTER_DAYS = 90


def latest_lines(citations: pd.DataFrame, charts: list[ChartSpec]) -> list[list[str]]:
    """For the cover: per chart, the most recent figure of each source, whether a person
    checked it, and whether it is stale (STALE_AFTER_DAYS older than the chart's newest)."""
    checks = review_notes(citations)
    points = with_point_columns(citations).drop_duplicates("mark")
    entries = []
    for chart in charts:
        shown = points[points["chart"] == chart.file_name]
        newest = shown["_ref"].max()
        lines = [f"{chart_title(chart)} (newest figure "
                 + (f"{newest:%Y-%m-%d})" if pd.notna(newest) else "undated)")]
        for (_, method), series in shown.groupby(["attribution", "method"], sort=True):
            latest = series.sort_values(["_ref", "mark"], kind="mergesort").iloc[-1]
            computed = " (computed from map geometry)" if method == "computed" else ""
            check = checks.get(str(latest.get("observation_id", "")), "")
            lines.append(
                f"    {attribution_of(latest)}{computed}: {value_text(latest)}, {time_text(latest)} "
                f"[{latest['mark']}]" + _stale(latest["_ref"], newest) + (f" — {check}" if check else "")
            )
        entries.append(lines)
    return entries


def _stale(when: pd.Timestamp, newest: pd.Timestamp) -> str:
    """' — STALE: 14 months older than the chart's newest figure', or ''."""
    if pd.isna(when) or pd.isna(newest):
        return ""
    days = (newest - when).days
    if days <= STALE_AFTER_DAYS:
        return ""
    months = round(days / 30.44)
    return f" — STALE: {plural(months, 'month')} older than the chart's newest figure"


def _window_bound(text: str) -> str:
    """'2024' -> '2024', '2024-07' -> 'July 2024', '2024-07-31' -> '31 July 2024'."""
    parts = text.split("-")
    if len(parts) == 1:
        return text
    moment = pd.Timestamp(text if len(parts) == 3 else f"{text}-01")
    return f"{moment:%B %Y}" if len(parts) == 2 else f"{moment.day} {moment:%B %Y}"


def selection_words(conflict: str | None, since: str | None, until: str | None,
                    metrics: list[str] | None, reviewed_only: bool = False) -> str:
    """The selection in words, for the cover and the PDF's subject: 'Russia–Ukraine,
    figures from July 2024 to the latest; metrics: area gained, share controlled.'"""
    who = conflict_name(conflict) if conflict else "All conflicts"
    if since and until:
        window = f"figures from {_window_bound(since)} to {_window_bound(until)}"
    elif since:
        window = f"figures from {_window_bound(since)} to the latest"
    elif until:
        window = f"figures up to {_window_bound(until)}"
    else:
        window = "figures of every date"
    what = (", ".join(metric_label(m).lower() for m in metrics) if metrics
            else "every metric with data")
    checked = "; only figures a person checked" if reviewed_only else ""
    return f"{who}, {window}; metrics: {what}{checked}."
