"""Benchmark: the publishable report of a daily map series beside 100,000 cited claims.

    .venv/bin/python benchmarks/bench_publish.py [--claims 100000] [--snapshots 1500]
                                                 [--keep DIR]

The ledger is bench_report.py's synthetic reporting (one conflict, four metrics, five
producers over 36 months, each figure relayed 1 to 19 times, revisions and disagreeing
copies) plus a daily series of computed map snapshots: DeepState-style area controlled
and share controlled, measured once a day for `--snapshots` days under two definitions
(the whole occupied area and the area occupied since the full-scale invasion), as
`tracker ingest` leaves them from a map history. `tracker report` then runs in a child
process on the data folder the job would leave.

Printed: wall and CPU time and peak RSS of the report, its PDF pages (read with pypdf),
the charts and the files written per chart. Targets (issue 15): under 15 s, and the PDF
under 60 pages.
"""

from __future__ import annotations

import argparse
import shutil
import sys
import tempfile
import time
from collections import Counter
from datetime import date, timedelta
from pathlib import Path

import pandas as pd

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))
sys.path.insert(0, str(Path(__file__).resolve().parent))

from bench_report import one_report, synthetic_claims  # noqa: E402
from ledger_at_scale import write_job_folder  # noqa: E402

from tracker.model import CLAIM_COLUMNS, claim_id, location_id  # noqa: E402

FIRST_SNAPSHOT = date(2022, 3, 1)
UKRAINE_KM2 = 603_628.0


def snapshot_claims(days: int) -> pd.DataFrame:
    """One computed figure per day and definition: the occupied area grows slowly, with
    the jitter a polygon redrawn each day gives."""
    rows = []
    for day_number in range(days):
        day = FIRST_SNAPSHOT + timedelta(days=day_number)
        total = 100_000.0 + 15.0 * day_number + (day_number * 37 % 11) * 4.0
        since_invasion = total - 43_000.0
        snapshot = f"https://deepstatemap.live/en#{day:%Y%m%d}"
        for metric, value, definition in (
                ("area_controlled_km2", round(total, 3), "occupied_total: whole occupied area"),
                ("area_controlled_km2", round(since_invasion, 3),
                 "occupied_after_24_02_2022: occupied since 24.02.2022 only"),
                ("share_controlled_pct", round(100 * total / UKRAINE_KM2, 4),
                 "occupied_total: whole occupied area; denominator 603,628 km²")):
            recorded = f"{day:%Y-%m-%d}T06:00:00Z"
            row = {"conflict": "russia-ukraine", "metric": metric, "value": value,
                   "actor": "Russia", "territory": "Ukraine", "as_of": f"{day:%Y-%m-%d}",
                   "attribution": "DeepState", "data_producer": "DeepState",
                   "method": "computed", "qualifier": "exact", "definition": definition,
                   "quote": f"DeepState snapshot of {day:%Y-%m-%d}, spherical area",
                   "url": snapshot, "publisher": "", "published_at": f"{day:%Y-%m-%d}",
                   "source_id": "bench-publish-maps", "retrieved_at": recorded,
                   "recorded_at": recorded, "status": "active", "status_at": recorded}
            row["claim_id"] = claim_id(row)
            row["location_id"] = location_id(row)
            rows.append(row)
    return pd.DataFrame(rows).reindex(columns=list(CLAIM_COLUMNS))


def write_data_dir(data_dir: Path, n_claims: int, snapshots: int) -> int:
    """The data folder `tracker ingest` leaves for the combined ledger; the number of claims."""
    frame = pd.concat([synthetic_claims(n_claims), snapshot_claims(snapshots)], ignore_index=True)
    return write_job_folder(data_dir, frame)


def _written(out: Path) -> str:
    from pypdf import PdfReader

    pages = len(PdfReader(out / "report.pdf").pages)
    kinds = Counter("".join(p.suffixes) for p in out.iterdir() if p.is_file() and p.name != "report.pdf"
                    and not p.name.startswith("."))
    files = ", ".join(f"{count} {kind}" for kind, count in sorted(kinds.items()))
    return f"{pages} PDF pages; files: {files}"


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--claims", type=int, default=100_000)
    parser.add_argument("--snapshots", type=int, default=1_500)
    parser.add_argument("--keep", type=Path, default=None, metavar="DIR",
                        help="build the data folder in DIR once and reuse it on later runs")
    parser.add_argument("--runs", type=int, default=2, help="reports to time (the first may "
                        "also build matplotlib's font cache)")
    args = parser.parse_args()
    with tempfile.TemporaryDirectory() as temp:
        folder = Path(temp)
        data = (args.keep / f"publish-{args.claims}-{args.snapshots}") if args.keep else folder / "data"
        marker = data / "state" / "bench_publish_built"
        started = time.perf_counter()
        if not marker.exists():
            if data.exists():
                shutil.rmtree(data)
            write_data_dir(data, args.claims, args.snapshots)
            marker.touch()
        rows = sum(1 for _ in (data / "processed" / "claims.csv").open("rb")) - 1
        print(f"{rows:,} claims ({args.claims:,} cited, {3 * args.snapshots:,} from "
              f"{args.snapshots:,} daily snapshots); data folder ready in "
              f"{time.perf_counter() - started:.1f} s")
        for run in range(1, args.runs + 1):
            out = folder / f"out{run}"
            wall, cpu, peak = one_report(data, out)
            print(f"    report {run}: {wall:6.2f} s (CPU {cpu:6.2f} s)  peak {peak:6.0f} MiB  "
                  f"{_written(out)}")
        print("targets: under 15 s, PDF under 60 pages")


if __name__ == "__main__":
    main()
