"""Observations: one row per distinct figure, with all its citations, revisions and conflicts.

The ledger has one row per citation; a wire story re-published by twenty sites is twenty
claims but one observation. Claims state the same figure when they share conflict, metric,
actor, territory, period (or as_of date), attribution, kind of method (computed from map
geometry or cited) and values equal within rounding (68,050 and 68,050.0; 19.3 and 19.30).

Between observations of one series (conflict, metric, actor, territory, attribution,
computed or not) and one period, three relations are recorded, never resolved by
overwriting:
- a *revision*: the same producer later gives another value for the same period; so is a
  full-month figure published after a month-to-date first release (1-27 Oct, then the
  whole of October). `revision_of` names the first release, `superseded_by` the next one;
- *conflicting copies*: copies of one release disagree beyond rounding (published within
  COPY_WINDOW_DAYS of each other, or with an unknown date so that no order can be told);
  both carry the flag `conflicting_copies` and name each other in `conflicts_with`;
- a *partial period* (a month figure ending before the month ends, or flagged
  `partial_period`) is not a revision of the full month that follows unless it was its
  first release; a partial published after the full month is simply another figure.
"""

from __future__ import annotations

import hashlib
from pathlib import Path
from typing import Callable, NamedTuple

import numpy as np
import pandas as pd

from tracker.ledger import frame_to_csv_bytes
from tracker.model import FLOW_METRICS
from tracker.schemas import ObservationSchema, normalised_column, text_cells
from tracker.store import write_if_changed

OBSERVATIONS_CSV = "observations.csv"

# Copies of one release appear within days of each other; a different value published
# later than this is treated as the producer's revision, not a copying error.
COPY_WINDOW_DAYS = 5

# conflicts_with lists at most this many other observations (all are flagged).
MAX_CONFLICTS_LISTED = 10

# Column order of data/processed/observations.csv (described in tracker/schemas.py).
OBSERVATION_COLUMNS: tuple[str, ...] = (
    "observation_id", "conflict", "metric", "value", "value_min", "value_max", "qualifier",
    "actor", "territory", "period_start", "period_end", "as_of", "is_partial", "attribution",
    "analyst", "data_producer", "method", "definition", "n_citations", "claim_ids",
    "publishers", "first_published_at", "last_published_at", "revision_of",
    "revision_number", "superseded_by", "is_revised", "conflicts_with", "flags",
)

# What makes two citations the same figure. The qualifier is left out on purpose: relays
# of one wire story hedge the same number differently ("about 700", "700").
_FIGURE_KEY: tuple[str, ...] = (
    "conflict", "metric", "actor", "territory", "period_start", "period_end", "as_of",
    "attribution", "_computed", "value", "value_min", "value_max",
)
_SERIES_KEY: tuple[str, ...] = ("conflict", "metric", "actor", "territory", "attribution", "_computed")
_NUMBER_COLUMNS = ("value", "value_min", "value_max")

# The ledger columns observations are made of (build_observations normalises only these).
_USED_COLUMNS: tuple[str, ...] = (
    "claim_id", "conflict", "metric", "value", "value_min", "value_max", "qualifier", "actor",
    "territory", "period_start", "period_end", "as_of", "attribution", "analyst",
    "data_producer", "publisher", "published_at", "method", "definition", "flags",
)
# A figure's own fields, identical in all its citations by construction.
_FIGURE_FIELDS: tuple[str, ...] = (
    "conflict", "metric", "value", "value_min", "value_max", "actor", "territory",
    "period_start", "period_end", "as_of", "attribution", "method",
)

# A ledger repeats itself (a few metrics, dates and numbers over many thousands of rows):
# the code below numbers the distinct values of each column once (pd.factorize), works out
# what it needs once per distinct value or combination, and spreads it with numpy; no
# pandas group and no Python call per claim.


class _Coded:
    """The columns of a frame as text ("" for missing), each numbered once: (per row, the
    number of its value; the distinct values)."""

    def __init__(self, frame: pd.DataFrame) -> None:
        self.frame = frame
        self._done: dict[str, tuple[np.ndarray, np.ndarray]] = {}

    def __call__(self, column: str) -> tuple[np.ndarray, np.ndarray]:
        if column not in self._done:
            if column == "_computed":  # computed from map geometry: "c", else ""
                codes, text = self("method")
                self._done[column] = ((text == "computed").astype(np.int64)[codes],
                                      np.array(["", "c"], dtype=object))
            elif column in _NUMBER_COLUMNS:
                self._done[column] = _number_texts(self.frame[column])
            else:
                codes, distinct = pd.factorize(text_cells(self.frame[column]).to_numpy())
                self._done[column] = (codes, np.asarray(distinct, dtype=object))
        return self._done[column]


def _number_texts(column: pd.Series) -> tuple[np.ndarray, np.ndarray]:
    """The numbers of a column as the figure key writes them: repr of the value rounded to 6
    decimals ("" when missing). Rounding absorbs float noise from unit conversion; repr is
    the shortest form."""
    rounded = pd.to_numeric(column, errors="coerce").round(6)
    if rounded.dtype != np.float64:
        codes, distinct = pd.factorize(rounded.map(repr).where(rounded.notna(), "").to_numpy(dtype=object))
        return codes, np.asarray(distinct, dtype=object)
    values = rounded.to_numpy(dtype=np.float64)
    # Numbered by bit pattern, so that 0.0 and -0.0 keep their own text.
    codes, distinct = pd.factorize(np.where(np.isnan(values), np.nan, values).view(np.int64))
    text = [repr(number) for number in distinct.view(np.float64).tolist()]
    return codes, np.array(["" if t == "nan" else t for t in text], dtype=object)


def _combined(columns: list[np.ndarray]) -> np.ndarray:
    """One number per row, the same where every column's number is the same (0, 1, ... in
    the order of first rows)."""
    combined = np.zeros(len(columns[0]), dtype=np.int64)
    bound = 1
    for codes in columns:
        size = int(codes.max()) + 1 if len(codes) else 1
        if bound * size >= 2 ** 62:
            combined = pd.factorize(combined)[0]
            bound = int(combined.max()) + 1
        combined = combined * size + codes
        bound *= size
    return pd.factorize(combined)[0]


def _firsts(number: np.ndarray) -> np.ndarray:
    """The first row of each number of _combined (numbers 0, 1, ... in row order)."""
    return np.unique(number, return_index=True)[1]


def _ranks(values: np.ndarray) -> np.ndarray:
    """The rank of each value (all str) in Python's order of text, by code point: pandas'
    order, whether a column holds Python objects or pyarrow strings."""
    values = values.tolist()
    order = sorted(range(len(values)), key=values.__getitem__)
    rank = np.empty(len(order), dtype=np.int64)
    rank[order] = np.arange(len(order))
    return rank


def _ranked(values: np.ndarray) -> tuple[np.ndarray, list[str]]:
    """(per cell, the rank of its value among the distinct values; those values sorted)."""
    codes, distinct = pd.factorize(values)
    rank = _ranks(np.asarray(distinct, dtype=object))
    ordered = [""] * len(rank)
    for value, r in zip(distinct.tolist(), rank.tolist()):
        ordered[r] = value
    return rank[codes], ordered


def figure_keys(claims: pd.DataFrame) -> pd.Series:
    """Per claim (normalised ledger rows), the text key of the figure it states."""
    if not len(claims):
        return pd.Series(dtype=object, index=claims.index)
    figure, keys = _figures(_Coded(claims))
    return pd.Series(np.array(keys, dtype=object)[figure].tolist(), index=claims.index)


def _figures(coded: _Coded) -> tuple[np.ndarray, list[str]]:
    """(per claim, the number of the figure it states; the text key of each figure: its
    _FIGURE_KEY fields as text, '\\x1f'-separated)."""
    parts = [coded(column) for column in _FIGURE_KEY]
    figure = _combined([codes for codes, _ in parts])
    first = _firsts(figure)
    cells = [text[codes[first]].tolist() for codes, text in parts]
    return figure, ["\x1f".join(fields) for fields in zip(*cells)]


def observation_ids(keys: pd.Series) -> pd.Series:
    """Stable 16-hex ids from figure keys (hashed once per distinct key)."""
    ids = {key: _hash_id(key) for key in keys.unique()}
    return keys.map(ids)


def _hash_id(key: str) -> str:
    return hashlib.sha256(key.encode("utf-8")).hexdigest()[:16]


def _hash_ids(keys: list[str]) -> np.ndarray:
    sha256 = hashlib.sha256
    return np.array([sha256(key.encode("utf-8")).hexdigest()[:16] for key in keys], dtype=object)


def claim_observation_ids(claims: pd.DataFrame) -> pd.Series:
    """The observation id of every claim, index-aligned with `claims` (normalised rows)."""
    if not len(claims):
        return observation_ids(figure_keys(claims))
    figure, keys = _figures(_Coded(claims))
    return pd.Series(_hash_ids(keys)[figure].tolist(), index=claims.index)


def build_observations(
    claims: pd.DataFrame, *, normalised: bool = False, ids: pd.Series | None = None
) -> pd.DataFrame:
    """Group the claims (ledger rows) into observations; see the module docstring.

    For a caller that has them already (the report, on a large ledger): `normalised=True`
    skips schemas.normalise_claims_frame, and `ids` gives claim_observation_ids(claims).
    """
    if normalised:
        frame = claims
    else:
        frame = pd.DataFrame(index=claims.index)
        for column in _USED_COLUMNS:
            frame[column] = normalised_column(claims, column)
    if ids is not None:
        frame = frame.assign(observation_id=ids)
    repeated = frame["claim_id"].duplicated().to_numpy(dtype=bool)
    if repeated.any():
        frame = frame[~repeated]
    if frame.empty:
        return _empty()
    coded = _Coded(frame)
    # Observations are numbered 0, 1, ... in the order of their ids.
    if ids is None:
        figure, keys = _figures(coded)
        numbers, oids = _ranked(_hash_ids(keys))
        group = numbers[figure]
    else:
        group, oids = _ranked(text_cells(frame["observation_id"]).to_numpy())
    groups = len(oids)
    # The citations (rows) by observation, then by claim_id; each observation's run of rows
    # is rows[starts[o]:ends[o]].
    claim_ids = text_cells(frame["claim_id"]).tolist()
    by_claim = np.array(sorted(range(len(claim_ids)), key=claim_ids.__getitem__), dtype=np.intp)
    rows = by_claim[np.argsort(group[by_claim], kind="stable")]
    starts = np.flatnonzero(np.concatenate(([True], np.diff(group[rows]) != 0)))
    ends = np.append(starts[1:], len(rows))
    # The figure's fields are identical within a group by construction: take the first row
    # (by claim_id; not groupby.first, which would skip a missing value_min and take another
    # row's).
    first = rows[starts]
    cited = np.asarray(claim_ids, dtype=object)[rows]
    claim_lists = cited[starts]  # one citation: its claim_id
    for many in np.flatnonzero(ends - starts > 1).tolist():
        claim_lists[many] = ";".join(cited[starts[many]:ends[many]].tolist())
    text: dict[str, list[str] | np.ndarray] = {
        "qualifier": _most_common(group, groups, coded("qualifier"), default="exact"),
        **{column: _most_common(group, groups, coded(column), default="")
           for column in ("analyst", "data_producer", "definition")},
        "claim_ids": claim_lists,
    }
    span = _PublishedSpan(group, groups, coded("published_at"))
    text["first_published_at"], text["last_published_at"] = span.earliest(), span.latest()
    partial = np.logical_or.reduceat(_partial(coded)[rows], starts)
    # Revisions and conflicting copies, within each series and period slot.
    periods = _periods(coded)
    period = periods.number[first]
    series = [coded(column)[0][first] for column in _SERIES_KEY]
    slot = _combined([*series, pd.factorize(periods.slot)[0][period]])
    text.update(_links(oids, slot, periods.exact[period].tolist(), periods.start[period].tolist(),
                       periods.end[period].tolist(), span.first_days(), partial.tolist()))
    # The table's order (the rows are in id order: a stable sort keeps it among equals).
    order = _order([*(_ranks(coded(column)[1])[coded(column)[0][first]] for column in _SERIES_KEY[:-1]),
                    _ranked(periods.time)[0][period], _ranked(periods.start)[0][period],
                    span.first_ranks()])
    revised = np.asarray(text["superseded_by"], dtype=object) != ""
    columns: dict[str, pd.Series] = {}
    for column in OBSERVATION_COLUMNS:
        if column == "observation_id":
            in_order = np.asarray(oids, dtype=object)[order]
            columns[column] = (pd.Series(in_order) if ids is None else
                               pd.Series(in_order, dtype=frame["observation_id"].dtype))
        elif column in _FIGURE_FIELDS:  # with the ledger frame's types
            columns[column] = frame[column].iloc[first[order]].reset_index(drop=True)
        elif column == "is_partial":
            columns[column] = pd.Series(partial[order], dtype=bool)
        elif column == "is_revised":
            columns[column] = pd.Series(revised[order], dtype=bool)
        elif column in ("n_citations", "revision_number"):
            counts = ends - starts if column == "n_citations" else text[column]
            columns[column] = pd.Series(np.asarray(counts, dtype=np.int64)[order])
        elif column == "publishers":
            joined = np.asarray(_distinct_joined(group, groups, coded("publisher")), dtype=object)
            columns[column] = _text_column(joined[order])
        else:  # text: a str column (pandas infers it from the cells, as its groupby does)
            columns[column] = pd.Series(np.asarray(text[column], dtype=object)[order])
    return pd.DataFrame(columns)


def _empty() -> pd.DataFrame:
    return pd.DataFrame({c: pd.Series(dtype=object) for c in OBSERVATION_COLUMNS})


def _text_column(values: np.ndarray) -> pd.Series:
    """publishers as pandas' groupby built it: a column inferred from its cells, or object
    when no observation has one (nothing to infer text from)."""
    if (values != "").any():
        return pd.Series(values)
    return pd.Series(values, dtype=object)


def _pairs(group: np.ndarray, coded: tuple[np.ndarray, np.ndarray]
           ) -> tuple[np.ndarray, np.ndarray, np.ndarray, list[str]] | None:
    """The distinct (observation, non-blank value) pairs of a column, sorted by observation
    then value: (observations, value ranks, how many citations give each) and the values in
    rank order. None when every cell is blank."""
    codes, distinct = coded
    # Blank as pandas strips text (pyarrow strings: Unicode's White_Space).
    kept = (pd.Series(distinct, dtype=object).astype(str).str.strip() != "").to_numpy(dtype=bool)
    if not kept.any():
        return None
    rank = _ranks(distinct)
    values = [""] * len(rank)
    for value, r in zip(distinct.tolist(), rank.tolist()):
        values[r] = value
    keep = kept[codes]
    size = len(values)
    pairs, counts = np.unique(group[keep] * size + rank[codes[keep]], return_counts=True)
    return pairs // size, pairs % size, counts, values


def _most_common(group: np.ndarray, groups: int, coded: tuple[np.ndarray, np.ndarray], *,
                 default: str) -> list[str]:
    """Per observation, the most frequent non-empty value (ties: alphabetical first)."""
    best = [default] * groups
    found = _pairs(group, coded)
    if found is not None:
        owners, ranks, counts, values = found
        pick = np.lexsort((ranks, -counts, owners))
        picked = owners[pick]
        head = pick[np.concatenate(([True], picked[1:] != picked[:-1]))]
        for owner, rank in zip(owners[head].tolist(), ranks[head].tolist()):
            best[owner] = values[rank]
    return best


def _distinct_joined(group: np.ndarray, groups: int, coded: tuple[np.ndarray, np.ndarray]) -> list[str]:
    """Per observation, its distinct non-empty values, sorted, '; '-separated."""
    joined = [""] * groups
    found = _pairs(group, coded)
    if found is not None:
        owners, ranks, _, values = found
        cells = [values[rank] for rank in ranks.tolist()]
        starts = np.flatnonzero(np.concatenate(([True], owners[1:] != owners[:-1])))
        ends = np.append(starts[1:], len(owners))
        for owner, start, end in zip(owners[starts].tolist(), starts.tolist(), ends.tolist()):
            joined[owner] = "; ".join(cells[start:end])
    return joined


class _PublishedSpan:
    """Per observation, the earliest and latest publication day of its citations (the first
    ten characters of published_at; "" when none is known)."""

    def __init__(self, group: np.ndarray, groups: int, coded: tuple[np.ndarray, np.ndarray]) -> None:
        codes, distinct = coded
        days = pd.Series(distinct, dtype=object).astype(str).str.slice(0, 10).tolist()
        rank, self.days = _ranked(np.array(days + [""], dtype=object))
        rank = rank[:-1][codes]
        dated = rank != 0  # "" comes first
        self._earliest = np.zeros(groups, dtype=np.int64)
        self._earliest[:] = len(self.days)
        self._latest = np.zeros(groups, dtype=np.int64)
        np.minimum.at(self._earliest, group[dated], rank[dated])
        np.maximum.at(self._latest, group[dated], rank[dated])
        self._earliest[self._earliest == len(self.days)] = 0

    def earliest(self) -> list[str]:
        return [self.days[r] for r in self._earliest.tolist()]

    def latest(self) -> list[str]:
        return [self.days[r] for r in self._latest.tolist()]

    def first_ranks(self) -> np.ndarray:
        """Per observation, the rank of its first_published_at among all of them."""
        return self._earliest

    def first_days(self) -> list:
        """Per observation, the datetime.date of first_published_at, or None."""
        moments = _dates(pd.Series(self.days, dtype=object))
        days = [None if pd.isna(moment) else moment.date() for moment in moments]
        return [days[r] for r in self._earliest.tolist()]


def _by_distinct(column: pd.Series, convert: Callable[[pd.Series], pd.Series]) -> pd.Series:
    """convert(the column as text), computed once per distinct text; index-aligned."""
    codes, distinct = pd.factorize(text_cells(column).to_numpy())
    converted = convert(pd.Series(distinct.tolist() or [""])).to_numpy()
    return pd.Series(converted[codes], index=column.index)


def _dates(column: pd.Series) -> pd.Series:
    return _by_distinct(column, lambda text: pd.to_datetime(
        text.str.slice(0, 10), errors="coerce", format="%Y-%m-%d"))


def partial_flows(frame: pd.DataFrame) -> pd.Series:
    """Per row (ledger columns), a flow that stops before its last month ends, covers part
    of a single month, or is flagged `partial_period`.

    A cumulative figure from the day of an invasion to a month end is not partial: it
    is complete for the period it names.
    """
    obs = frame
    start, end = _dates(obs["period_start"]), _dates(obs["period_end"])
    one_month = (start.dt.to_period("M") == end.dt.to_period("M")).fillna(False).astype(bool)
    cut_short = ~end.dt.is_month_end.fillna(True).astype(bool)
    late_start = one_month & ~start.dt.is_month_start.fillna(True).astype(bool)
    flow = obs["metric"].isin(FLOW_METRICS)
    flagged = _by_distinct(frame["flags"], lambda text: text.astype(str).str.contains(
        r"(?:^|;)partial_period(?:;|$)").astype(bool))
    return (flow & ((start.notna() & end.notna() & (cut_short | late_start)) | flagged)).astype(bool)


def _partial(coded: _Coded) -> np.ndarray:
    """partial_flows per row, worked out once per distinct metric, period and flags."""
    parts = [coded(column) for column in ("metric", "period_start", "period_end", "flags")]
    number = _combined([codes for codes, _ in parts])
    first = _firsts(number)
    distinct = pd.DataFrame({column: pd.Series(text[codes[first]], dtype=object) for column, (codes, text)
                             in zip(("metric", "period_start", "period_end", "flags"), parts)})
    return partial_flows(distinct).to_numpy(dtype=bool)[number]


# --- Slots: where revisions and conflicting copies are looked for -----------------------


class _Periods(NamedTuple):
    number: np.ndarray  # per row, the number of its (period_start, period_end, as_of)
    start: np.ndarray  # per number: period_start as text ("" when missing)
    end: np.ndarray  # period_end as text
    exact: np.ndarray  # "period_start/period_end@as_of"
    slot: np.ndarray  # the month for a period within one month, else the exact period
    time: np.ndarray  # period_end, else as_of: the table's time order


def _periods(coded: _Coded) -> _Periods:
    """Figures about one month (whole or partial) share a slot, the month; other flows are
    keyed by their exact period and stocks by their date."""
    parts = [coded(column) for column in ("period_start", "period_end", "as_of")]
    number = _combined([codes for codes, _ in parts])
    first = _firsts(number)
    start, end, as_of = (text[codes[first]] for codes, text in parts)
    exact = np.array([f"{s}/{e}@{a}" for s, e, a in zip(start.tolist(), end.tolist(), as_of.tolist())],
                     dtype=object)
    start_day, end_day = _dates(pd.Series(start, dtype=object)), _dates(pd.Series(end, dtype=object))
    same_month = (start_day.dt.to_period("M") == end_day.dt.to_period("M")).fillna(False).to_numpy(dtype=bool)
    month = start_day.dt.strftime("%Y-%m").to_numpy(dtype=object)
    time = np.where(end != "", end, as_of)
    return _Periods(number, start, end, exact, np.where(same_month, month, exact), time)


def _slot_numbers(coded: _Coded, periods: _Periods) -> tuple[np.ndarray, list[str]]:
    """(per row, the number of its series and slot; the slot key of each number)."""
    parts = [coded(column) for column in _SERIES_KEY]
    slot_codes, slot_text = pd.factorize(periods.slot)
    parts.append((slot_codes[periods.number], np.asarray(slot_text, dtype=object)))
    number = _combined([codes for codes, _ in parts])
    first = _firsts(number)
    cells = [text[codes[first]].tolist() for codes, text in parts]
    return number, ["\x1f".join(fields) for fields in zip(*cells)]


def slot_keys(claims: pd.DataFrame) -> pd.Series:
    """Per claim (normalised ledger rows), the text key of its series and period slot.

    Revisions and conflicting copies only ever link observations of one series (conflict,
    metric, actor, territory, attribution, computed or not) and one slot (the month, for a
    period within one month; else the exact period and as_of date), and the claims of an
    observation share both: an observation depends on the claims of its slot alone (see
    merge_observations). The key is those fields as text, '\\x1f'-separated, "c" for
    computed."""
    return _slot_key_series(claims)


def observation_slot_keys(observations: pd.DataFrame) -> pd.Series:
    """Per observation (build_observations' rows), the slot key each of its claims has."""
    return _slot_key_series(observations)


def _slot_key_series(frame: pd.DataFrame) -> pd.Series:
    if not len(frame):
        return pd.Series(dtype=object, index=frame.index)
    coded = _Coded(frame)
    number, keys = _slot_numbers(coded, _periods(coded))
    return pd.Series(np.array(keys, dtype=object)[number], index=frame.index, dtype=object)


def merge_observations(previous: pd.DataFrame, fresh: pd.DataFrame, slots: set[str]) -> pd.DataFrame:
    """The observations after a change confined to `slots` (the slot_keys of every claim
    added, removed or changed, before and after the change): the rows of `previous` outside
    those slots and `fresh`, built from the claims in those slots, in build_observations'
    order. Both are tables as build_observations returns them; the result is what it
    returns for the whole ledger after the change (whose claim_ids are unique, as the
    ledger's are). Fresh rows outside `slots` are a ValueError."""
    slots = set(slots)
    parts = [part for part in (previous, fresh) if len(part)]
    if not parts:
        return _empty()
    both = pd.concat(parts, ignore_index=True) if len(parts) > 1 else parts[0].reset_index(drop=True)
    coded = _Coded(both)
    periods = _periods(coded)
    number, keys = _slot_numbers(coded, periods)
    touched = np.array([key in slots for key in keys], dtype=bool)[number]
    is_fresh = np.arange(len(both)) >= len(both) - len(fresh)
    if (is_fresh & ~touched).any():
        raise ValueError("merge_observations: fresh observations outside the given slots")
    rows = np.flatnonzero(is_fresh | ~touched)
    if not len(rows):
        return _empty()
    ranks = [*(_ranks(coded(column)[1])[coded(column)[0]] for column in _SERIES_KEY[:-1]),
             _ranked(periods.time)[0][periods.number], _ranked(periods.start)[0][periods.number],
             *(_ranked(coded(column)[1])[0][coded(column)[0]]
               for column in ("first_published_at", "observation_id"))]
    merged = both.iloc[rows[_order([rank[rows] for rank in ranks])]].reset_index(drop=True)
    merged["publishers"] = _text_column(merged["publishers"].to_numpy(dtype=object))
    merged["n_citations"] = merged["n_citations"].astype("int64")
    merged["is_partial"] = merged["is_partial"].astype(bool)
    return merged.loc[:, list(OBSERVATION_COLUMNS)]


def _order(keys: list[np.ndarray]) -> np.ndarray:
    """Positions of the rows in the table's order, given per row the ranks of conflict,
    metric, actor, territory, attribution, time (period_end, else as_of), period_start,
    first publication and observation_id (the last may be left out for rows in id order)."""
    return np.lexsort(keys[::-1])


# --- Revisions and conflicting copies ------------------------------------------------------


class _Slot(NamedTuple):
    """What linking needs of each observation, by position (positions in id order)."""

    period: list[str]  # the exact period as text
    start: list[str]  # period_start as text
    end: list[str]  # period_end as text
    date: list  # datetime.date of first publication, or None
    partial: list[bool]


def _links(ids: list[str], slot: np.ndarray, period: list[str], start: list[str], end: list[str],
           dates: list, partial: list[bool]) -> dict[str, list]:
    """revision_of, revision_number, superseded_by, conflicts_with and flags of observations
    (in id order), with per observation the number of its series and slot."""
    fields = _Slot(period, start, end, dates, partial)
    previous: dict[int, int] = {}  # observation -> the release it revises
    copies = _Copies()
    by_slot = np.argsort(slot, kind="stable")
    in_order = slot[by_slot]
    starts = np.flatnonzero(np.concatenate(([True], in_order[1:] != in_order[:-1])))
    sizes = np.diff(np.append(starts, len(by_slot)))
    members = by_slot.tolist()
    # Slots are small (a few releases): plain Python over positions.
    for first, size in zip(starts[sizes > 1].tolist(), sizes[sizes > 1].tolist()):
        _link_slot(members[first:first + size], fields, previous, copies)
    roots: dict[int, int] = {}
    for position in previous:
        chain = [position]
        while chain[-1] in previous and len(chain) < 100:
            chain.append(previous[chain[-1]])
        roots[position] = chain[-1]
    depth = {position: _depth(position, previous) for position in previous}
    nexts: dict[int, int] = {}
    for later, earlier in sorted(previous.items()):
        nexts.setdefault(earlier, later)
    revision_of = [ids[roots[i]] if i in roots else "" for i in range(len(ids))]
    superseded_by = [ids[nexts[i]] if i in nexts else "" for i in range(len(ids))]
    conflicts_with = copies.listed(ids)
    flags = []
    for partial_period, revision, revised, conflicting in zip(
        partial, revision_of, superseded_by, conflicts_with
    ):
        found = []
        if conflicting:
            found.append("conflicting_copies")
        if partial_period:
            found.append("partial_period")
        if revised:
            found.append("revised")
        if revision:
            found.append("revision")
        flags.append(";".join(found))
    return {"revision_of": revision_of, "superseded_by": superseded_by,
            "revision_number": [depth.get(i, 0) for i in range(len(ids))],
            "conflicts_with": conflicts_with, "flags": flags}


def _depth(position: int, previous: dict[int, int]) -> int:
    depth = 0
    while position in previous and depth < 100:
        position, depth = previous[position], depth + 1
    return depth


class _Copies:
    """Groups of copies of one release that disagree: one shared sorted list per group, not
    pairs (thousands of disagreeing copies of one release, a broken source, must not cost
    memory in the square of their number)."""

    def __init__(self) -> None:
        self.groups: list[list[int]] = []
        self.members: list[int] = []
        self.owners: list[int] = []  # per entry of members, its group

    def add(self, members: list[int]) -> None:
        group = sorted(members)
        self.owners.extend([len(self.groups)] * len(group))
        self.members.extend(group)
        self.groups.append(group)

    def listed(self, ids: list[str]) -> list[str]:
        """Per observation, the first MAX_CONFLICTS_LISTED other members of the groups it
        is in, ';'-separated."""
        listed = np.full(len(ids), "", dtype=object)
        if not self.groups:
            return listed.tolist()
        members, owners = np.array(self.members), np.array(self.owners)
        # Groups are sorted: the first MAX + 1 members of each hold the answer, and a member
        # of one group only, past those, gets the group's first MAX.
        last_listed = np.array([group[MAX_CONFLICTS_LISTED] if len(group) > MAX_CONFLICTS_LISTED + 1
                                else len(ids) for group in self.groups])
        alone = np.bincount(members, minlength=len(ids))[members] == 1
        past = alone & (members > last_listed[owners])
        if past.any():
            heads = {}
            for owner in np.unique(owners[past]).tolist():
                heads[owner] = ";".join(ids[o] for o in self.groups[owner][:MAX_CONFLICTS_LISTED])
            text = np.array([heads.get(o, "") for o in range(len(self.groups))], dtype=object)
            listed[members[past]] = text[owners[past]]
        groups_of: dict[int, list[list[int]]] = {}
        for position, owner in zip(members[~past].tolist(), owners[~past].tolist()):
            groups_of.setdefault(position, []).append(self.groups[owner])
        head = MAX_CONFLICTS_LISTED + 1
        for position, groups in groups_of.items():
            others = sorted({other for group in groups for other in group[:head] if other != position})
            listed[position] = ";".join(ids[o] for o in others[:MAX_CONFLICTS_LISTED])
        return listed.tolist()


def _link_slot(slot: list[int], obs: _Slot, previous: dict[int, int], copies: _Copies) -> None:
    """Link the observations of one series and one period slot (positions, in id order)."""
    by_period: dict[str, list[int]] = {}
    for position in slot:
        by_period.setdefault(obs.period[position], []).append(position)
    releases_by_period = {period: _releases(members, obs.date, copies)
                          for period, members in sorted(by_period.items())}
    # Within one exact period: each release revises the one before it.
    for releases in releases_by_period.values():
        for earlier, later in zip(releases, releases[1:]):
            for position in later:
                previous[position] = earlier[0]
    # Within a month: a full-month figure released after a month-to-date figure revises it.
    first_of = {period: members[0] for period, members in by_period.items()}
    full = [p for p, first in first_of.items() if not obs.partial[first]]
    if len(full) != 1 or len(by_period) == 1:
        return
    full_first = releases_by_period[full[0]][0]
    partial_periods = sorted(
        (p for p, first in first_of.items() if obs.partial[first] and obs.start[first].endswith("-01")),
        key=lambda p: obs.end[first_of[p]],
    )
    full_dates = [obs.date[o] for o in full_first if obs.date[o] is not None]
    full_date = min(full_dates) if full_dates else None
    for period in partial_periods:
        last_partial = releases_by_period[period][-1]
        partial_dates = [obs.date[o] for o in last_partial if obs.date[o] is not None]
        partial_date = max(partial_dates) if partial_dates else None
        # An unknown date is read as the usual order: the month-to-date figure came first.
        if partial_date is None or full_date is None or full_date >= partial_date:
            for position in full_first:
                previous.setdefault(position, last_partial[0])


def _releases(members: list[int], dates: list, copies: _Copies) -> list[list[int]]:
    """Observations of one exact period in release order, copies of one release together.

    Returns a list of releases, each a list of observations (more than one: copies
    that disagree). An observation with no publication date cannot be ordered, so it is
    a conflicting copy of every other value for the period.
    """
    if len(members) == 1:
        return [members]
    dated = sorted((dates[o], o) for o in members if dates[o] is not None)
    undated = [o for o in members if dates[o] is None]
    releases: list[list[int]] = []
    release_start = None
    for moment, position in dated:
        if release_start is None or (moment - release_start).days > COPY_WINDOW_DAYS:
            releases.append([position])
            release_start = moment
        else:
            releases[-1].append(position)
    if undated:
        if releases:
            releases[0].extend(undated)
            # Everything is then compared with the undated copies: no order can be told.
            copies.add(members)
        else:
            releases.append(undated)
    for release in releases:
        if len(release) > 1:
            copies.add(release)
    return releases


def observations_csv_bytes(observations: pd.DataFrame) -> bytes:
    """Deterministic CSV bytes of an observations frame (booleans as true/false)."""
    frame = observations.copy()
    for column in ("is_partial", "is_revised"):
        frame[column] = frame[column].map(lambda v: "true" if bool(v) else "false")
    return frame_to_csv_bytes(frame, OBSERVATION_COLUMNS)


def write_observations(claims_frame: pd.DataFrame, data_dir: Path) -> bool:
    """Write data/processed/observations.csv from the ledger; True when the bytes changed."""
    observations = build_observations(claims_frame)
    # A table that breaks its own schema is a bug here, not bad input: fail loudly.
    ObservationSchema.validate(observations, lazy=True)
    path = Path(data_dir) / "processed" / OBSERVATIONS_CSV
    return write_if_changed(path, observations_csv_bytes(observations))
