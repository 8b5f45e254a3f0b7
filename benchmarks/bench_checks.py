"""Benchmark: `build_checks` (tracker/checks.py) over a ledger of N claims. Target: under
5 s at 200,000 claims on a 2-core machine.

Two ledgers, each normalised as the job reads it (tracker.schemas.normalise_claims_frame):

- `gains`: the synthetic ledger of benchmarks/ledger_at_scale.py (cited monthly gains from
  text, daily stocks computed from maps);
- `stocks`: half of that ledger plus cited stocks (area held and share held, dated, of
  several actors, territories and attributions, daily and month-end series with equal
  dates, some falling while gains are reported in between), ranges, figures without
  territory, areas larger than their territory, shares above 100 %, gains spanning two
  months, and computed shares and gains to compare them with.

Prints, for each: claims, cited rows, the median of 3 timed runs of `build_checks` (wall
and CPU time: on a shared machine the CPU time is the steadier figure), the peak RSS of the
process so far and the statuses found.

    .venv/bin/python benchmarks/bench_checks.py                  # 200,000 claims
    .venv/bin/python benchmarks/bench_checks.py --claims 20000
"""

from __future__ import annotations

import argparse
import random
import resource
import statistics
import sys
import time
from datetime import date, timedelta
from pathlib import Path

import pandas as pd

sys.path.insert(0, str(Path(__file__).resolve().parent))
sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from ledger_at_scale import synthetic_claims  # noqa: E402

from tracker.checks import build_checks  # noqa: E402
from tracker.model import claim_id  # noqa: E402
from tracker.schemas import normalise_claims_frame  # noqa: E402

ATTRIBUTIONS = (("AFP analysis of ISW data", "ISW"), ("DeepState", "DeepState"), ("ISW", "ISW"),
                ("Ukrainian General Staff", ""))
TERRITORIES = ("Ukraine", "Donetsk oblast", "")
MAPS = (("DeepState", "occupied_total: union"), ("DeepState", "occupied_after_24_02_2022: since 2022"),
        ("ISW", "occupied_total: assessed"), ("ISW", ""))


def gains_ledger(count: int) -> pd.DataFrame:
    """(a) The synthetic ledger of `count` claims, normalised."""
    return normalise_claims_frame(synthetic_claims(count).reset_index(drop=True))


def stocks_ledger(count: int, seed: int = 3) -> pd.DataFrame:
    """(b) About `count` claims: half the synthetic ledger, half cited and computed stocks,
    shares and gains that exercise every rule of the checks."""
    rng = random.Random(seed)
    base = synthetic_claims(count // 2)
    rows: list[dict] = []
    day0 = date(2022, 3, 1)
    days = 1400
    # Cited stock series (metric, actor, territory, attribution): daily ones, and month-end
    # ones (many figures per date) whose steps span a month of reported gains; values
    # scattered around a growing level, so that about half the steps fall.
    series = [(metric, actor, territory, attribution, producer,
               "month_end" if number % 2 == 0 else "daily")
              for metric in ("area_controlled_km2", "share_controlled_pct")
              for actor in ("Russia", "Ukraine")
              for territory in TERRITORIES
              for number, (attribution, producer) in enumerate(ATTRIBUTIONS)]
    number = 0
    target = count - len(base)
    while len(rows) < target:
        metric, actor, territory, attribution, producer, cadence = series[number % len(series)]
        kind = rng.random()
        number += 1
        day = day0 + timedelta(days=rng.randrange(days))
        if cadence == "month_end":
            day = (day.replace(day=1) + timedelta(days=32)).replace(day=1) - timedelta(days=1)
        pct = metric.endswith("_pct")
        level = (16.0 if pct else 100_000.0) + (day - day0).days * (0.002 if pct else 10.0)
        value: float | None = round(level * (1 + rng.uniform(-0.03, 0.03)), 1)
        row = {"conflict": "russia-ukraine", "metric": metric, "actor": actor, "territory": territory,
               "attribution": attribution, "data_producer": producer, "qualifier": "approx",
               "url": f"https://stocks.example/{number}", "source_id": f"feed-{number % 8}",
               "method": "curated" if number % 7 == 0 else "reported", "as_of": day.isoformat()}
        if kind < 0.04:  # a range instead of a value
            row.update(value_min=value * 0.98, value_max=value * 1.02, qualifier="range")
            value = None
        elif kind < 0.05:  # larger than the territory, or a share above 100
            value = 130.0 if pct else 700_000.0
        elif kind < 0.30:  # computed from a map
            producer, definition = MAPS[number % len(MAPS)]
            row.update(method="computed", attribution=producer, data_producer=producer,
                       definition=definition, territory=territory or "Ukraine")
        elif kind < 0.36:  # a cited gain, sometimes over two months, sometimes zero
            start = day.replace(day=1) - (timedelta(days=31) if rng.random() < 0.2 else timedelta(0))
            start = start.replace(day=1)
            end = (day.replace(day=1) + timedelta(days=32)).replace(day=1) - timedelta(days=1)
            row.update(metric="area_gained_km2", as_of=None, period_start=start.isoformat(),
                       period_end=end.isoformat())
            value = 0.0 if rng.random() < 0.1 else float(rng.randint(50, 900))
        elif kind < 0.40:  # a computed monthly gain
            start = day.replace(day=1)
            end = (start + timedelta(days=32)).replace(day=1) - timedelta(days=1)
            producer, definition = MAPS[number % len(MAPS)]
            row.update(metric="area_gained_km2", as_of=None, period_start=start.isoformat(),
                       period_end=end.isoformat(), method="computed", attribution=producer,
                       data_producer=producer, definition=definition,
                       territory=territory or "Ukraine")
            value = float(rng.randint(50, 900))
        row["value"] = value
        row["claim_id"] = claim_id(row)
        rows.append(row)
    frame = pd.concat([base, pd.DataFrame(rows)], ignore_index=True)
    return normalise_claims_frame(frame.drop_duplicates("claim_id").reset_index(drop=True))


def peak_mib() -> float:
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024


def measure(name: str, claims: pd.DataFrame, repeat: int = 3) -> None:
    cited = int(claims["method"].isin(["reported", "curated"]).sum())
    times, cpu = [], []
    for _ in range(repeat):
        started, started_cpu = time.perf_counter(), time.process_time()
        checks = build_checks(claims)
        times.append(time.perf_counter() - started)
        cpu.append(time.process_time() - started_cpu)
    assert len(checks) == cited
    statuses = checks["status"].value_counts().to_dict()
    falls = int(checks["detail"].str.contains("stock falls").sum())
    print(f"{name:<7} {len(claims):>8,} claims, {cited:>8,} cited: build_checks "
          f"{statistics.median(times):6.2f} s (median of {repeat}: "
          f"{', '.join(f'{t:.2f}' for t in times)}; CPU {statistics.median(cpu):.2f} s), "
          f"peak RSS {peak_mib():,.0f} MiB; {statuses}, {falls} falling stocks")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--claims", type=int, default=200_000, help="ledger size (default 200,000)")
    parser.add_argument("--repeat", type=int, default=3, help="timed runs per ledger (default 3)")
    args = parser.parse_args()
    measure("gains", gains_ledger(args.claims), args.repeat)
    measure("stocks", stocks_ledger(args.claims), args.repeat)


if __name__ == "__main__":
    main()
