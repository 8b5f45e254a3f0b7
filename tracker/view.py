"""The current view of the ledger: what observations, checks, reports and exports use.

The ledger (tracker/ledger.py) keeps every reading of every figure with its status; the
review log (tracker/review/log.py) keeps every person's decision. The current view is
the active readings with the decision in force on each applied (`decisions_in_force`: the
last decision at its location, or, where one number states several figures, the last
decision that named the reading):

- no decision: `review_status` is `unreviewed`;
- `confirm`: `confirmed`. The decision holds the fields the reviewer saw; when a newer
  extractor has since read the same place differently, the confirmed fields stand (a
  person's check outlives a machine's re-reading) and the row is flagged
  `reextraction_differs`;
- `correct`: `corrected`, the reviewer's fields replace the reading's; when the current
  reading already says what the correction says (a better extractor now agrees), the row
  is flagged `extractor_agrees`;
- `reject`: `rejected`, with the reason; kept in the view (exports show it) but never
  charted, and left out of observations and checks (see `charted`).

`claim_id` stays the id of the reading the figure stands on. Pure: no disk, no clock.
"""

from __future__ import annotations

import math
from collections import Counter
from typing import Any, Iterable

import pandas as pd

from tracker.model import CLAIM_COLUMNS, DATE_COLUMNS, FLOAT_COLUMNS
from tracker.review.log import CORRECTABLE_FIELDS, Decision

REVIEW_COLUMNS: tuple[str, ...] = ("review_status", "reviewed_by", "reviewed_at", "review_reason")
VIEW_COLUMNS: tuple[str, ...] = CLAIM_COLUMNS + REVIEW_COLUMNS
REVIEW_STATUSES: tuple[str, ...] = ("unreviewed", "confirmed", "corrected", "rejected")


def decisions_in_force(active: pd.DataFrame, decisions: Iterable[Decision]) -> dict[str, Decision]:
    """claim_id of each active reading -> the decision in force on it, if any.

    A location holding one active reading takes the last decision taken at that location,
    whichever reading it named: a person's check outlives a re-reading of the place. A
    location holding several (one number stating several figures: "75 % of Donetsk,
    Zaporizhzhia and Kherson") gives each reading the last decision that named it, so that
    a decision on one of them never lands on another."""
    by_location: dict[str, Decision] = {}
    by_reading: dict[tuple[str, str], Decision] = {}
    for decision in decisions:
        by_location[decision.location_id] = decision
        by_reading[(decision.location_id, decision.claim_id)] = decision
    if not by_location:
        return {}
    counts = Counter(active["location_id"])
    found: dict[str, Decision] = {}
    for claim, location in zip(active["claim_id"], active["location_id"]):
        if location not in by_location:
            continue
        decision = (by_location[location] if counts[location] == 1
                    else by_reading.get((location, claim)))
        if decision is not None:
            found[claim] = decision
    return found


def current_view(claims: pd.DataFrame, decisions: Iterable[Decision] = ()) -> pd.DataFrame:
    """Active readings of a normalised ledger frame with review decisions applied."""
    active = claims[claims["status"] == "active"].reset_index(drop=True)
    active["review_status"] = "unreviewed"
    for column in REVIEW_COLUMNS[1:]:
        active[column] = ""
    in_force = decisions_in_force(active, decisions)
    if not in_force:
        return active
    # Cells are gathered per column and set once per column: a thousand decisions on a
    # 100,000-row ledger would otherwise cost a second of single-cell writes.
    updates: dict[str, dict[int, Any]] = {}
    columns = list(active.columns)
    for index, claim in enumerate(active["claim_id"]):
        decision = in_force.get(claim)
        if decision is None:
            continue
        row = dict(zip(columns, active.iloc[index].tolist()))
        for column, value in _decided(row, decision).items():
            updates.setdefault(column, {})[index] = value
    for column, cells in updates.items():
        where = list(cells)
        values = list(cells.values())
        if column in FLOAT_COLUMNS:
            active.loc[where, column] = pd.Series(values, index=where, dtype="float64")
        else:
            active.loc[where, column] = pd.Series(values, index=where, dtype="object")
    return active


def _decided(row: dict[str, Any], decision: Decision) -> dict[str, Any]:
    """The cells of one view row that `decision` sets."""
    cells: dict[str, Any] = {"reviewed_by": decision.reviewer, "reviewed_at": decision.at,
                             "review_reason": decision.reason}
    if decision.action == "reject":
        cells["review_status"] = "rejected"
        return cells
    wanted = {name: decision.reading[name] for name in CORRECTABLE_FIELDS if name in decision.reading}
    if decision.action == "correct":
        wanted.update(decision.fields)
    differs = [name for name, value in wanted.items() if not same_value(name, row.get(name), value)]
    if decision.action == "confirm":
        cells["review_status"] = "confirmed"
        flag = "reextraction_differs" if differs else ""
    else:
        cells["review_status"] = "corrected"
        flag = "" if differs else "extractor_agrees"
    for name in differs:
        cells[name] = typed_value(name, wanted[name])
    if flag:
        present = [f for f in str(row["flags"]).split(";") if f]
        cells["flags"] = ";".join(sorted(set(present) | {flag}))
    return cells


def typed_value(name: str, value: Any) -> Any:
    """A field's value as the normalised ledger frame holds it."""
    if name in FLOAT_COLUMNS:
        if value is None or (isinstance(value, str) and not value.strip()):
            return math.nan
        return float(value)
    if name in DATE_COLUMNS:
        return None if value is None or not str(value).strip() else str(value).strip()
    return "" if value is None else str(value).strip()


def same_value(name: str, left: Any, right: Any) -> bool:
    """Whether two values of one field say the same (NaN, None and '' are all missing)."""
    a, b = typed_value(name, plain_value(left)), typed_value(name, plain_value(right))
    if name in FLOAT_COLUMNS:
        if math.isnan(a) or math.isnan(b):
            return math.isnan(a) and math.isnan(b)
        return round(a, 6) == round(b, 6)
    return a == b


def plain_value(value: Any) -> Any:
    """`value`, or None when it is missing (None, NaN, pandas' NA)."""
    if value is None or value is pd.NA:
        return None
    if isinstance(value, float) and math.isnan(value):
        return None
    return value


def charted(view: pd.DataFrame, reviewed_only: bool = False) -> pd.DataFrame:
    """The rows reports, observations and checks use: never rejected ones; with
    `reviewed_only`, no machine-read figure that no person confirmed or corrected."""
    keep = view["review_status"] != "rejected"
    if reviewed_only:
        keep &= (view["method"] != "reported") | view["review_status"].isin(["confirmed", "corrected"])
    return view[keep].reset_index(drop=True)


def reading_fields(row: dict[str, Any]) -> dict[str, Any]:
    """The correctable fields of a ledger row as JSON values (what a decision records)."""
    out: dict[str, Any] = {}
    for name in CORRECTABLE_FIELDS:
        value = plain_value(row.get(name))
        if name in FLOAT_COLUMNS:
            out[name] = None if value is None or value == "" else float(value)
        else:
            out[name] = "" if value is None else str(value)
    return out
