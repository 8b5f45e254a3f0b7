"""Reconciliation of reported figures with figures computed from maps, and impossible values.

For every reported or curated figure: the computed figure for the same metric, actor,
territory and time (a stock dated within a few days; a monthly gain for the same month),
the difference in km² and in percent, and a status:

- ``ok``: within the tolerance;
- ``exceeds_tolerance``: differs from the computed figure by more than the tolerance;
- ``impossible``: cannot be true whatever the map says (an area larger than its territory,
  a share above 100 %, a stock that falls while gains over the same span are positive);
- ``no_computed``: no computed figure to compare with.

The result is data/processed/checks.csv, written only when its bytes change.
"""

from __future__ import annotations

import hashlib
from datetime import date
from pathlib import Path

import numpy as np
import pandas as pd

from tracker.model import UKRAINE_AREA_AFP_KM2

CHECK_COLUMNS: tuple[str, ...] = (
    "check_id", "claim_id", "metric", "actor", "territory", "time", "reported_value",
    "computed_value", "computed_claim_id", "difference_km2", "difference_pct", "status", "detail",
)
STATUSES: tuple[str, ...] = ("ok", "exceeds_tolerance", "impossible", "no_computed")

# Largest area a figure about a territory can state (km²). Ukraine as AFP/ISW count it.
TERRITORY_AREA_KM2: dict[str, float] = {
    "ukraine": UKRAINE_AREA_AFP_KM2,
    "gaza strip": 365.0,
    "gaza": 365.0,
}
STOCK_WINDOW_DAYS = 3


def build_checks(claims: pd.DataFrame, tolerance_pct: float = 5.0) -> pd.DataFrame:
    """One row per reported or curated figure, compared with the computed figures."""
    if claims.empty:
        return pd.DataFrame(columns=list(CHECK_COLUMNS))
    frame = claims.copy()
    for column in ("method", "metric", "actor", "territory", "definition", "as_of",
                   "period_start", "period_end", "attribution", "data_producer", "claim_id"):
        frame[column] = frame[column].astype("object").where(frame[column].notna(), "").map(str)
    frame["key_actor"] = frame["actor"].str.strip().str.lower()
    frame["key_territory"] = frame["territory"].str.strip().str.lower()
    computed = _ComputedIndex(frame[frame["method"] == "computed"])
    history = _CitedHistory(frame)
    cited = frame[frame["method"].isin(["reported", "curated"])]
    rows = [_check(row, computed, history, tolerance_pct) for row in cited.itertuples(index=False)]
    out = pd.DataFrame(rows, columns=list(CHECK_COLUMNS))
    return out.sort_values(["metric", "time", "claim_id"], kind="mergesort").reset_index(drop=True)


def _value(row) -> tuple[float | None, str]:
    """The figure to compare: the value, or the middle of a range (said in the detail)."""
    if pd.notna(row.value):
        return float(row.value), ""
    if pd.notna(row.value_min) and pd.notna(row.value_max):
        return (float(row.value_min) + float(row.value_max)) / 2, \
            f"range {row.value_min:g}-{row.value_max:g}, compared at its middle"
    return None, ""


def _time(row) -> str:
    if row.as_of:
        return row.as_of
    return f"{row.period_start}..{row.period_end}" if row.period_end else ""


class _ComputedIndex:
    """The computed figures grouped by metric, actor and territory (and, for a figure
    without territory, by metric and actor), each group sorted by day, with the gains of
    each group by month: a cited figure looks up its few candidates instead of scanning
    every computed figure (the scan made the checks grow with the square of the ledger)."""

    def __init__(self, computed: pd.DataFrame) -> None:
        days = computed["as_of"].map(_day)
        computed = computed.assign(_day=[d.toordinal() if d is not None else -1 for d in days])
        self.groups: dict[tuple[str, ...], _Group] = {}
        for key, group in computed.groupby(["metric", "key_actor", "key_territory"], sort=False):
            self.groups[key] = _Group(group)
        for key, group in computed.groupby(["metric", "key_actor"], sort=False):
            self.groups[key] = _Group(group)

    def group(self, row) -> "_Group | None":
        if row.key_territory:
            return self.groups.get((row.metric, row.key_actor, row.key_territory))
        return self.groups.get((row.metric, row.key_actor))


class _Group:
    def __init__(self, group: pd.DataFrame) -> None:
        dated = group[group["_day"] >= 0].sort_values("_day", kind="mergesort")
        self.dated = dated
        self.days = dated["_day"].to_numpy()
        self.by_month = {month: part for month, part in
                         group.groupby(group["period_end"].str[:7], sort=False)}


class _CitedHistory:
    """Cited stocks by metric, actor, territory and attribution sorted by date, and cited
    gains by actor and territory: what `_falling_stock` compares a stock with."""

    def __init__(self, frame: pd.DataFrame) -> None:
        cited = frame[frame["method"] != "computed"]
        stocks = cited[(cited["as_of"] != "") & cited["value"].notna()]
        self.stocks = {key: group.sort_values("as_of", kind="mergesort")
                       for key, group in stocks.groupby(
                           ["metric", "key_actor", "key_territory", "attribution"], sort=False)}
        gains = cited[(cited["metric"] == "area_gained_km2") & (cited["period_start"] != "")
                      & (cited["value"] > 0)]
        self.gains = {key: group for key, group in
                      gains.groupby(["key_actor", "key_territory"], sort=False)}


def _check(row, computed: _ComputedIndex, history: _CitedHistory, tolerance_pct: float) -> dict:
    value, note = _value(row)
    out = {"claim_id": row.claim_id, "metric": row.metric, "actor": row.actor,
           "territory": row.territory, "time": _time(row), "reported_value": value,
           "computed_value": None, "computed_claim_id": "", "difference_km2": None,
           "difference_pct": None, "status": "no_computed", "detail": note}
    out["check_id"] = hashlib.sha256(f"{row.claim_id}:{tolerance_pct:g}".encode()).hexdigest()[:16]
    impossible = _impossible(row, value, history)
    match = _match(row, computed)
    if match is not None and value is not None:
        other = float(match.value)
        out.update(computed_value=other, computed_claim_id=match.claim_id)
        if row.metric.endswith("_km2"):
            out["difference_km2"] = round(value - other, 3)
        if other != 0:
            out["difference_pct"] = round((value - other) / abs(other) * 100, 3)
        within = _within(row, value, other, tolerance_pct)
        out["status"] = "ok" if within else "exceeds_tolerance"
        where = f"computed from {match.attribution or 'map'} ({match.as_of or match.period_end})"
        out["detail"] = "; ".join(x for x in (note, where) if x)
    if impossible:
        out["status"] = "impossible"
        out["detail"] = "; ".join(x for x in (impossible, out["detail"]) if x)
    return out


def _within(row, value: float, other: float, tolerance_pct: float) -> bool:
    if pd.notna(row.value_min) and pd.notna(row.value_max) and row.value_min <= other <= row.value_max:
        return True
    if other == 0:
        return value == 0
    return abs(value - other) / abs(other) * 100 <= tolerance_pct


def _match(row, computed: _ComputedIndex):
    """The computed figure for the same metric, actor, territory and time, if any."""
    group = computed.group(row)
    if group is None:
        return None
    if row.as_of:
        wanted = _day(row.as_of)
        if wanted is None:
            return None
        day = wanted.toordinal()
        low = int(np.searchsorted(group.days, day - STOCK_WINDOW_DAYS, side="left"))
        high = int(np.searchsorted(group.days, day + STOCK_WINDOW_DAYS, side="right"))
        same = group.dated.iloc[low:high]
        same = same.assign(_distance=(same["_day"] - day).abs())
    elif row.period_end:
        # Monthly figures match on the month of the period (computed gains span one month).
        month = row.period_end[:7]
        start_month = (row.period_start or row.period_end)[:7]
        if start_month != month:
            return None
        same = group.by_month.get(month)
        if same is None:
            return None
        same = same.assign(_distance=0)
    else:
        return None
    if same.empty:
        return None
    # Prefer the map of the figure's own producer (ISW's figure against ISW's map), then the
    # headline total over a per-category figure (see sources/deepstate.py), then the nearest date.
    producer = str(row.data_producer or "").strip().lower()
    other_producer = same["data_producer"].astype(str).str.strip().str.lower() != producer
    headline = same["definition"].str.startswith("occupied_total") | ~same["definition"].str.contains(":")
    same = same.assign(_producer=other_producer.astype(int) if producer else 0,
                       _rank=(~headline).astype(int))
    return same.sort_values(["_producer", "_rank", "_distance", "claim_id"], kind="mergesort").iloc[0]


def _day(text: str) -> date | None:
    try:
        return date.fromisoformat(str(text)[:10])
    except ValueError:
        return None


def _impossible(row, value: float | None, history: _CitedHistory) -> str:
    """Why the figure cannot be true, or ''."""
    values = [v for v in (row.value, row.value_min, row.value_max) if pd.notna(v)]
    if row.metric.endswith("_pct") and any(v > 100 for v in values):
        return f"share above 100 % ({max(values):g})"
    limit = TERRITORY_AREA_KM2.get(row.key_territory)
    if row.metric.endswith("_km2") and limit is not None and any(v > limit for v in values):
        return f"area larger than {row.territory} ({max(values):,.0f} > {limit:,.0f} km²)"
    if row.metric in ("area_controlled_km2", "share_controlled_pct") and row.as_of and value is not None:
        return _falling_stock(row, value, history)
    return ""


def _falling_stock(row, value: float, history: _CitedHistory) -> str:
    """A stock lower than the same producer's earlier stock while gains in between are > 0."""
    stocks = history.stocks.get((row.metric, row.key_actor, row.key_territory, row.attribution))
    if stocks is None:
        return ""
    # The last stock dated before this one (of equal dates, the last in ledger order).
    position = int(np.searchsorted(stocks["as_of"].to_numpy(dtype=object), row.as_of, side="left"))
    if position == 0:
        return ""
    previous = stocks.iloc[position - 1]
    if not float(previous.value) > value:
        return ""
    gains = history.gains.get((row.key_actor, row.key_territory))
    if gains is None:
        return ""
    gains = gains[(gains["period_start"] >= previous.as_of) & (gains["period_end"] <= row.as_of)]
    if gains.empty:
        return ""
    return (f"stock falls from {previous.value:g} ({previous.as_of}) to {value:g} while gains of "
            f"{gains['value'].sum():g} km² are reported in between (claim {gains.iloc[0].claim_id})")


def write_checks(claims_frame: pd.DataFrame, data_dir: Path, tolerance_pct: float = 5.0) -> bool:
    """Write data/processed/checks.csv deterministically; True when its bytes changed."""
    return save_checks(build_checks(claims_frame, tolerance_pct), data_dir)


def save_checks(checks: pd.DataFrame, data_dir: Path) -> bool:
    """Validate and write a built checks table; True when the file's bytes changed."""
    from tracker.ledger import frame_to_csv_bytes
    from tracker.schemas import CheckSchema
    from tracker.store import write_if_changed

    CheckSchema.validate(checks, lazy=True)
    path = Path(data_dir) / "processed" / "checks.csv"
    return write_if_changed(path, frame_to_csv_bytes(checks, CHECK_COLUMNS))
