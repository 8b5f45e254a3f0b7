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

import pandas as pd

from tracker.ledger import frame_to_csv_bytes
from tracker.model import FLOW_METRICS
from tracker.schemas import ObservationSchema, normalise_claims_frame
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


def figure_keys(claims: pd.DataFrame) -> pd.Series:
    """Per claim (normalised ledger rows), the text key of the figure it states."""
    parts = []
    for column in _FIGURE_KEY:
        if column == "_computed":
            parts.append(claims["method"].astype(str).eq("computed").map({True: "c", False: ""}))
        elif column in _NUMBER_COLUMNS:
            # Rounding absorbs float noise from unit conversion; repr is the shortest form.
            rounded = pd.to_numeric(claims[column], errors="coerce").round(6)
            parts.append(rounded.map(repr).where(rounded.notna(), ""))
        else:
            parts.append(claims[column].astype(object).where(claims[column].notna(), "").map(str))
    if not len(claims):
        return pd.Series(dtype=object, index=claims.index)
    key = parts[0]
    for part in parts[1:]:
        key = key + "\x1f" + part
    return key


def observation_ids(keys: pd.Series) -> pd.Series:
    """Stable 16-hex ids from figure keys (hashed once per distinct key)."""
    ids = {key: hashlib.sha256(key.encode("utf-8")).hexdigest()[:16] for key in keys.unique()}
    return keys.map(ids)


def claim_observation_ids(claims: pd.DataFrame) -> pd.Series:
    """The observation id of every claim, index-aligned with `claims` (normalised rows)."""
    return observation_ids(figure_keys(claims))


def build_observations(
    claims: pd.DataFrame, *, normalised: bool = False, ids: pd.Series | None = None
) -> pd.DataFrame:
    """Group the claims (ledger rows) into observations; see the module docstring.

    For a caller that has them already (the report, on a large ledger): `normalised=True`
    skips schemas.normalise_claims_frame, and `ids` gives claim_observation_ids(claims).
    """
    frame = claims if normalised else normalise_claims_frame(claims)
    if ids is not None:
        frame = frame.assign(observation_id=ids)
    frame = frame.drop_duplicates("claim_id")
    if frame.empty:
        return _empty()
    frame = frame.assign(
        _computed=frame["method"].eq("computed"),
        _published=frame["published_at"].astype(str).str.slice(0, 10),
    )
    if ids is None:
        frame["observation_id"] = claim_observation_ids(frame)
    frame = frame.sort_values(["observation_id", "claim_id"], kind="mergesort")
    grouped = frame.groupby("observation_id", sort=True)
    # The figure's fields are identical within a group by construction: take the first row
    # (not groupby.first, which would skip a missing value_min and take another row's).
    first = frame.drop_duplicates("observation_id").set_index("observation_id").sort_index()
    out = first.loc[:, ["conflict", "metric", "value", "value_min", "value_max", "actor",
                        "territory", "period_start", "period_end", "as_of", "attribution",
                        "method"]].copy()
    out["qualifier"] = _most_common(frame, "qualifier", default="exact")
    for column in ("analyst", "data_producer", "definition"):
        out[column] = _most_common(frame, column, default="")
    out["n_citations"] = grouped.size()
    out["claim_ids"] = grouped["claim_id"].agg(";".join)
    out["publishers"] = _distinct_joined(frame, "publisher")
    dated = frame[frame["_published"] != ""]
    out["first_published_at"] = dated.groupby("observation_id")["_published"].min()
    out["last_published_at"] = dated.groupby("observation_id")["_published"].max()
    out[["first_published_at", "last_published_at"]] = out[
        ["first_published_at", "last_published_at"]].fillna("")
    out["is_partial"] = partial_flows(frame).groupby(frame["observation_id"]).any()
    out = out.reset_index()
    out = _link_revisions(out)
    return _ordered(out)


def _empty() -> pd.DataFrame:
    return pd.DataFrame({c: pd.Series(dtype=object) for c in OBSERVATION_COLUMNS})


def _most_common(frame: pd.DataFrame, column: str, *, default: str) -> pd.Series:
    """Per observation, the most frequent non-empty value (ties: alphabetical first)."""
    values = frame[["observation_id", column]]
    values = values[values[column].astype(str).str.strip() != ""]
    if values.empty:
        return pd.Series(default, index=frame["observation_id"].unique())
    counts = values.value_counts().reset_index(name="_n")
    counts = counts.sort_values(["observation_id", "_n", column], ascending=[True, False, True],
                                kind="mergesort")
    best = counts.drop_duplicates("observation_id").set_index("observation_id")[column]
    return best.reindex(frame["observation_id"].unique()).fillna(default)


def _distinct_joined(frame: pd.DataFrame, column: str) -> pd.Series:
    values = frame[["observation_id", column]]
    values = values[values[column].astype(str).str.strip() != ""].drop_duplicates()
    values = values.sort_values(["observation_id", column], kind="mergesort")
    joined = values.groupby("observation_id")[column].agg("; ".join)
    return joined.reindex(frame["observation_id"].unique()).fillna("")


def _dates(column: pd.Series) -> pd.Series:
    text = column.astype(object).where(column.notna(), "").map(str).str.slice(0, 10)
    return pd.to_datetime(text, errors="coerce", format="%Y-%m-%d")


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
    flagged = frame["flags"].astype(str).str.contains(r"(?:^|;)partial_period(?:;|$)")
    return (flow & ((start.notna() & end.notna() & (cut_short | late_start)) | flagged)).astype(bool)


def _link_revisions(obs: pd.DataFrame) -> pd.DataFrame:
    """Fill revision_of, revision_number, superseded_by, conflicts_with and flags."""
    obs = obs.copy()
    obs["_computed"] = obs["method"].eq("computed")
    start, end = _dates(obs["period_start"]), _dates(obs["period_end"])
    same_month = start.dt.to_period("M") == end.dt.to_period("M")
    month = start.dt.strftime("%Y-%m")
    # Figures about one month (whole or partial) share a slot; other flows are keyed by
    # their exact period and stocks by their date.
    exact = obs["period_start"].fillna("") + "/" + obs["period_end"].fillna("") + "@" + obs["as_of"].fillna("")
    obs["_slot"] = month.where(same_month.fillna(False), exact)
    obs["_period"] = exact
    obs["_date"] = _dates(obs["first_published_at"])
    obs["revision_of"] = ""
    obs["revision_number"] = 0
    obs["superseded_by"] = ""
    conflicts: dict[str, list[list[str]]] = {}  # observation -> the groups of copies it is in
    slot_key = list(_SERIES_KEY) + ["_slot"]
    sizes = obs.groupby(slot_key, dropna=False)["observation_id"].transform("size")
    shared = obs.loc[sizes > 1, [*slot_key, "_period", "_date", "observation_id", "is_partial",
                                 "period_start", "period_end"]]
    # Slots are small (a few releases): plain Python over records is much faster than a
    # pandas group per slot.
    slots: dict[tuple, list[dict]] = {}
    for record in shared.to_dict("records"):
        record["_date"] = None if pd.isna(record["_date"]) else record["_date"].date()
        slots.setdefault(tuple(str(record[k]) for k in slot_key), []).append(record)
    previous: dict[str, str] = {}  # observation -> the release it revises
    for key in sorted(slots):
        _link_slot(slots[key], previous, conflicts)
    roots: dict[str, str] = {}
    for oid in obs["observation_id"]:
        chain = [oid]
        while chain[-1] in previous and len(chain) < 100:
            chain.append(previous[chain[-1]])
        if len(chain) > 1:
            roots[oid] = chain[-1]
    numbers = {oid: _depth(oid, previous) for oid in previous}
    nexts: dict[str, str] = {}
    for later, earlier in sorted(previous.items()):
        nexts.setdefault(earlier, later)
    ids = obs["observation_id"]
    obs["revision_of"] = ids.map(lambda oid: roots.get(oid, ""))
    obs["revision_number"] = ids.map(lambda oid: numbers.get(oid, 0)).astype("int64")
    obs["superseded_by"] = ids.map(lambda oid: nexts.get(oid, ""))
    obs["is_revised"] = obs["superseded_by"] != ""
    obs["conflicts_with"] = ids.map(lambda oid: _others(oid, conflicts.get(oid, [])))
    flags = []
    for partial, revision, revised, conflicting in zip(
        obs["is_partial"], obs["revision_of"] != "", obs["is_revised"], obs["conflicts_with"] != ""
    ):
        found = []
        if conflicting:
            found.append("conflicting_copies")
        if partial:
            found.append("partial_period")
        if revised:
            found.append("revised")
        if revision:
            found.append("revision")
        flags.append(";".join(found))
    obs["flags"] = flags
    return obs


def _depth(oid: str, previous: dict[str, str]) -> int:
    depth = 0
    while oid in previous and depth < 100:
        oid, depth = previous[oid], depth + 1
    return depth


def _others(oid: str, groups: list[list[str]]) -> str:
    """The first MAX_CONFLICTS_LISTED other members of the groups of copies `oid` is in."""
    # Groups are sorted: the first MAX + 1 members of each hold the answer.
    head = MAX_CONFLICTS_LISTED + 1
    others = sorted({other for group in groups for other in group[:head] if other != oid})
    return ";".join(others[:MAX_CONFLICTS_LISTED])


def _link_slot(slot: list[dict], previous: dict[str, str], conflicts: dict[str, list[list[str]]]) -> None:
    """Link the observations of one series and one period slot (a few records)."""
    by_period: dict[str, list[dict]] = {}
    for record in slot:
        by_period.setdefault(record["_period"], []).append(record)
    releases_by_period = {period: _releases(records, conflicts)
                          for period, records in sorted(by_period.items())}
    dates = {record["observation_id"]: record["_date"] for record in slot}
    # Within one exact period: each release revises the one before it.
    for releases in releases_by_period.values():
        for earlier, later in zip(releases, releases[1:]):
            for oid in later:
                previous[oid] = earlier[0]
    # Within a month: a full-month figure released after a month-to-date figure revises it.
    first_of = {period: records[0] for period, records in by_period.items()}
    full = [p for p, r in first_of.items() if not r["is_partial"]]
    if len(full) != 1 or len(by_period) == 1:
        return
    full_first = releases_by_period[full[0]][0]
    partial_periods = sorted(
        (p for p, r in first_of.items() if r["is_partial"] and _starts_month(r["period_start"])),
        key=lambda p: str(first_of[p]["period_end"]),
    )
    full_dates = [dates[o] for o in full_first if dates[o] is not None]
    full_date = min(full_dates) if full_dates else None
    for period in partial_periods:
        last_partial = releases_by_period[period][-1]
        partial_dates = [dates[o] for o in last_partial if dates[o] is not None]
        partial_date = max(partial_dates) if partial_dates else None
        # An unknown date is read as the usual order: the month-to-date figure came first.
        if partial_date is None or full_date is None or full_date >= partial_date:
            for oid in full_first:
                previous.setdefault(oid, last_partial[0])


def _starts_month(text: object) -> bool:
    return isinstance(text, str) and text.endswith("-01")


def _releases(records: list[dict], conflicts: dict[str, list[list[str]]]) -> list[list[str]]:
    """Observations of one exact period in release order, copies of one release together.

    Returns a list of releases, each a list of observation ids (more than one: copies
    that disagree). An observation with no publication date cannot be ordered, so it is
    a conflicting copy of every other value for the period.
    """
    ids = sorted(r["observation_id"] for r in records)
    if len(ids) == 1:
        return [ids]
    dated = sorted(((r["_date"], r["observation_id"]) for r in records if r["_date"] is not None))
    undated = sorted(r["observation_id"] for r in records if r["_date"] is None)
    releases: list[list[str]] = []
    release_start = None
    for moment, oid in dated:
        if release_start is None or (moment - release_start).days > COPY_WINDOW_DAYS:
            releases.append([oid])
            release_start = moment
        else:
            releases[-1].append(oid)
    if undated:
        if releases:
            releases[0].extend(undated)
            # Everything is then compared with the undated copies: no order can be told.
            _group(ids, conflicts)
        else:
            releases.append(undated)
    for release in releases:
        if len(release) > 1:
            _group(release, conflicts)
    return releases


def _group(members: list[str], conflicts: dict[str, list[list[str]]]) -> None:
    # One shared list per group, not pairs: thousands of disagreeing copies of one release
    # (a broken source) must not cost memory in the square of their number.
    group = sorted(members)
    for oid in group:
        conflicts.setdefault(oid, []).append(group)


def _ordered(obs: pd.DataFrame) -> pd.DataFrame:
    time_key = obs["period_end"].fillna(obs["as_of"]).fillna("")
    obs = obs.assign(_time=time_key, _start=obs["period_start"].fillna(""))
    obs = obs.sort_values(
        ["conflict", "metric", "actor", "territory", "attribution", "_time", "_start",
         "first_published_at", "observation_id"],
        kind="mergesort",
    )
    obs["n_citations"] = obs["n_citations"].astype("int64")
    obs["is_partial"] = obs["is_partial"].astype(bool)
    return obs.loc[:, list(OBSERVATION_COLUMNS)].reset_index(drop=True)


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
