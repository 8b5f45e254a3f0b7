"""Benchmark: `tracker report` on a data folder of N claims as the job leaves it.

    .venv/bin/python benchmarks/bench_report.py [--claims 100000 300000] [--keep DIR]
                                                [--unchecked] [--reviewed-only] [--profile]

The synthetic ledger looks like real reporting at scale: one conflict, four metrics,
five producers over 36 months, each figure relayed by 1 to 19 outlets (a wire story
re-published many times), some figures revised a month later, some copies disagreeing,
and figures about more and more sub-territories (oblasts) as the ledger grows; only the
main actor/territory pair of each metric is charted, so every size draws about the same
4 charts and 760 points. The ledger of N claims starts with the rows of any smaller one.

The data folder is what `tracker ingest` leaves: claims.csv (and its store) with
observations.csv, checks.csv and data/state/derived.json marking them up to date, so the
report reads what the job built and checked. Each report runs in a child process
(`tracker report`, as a user or a cron job runs it); printed per size: wall time, CPU
time, peak RSS of the child, PDF pages, charts. `--unchecked` also runs it without
derived.json (the ledger checked cell by cell, everything rebuilt: the path of a ledger
the job has no record of); `--reviewed-only` adds a `--reviewed-only` report; `--profile`
prints the top of a cProfile of one report run in this process. Target: the report's
time grows with what it draws, not with the size of the ledger.
"""

from __future__ import annotations

import argparse
import cProfile
import pstats
import re
import shutil
import sys
import tempfile
import time
import zlib
from pathlib import Path

import numpy as np
import pandas as pd

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))
sys.path.insert(0, str(Path(__file__).resolve().parent))

from ledger_at_scale import measured_command, write_job_folder  # noqa: E402

from tracker.model import CLAIM_COLUMNS, claim_id, location_id  # noqa: E402

TRACKER = Path(sys.executable).with_name("tracker")

CONFLICTS = {
    "russia-ukraine": ("Russia", ["Ukraine"] + [f"Oblast {i}" for i in range(1, 60)]),
}
METRICS = ("area_gained_km2", "net_area_gained_km2", "area_controlled_km2", "share_controlled_pct")
PRODUCERS = ("AFP analysis of ISW data", "DeepState", "ISW", "UK Defence Intelligence", "Black Bird Group")
MONTHS = pd.period_range("2023-03", periods=36, freq="M")
PUBLISHERS = [f"Outlet {i:02d}" for i in range(60)]


def synthetic_claims(n_claims: int, seed: int = 6) -> pd.DataFrame:
    """A ledger of about `n_claims` rows (deterministic for a given seed; a larger ledger
    starts with the rows of a smaller one), every row valid for the ledger's schema."""
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
        "source_id": "bench-report",
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
            recorded = f"{release_date:%Y-%m-%d}T09:00:00Z"
            row = dict(base, value=release_value, publisher=publisher,
                       published_at=f"{release_date:%Y-%m-%d}", retrieved_at=recorded,
                       recorded_at=recorded, status="active", status_at=recorded)
            row["url"] = f"https://{publisher.replace(' ', '').lower()}.example/{len(rows)}"
            row["claim_id"] = claim_id(row)
            row["location_id"] = location_id(row)
            rows.append(row)


def _frame(rows: list[dict]) -> pd.DataFrame:
    return pd.DataFrame(rows).reindex(columns=list(CLAIM_COLUMNS))


def write_data_dir(data_dir: Path, n_claims: int) -> int:
    """The data folder `tracker ingest` would leave for this ledger (write_job_folder);
    return the number of claims."""
    return write_job_folder(data_dir, synthetic_claims(n_claims))


def one_report(data: Path, out: Path, *options: str) -> tuple[float, float, float]:
    """(wall seconds, CPU seconds, peak RSS MiB) of one `tracker report` in a child process."""
    return measured_command([str(TRACKER), "report", "--data-dir", str(data), "--out", str(out),
                             *options])


def _drawn(out: Path) -> str:
    """What the report drew: pages, charts, and the first page's count of figures and
    citations (its text is in the PDF's deflated content streams)."""
    pdf = (out / "report.pdf").read_bytes()
    pages = len(re.findall(rb"/Type /Page\b", pdf))
    charts = len(list(out.glob("*.png")))
    counted = ""
    for stream in re.findall(rb"stream\r?\n(.*?)\r?\nendstream", pdf, re.S):
        try:
            text = zlib.decompress(stream).decode("latin-1")
        except zlib.error:
            continue
        found = re.search(r"([\d,]+) figures? from ([\d,]+) citations?", text)
        if found:
            counted = f", {found.group(1)} points from {found.group(2)} citations"
            break
    return f"{pages} PDF pages, {charts} charts{counted}"


def measure(n_claims: int, keep: Path | None, unchecked: bool, reviewed_only: bool,
            profile: bool) -> float:
    with tempfile.TemporaryDirectory() as temp:
        folder = Path(temp)
        data = (keep / f"data-{n_claims}") if keep is not None else folder / "data"
        started = time.perf_counter()
        marker = data / "state" / f"bench_report_{n_claims}"
        if keep is None or not marker.exists():
            if data.exists():
                shutil.rmtree(data)
            write_data_dir(data, n_claims)
            marker.touch()
        built = time.perf_counter() - started
        rows = sum(1 for _ in (data / "processed" / "claims.csv").open("rb")) - 1
        print(f"{rows:>8,} claims (data folder built in {built:5.1f} s)")
        runs = [("report (job's tables)", ())]
        if reviewed_only:
            runs.append(("report --reviewed-only", ("--reviewed-only",)))
        first = None
        for label, options in runs:
            out = folder / ("out" + "".join(options))
            wall, cpu, peak = one_report(data, out, *options)
            first = wall if first is None else first
            print(f"    {label:<30} {wall:6.2f} s (CPU {cpu:6.2f} s)  peak {peak:6.0f} MiB  "
                  f"{_drawn(out)}")
        if unchecked:
            state = data / "state" / "derived.json"
            saved = state.read_bytes()
            state.unlink()
            try:
                out = folder / "out-unchecked"
                wall, cpu, peak = one_report(data, out)
            finally:
                state.write_bytes(saved)
            print(f"    {'no derived.json (checked)':<30} {wall:6.2f} s (CPU {cpu:6.2f} s)  "
                  f"peak {peak:6.0f} MiB  {_drawn(out)}")
        if profile:
            from tracker.cli import _report

            profiler = cProfile.Profile()
            profiler.enable()
            _report(data, folder / "out-profile")
            profiler.disable()
            pstats.Stats(profiler).sort_stats("cumulative").print_stats(30)
        return first


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--claims", type=int, nargs="+", default=[100_000, 300_000])
    parser.add_argument("--keep", type=Path, default=None, metavar="DIR",
                        help="build the data folders in DIR once and reuse them on later runs")
    parser.add_argument("--unchecked", action="store_true",
                        help="also report without derived.json (the ledger checked in full)")
    parser.add_argument("--reviewed-only", action="store_true",
                        help="also run `tracker report --reviewed-only`")
    parser.add_argument("--profile", action="store_true",
                        help="print the top of a cProfile of one report run in this process")
    args = parser.parse_args()
    timings = [(n, measure(n, args.keep, args.unchecked, args.reviewed_only, args.profile))
               for n in args.claims]
    for (n0, t0), (n1, t1) in zip(timings, timings[1:]):
        print(f"growth {n0:,} -> {n1:,} claims: time x{t1 / t0:.1f} for size x{n1 / n0:.1f}")


if __name__ == "__main__":
    main()
