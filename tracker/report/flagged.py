"""The table of flagged figures: revisions, conflicting copies and failed checks.

Rows come from the observations of the report's scope (tracker/observations.py) and, when
data/processed/checks.csv exists, from its failing rows (claim_id, status, detail).
"""

from __future__ import annotations

import pandas as pd

from tracker.report.text import metric_label, metric_unit, number_text

FLAGGED_COLUMNS: tuple[str, ...] = ("Mark", "Figure", "Producer", "Issue", "Detail")

# Check outcomes that need no attention in the table (statuses of tracker/checks.py and generic ones).
_PASSING = frozenset({"pass", "passed", "ok", "info", "no_computed"})  # no_computed: nothing to compare with


def figure_text(row: pd.Series | dict) -> str:
    """'≈ 478 km² area gained, Russia in Ukraine, 2024-10-01 to 2024-10-27' (no marks)."""
    unit = metric_unit(str(row["metric"]))
    unit_text = "" if unit == "count" else f" {unit}"
    low, high, value = row["value_min"], row["value_max"], row["value"]
    if pd.notna(low) and pd.notna(high) and low != high:
        number = f"{number_text(low)}–{number_text(high)}"
    else:
        number = number_text(value if pd.notna(value) else (low if pd.notna(low) else high))
    sign = {"approx": "≈ ", "at_least": "≥ ", "at_most": "≤ "}.get(str(row["qualifier"]), "")
    if isinstance(row["as_of"], str) and row["as_of"]:
        when = f"as of {row['as_of']}"
    else:
        when = _month(row["period_start"], row["period_end"]) or (
            f"{_day(row['period_start'])} to {_day(row['period_end'])}")
    return (f"{sign}{number}{unit_text} {metric_label(str(row['metric'])).lower()}, "
            f"{row['actor']} in {row['territory']}, {when}")


def _month(start: object, end: object) -> str:
    """'2024-10' for a period of one whole month (as the references print it, and short
    enough for one line of the table), else ''."""
    if not (isinstance(start, str) and isinstance(end, str) and start.endswith("-01")):
        return ""
    first, last = pd.Timestamp(start[:10]), pd.Timestamp(end[:10])
    whole = last == first + pd.offsets.MonthEnd(0)
    return f"{first:%Y-%m}" if whole else ""


def _day(cell: object) -> str:
    """A date cell as printed: '?' when it is missing, whichever marker the frame holds
    (None, NaN or '': a frame of dates marks missing ones with NaN or None depending on
    the other cells of its column)."""
    return cell if isinstance(cell, str) and cell else "?"


def _ref(oid: str, marks: dict[str, int], by_id: dict[str, dict]) -> str:
    """How to point at another observation: its mark, or its figure when not plotted."""
    if oid in marks:
        return f"[{marks[oid]}]"
    other = by_id.get(oid)
    if other is None:
        return oid
    published = other["first_published_at"] or "date unknown"
    return f"{figure_text(other)} (published {published}, not plotted)"


def observation_notes(observations: pd.DataFrame, marks: dict[str, int]) -> dict[str, str]:
    """Per flagged observation, a short remark for its reference entry."""
    by_id = _by_id(observations)
    notes = {}
    for oid, row in by_id.items():
        parts = _relations(row, marks, by_id, ("revises the first release ", "revised by ",
                                                 "copies of the same release disagree: "))
        if parts:
            notes[oid] = "; ".join(parts)
    return notes


def flagged_rows(
    observations: pd.DataFrame,
    marks: dict[str, int],
    checks: pd.DataFrame | None = None,
    claim_observations: dict[str, str] | None = None,
    reviews: dict[str, str] | None = None,
) -> list[tuple[str, str, str, str, str]]:
    """Rows of the table: (mark, figure, producer, issue, detail), in mark order (figures
    not plotted last), one per figure for its revisions and conflicting copies and one
    per figure and failing check, however many of its citations the check failed.

    `reviews` maps an observation_id to whether a person checked it (report.text
    review_notes), added to the detail."""
    reviews = reviews or {}
    by_id = _by_id(observations)
    rows: list[tuple[tuple, tuple[str, str, str, str, str]]] = []
    for oid, row in by_id.items():
        issues = []
        if row["conflicts_with"]:
            issues.append("conflicting copies")
        if row["revision_of"]:
            issues.append("revision")
        if row["superseded_by"]:
            issues.append("revised" + (" (partial first release)" if row["is_partial"] else ""))
        if not issues:
            continue
        cells = (_mark(oid, marks), figure_text(row), str(row["attribution"]),
                 "; ".join(issues), _with_review(_detail(row, marks, by_id), oid, reviews))
        rows.append((_order(oid, marks, 0), cells))
    rows += _check_rows(checks, by_id, marks, claim_observations or {}, reviews)
    # A reader goes from a chart's mark to the table: the table follows the marks.
    return [cells for _, cells in sorted(rows)]


def _by_id(observations: pd.DataFrame) -> dict[str, dict]:
    """Observations by id, each keeping in `conflicts_with` only the copies of its own
    definition: a map measured under two definitions (the whole occupied area, the area
    taken since 2022) gives two figures per day that are not copies of one release
    disagreeing, and would otherwise flag every day of a daily series."""
    rows = {row["observation_id"]: row for row in observations.to_dict("records")}
    for row in rows.values():
        if row["conflicts_with"]:
            definition = str(row.get("definition") or "")
            same = [oid for oid in str(row["conflicts_with"]).split(";")
                    if oid not in rows or str(rows[oid].get("definition") or "") == definition]
            row["conflicts_with"] = ";".join(same)
    return rows


def _order(oid: str, marks: dict[str, int], kind: int) -> tuple:
    """Sort key of a row: its mark (unplotted figures after every mark, by id), then the
    kind of row (revisions and copies before checks)."""
    return (oid not in marks, marks.get(oid, 0), "" if oid in marks else oid, kind)


def _with_review(detail: str, oid: str, reviews: dict[str, str]) -> str:
    return f"{detail}; {reviews[oid]}" if reviews.get(oid) else detail


def _detail(row: dict, marks: dict[str, int], by_id: dict[str, dict]) -> str:
    parts = []
    published = row["first_published_at"] or "date unknown"
    parts.append(f"published {published}; {row['n_citations']} citation(s)")
    parts += _relations(row, marks, by_id, ("first release: ", "superseded by ", "other copies say "))
    return "; ".join(parts)


def _relations(row: dict, marks: dict[str, int], by_id: dict[str, dict],
               labels: tuple[str, str, str]) -> list[str]:
    """Revision and disagreement links of one observation, each led by its label."""
    revises, revised, conflicts = labels
    parts = []
    if row["revision_of"]:
        parts.append(revises + _ref(row["revision_of"], marks, by_id))
    if row["superseded_by"]:
        parts.append(revised + _ref(row["superseded_by"], marks, by_id))
    if row["conflicts_with"]:
        parts.append(conflicts + ", ".join(_ref(o, marks, by_id) for o in row["conflicts_with"].split(";")))
    return parts


def _mark(oid: str, marks: dict[str, int]) -> str:
    return f"[{marks[oid]}]" if oid in marks else "—"


def _check_rows(
    checks: pd.DataFrame | None,
    by_id: dict[str, dict],
    marks: dict[str, int],
    claim_observations: dict[str, str],
    reviews: dict[str, str],
) -> list[tuple[tuple, tuple[str, str, str, str, str]]]:
    """One row per figure and failing check (status and check name): the first citation's
    detail (by claim_id), and how many other citations of the figure failed it."""
    if checks is None or checks.empty or "claim_id" not in checks.columns:
        return []
    status = checks.get("status", pd.Series("", index=checks.index)).astype(str)
    failing = checks[~status.str.strip().str.lower().isin(_PASSING)]
    grouped: dict[tuple[str, str], list[dict]] = {}
    for check in failing.to_dict("records"):
        oid = claim_observations.get(str(check["claim_id"]))
        if oid is None or oid not in by_id:
            continue  # a claim outside this report's scope
        name = str(check.get("check", "") or "").strip()
        issue = f"check {check.get('status', '')}".strip() + (f": {name}" if name else "")
        grouped.setdefault((oid, issue), []).append(check)
    rows = []
    for (oid, issue), failed in grouped.items():
        failed.sort(key=lambda c: (str(c["claim_id"]), str(c.get("detail", ""))))
        first = failed[0]
        # The count first: the table cuts a long detail, never the number of citations.
        failing = len({str(c["claim_id"]) for c in failed})
        detail = f"claim {first['claim_id']}: {first.get('detail', '')}"
        if failing > 1:
            detail = f"{failing} citations, all in checks.csv; first {detail}"
        row = by_id[oid]
        cells = (_mark(oid, marks), figure_text(row), str(row["attribution"]), issue,
                 _with_review(detail, oid, reviews))
        rows.append((_order(oid, marks, 1) + (issue,), cells))
    return rows
