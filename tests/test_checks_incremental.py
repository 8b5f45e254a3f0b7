"""Checks updated incrementally (tracker/checks.py): after a change that adds, removes or
alters some claims, recomputing only the rows `affected_check_claims` names and merging them
into the previous table must give, byte for byte, what a full `build_checks` gives.

Random ledgers (seeded) mix cited and computed stocks and gains of several actors,
territories and attributions, with equal dates, ranges and gains over two months; random
changes add rows, remove rows and alter a value, a date, a territory or a method (in place,
as a review correction does, or as a new reading with a new claim_id)."""

from __future__ import annotations

import random
from datetime import date, timedelta

import pandas as pd
import pytest

from tracker import checks
from tracker.checks import (
    CHECK_COLUMNS,
    affected_check_claims,
    build_checks,
    build_checks_for,
    merge_checks,
)
from tracker.ledger import frame_to_csv_bytes
from tracker.model import claim_id
from tracker.schemas import normalise_claims_frame

ACTORS = ("Russia", "Ukraine")
TERRITORIES = ("Ukraine", "Donetsk oblast", "")
PRODUCERS = ("DeepState", "ISW")
DAY0 = date(2024, 1, 1)


def random_row(rng: random.Random, number: int) -> dict:
    method = rng.choice(["computed", "computed", "reported", "reported", "curated"])
    metric = rng.choice(["area_controlled_km2", "area_controlled_km2", "share_controlled_pct",
                         "area_gained_km2", "area_gained_km2"])
    share = metric.endswith("_pct")
    # Dates near month boundaries, so that stocks are a month apart, gains fall between
    # them and several figures share a date.
    day = DAY0 + timedelta(days=rng.choice([0, 31, 60, 91]) + rng.choice([0, 0, 1, 2, 4]))
    # Most figures about one actor and territory: series with several steps, equal dates.
    row = {"conflict": "russia-ukraine", "metric": metric, "actor": rng.choice(ACTORS[:1] * 3 + ACTORS),
           "territory": rng.choice(TERRITORIES[:1] * 2 + (TERRITORIES[:2] if method == "computed"
                                                          else TERRITORIES)),
           "qualifier": "approx", "data_producer": rng.choice(PRODUCERS + ("",)),
           "attribution": rng.choice(PRODUCERS), "method": method,
           "definition": rng.choice(["occupied_total", "occupied_after:x", ""]),
           "url": f"https://example.org/{number}", "source_id": "s",
           "value": round(rng.uniform(15, 20), 1) if share else float(rng.randint(100_000, 100_300))}
    if metric == "area_gained_km2":
        start = day.replace(day=1)
        if rng.random() < 0.15:
            start = (start - timedelta(days=1)).replace(day=1)
        end = (day.replace(day=1) + timedelta(days=32)).replace(day=1) - timedelta(days=1)
        row.update(period_start=start.isoformat(), period_end=end.isoformat(),
                   value=rng.choice([0.0, float(rng.randint(1, 900))]))
    else:
        row["as_of"] = day.isoformat()
    if method != "computed" and rng.random() < 0.08:
        row.update(value_min=row["value"] - 40, value_max=row["value"] + 40, value=None)
    row["claim_id"] = claim_id(row)
    return row


def random_ledger(rng: random.Random, size: int) -> list[dict]:
    rows, seen = [], set()
    for number in range(size):
        row = random_row(rng, number)
        if row["claim_id"] not in seen:
            seen.add(row["claim_id"])
            rows.append(row)
    return rows


def altered(rng: random.Random, row: dict, number: int) -> dict:
    """The row with a value, a date, a territory or a method changed; kept under its
    claim_id (a review correction) or re-identified (a new reading)."""
    new = dict(row)
    what = rng.choice(["value", "value", "date", "date", "territory", "method"])
    if what == "value":
        if new.get("value") is None:
            new.update(value=new["value_min"], value_min=None, value_max=None)
        else:
            new["value"] = new["value"] + rng.choice([-400.0, -60.0, -1.0, 1.0, 60.0, 400.0])
    elif what == "date":
        shift = timedelta(days=rng.choice([-31, -3, -1, 1, 2, 3, 30]))
        if new.get("as_of"):
            new["as_of"] = (date.fromisoformat(new["as_of"]) + shift).isoformat()
        else:
            start = (date.fromisoformat(new["period_start"]) + shift).replace(day=1)
            end = (start + timedelta(days=32)).replace(day=1) - timedelta(days=1)
            new.update(period_start=start.isoformat(), period_end=end.isoformat())
    elif what == "territory":
        new["territory"] = rng.choice([t for t in TERRITORIES if t != new["territory"]])
    else:
        new["method"] = "reported" if new["method"] == "computed" else "computed"
        if new["method"] == "computed" and not new["territory"]:
            new["territory"] = "Ukraine"
    if rng.random() < 0.5:
        new["url"] = f"https://example.org/changed/{number}"
        new["claim_id"] = claim_id(new)
    return new


def random_change(rng: random.Random, rows: list[dict], step: int) -> tuple[list[dict], list[dict]]:
    """(rows after, changed rows: before and after versions of every row touched)."""
    after = list(rows)
    changed: list[dict] = []
    taken = {row["claim_id"] for row in rows}
    for _ in range(rng.choice([1, 1, 1, 2, 3, 5])):
        kind = rng.choice(["add", "remove", "alter", "alter"])
        if kind == "add" or not after:
            new = random_row(rng, 10_000 + step * 10 + len(changed))
            if new["claim_id"] in taken:
                continue
            after.insert(rng.randint(0, len(after)), new)
            changed.append(new)
        elif kind == "remove":
            changed.append(after.pop(rng.randrange(len(after))))
        else:
            position = rng.randrange(len(after))
            old = after[position]
            new = altered(rng, old, 20_000 + step * 10 + len(changed))
            if new["claim_id"] != old["claim_id"] and new["claim_id"] in taken:
                continue
            after[position] = new
            changed += [old, new]
        taken |= {row["claim_id"] for row in changed}
    return after, changed


def frame(rows: list[dict]) -> pd.DataFrame:
    return normalise_claims_frame(pd.DataFrame(rows, columns=sorted({k for r in rows for k in r})
                                               or ["claim_id"]))


def csv(checks_table: pd.DataFrame) -> bytes:
    return frame_to_csv_bytes(checks_table, CHECK_COLUMNS)


def runs(seed: int, steps: int):
    """A random ledger and `steps` random changes to it: (step, ledger after, changed rows)
    as normalised frames, the ledger before first (step -1, no change). Every row version is
    normalised once, in one pool, and the frames are taken from it."""
    rng = random.Random(seed)
    rows = random_ledger(rng, rng.choice([40, 80, 140]))
    pool: list[dict] = []
    numbers: dict[int, int] = {}

    def keys(some: list[dict]) -> list[int]:
        for row in some:
            if id(row) not in numbers:
                numbers[id(row)] = len(pool)
                pool.append(row)
        return [numbers[id(row)] for row in some]

    plan = [(-1, keys(rows), [])]
    for step in range(steps):
        rows, changed = random_change(rng, rows, step)
        plan.append((step, keys(rows), keys(changed)))
    normalised = frame(pool)
    for step, ledger, changed in plan:
        yield (step, normalised.iloc[ledger].reset_index(drop=True),
               normalised.iloc[changed].reset_index(drop=True))


def stale_steps(seeds: range, steps: int, first: bool = False) -> tuple[list[tuple[int, int]], int, int]:
    """Run the changes of each seed incrementally, each step's table merged into the last
    step's; ([(seed, step) whose table differs from a full build], checks recomputed,
    checks in all). With `first`, stop at the first stale table."""
    stale, recomputed, total = [], 0, 0
    for seed in seeds:
        table = None
        for step, after, changed in runs(seed, steps):
            full = build_checks(after)
            if table is not None:
                affected = affected_check_claims(changed, after)
                table = merge_checks(table, build_checks_for(after, affected), affected)
                if csv(table) != csv(full):
                    stale.append((seed, step))
                    if first:
                        return stale, recomputed, total
                    table = full
                recomputed += len(affected)
                total += len(full)
            else:
                table = full
    return stale, recomputed, total


@pytest.mark.parametrize("seeds", [range(0, 20), range(20, 40)])
def test_recomputing_the_affected_checks_gives_the_full_table(seeds: range):
    stale, recomputed, total = stale_steps(seeds, steps=8)
    assert stale == []
    # Generous, but not everything: a change touches a few checks, not the ledger's.
    assert recomputed < 0.3 * total


@pytest.mark.parametrize("rule", ["itself", "near_computed", "after_stock", "around_gain"])
def test_every_rule_is_needed(rule: str, monkeypatch):
    """Without any one of the rules, the random changes leave some check stale."""
    monkeypatch.setattr(checks.CheckIndex, rule, lambda self, rows, j, out: None)
    stale, _, _ = stale_steps(range(0, 40), steps=8, first=True)
    assert stale


def test_merge_keeps_the_order_of_a_full_build():
    rng = random.Random(99)
    rows = random_ledger(rng, 120)
    full = build_checks(frame(rows))
    some = set(full["claim_id"].sample(frac=0.3, random_state=1))
    merged = merge_checks(full, build_checks_for(frame(rows), some), some)
    assert csv(merged) == csv(full)
    assert merged.dtypes.equals(full.dtypes)
    # nothing recomputed, nothing fresh: the previous table as it was
    assert csv(merge_checks(full, build_checks_for(frame(rows), set()), set())) == csv(full)
    # every row recomputed onto an empty table
    every = set(full["claim_id"])
    assert csv(merge_checks(full.iloc[0:0], build_checks_for(frame(rows), every), every)) == csv(full)


def test_a_change_reaches_its_neighbours_only():
    """Named cases: a computed map three days off, the previous stock of a series, a gain
    between two stocks; and figures out of reach are left alone."""
    def cited(**fields) -> dict:
        row = {"conflict": "russia-ukraine", "actor": "Russia", "territory": "Ukraine",
               "attribution": "ISW", "method": "reported", "url": f"https://example.org/{len(fields)}"}
        row.update(fields)
        row["claim_id"] = claim_id(row)
        return row

    january = cited(metric="area_controlled_km2", value=101_000.0, as_of="2024-01-01")
    february = cited(metric="area_controlled_km2", value=100_500.0, as_of="2024-02-01", url="u2")
    march = cited(metric="area_controlled_km2", value=100_400.0, as_of="2024-03-01", url="u3")
    other_series = cited(metric="area_controlled_km2", value=90_000.0, as_of="2024-02-01",
                         attribution="DeepState", url="u4")
    february_too = cited(metric="area_controlled_km2", value=101_500.0, as_of="2024-02-01", url="u7")
    rows = [january, february, march, other_series, february_too]
    gain = cited(metric="area_gained_km2", value=300.0, period_start="2024-01-01",
                 period_end="2024-01-31", url="u5")
    # february falls from january's 101,000 while the gain is reported: february_too does not fall
    assert affected_check_claims(frame([gain]), frame(rows + [gain])) == {gain["claim_id"], february["claim_id"]}
    map_figure = cited(metric="area_controlled_km2", value=100_000.0, as_of="2024-02-04",
                       method="computed", url="u6")
    assert affected_check_claims(frame([map_figure]), frame(rows + [map_figure])) == {
        february["claim_id"], february_too["claim_id"], other_series["claim_id"]}
    # january removed: both stocks of the next date had it as previous stock, march did not
    assert affected_check_claims(frame([january]), frame(rows[1:])) == {
        january["claim_id"], february["claim_id"], february_too["claim_id"]}
