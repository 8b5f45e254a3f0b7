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

`build_checks` prepares the ledger once (`CheckIndex`: plain lists, the computed figures by
metric, actor and territory, the cited stock series sorted by date, the cited gains by
period), then checks each cited figure with a few look-ups. For tables kept up to date
change by change (tracker/derived.py), `affected_check_claims` names the checks a change
may alter, `build_checks_for` computes just those and `merge_checks` puts them in place:
the same bytes as a full `build_checks` (tests/test_checks_incremental.py).
"""

from __future__ import annotations

import hashlib
from bisect import bisect_left, bisect_right
from collections.abc import Iterable
from datetime import date
from operator import itemgetter
from pathlib import Path

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
CITED_METHODS: tuple[str, ...] = ("reported", "curated")
STOCK_METRICS: tuple[str, ...] = ("area_controlled_km2", "share_controlled_pct")
GAIN_METRIC = "area_gained_km2"
# The text columns the checks read, as str with "" for a missing cell.
_TEXT_COLUMNS = ("method", "metric", "actor", "territory", "definition", "as_of",
                 "period_start", "period_end", "attribution", "data_producer", "claim_id")


def build_checks(claims: pd.DataFrame, tolerance_pct: float = 5.0) -> pd.DataFrame:
    """One row per reported or curated figure, compared with the computed figures."""
    if claims.empty:
        return pd.DataFrame(columns=list(CHECK_COLUMNS))
    index = CheckIndex(claims)
    return _table([index.check(i, tolerance_pct) for i in index.cited])


def build_checks_for(claims: pd.DataFrame, claim_ids: Iterable[str],
                     tolerance_pct: float = 5.0) -> pd.DataFrame:
    """The check rows of the cited figures among `claim_ids`, as `build_checks(claims)` gives
    them and in its order; an id of no cited figure of `claims` gives no row. Beyond the
    index (one pass over `claims`), the cost grows with the number of ids."""
    if claims.empty:
        return pd.DataFrame(columns=list(CHECK_COLUMNS))
    index = CheckIndex(claims)
    return _table([index.check(i, tolerance_pct) for i in index.cited_rows(claim_ids)])


def merge_checks(previous: pd.DataFrame, fresh: pd.DataFrame, recomputed: Iterable[str]) -> pd.DataFrame:
    """The `previous` check rows without those of the `recomputed` claims, plus the `fresh`
    rows, in the order of `build_checks` (by metric, time and claim_id).

    With `recomputed` = `affected_check_claims(changed, claims)` and `fresh` =
    `build_checks_for(claims, recomputed)`, the result is `build_checks(claims)` (byte for
    byte once written), provided claim_ids are unique, as a ledger's are: rows that share a
    claim_id, metric and time are in ledger order in `build_checks`, which is not known here.
    """
    recomputed = set(recomputed)
    rows = [row for row in _records(previous) if row[_CLAIM] not in recomputed]
    return _table(rows + _records(fresh))


def affected_check_claims(changed: pd.DataFrame, claims: pd.DataFrame) -> set[str]:
    """The claim_ids of the cited figures whose check row may differ after a change.

    `changed` holds the rows the change added, removed or altered (normalised claim rows, an
    altered one in both its versions), `claims` the whole ledger after the change. A check
    row depends on its own claim, on the computed figures it may be compared with, on the
    previous stock of its series and on the cited gains between the two; so a changed
    version affects (besides a cited claim itself, kept or removed):

    - a computed figure: the cited figures of its metric and actor, of its territory or of
      none, dated within STOCK_WINDOW_DAYS of it or over the month its period ends in;
    - a cited stock (dated, with a value) of a series (metric, actor, territory,
      attribution): the stocks of that series dated after it up to and including the next
      date of the series after the change (equal dates share their previous stock);
    - a cited positive gain: the falling stocks (after the change) whose span from their
      previous stock contains its period. A stock whose previous stock may have changed is
      already affected by the rule before, so the previous stock is the same before and after.
    """
    affected: set[str] = set()
    if changed.empty:
        return affected
    index = CheckIndex(claims)
    rows = _Rows(changed)
    for j in range(len(rows)):
        for rule in (index.itself, index.near_computed, index.after_stock, index.around_gain):
            rule(rows, j, affected)
    return affected


def _table(rows: list[tuple]) -> pd.DataFrame:
    """The checks table of `rows` (tuples in CHECK_COLUMNS order), sorted by metric, time
    and claim_id (stable: of equal keys, in ledger order)."""
    if not rows:
        return pd.DataFrame([], columns=list(CHECK_COLUMNS))
    # One stable sort per key, the last key first: the order of one sort by the three keys,
    # without comparing tuples (0.3 s instead of 0.8 s for 160,000 rows).
    for column in reversed(_ORDER):
        rows.sort(key=itemgetter(CHECK_COLUMNS.index(column)))
    return pd.DataFrame.from_records(rows, columns=list(CHECK_COLUMNS))


_ORDER = ("metric", "time", "claim_id")
_CLAIM = CHECK_COLUMNS.index("claim_id")
_NUMBERS = [CHECK_COLUMNS.index(column) for column in
            ("reported_value", "computed_value", "difference_km2", "difference_pct")]


def _records(checks: pd.DataFrame | None) -> list[tuple]:
    """The rows of a checks table as build_checks makes them (a missing number is None)."""
    if checks is None or checks.empty:
        return []
    checks = checks.reindex(columns=list(CHECK_COLUMNS))
    columns = [checks[column].tolist() for column in CHECK_COLUMNS]
    for k in _NUMBERS:
        columns[k] = [None if isinstance(v, float) and v != v else v for v in columns[k]]
    return list(zip(*columns))


def _text(series: pd.Series) -> list[str]:
    """A column as str, "" for a missing cell."""
    return [value if type(value) is str else "" if missing else str(value)
            for value, missing in zip(series.tolist(), series.isna().tolist())]


def _day(text: str) -> date | None:
    try:
        return date.fromisoformat(str(text)[:10])
    except ValueError:
        return None


class _Rows:
    """The columns of a claims frame that the checks read, as lists in frame order."""

    def __init__(self, claims: pd.DataFrame) -> None:
        text = {column: _text(claims[column]) for column in _TEXT_COLUMNS}
        self.method = text["method"]
        self.metric = text["metric"]
        self.actor = text["actor"]
        self.territory = text["territory"]
        self.definition = text["definition"]
        self.as_of = text["as_of"]
        self.period_start = text["period_start"]
        self.period_end = text["period_end"]
        self.attribution = text["attribution"]
        self.data_producer = text["data_producer"]
        self.claim_id = text["claim_id"]
        self.key_actor = [actor.strip().lower() for actor in self.actor]
        self.key_territory = [territory.strip().lower() for territory in self.territory]
        self.value = claims["value"].tolist()
        self.has_value = claims["value"].notna().tolist()
        self.value_min = claims["value_min"].tolist()
        self.has_min = claims["value_min"].notna().tolist()
        self.value_max = claims["value_max"].tolist()
        self.has_max = claims["value_max"].notna().tolist()
        self.positive = (claims["value"] > 0).tolist()
        self.top = claims[["value", "value_min", "value_max"]].max(axis=1).tolist()
        # The values as pandas holds them: gains are summed as pandas sums them.
        self.values = claims["value"].to_numpy()
        self._days: dict[str, int] = {}

    def __len__(self) -> int:
        return len(self.claim_id)

    def day(self, text: str) -> int:
        """The day ordinal of a date (its first 10 characters), -1 when it is none."""
        known = self._days.get(text)
        if known is None:
            parsed = _day(text)
            known = self._days[text] = parsed.toordinal() if parsed is not None else -1
        return known

    def figure(self, i: int) -> tuple[float | None, str]:
        """The figure to compare: the value, or the middle of a range (said in the detail)."""
        if self.has_value[i]:
            return float(self.value[i]), ""
        if self.has_min[i] and self.has_max[i]:
            low, high = self.value_min[i], self.value_max[i]
            return (float(low) + float(high)) / 2, f"range {low:g}-{high:g}, compared at its middle"
        return None, ""

    def month(self, i: int) -> str:
        """The month a figure over a period is compared in; "" when its period has no end or
        starts in another month."""
        end = self.period_end[i]
        if not end or (self.period_start[i] or end)[:7] != end[:7]:
            return ""
        return end[:7]

    def series(self, i: int) -> tuple[str, str, str, str]:
        """The series a cited stock belongs to: metric, actor, territory, attribution."""
        return (self.metric[i], self.key_actor[i], self.key_territory[i], self.attribution[i])

    def stock_member(self, i: int) -> bool:
        """A cited figure dated and with a value: a step of its series."""
        return self.method[i] != "computed" and self.as_of[i] != "" and self.has_value[i]

    def gain_member(self, i: int) -> bool:
        """A cited positive gain with a start: what a falling stock is compared with."""
        return (self.method[i] != "computed" and self.metric[i] == GAIN_METRIC
                and self.period_start[i] != "" and self.positive[i])

    def stock_query(self, i: int) -> bool:
        """A cited figure whose check looks for a falling stock."""
        return (self.method[i] in CITED_METHODS and self.metric[i] in STOCK_METRICS
                and self.as_of[i] != "" and self.figure(i)[0] is not None)


class CheckIndex(_Rows):
    """A claims frame prepared once for the checks: the computed figures by metric, actor
    and territory (`_Group`, built when first asked for), the cited stocks by series sorted
    by date, the cited gains by actor and territory (`_Gains`). A cited figure's check then
    costs a few look-ups in plain Python (the checks once grew with the square of the
    ledger, then cost pandas work per figure: 20 µs to 1 ms each)."""

    def __init__(self, claims: pd.DataFrame) -> None:
        super().__init__(claims)
        self.cited = [i for i, method in enumerate(self.method) if method in CITED_METHODS]
        computed: dict[tuple[str, ...], list[int]] = {}
        series: dict[tuple[str, str, str, str], list[int]] = {}
        gains: dict[tuple[str, str], dict[tuple[str, str], list[int]]] = {}
        for i, method in enumerate(self.method):
            if method == "computed":
                computed.setdefault((self.metric[i], self.key_actor[i], self.key_territory[i]), []).append(i)
                computed.setdefault((self.metric[i], self.key_actor[i]), []).append(i)
                continue
            if self.stock_member(i):
                series.setdefault(self.series(i), []).append(i)
            if self.gain_member(i):
                gains.setdefault((self.key_actor[i], self.key_territory[i]), {}).setdefault(
                    (self.period_start[i], self.period_end[i]), []).append(i)
        self._computed = computed
        self._groups: dict[tuple[str, ...], _Group] = {}
        # Each series sorted by date (of equal dates, in ledger order): dates and rows.
        self.stocks: dict[tuple[str, str, str, str], tuple[list[str], list[int]]] = {}
        for key, members in series.items():
            members.sort(key=self.as_of.__getitem__)
            self.stocks[key] = ([self.as_of[i] for i in members], members)
        self.gains = {key: _Gains(spans) for key, spans in gains.items()}
        self._dependents: _Dependents | None = None
        self._by_claim: dict[str, list[int]] | None = None

    def cited_rows(self, claim_ids: Iterable[str]) -> list[int]:
        """The positions of the cited figures with these claim_ids, in ledger order."""
        if self._by_claim is None:
            self._by_claim = {}
            for i in self.cited:
                self._by_claim.setdefault(self.claim_id[i], []).append(i)
        return sorted(i for claim in set(claim_ids) for i in self._by_claim.get(claim, ()))

    # --- one check --------------------------------------------------------------------------

    def check(self, i: int, tolerance_pct: float) -> tuple:
        """The check row (in CHECK_COLUMNS order) of the cited figure at position `i`."""
        claim, metric = self.claim_id[i], self.metric[i]
        value, detail = self.figure(i)
        as_of, end = self.as_of[i], self.period_end[i]
        time = as_of if as_of else (f"{self.period_start[i]}..{end}" if end else "")
        other = computed_claim = difference_km2 = difference_pct = None
        status = "no_computed"
        impossible = self._impossible(i, value)
        match = self.match(i) if value is not None else None
        if match is not None:
            other = float(self.value[match])
            computed_claim = self.claim_id[match]
            if metric.endswith("_km2"):
                difference_km2 = round(value - other, 3)
            if other != 0:
                difference_pct = round((value - other) / abs(other) * 100, 3)
            status = "ok" if self._within(i, value, other, tolerance_pct) else "exceeds_tolerance"
            where = (f"computed from {self.attribution[match] or 'map'} "
                     f"({self.as_of[match] or self.period_end[match]})")
            detail = f"{detail}; {where}" if detail else where
        if impossible:
            status = "impossible"
            detail = f"{impossible}; {detail}" if detail else impossible
        return (hashlib.sha256(f"{claim}:{tolerance_pct:g}".encode()).hexdigest()[:16], claim, metric,
                self.actor[i], self.territory[i], time, value, other, computed_claim or "",
                difference_km2, difference_pct, status, detail)

    def _within(self, i: int, value: float, other: float, tolerance_pct: float) -> bool:
        if self.has_min[i] and self.has_max[i] and self.value_min[i] <= other <= self.value_max[i]:
            return True
        if other == 0:
            return value == 0
        return abs(value - other) / abs(other) * 100 <= tolerance_pct

    def match(self, i: int) -> int | None:
        """The position of the computed figure for the same metric, actor, territory and
        time (any territory for a figure without one), if any."""
        territory = self.key_territory[i]
        key = (self.metric[i], self.key_actor[i], territory) if territory else (self.metric[i], self.key_actor[i])
        group = self._groups.get(key)
        if group is None:
            members = self._computed.get(key)
            if members is None:
                return None
            group = self._groups[key] = _Group(members, self)
        producer = self.data_producer[i].strip().lower()
        if self.as_of[i]:
            day = self.day(self.as_of[i])
            return group.nearest(day, producer) if day >= 0 else None
        if self.period_end[i]:
            # Monthly figures match on the month of the period (computed gains span one month).
            month = self.month(i)
            return group.in_month(month, producer) if month else None
        return None

    def _impossible(self, i: int, value: float | None) -> str:
        """Why the figure cannot be true, or ''."""
        metric, top = self.metric[i], self.top[i]  # the largest of value, min and max (or NaN)
        if metric.endswith("_pct") and top > 100:
            return f"share above 100 % ({top:g})"
        limit = TERRITORY_AREA_KM2.get(self.key_territory[i])
        if metric.endswith("_km2") and limit is not None and top > limit:
            return f"area larger than {self.territory[i]} ({top:,.0f} > {limit:,.0f} km²)"
        if metric in STOCK_METRICS and self.as_of[i] and value is not None:
            return self._falling_stock(i, value)
        return ""

    def previous_stock(self, i: int) -> int | None:
        """The last stock of the figure's series dated before it (of equal dates, the last
        in ledger order), or None."""
        found = self.stocks.get(self.series(i))
        if found is None:
            return None
        dates, members = found
        position = bisect_left(dates, self.as_of[i])
        return members[position - 1] if position else None

    def _falling_stock(self, i: int, value: float) -> str:
        """A stock lower than the same producer's earlier stock while gains in between are > 0."""
        previous = self.previous_stock(i)
        if previous is None or not float(self.value[previous]) > value:
            return ""
        gains = self.gains.get((self.key_actor[i], self.key_territory[i]))
        if gains is None:
            return ""
        found = gains.between(self.as_of[previous], self.as_of[i], self)
        if found is None:
            return ""
        total, first = found
        return (f"stock falls from {self.value[previous]:g} ({self.as_of[previous]}) to {value:g} "
                f"while gains of {total:g} km² are reported in between (claim {self.claim_id[first]})")

    # --- what a change affects (see affected_check_claims) -----------------------------------

    def dependents(self) -> "_Dependents":
        if self._dependents is None:
            self._dependents = _Dependents(self)
        return self._dependents

    def itself(self, rows: _Rows, j: int, out: set[str]) -> None:
        """A changed cited figure: its own row (kept, changed or gone)."""
        if rows.method[j] in CITED_METHODS:
            out.add(rows.claim_id[j])

    def near_computed(self, rows: _Rows, j: int, out: set[str]) -> None:
        """A computed figure: the cited figures it may be the counterpart of."""
        if rows.method[j] != "computed":
            return
        dependents = self.dependents()
        metric, actor = rows.metric[j], rows.key_actor[j]
        territories = {rows.key_territory[j], ""}
        day = rows.day(rows.as_of[j])
        if day >= 0:
            for territory in territories:
                by_day = dependents.cited_by_day.get((metric, actor, territory))
                if by_day:
                    for other in range(day - STOCK_WINDOW_DAYS, day + STOCK_WINDOW_DAYS + 1):
                        out.update(by_day.get(other, ()))
        month = rows.period_end[j][:7]
        if month:
            for territory in territories:
                out.update(dependents.cited_by_month.get((metric, actor, territory), {}).get(month, ()))

    def after_stock(self, rows: _Rows, j: int, out: set[str]) -> None:
        """A step of a stock series: the stocks whose previous stock it may be or have been,
        those dated after it up to and including the series' next date."""
        if not rows.stock_member(j):
            return
        series, as_of = rows.series(j), rows.as_of[j]
        queries = self.dependents().stock_queries.get(series)
        if queries is None:
            return
        dates = self.stocks[series][0] if series in self.stocks else []
        following = bisect_right(dates, as_of)
        asked, claims = queries
        low = bisect_right(asked, as_of)
        high = bisect_right(asked, dates[following]) if following < len(dates) else len(asked)
        out.update(claims[low:high])

    def around_gain(self, rows: _Rows, j: int, out: set[str]) -> None:
        """A cited positive gain: the falling stocks whose span from their previous stock
        contains its period."""
        if not rows.gain_member(j):
            return
        start, end = rows.period_start[j], rows.period_end[j]
        for dates, previous, claims in self.dependents().falling.get(
                (rows.key_actor[j], rows.key_territory[j]), ()):
            # `previous` grows with `dates`: the spans holding the period are consecutive.
            k = bisect_left(dates, end)
            while k < len(dates) and previous[k] <= start:
                out.add(claims[k])
                k += 1


class _Group:
    """The computed figures of one metric, actor and territory (or of one metric and actor,
    for cited figures without territory). A cited figure's counterpart is the first by: the
    map of its own producer, a headline total rather than a per-category figure, the nearest
    day, the smallest claim_id, then position (by day, then ledger order; of a month, ledger
    order). Within one day or month only the first by (headline, claim_id, position) can
    win, so only that one is kept per day and per month, overall and per producer."""

    def __init__(self, members: list[int], rows: _Rows) -> None:
        days = [rows.day(rows.as_of[i]) for i in members]
        keys = []
        for i in members:
            definition = rows.definition[i]
            headline = definition.startswith("occupied_total") or ":" not in definition
            keys.append((0 if headline else 1, rows.claim_id[i], rows.data_producer[i].strip().lower()))
        self.by_day: dict[int, tuple] = {}
        self.by_producer_day: dict[tuple[str, int], tuple] = {}
        dated = sorted((k for k in range(len(members)) if days[k] >= 0), key=days.__getitem__)
        for position, k in enumerate(dated):
            rank, claim, producer = keys[k]
            entry = (rank, claim, position, members[k])
            _keep_first(self.by_day, days[k], entry)
            _keep_first(self.by_producer_day, (producer, days[k]), entry)
        self._found: dict[tuple[int, str], int | None] = {}  # nearest(), by day and producer
        self.by_month: dict[str, tuple] = {}
        self.by_producer_month: dict[tuple[str, str], tuple] = {}
        for position, i in enumerate(members):
            rank, claim, producer = keys[position]
            entry = (rank, claim, position, i)
            month = rows.period_end[i][:7]
            _keep_first(self.by_month, month, entry)
            _keep_first(self.by_producer_month, (producer, month), entry)

    def nearest(self, day: int, producer: str) -> int | None:
        """The counterpart of a stock dated `day` (within STOCK_WINDOW_DAYS), or None."""
        known = self._found.get((day, producer), self)
        if known is not self:
            return known
        best = self._nearest(self.by_producer_day, day, producer) if producer else None
        if best is None:
            best = self._nearest(self.by_day, day, None)
        self._found[(day, producer)] = best
        return best

    @staticmethod
    def _nearest(table: dict, day: int, producer: str | None) -> int | None:
        best = None
        for other in range(day - STOCK_WINDOW_DAYS, day + STOCK_WINDOW_DAYS + 1):
            entry = table.get(other if producer is None else (producer, other))
            if entry is not None:
                key = (entry[0], abs(other - day), entry[1], entry[2], entry[3])
                if best is None or key < best:
                    best = key
        return None if best is None else best[-1]

    def in_month(self, month: str, producer: str) -> int | None:
        """The counterpart of a figure over `month`, or None."""
        entry = self.by_producer_month.get((producer, month)) if producer else None
        if entry is None:
            entry = self.by_month.get(month)
        return None if entry is None else entry[-1]


def _keep_first(table: dict, key, entry: tuple) -> None:
    known = table.get(key)
    if known is None or entry < known:
        table[key] = entry


class _Gains:
    """The cited positive gains of one actor and territory, grouped by period (start, end):
    the gains between two dates are those of the periods starting on or after the first
    and ending on or before the second (as text, as the dates are compared)."""

    def __init__(self, spans: dict[tuple[str, str], list[int]]) -> None:
        self.spans = spans
        # A period that ends on or after its start ends after the second date when it starts
        # after it, so those are scanned from the first date on; the others (no end, an end
        # before the start) are always looked at.
        self.ordered = sorted(span for span in spans if span[0] <= span[1])
        self.starts = [start for start, _ in self.ordered]
        self.other = [span for span in spans if not span[0] <= span[1]]
        self._totals: dict[tuple, tuple] = {}

    def between(self, low: str, high: str, rows: _Rows) -> tuple | None:
        """(sum of the values, position of the first gain in ledger order) of the gains
        with start >= low and end <= high, or None when there are none."""
        found = []
        k = bisect_left(self.starts, low)
        while k < len(self.starts) and self.starts[k] <= high:
            if self.ordered[k][1] <= high:
                found.append(self.ordered[k])
            k += 1
        found += [span for span in self.other if span[0] >= low and span[1] <= high]
        if not found:
            return None
        key = tuple(sorted(found))
        total = self._totals.get(key)
        if total is None:
            members = sorted(i for span in key for i in self.spans[span])
            # The sum pandas gave over the rows in ledger order (numpy's pairwise sum).
            total = self._totals[key] = (rows.values[members].sum(), members[0])
        return total


class _Dependents:
    """Who depends on what, after a change (see affected_check_claims): the cited figures
    by metric, actor, territory and day or month; the stocks that look for a falling stock,
    by series and date; the falling stocks with the date of their previous stock."""

    def __init__(self, index: CheckIndex) -> None:
        self.cited_by_day: dict[tuple[str, str, str], dict[int, list[str]]] = {}
        self.cited_by_month: dict[tuple[str, str, str], dict[str, list[str]]] = {}
        queries: dict[tuple[str, str, str, str], list[int]] = {}
        for i in index.cited:
            key = (index.metric[i], index.key_actor[i], index.key_territory[i])
            if index.as_of[i]:
                day = index.day(index.as_of[i])
                if day >= 0:
                    self.cited_by_day.setdefault(key, {}).setdefault(day, []).append(index.claim_id[i])
            elif index.month(i):
                self.cited_by_month.setdefault(key, {}).setdefault(index.month(i), []).append(
                    index.claim_id[i])
            if index.stock_query(i):
                queries.setdefault(index.series(i), []).append(i)
        self.stock_queries: dict[tuple[str, str, str, str], tuple[list[str], list[str]]] = {}
        self.falling: dict[tuple[str, str], list[tuple[list[str], list[str], list[str]]]] = {}
        for series, members in queries.items():
            members.sort(key=index.as_of.__getitem__)
            self.stock_queries[series] = ([index.as_of[i] for i in members],
                                          [index.claim_id[i] for i in members])
            falling = []
            for i in members:
                previous = index.previous_stock(i)
                if previous is not None and float(index.value[previous]) > index.figure(i)[0]:
                    falling.append((index.as_of[i], index.as_of[previous], index.claim_id[i]))
            if falling:
                self.falling.setdefault(series[1:3], []).append(
                    tuple([entry[n] for entry in falling] for n in range(3)))


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
