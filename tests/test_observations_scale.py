"""Observations on random ledgers: the fast build against a plain reference, and the slot
key that lets a run recompute only the observations its changes touch.

The reference below restates the grouping and linking rules of tracker/observations.py
(module docstring) one claim and one observation at a time, in plain Python, as they stood
when the table was made fast (2026-12). It is frozen on purpose: the build must give the
same bytes, so a change to the rules has to be made here too, deliberately.
"""

from __future__ import annotations

import calendar
import hashlib
import math
import random
from datetime import date, datetime

import numpy as np
import pandas as pd
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from tracker.model import CLAIM_COLUMNS, FLOW_METRICS
from tracker.observations import (
    OBSERVATION_COLUMNS,
    build_observations,
    claim_observation_ids,
    merge_observations,
    observation_slot_keys,
    observations_csv_bytes,
    slot_keys,
)
from tracker.schemas import ObservationSchema, normalise_claims_frame

# --- The reference --------------------------------------------------------------------------

COPY_WINDOW_DAYS = 5
MAX_LISTED = 10


def _missing(value: object) -> bool:
    return value is None or (isinstance(value, float) and math.isnan(value))


def _text(value: object) -> str:
    return "" if _missing(value) else str(value)


def _number(value: float) -> str:
    # numpy's rounding (what pandas' Series.round does), not Python's round().
    return "" if math.isnan(value) else repr(float(np.round(np.float64(value), 6)))


def _day(value: object) -> date | None:
    try:
        return datetime.strptime(_text(value)[:10], "%Y-%m-%d").date()
    except ValueError:
        return None


def figure_id(claim: dict) -> str:
    key = "\x1f".join([
        _text(claim["conflict"]), _text(claim["metric"]), _text(claim["actor"]),
        _text(claim["territory"]), _text(claim["period_start"]), _text(claim["period_end"]),
        _text(claim["as_of"]), _text(claim["attribution"]),
        "c" if claim["method"] == "computed" else "",
        _number(claim["value"]), _number(claim["value_min"]), _number(claim["value_max"]),
    ])
    return hashlib.sha256(key.encode("utf-8")).hexdigest()[:16]


def is_partial(claim: dict) -> bool:
    if claim["metric"] not in FLOW_METRICS:
        return False
    if "partial_period" in _text(claim["flags"]).split(";"):
        return True
    start, end = _day(claim["period_start"]), _day(claim["period_end"])
    if start is None or end is None:
        return False
    cut_short = end.day != calendar.monthrange(end.year, end.month)[1]
    late_start = (start.year, start.month) == (end.year, end.month) and start.day != 1
    return cut_short or late_start


def most_common(values: list[str], default: str) -> str:
    """The most frequent non-blank value; a tie goes to the alphabetically first."""
    counts: dict[str, int] = {}
    for value in values:
        if value.strip():
            counts[value] = counts.get(value, 0) + 1
    if not counts:
        return default
    return min(counts, key=lambda value: (-counts[value], value))


def exact_period(obs: dict) -> str:
    return f"{_text(obs['period_start'])}/{_text(obs['period_end'])}@{_text(obs['as_of'])}"


def slot_of(obs: dict) -> tuple:
    """The series (conflict, metric, actor, territory, attribution, computed or not) and the
    slot: the month of a period within one month, else the exact period and date."""
    start, end = _day(obs["period_start"]), _day(obs["period_end"])
    if start is not None and end is not None and (start.year, start.month) == (end.year, end.month):
        slot = start.strftime("%Y-%m")
    else:
        slot = exact_period(obs)
    return (obs["conflict"], obs["metric"], obs["actor"], obs["territory"], obs["attribution"],
            obs["method"] == "computed", slot)


def releases_of(period: list[dict], copies: list[list[str]]) -> list[list[dict]]:
    """The observations of one exact period in release order: sorted by first publication
    day (then id); a release is every figure published within COPY_WINDOW_DAYS of its
    first. An undated figure joins the first release and conflicts with every figure of the
    period (no order can be told); the figures of one release conflict with each other."""
    dated = sorted((o for o in period if o["_day"] is not None), key=lambda o: (o["_day"], o["observation_id"]))
    undated = [o for o in period if o["_day"] is None]
    releases: list[list[dict]] = []
    for obs in dated:
        if releases and (obs["_day"] - releases[-1][0]["_day"]).days <= COPY_WINDOW_DAYS:
            releases[-1].append(obs)
        else:
            releases.append([obs])
    if undated:
        if releases and len(period) > 1:
            releases[0].extend(undated)
            copies.append([o["observation_id"] for o in period])
        elif not releases:
            releases.append(undated)
    for release in releases:
        if len(release) > 1:
            copies.append([o["observation_id"] for o in release])
    return releases


def link_slot(members: list[dict], previous: dict[str, str], copies: list[list[str]]) -> None:
    periods: dict[str, list[dict]] = {}
    for obs in sorted(members, key=lambda o: o["observation_id"]):
        periods.setdefault(exact_period(obs), []).append(obs)
    releases = {period: releases_of(figures, copies) for period, figures in periods.items()}
    # Each release of one exact period revises the release before it (its first figure).
    for chain in releases.values():
        for earlier, later in zip(chain, chain[1:]):
            for obs in later:
                previous[obs["observation_id"]] = earlier[0]["observation_id"]
    # A month: the full month's first release revises the month-to-date figure released
    # before it. Whether a period is partial is read off its lowest id.
    lowest = {period: figures[0] for period, figures in periods.items()}
    full = [period for period, obs in lowest.items() if not obs["is_partial"]]
    if len(periods) == 1 or len(full) != 1:
        return
    first_release = releases[full[0]][0]
    known = [o["_day"] for o in first_release if o["_day"] is not None]
    full_day = min(known) if known else None
    month_to_date = [period for period, obs in lowest.items()
                     if obs["is_partial"] and _text(obs["period_start"]).endswith("-01")]
    for period in sorted(month_to_date, key=lambda p: str(lowest[p]["period_end"])):
        last_release = releases[period][-1]
        known = [o["_day"] for o in last_release if o["_day"] is not None]
        partial_day = max(known) if known else None
        if partial_day is None or full_day is None or full_day >= partial_day:
            for obs in first_release:
                # The earliest-ending month-to-date period that qualifies wins.
                previous.setdefault(obs["observation_id"], last_release[0]["observation_id"])


def reference_observations(claims: pd.DataFrame) -> pd.DataFrame:
    records = normalise_claims_frame(claims).to_dict("records")
    citations: dict[str, list[dict]] = {}
    seen: set[str] = set()
    for claim in records:
        if claim["claim_id"] in seen:  # a repeated claim is one citation
            continue
        seen.add(claim["claim_id"])
        citations.setdefault(figure_id(claim), []).append(claim)
    table = []
    for oid, cited in citations.items():
        cited = sorted(cited, key=lambda claim: claim["claim_id"])
        first = cited[0]  # the figure's fields: those of its lowest claim_id
        days = sorted(_text(c["published_at"])[:10] for c in cited if _text(c["published_at"])[:10])
        obs = {column: first[column] for column in (
            "conflict", "metric", "value", "value_min", "value_max", "actor", "territory",
            "period_start", "period_end", "as_of", "attribution", "method")}
        obs.update(
            observation_id=oid,
            qualifier=most_common([c["qualifier"] for c in cited], "exact"),
            analyst=most_common([c["analyst"] for c in cited], ""),
            data_producer=most_common([c["data_producer"] for c in cited], ""),
            definition=most_common([c["definition"] for c in cited], ""),
            n_citations=len(cited),
            claim_ids=";".join(c["claim_id"] for c in cited),
            publishers="; ".join(sorted({c["publisher"] for c in cited if c["publisher"].strip()})),
            first_published_at=days[0] if days else "",
            last_published_at=days[-1] if days else "",
            is_partial=any(is_partial(c) for c in cited),
        )
        obs["_day"] = _day(obs["first_published_at"])
        table.append(obs)
    previous: dict[str, str] = {}
    copies: list[list[str]] = []
    slots: dict[tuple, list[dict]] = {}
    for obs in table:
        slots.setdefault(slot_of(obs), []).append(obs)
    for members in slots.values():
        if len(members) > 1:
            link_slot(members, previous, copies)
    for obs in table:
        oid = obs["observation_id"]
        root, steps = oid, 0
        while root in previous and steps < 99:  # chains are cut at 100 releases
            root, steps = previous[root], steps + 1
        depth, node = 0, oid
        while node in previous and depth < 100:
            node, depth = previous[node], depth + 1
        later = sorted(o for o, earlier in previous.items() if earlier == oid)
        others = sorted({other for group in copies if oid in group for other in group} - {oid})
        obs.update(revision_of=root if oid in previous else "", revision_number=depth,
                   superseded_by=later[0] if later else "", is_revised=bool(later),
                   conflicts_with=";".join(others[:MAX_LISTED]))
        obs["flags"] = ";".join(flag for flag, present in (
            ("conflicting_copies", bool(others)), ("partial_period", obs["is_partial"]),
            ("revised", bool(later)), ("revision", oid in previous)) if present)
    table.sort(key=lambda o: (o["conflict"], o["metric"], o["actor"], o["territory"], o["attribution"],
                              _text(o["period_end"]) or _text(o["as_of"]), _text(o["period_start"]),
                              o["first_published_at"], o["observation_id"]))
    return pd.DataFrame(table, columns=list(OBSERVATION_COLUMNS))


# --- Random ledgers -----------------------------------------------------------------------

MONTHS = ((2024, 9), (2024, 10), (2024, 11), (2024, 12), (2025, 2))
MISSING = (None, math.nan, "")


def random_ledger(rng: random.Random, size: int) -> pd.DataFrame:
    """Claims of a few series crowded into a few months: relays of one figure, revisions
    (same series and period, another value, published later), copies that disagree
    (published within days, or undated), month-to-date figures and full months, computed
    and cited figures, ranges without a value, missing publishers, analysts and
    qualifiers (ties for the most common), NaN, None and '' for missing cells."""
    series = [(rng.choice(["russia-ukraine", "israel-gaza"]), rng.choice(["Russia", "Ukraine"]),
               rng.choice(["Ukraine", "Donetsk oblast", ""]),
               rng.choice(["AFP analysis of ISW data", "DeepState", "", "ISW"]))
              for _ in range(rng.randint(1, 3))]
    rows = []
    for number in range(size):
        conflict, actor, territory, attribution = rng.choice(series)
        year, month = rng.choice(MONTHS)
        last = calendar.monthrange(year, month)[1]
        row = {"claim_id": f"{rng.getrandbits(64):016x}", "conflict": conflict, "actor": actor,
               "territory": territory, "attribution": attribution, "url": f"https://example.org/{number}",
               "method": rng.choice(["reported", "reported", "curated", "computed"]),
               "flags": rng.choice(["", "", "", "geometry_repaired", "partial_period"])}
        if rng.random() < 0.6:
            row["metric"] = rng.choice(["area_gained_km2", "area_gained_km2", "settlements_captured"])
            start, end = rng.choice([(1, last), (1, last), (1, 15), (1, 27), (12, last)])
            row["period_start"] = "2022-02-24" if rng.random() < 0.1 else f"{year}-{month:02d}-{start:02d}"
            row["period_end"] = f"{year}-{month:02d}-{end:02d}"
            row["as_of"] = rng.choice(MISSING)
        else:
            row["metric"] = rng.choice(["area_controlled_km2", "share_controlled_pct"])
            row["as_of"] = f"{year}-{month:02d}-{rng.choice([1, 15, last]):02d}"
            row["period_start"] = row["period_end"] = rng.choice(MISSING)
        if rng.random() < 0.1:
            row.update(qualifier="range", value=rng.choice(MISSING[:2]), value_min=100.0, value_max=120.0)
        else:
            row.update(qualifier=rng.choice(["exact", "approx", "approx", ""]),
                       value=rng.choice([100, 100.0, 100.0000001, 101, 150, 610, 478, 19.3, 19.30, 0.0, -0.0]))
        after = date(year + (month == 12), month % 12 + 1, 1)
        published = rng.random()
        if published < 0.15:
            row["published_at"] = rng.choice(MISSING)
        elif published < 0.25:  # during the month: a month-to-date release
            row["published_at"] = f"{year}-{month:02d}-{rng.choice([16, 28]):02d}"
        elif published < 0.3:
            row["published_at"] = rng.choice(["Dec 2024", "2024-13-01", f"{after}T09:30:00Z"])
        else:
            row["published_at"] = f"{after.year}-{after.month:02d}-{rng.choice([1, 2, 3, 5, 9, 20]):02d}"
        row["publisher"] = rng.choice(["Euro", "Arab News", "arab news", " ", *MISSING])
        row["analyst"] = rng.choice(["AFP", "ISW", *MISSING])
        row["data_producer"] = rng.choice(["ISW", "DeepState", *MISSING])
        row["definition"] = rng.choice(["", "occupied", "occupied and grey"])
        rows.append(row)
    if rows and rng.random() < 0.3:
        rows.append(dict(rng.choice(rows)))  # a repeated row
    frame = pd.DataFrame(rows, columns=list(CLAIM_COLUMNS))
    if rng.random() < 0.5:  # as tracker/ledger.py claims_frame reads it: every cell a str
        frame = normalise_claims_frame(frame).astype(object)
        frame = frame.map(lambda v: "" if _missing(v) or v is pd.NA else (
            str(int(v)) if isinstance(v, float) and v.is_integer() and str(v) != "-0.0" else str(v)))
    return frame


def _bytes(observations: pd.DataFrame) -> bytes:
    return observations_csv_bytes(observations)


@settings(max_examples=60, deadline=None, derandomize=True)
@given(seed=st.integers(min_value=0, max_value=2 ** 32 - 1), size=st.integers(min_value=0, max_value=120))
def test_build_equals_the_reference_on_random_ledgers(seed, size):
    claims = random_ledger(random.Random(seed), size)
    built = build_observations(claims)
    assert _bytes(built) == _bytes(reference_observations(claims))
    assert tuple(built.columns) == OBSERVATION_COLUMNS
    if len(built):
        ObservationSchema.validate(built, lazy=True)
    # The report's way in: normalised rows and ids computed beforehand.
    rows = normalise_claims_frame(claims)
    again = build_observations(rows, normalised=True, ids=claim_observation_ids(rows))
    assert _bytes(again) == _bytes(built)


@pytest.mark.parametrize("seed", range(8))
def test_build_equals_the_reference_on_larger_ledgers(seed):
    claims = random_ledger(random.Random(10_000 + seed), 1_500)
    assert _bytes(build_observations(claims)) == _bytes(reference_observations(claims))


def test_random_ledgers_exercise_every_rule():
    # The property above means something only if the ledgers hold what the rules are about.
    seen = {"revision": 0, "full month after month-to-date": 0, "conflicting_copies": 0,
            "undated copy": 0, "tie for most common": 0, "range": 0, "partial_period": 0}
    for seed in range(30):
        claims = random_ledger(random.Random(seed), 120)
        table = reference_observations(claims)
        seen["revision"] += int((table["revision_number"] > 0).sum())
        seen["conflicting_copies"] += int((table["conflicts_with"] != "").sum())
        seen["partial_period"] += int(table["is_partial"].sum())
        seen["range"] += int(table["value"].isna().sum())
        by_id = table.set_index("observation_id")
        for _, obs in table[table["revision_of"] != ""].iterrows():
            root = by_id.loc[obs["revision_of"]]
            if root["is_partial"] and not obs["is_partial"] and root["period_end"] != obs["period_end"]:
                seen["full month after month-to-date"] += 1
        seen["undated copy"] += int(((table["first_published_at"] == "") & (table["conflicts_with"] != "")).sum())
        rows = normalise_claims_frame(claims).drop_duplicates("claim_id")
        for _, obs in table[table["n_citations"] > 1].iterrows():
            analysts = rows.loc[rows["claim_id"].isin(obs["claim_ids"].split(";")), "analyst"]
            counts = analysts[analysts.str.strip() != ""].value_counts()
            if len(counts) > 1 and counts.iloc[0] == counts.iloc[1]:
                seen["tie for most common"] += 1
    assert all(count >= 5 for count in seen.values()), seen


def test_the_reference_catches_a_wrong_tie_or_a_wrong_revision_link():
    # Two citations, one analyst each: the alphabetically first wins the tie.
    claims = pd.DataFrame([
        {"claim_id": "b", "conflict": "russia-ukraine", "metric": "area_gained_km2", "value": 5.0,
         "actor": "Russia", "territory": "Ukraine", "period_start": "2024-10-01",
         "period_end": "2024-10-31", "analyst": "ISW", "url": "u", "published_at": "2024-11-02"},
        {"claim_id": "a", "conflict": "russia-ukraine", "metric": "area_gained_km2", "value": 5.0,
         "actor": "Russia", "territory": "Ukraine", "period_start": "2024-10-01",
         "period_end": "2024-10-31", "analyst": "AFP", "url": "v", "published_at": "2024-11-03"},
        # Month-to-date, then two later releases of the full month.
        {"claim_id": "c", "conflict": "russia-ukraine", "metric": "area_gained_km2", "value": 4.0,
         "actor": "Russia", "territory": "Ukraine", "period_start": "2024-10-01",
         "period_end": "2024-10-27", "url": "w", "published_at": "2024-10-28"},
        {"claim_id": "d", "conflict": "russia-ukraine", "metric": "area_gained_km2", "value": 6.0,
         "actor": "Russia", "territory": "Ukraine", "period_start": "2024-10-01",
         "period_end": "2024-10-31", "url": "x", "published_at": "2024-12-20"},
    ], columns=list(CLAIM_COLUMNS))
    reference = reference_observations(claims)
    assert _bytes(build_observations(claims)) == _bytes(reference)
    five = reference[reference["value"] == 5.0].iloc[0]
    assert five["analyst"] == "AFP"
    partial = reference[reference["value"] == 4.0].iloc[0]
    six = reference[reference["value"] == 6.0].iloc[0]
    assert five["revision_of"] == partial["observation_id"] and five["revision_number"] == 1
    assert six["revision_of"] == partial["observation_id"] and six["revision_number"] == 2
    assert partial["superseded_by"] == five["observation_id"]
    # A table with the tie or a link the other way differs in its bytes.
    wrong_tie = reference.assign(analyst=reference["analyst"].replace("AFP", "ISW"))
    assert _bytes(wrong_tie) != _bytes(reference)
    wrong_link = reference.copy()
    wrong_link.loc[wrong_link["value"] == 6.0, "revision_of"] = five["observation_id"]
    assert _bytes(wrong_link) != _bytes(reference)


# --- Slot keys and incremental observations ----------------------------------------------


def _changed(rng: random.Random, before: pd.DataFrame) -> tuple[pd.DataFrame, set[str]]:
    """`before` with a few claims added, removed or changed; the claim_ids concerned."""
    after = before.copy()
    concerned: set[str] = set()
    for _ in range(rng.randint(1, 5)):
        action = rng.random()
        if action < 0.3 and len(after):
            index = rng.choice(list(after.index))
            concerned.add(after.at[index, "claim_id"])
            after = after.drop(index=index)
        elif action < 0.65 and len(after):
            index = rng.choice(list(after.index))
            concerned.add(after.at[index, "claim_id"])
            donor = normalise_claims_frame(random_ledger(rng, 1)).iloc[0]
            for field in rng.sample(["value", "published_at", "period_end", "period_start", "as_of",
                                     "attribution", "publisher", "analyst", "method", "flags"], 2):
                after.at[index, field] = donor[field]
        else:
            added = normalise_claims_frame(random_ledger(rng, 1).iloc[:1])
            added.index = [int(max(after.index, default=-1)) + 1]
            concerned.update(added["claim_id"])
            after = pd.concat([after, added]) if len(after) else added
    return normalise_claims_frame(after), concerned


@settings(max_examples=60, deadline=None, derandomize=True)
@given(seed=st.integers(min_value=0, max_value=2 ** 32 - 1), size=st.integers(min_value=0, max_value=100))
def test_merging_the_touched_slots_gives_the_whole_build(seed, size):
    rng = random.Random(seed)
    # The ledger's claim_ids are unique.
    before = normalise_claims_frame(random_ledger(rng, size)).drop_duplicates("claim_id")
    after, concerned = _changed(rng, before)
    touched = set(slot_keys(before[before["claim_id"].isin(concerned)])) | set(
        slot_keys(after[after["claim_id"].isin(concerned)]))
    fresh = build_observations(after[slot_keys(after).isin(touched).to_numpy(dtype=bool)])
    merged = merge_observations(build_observations(before), fresh, touched)
    whole = build_observations(after)
    assert _bytes(merged) == _bytes(whole)
    assert list(merged.dtypes) == list(whole.dtypes) and merged.equals(whole)


@settings(max_examples=40, deadline=None, derandomize=True)
@given(seed=st.integers(min_value=0, max_value=2 ** 32 - 1))
def test_the_claims_of_an_observation_share_its_slot_key(seed):
    claims = normalise_claims_frame(random_ledger(random.Random(seed), 80)).drop_duplicates("claim_id")
    observations = build_observations(claims)
    key_of = dict(zip(claims["claim_id"], slot_keys(claims)))
    for cited, key in zip(observations["claim_ids"], observation_slot_keys(observations)):
        assert {key_of[claim] for claim in cited.split(";")} == {key}
    # Linked observations (revisions, conflicting copies) share it too.
    slot_of_id = dict(zip(observations["observation_id"], observation_slot_keys(observations)))
    for column in ("revision_of", "superseded_by", "conflicts_with"):
        for oid, linked in zip(observations["observation_id"], observations[column]):
            for other in filter(None, linked.split(";")):
                assert slot_of_id[other] == slot_of_id[oid]


# --- normalise_claims_frame: the fast paths against the plain one --------------------------


def reference_normalise(frame: pd.DataFrame) -> pd.DataFrame:
    """normalise_claims_frame as it was written before its fast paths (2026-12)."""
    from tracker.model import DATE_COLUMNS, FLOAT_COLUMNS, INT_COLUMNS, location_id

    out = pd.DataFrame(index=frame.index)
    for column in CLAIM_COLUMNS:
        series = frame[column] if column in frame.columns else pd.Series(None, index=frame.index)
        if column in FLOAT_COLUMNS:
            out[column] = pd.to_numeric(series, errors="coerce").astype("float64")
        elif column in INT_COLUMNS:
            out[column] = pd.to_numeric(series, errors="coerce").astype("Int64")
        elif column in DATE_COLUMNS:
            text = series.astype("object").where(series.notna(), None)
            text = text.map(lambda v: None if v is None or str(v).strip() == "" else str(v).strip())
            out[column] = text.astype("object")
        else:
            out[column] = series.astype("object").where(series.notna(), "").map(str).astype("object")
    out.loc[out["status"] == "", "status"] = "active"
    missing = out["location_id"] == ""
    if missing.any():
        out.loc[missing, "location_id"] = [
            location_id(record) for record in out.loc[missing].to_dict("records")]
    return out


CELLS = ("", " ", " x ", "2024-11-01", " 2024-11-01 ", "12", "12.0", "-0", "1e3", " 7 ", "abc",
         "9007199254740993", "1e400", "nan", "0x10", "28.5", "\u00a0", "é")
OTHER_CELLS = (None, math.nan, pd.NA, 3, 3.0, -0.0, 2.5, True)


@settings(max_examples=80, deadline=None, derandomize=True)
@given(seed=st.integers(min_value=0, max_value=2 ** 32 - 1))
def test_normalise_equals_the_plain_normalisation(seed):
    rng = random.Random(seed)
    size = rng.randint(0, 25)
    columns = rng.sample(list(CLAIM_COLUMNS), rng.randint(1, len(CLAIM_COLUMNS)))
    kind = rng.choice(["text", "text with missing", "mixed", "pandas strings"])
    cells = CELLS if kind == "text" else CELLS + OTHER_CELLS[:2] if kind == "text with missing" \
        else CELLS + OTHER_CELLS
    data = {column: [rng.choice(cells) for _ in range(size)] for column in columns}
    for column in ("number_start", "number_end"):  # cells an integer column can take
        if column in data:
            data[column] = [rng.choice(["", "12", " 7 ", None, 4, 5.0]) for _ in range(size)]
    if kind == "pandas strings":
        frame = pd.DataFrame({column: pd.Series([v if isinstance(v, str) else None for v in values],
                                                dtype="string[python]" if pd.__version__ < "3" else "str")
                              for column, values in data.items()}, index=range(size))
    else:
        frame = pd.DataFrame({column: pd.Series(values, dtype=object)
                              for column, values in data.items()}, index=range(size))
    if size and rng.random() < 0.3:
        frame.index = [rng.randint(0, 3) for _ in range(size)]  # repeated labels
    before = frame.copy()
    expected = reference_normalise(frame.copy())
    got = normalise_claims_frame(frame)
    assert list(got.columns) == list(expected.columns) and got.index.equals(expected.index)
    assert list(got.dtypes) == list(expected.dtypes)
    assert got.equals(expected)
    for column in got.columns:  # None and NaN are the same to equals: compare the cells
        if got[column].dtype == object:
            assert [type(v) for v in got[column]] == [type(v) for v in expected[column]], column
    got.loc[:, "actor"] = "changed"  # the result shares no cells with the input
    pd.testing.assert_frame_equal(frame, before)


def test_normalise_equals_the_plain_normalisation_on_ledger_text():
    claims = random_ledger(random.Random(5), 400)
    text = normalise_claims_frame(claims).astype(object).map(
        lambda v: "" if _missing(v) or v is pd.NA else str(v))
    for frame in (claims, text, normalise_claims_frame(claims)):
        expected = reference_normalise(frame)
        got = normalise_claims_frame(frame)
        assert got.equals(expected) and list(got.dtypes) == list(expected.dtypes)
