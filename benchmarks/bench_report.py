"""Benchmark: build the full report (observations, charts, PDF) from a synthetic ledger.

    .venv/bin/python benchmarks/bench_report.py [--claims 10000 100000] [--profile]

The synthetic ledger looks like real reporting at scale: one conflict, four metrics,
five producers over 36 months, each figure relayed by 1 to 19 outlets (a wire story
re-published many times), some figures revised a month later, some copies disagreeing,
and figures about more and more sub-territories (oblasts) as the ledger grows; only the
main actor/territory pair of each metric is charted. Prints wall time per size, the
time per 1,000 claims, and the growth factor against the size ratio (target: under 10 s
for 100,000 claims, growth no faster than linear).
"""

from __future__ import annotations

import argparse
import cProfile
import pstats
import re
import sys
import tempfile
import time
from pathlib import Path

import numpy as np
import pandas as pd

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from tracker.model import CLAIM_COLUMNS  # noqa: E402
from tracker.report import build_report  # noqa: E402

CONFLICTS = {
    "russia-ukraine": ("Russia", ["Ukraine"] + [f"Oblast {i}" for i in range(1, 60)]),
}
METRICS = ("area_gained_km2", "net_area_gained_km2", "area_controlled_km2", "share_controlled_pct")
PRODUCERS = ("AFP analysis of ISW data", "DeepState", "ISW", "UK Defence Intelligence", "Black Bird Group")
MONTHS = pd.period_range("2023-03", periods=36, freq="M")
PUBLISHERS = [f"Outlet {i:02d}" for i in range(60)]


def synthetic_claims(n_claims: int, seed: int = 6) -> pd.DataFrame:
    """A ledger of about `n_claims` rows (deterministic for a given seed)."""
    rng = np.random.default_rng(seed)
    rows: list[dict] = []
    territory_index = 0
    while len(rows) < n_claims:
        for conflict, (actor, territories) in CONFLICTS.items():
            territory = territories[territory_index % len(territories)]
            for metric in METRICS:
                for producer in PRODUCERS:
                    for month in MONTHS:
                        _figure(rows, rng, conflict, actor, territory, metric, producer, month)
                        if len(rows) >= n_claims:
                            return _frame(rows)
        territory_index += 1
    return _frame(rows)


def _figure(rows, rng, conflict, actor, territory, metric, producer, month) -> None:
    flow = metric in ("area_gained_km2", "net_area_gained_km2")
    if metric.endswith("_pct"):
        value = round(float(rng.uniform(15, 25)), 2)
    elif flow:
        value = float(rng.integers(-50 if metric.startswith("net") else 0, 800))
    else:
        value = float(rng.integers(100_000, 120_000))
    start, end = month.start_time, month.end_time
    published = end + pd.Timedelta(days=int(rng.integers(1, 5)))
    method = "computed" if producer == "DeepState" and not flow and rng.random() < 0.5 else "curated"
    base = {
        "conflict": conflict, "metric": metric, "actor": actor, "territory": territory,
        "attribution": producer, "method": method, "qualifier": "exact",
        "period_start": f"{start:%Y-%m-%d}" if flow else None,
        "period_end": f"{end:%Y-%m-%d}" if flow else None,
        "as_of": None if flow else f"{end:%Y-%m-%d}",
        "definition": "spherical polygon area (radius 6378137 m)" if method == "computed" else "",
        "quote": f"{producer} said {actor} gained {value:g} in {month:%B %Y}.",
    }
    releases = [(value, published)]
    draw = rng.random()
    if draw < 0.03:  # a revision a month later
        releases.append((value + float(rng.integers(1, 50)), published + pd.Timedelta(days=30)))
    elif draw < 0.05:  # a copy that disagrees, two days later
        releases.append((value + 1.0, published + pd.Timedelta(days=2)))
    for release_value, release_date in releases:
        for _ in range(int(rng.integers(1, 20))):
            publisher = PUBLISHERS[int(rng.integers(0, len(PUBLISHERS)))]
            row = dict(base, value=release_value, publisher=publisher,
                       published_at=f"{release_date:%Y-%m-%d}")
            row["url"] = f"https://{publisher.replace(' ', '').lower()}.example/{len(rows)}"
            row["claim_id"] = f"{len(rows):016x}"
            rows.append(row)


def _frame(rows: list[dict]) -> pd.DataFrame:
    return pd.DataFrame(rows).reindex(columns=list(CLAIM_COLUMNS))


def run(n_claims: int, profile: bool) -> float:
    claims = synthetic_claims(n_claims)
    with tempfile.TemporaryDirectory() as folder:
        profiler = cProfile.Profile() if profile else None
        started = time.perf_counter()
        if profiler:
            profiler.enable()
        result = build_report(claims, Path(folder))
        if profiler:
            profiler.disable()
        elapsed = time.perf_counter() - started
        points = result.plotted["mark"].nunique()
        pages = len(re.findall(rb"/Type /Page\b", (Path(folder) / "report.pdf").read_bytes()))
    print(f"{len(claims):>8,} claims: {elapsed:6.2f} s  ({elapsed / len(claims) * 1000:.3f} s per 1,000 claims; "
          f"{points:,} points in {len(result.charts)} charts, {len(result.plotted):,} citations plotted, "
          f"{pages} PDF pages)")
    if profiler:
        pstats.Stats(profiler).sort_stats("cumulative").print_stats(25)
    return elapsed


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--claims", type=int, nargs="+", default=[10_000, 100_000])
    parser.add_argument("--profile", action="store_true", help="print the top of a cProfile")
    args = parser.parse_args()
    timings = [(n, run(n, args.profile)) for n in args.claims]
    for (n0, t0), (n1, t1) in zip(timings, timings[1:]):
        print(f"growth {n0:,} -> {n1:,} claims: time x{t1 / t0:.1f} for size x{n1 / n0:.1f}")


if __name__ == "__main__":
    main()
