"""The checks find a cited figure's computed counterpart, its previous stock and the gains in
between through indexes (tracker/checks.py CheckIndex); here plain scans over the whole
ledger, written out as the rules say, must give the same counterparts and the same table,
byte for byte, on random ledgers."""

from __future__ import annotations

import hashlib
import random
from datetime import date, timedelta

import numpy as np
import pandas as pd
import pytest

from tracker.checks import CHECK_COLUMNS, STOCK_WINDOW_DAYS, build_checks
from tracker.ledger import frame_to_csv_bytes
from tracker.model import UKRAINE_AREA_AFP_KM2, claim_id
from tracker.schemas import normalise_claims_frame

ACTORS = ("Russia", "Ukraine")
TERRITORIES = ("Ukraine", "Donetsk oblast", "")
PRODUCERS = ("DeepState", "ISW", "")


def random_ledger(rng: random.Random, size: int) -> pd.DataFrame:
    rows = []
    day0 = date(2024, 1, 1)
    for number in range(size):
        day = day0 + timedelta(days=rng.randint(0, 60))
        computed = rng.random() < 0.4
        stock = rng.random() < 0.7
        row = {"conflict": "russia-ukraine", "actor": rng.choice(ACTORS),
               "territory": rng.choice(TERRITORIES[:2] if computed else TERRITORIES),
               "value": float(rng.randint(100, 900)), "qualifier": "exact",
               "data_producer": rng.choice(PRODUCERS), "attribution": rng.choice(PRODUCERS),
               "method": "computed" if computed else rng.choice(["reported", "curated"]),
               "definition": rng.choice(["occupied_total", "occupied_total:after_2022", ""]),
               "url": f"https://example.org/{number}", "source_id": "s"}
        if stock:
            row.update(metric="area_controlled_km2", as_of=day.isoformat())
        else:
            start = day.replace(day=1)
            row.update(metric="area_gained_km2", period_start=start.isoformat(),
                       period_end=(start + timedelta(days=27)).isoformat())
        row["claim_id"] = claim_id(row)
        rows.append(row)
    return normalise_claims_frame(pd.DataFrame(rows).drop_duplicates("claim_id"))


def scanned_match(row: pd.Series, claims: pd.DataFrame) -> str:
    """The computed counterpart by scanning every computed figure: same metric, actor and
    territory (any territory when the cited figure has none), a stock within the window or
    a gain of the same month; the producer's own map first, then a headline total, then the
    nearest day, then the smallest claim_id."""
    best = None
    for other in claims[claims["method"] == "computed"].itertuples(index=False):
        if other.metric != row.metric or other.actor.lower() != row.actor.lower():
            continue
        if row.territory and other.territory.lower() != row.territory.lower():
            continue
        if row.as_of:
            if not other.as_of:
                continue
            distance = abs((date.fromisoformat(other.as_of) - date.fromisoformat(row.as_of)).days)
            if distance > STOCK_WINDOW_DAYS:
                continue
        else:
            if (row.period_start or "")[:7] != row.period_end[:7] or (other.period_end or "")[:7] != row.period_end[:7]:
                continue
            distance = 0
        producer = row.data_producer.strip().lower()
        key = (int(bool(producer) and other.data_producer.strip().lower() != producer),
               int(":" in other.definition and not other.definition.startswith("occupied_total")),
               distance, other.claim_id)
        best = min(best, key) if best else key
    return best[-1] if best else ""


@pytest.mark.parametrize("seed", range(6))
def test_the_index_finds_what_a_scan_finds(seed: int):
    claims = random_ledger(random.Random(seed), 240)
    checks = build_checks(claims).set_index("claim_id")
    cited = claims[claims["method"] != "computed"]
    assert len(checks) == len(cited)
    plain = claims.astype(object).where(claims.notna(), "")
    found = 0
    for _, row in plain[plain["method"] != "computed"].iterrows():
        expected = scanned_match(row, plain)
        assert checks.at[row["claim_id"], "computed_claim_id"] == expected, row.to_dict()
        found += bool(expected)
    assert found > 20  # the random ledgers do exercise the matching


# --- the whole check, written as a scan --------------------------------------------------------
#
# A frozen, plainly written reference of every rule of build_checks (the match above, the
# difference and tolerance, impossible values, a stock falling while gains are reported in
# between), row by row over the whole ledger. build_checks prepares lists and indexes once
# instead; both must write the same bytes.

STOCK_METRICS = ("area_controlled_km2", "share_controlled_pct")
LIMITS = {"ukraine": UKRAINE_AREA_AFP_KM2, "gaza strip": 365.0, "gaza": 365.0}


def plain_records(claims: pd.DataFrame) -> list[dict]:
    """Rows as dicts: text "" when missing, numbers None when missing."""
    records = []
    for record in claims.to_dict("records"):
        for name, value in record.items():
            if name in ("value", "value_min", "value_max"):
                record[name] = None if pd.isna(value) else float(value)
            elif not isinstance(value, str):
                record[name] = "" if pd.isna(value) else str(value)
        records.append(record)
    return records


def key(text: str) -> str:
    return text.strip().lower()


def day_of(text: str) -> date | None:
    try:
        return date.fromisoformat(text[:10])
    except ValueError:
        return None


def scanned_counterpart(row: dict, records: list[dict]) -> dict | None:
    best = None
    for position, other in enumerate(records):
        if other["method"] != "computed" or other["metric"] != row["metric"]:
            continue
        if key(other["actor"]) != key(row["actor"]):
            continue
        if key(row["territory"]) and key(other["territory"]) != key(row["territory"]):
            continue
        if row["as_of"]:
            mine, theirs = day_of(row["as_of"]), day_of(other["as_of"])
            if mine is None or theirs is None or abs((theirs - mine).days) > STOCK_WINDOW_DAYS:
                continue
            distance, order = abs((theirs - mine).days), (theirs, position)
        elif row["period_end"]:
            month = row["period_end"][:7]
            if (row["period_start"] or row["period_end"])[:7] != month or other["period_end"][:7] != month:
                continue
            distance, order = 0, (position,)
        else:
            continue
        producer = key(row["data_producer"])
        definition = other["definition"]
        rank = (int(bool(producer) and key(other["data_producer"]) != producer),
                int(not definition.startswith("occupied_total") and ":" in definition),
                distance, other["claim_id"], order)
        if best is None or rank < best[0]:
            best = (rank, other)
    return best[1] if best else None


def scanned_fall(row: dict, value: float, records: list[dict]) -> str:
    """The last earlier stock of the series (of equal dates, the last in ledger order); if
    it is higher, the cited positive gains of the actor and territory within the span."""
    series = ("metric", "attribution")
    earlier = [r for r in records if r["method"] != "computed" and r["as_of"] and r["value"] is not None
               and all(r[name] == row[name] for name in series)
               and key(r["actor"]) == key(row["actor"]) and key(r["territory"]) == key(row["territory"])
               and r["as_of"] < row["as_of"]]
    if not earlier:
        return ""
    latest = max(r["as_of"] for r in earlier)
    previous = [r for r in earlier if r["as_of"] == latest][-1]
    if not previous["value"] > value:
        return ""
    gains = [r for r in records if r["method"] != "computed" and r["metric"] == "area_gained_km2"
             and r["period_start"] and r["value"] is not None and r["value"] > 0
             and key(r["actor"]) == key(row["actor"]) and key(r["territory"]) == key(row["territory"])
             and r["period_start"] >= previous["as_of"] and r["period_end"] <= row["as_of"]]
    if not gains:
        return ""
    total = np.array([r["value"] for r in gains]).sum()  # summed as pandas sums, in ledger order
    return (f"stock falls from {previous['value']:g} ({previous['as_of']}) to {value:g} while gains "
            f"of {total:g} km² are reported in between (claim {gains[0]['claim_id']})")


def scanned_check(row: dict, records: list[dict], tolerance_pct: float) -> dict:
    numbers = [v for v in (row["value"], row["value_min"], row["value_max"]) if v is not None]
    value, note = row["value"], ""
    if value is None and row["value_min"] is not None and row["value_max"] is not None:
        value = (row["value_min"] + row["value_max"]) / 2
        note = f"range {row['value_min']:g}-{row['value_max']:g}, compared at its middle"
    time = row["as_of"] or (f"{row['period_start']}..{row['period_end']}" if row["period_end"] else "")
    out = {"check_id": hashlib.sha256(f"{row['claim_id']}:{tolerance_pct:g}".encode()).hexdigest()[:16],
           "claim_id": row["claim_id"], "metric": row["metric"], "actor": row["actor"],
           "territory": row["territory"], "time": time, "reported_value": value,
           "computed_value": None, "computed_claim_id": "", "difference_km2": None,
           "difference_pct": None, "status": "no_computed", "detail": note}
    impossible = ""
    limit = LIMITS.get(key(row["territory"]))
    if row["metric"].endswith("_pct") and any(v > 100 for v in numbers):
        impossible = f"share above 100 % ({max(numbers):g})"
    elif row["metric"].endswith("_km2") and limit is not None and any(v > limit for v in numbers):
        impossible = f"area larger than {row['territory']} ({max(numbers):,.0f} > {limit:,.0f} km²)"
    elif row["metric"] in STOCK_METRICS and row["as_of"] and value is not None:
        impossible = scanned_fall(row, value, records)
    other = scanned_counterpart(row, records)
    if other is not None and value is not None:
        computed = other["value"] if other["value"] is not None else float("nan")
        out.update(computed_value=computed, computed_claim_id=other["claim_id"])
        if row["metric"].endswith("_km2"):
            out["difference_km2"] = round(value - computed, 3)
        if computed != 0:
            out["difference_pct"] = round((value - computed) / abs(computed) * 100, 3)
        if row["value_min"] is not None and row["value_max"] is not None \
                and row["value_min"] <= computed <= row["value_max"]:
            within = True
        elif computed == 0:
            within = value == 0
        else:
            within = abs(value - computed) / abs(computed) * 100 <= tolerance_pct
        out["status"] = "ok" if within else "exceeds_tolerance"
        where = f"computed from {other['attribution'] or 'map'} ({other['as_of'] or other['period_end']})"
        out["detail"] = "; ".join(x for x in (note, where) if x)
    if impossible:
        out["status"] = "impossible"
        out["detail"] = "; ".join(x for x in (impossible, out["detail"]) if x)
    return out


def scanned_checks(claims: pd.DataFrame, tolerance_pct: float = 5.0) -> pd.DataFrame:
    records = plain_records(claims)
    rows = [scanned_check(row, records, tolerance_pct) for row in records
            if row["method"] in ("reported", "curated")]
    rows.sort(key=lambda row: (row["metric"], row["time"], row["claim_id"]))
    return pd.DataFrame(rows, columns=list(CHECK_COLUMNS))


def random_stock_ledger(rng: random.Random, size: int) -> pd.DataFrame:
    """Cited and computed stocks (area and share), gains (some over two months, some zero,
    some fractional), several actors, territories and attributions, equal dates, ranges,
    figures without territory, areas larger than their territory, shares above 100."""
    rows = []
    day0 = date(2024, 1, 1)
    for number in range(size):
        day = day0 + timedelta(days=rng.choice([0, 31, 60, 91]) + rng.choice([0, 0, 1, 3]))
        method = rng.choice(["computed", "reported", "reported", "curated"])
        metric = rng.choice(["area_controlled_km2", "area_controlled_km2", "share_controlled_pct",
                             "area_gained_km2"])
        share = metric.endswith("_pct")
        value = round(rng.uniform(15, 20), 2) if share else float(rng.randint(100_000, 100_400))
        row = {"conflict": "russia-ukraine", "metric": metric, "actor": rng.choice(ACTORS),
               "territory": rng.choice(("Ukraine", "Donetsk oblast") if method == "computed" else TERRITORIES),
               "qualifier": "approx", "data_producer": rng.choice(PRODUCERS),
               "attribution": rng.choice(PRODUCERS[:2]), "method": method,
               "definition": rng.choice(["occupied_total", "occupied_total:after_2022", "occupied_after:x", ""]),
               "url": f"https://example.org/{number}", "source_id": "s", "as_of": day.isoformat()}
        if metric == "area_gained_km2":
            start = day.replace(day=1)
            if rng.random() < 0.15:
                start = (start - timedelta(days=1)).replace(day=1)
            end = (day.replace(day=1) + timedelta(days=32)).replace(day=1) - timedelta(days=1)
            value = rng.choice([0.0, float(rng.randint(1, 900)), round(rng.uniform(1, 900), 3)])
            row.update(as_of=None, period_start=start.isoformat(), period_end=end.isoformat())
        odd = rng.random()
        if odd < 0.08 and method != "computed":
            row.update(value_min=value - 50, value_max=value + 50, qualifier="range")
            value = None
        elif odd < 0.12 and method != "computed":
            value = 130.0 if share else 700_000.0
        row["value"] = value
        row["claim_id"] = claim_id(row)
        rows.append(row)
    return normalise_claims_frame(pd.DataFrame(rows).drop_duplicates("claim_id"))


@pytest.mark.parametrize("seed", range(8))
def test_build_checks_writes_what_the_plain_scan_writes(seed: int):
    rng = random.Random(seed)
    make = random_stock_ledger if seed % 2 == 0 else random_ledger
    claims = make(rng, 260)
    tolerance = rng.choice([5.0, 0.5])
    checks = build_checks(claims, tolerance)
    assert frame_to_csv_bytes(checks, CHECK_COLUMNS) == frame_to_csv_bytes(
        scanned_checks(claims, tolerance), CHECK_COLUMNS)
    if make is random_stock_ledger:  # the ledgers do exercise every rule
        details = checks["detail"]
        assert details.str.contains("stock falls").sum() >= 3
        assert details.str.contains("range").any() and details.str.contains("larger than|above 100").any()
        assert (checks["computed_claim_id"] != "").sum() > 20
