"""The checks find a cited figure's computed counterpart through an index (tracker/checks.py
_ComputedIndex); here a plain scan over every computed figure, written out as the rule
says, must pick the same counterpart on random ledgers."""

from __future__ import annotations

import random
from datetime import date, timedelta

import pandas as pd
import pytest

from tracker.checks import STOCK_WINDOW_DAYS, build_checks
from tracker.model import claim_id
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
