"""A ledger of N claims built like a real one, for the benchmarks of history and review.

Cited figures from many documents (machine-read, with quotes, offsets and confidence) plus
figures computed from daily maps; every row valid for the schema, written with the
ledger's own writer, and the job's state marked as up to date with it, so that the next
`tracker ingest` behaves as a scheduled run on a ledger of that size.
"""

from __future__ import annotations

import random
from datetime import date, timedelta
from pathlib import Path

import pandas as pd

from tracker.model import claim_id, location_id

ACTORS = ("Russia", "Ukraine")
PRODUCERS = (("AFP analysis of ISW data", "AFP", "ISW"), ("DeepState", "", "DeepState"),
             ("ISW", "", "ISW"), ("Ukrainian General Staff", "", ""))


def synthetic_claims(count: int, seed: int = 7) -> pd.DataFrame:
    """`count` claims: 4 in 5 read from text (5 per document), 1 in 5 computed from maps."""
    rng = random.Random(seed)
    rows = []
    day0 = date(2022, 3, 1)
    for number in range(count):
        day = day0 + timedelta(days=number % 1400)
        if number % 5 == 4:
            rows.append(_computed(number, day))
            continue
        attribution, analyst, producer = PRODUCERS[number % len(PRODUCERS)]
        document = f"{number // 5:064x}"
        value = float(rng.randint(50, 900))
        start = day.replace(day=1)
        end = (start + timedelta(days=32)).replace(day=1) - timedelta(days=1)
        quote = (f"Russian forces seized about {int(value)} square kilometres in {start:%B %Y}, "
                 f"according to {attribution}.")
        offset = 40 * (number % 5)
        rows.append({
            "conflict": "russia-ukraine", "metric": "area_gained_km2", "value": value,
            "qualifier": "approx", "qualifier_text": "about", "value_original": value,
            "unit_original": "km2", "actor": ACTORS[number % 2], "territory": "Ukraine",
            "period_start": start.isoformat(), "period_end": end.isoformat(),
            "period_text": f"in {start:%B %Y}", "attribution": attribution, "analyst": analyst,
            "data_producer": producer, "publisher": f"Outlet {number % 40}",
            "url": f"https://outlet{number % 40}.example/{number // 5}",
            "title": f"Front report {number // 5}", "published_at": (end + timedelta(days=1)).isoformat(),
            "retrieved_at": f"{end + timedelta(days=1)}T08:00:00Z", "quote": quote,
            "number_start": offset + 28, "number_end": offset + 28 + len(str(int(value))),
            "method": "reported", "source_id": f"feed-{number % 8}", "snapshot_sha256": document,
            "extractor_version": "0.5.0", "confidence": round(rng.random(), 3),
            "recorded_at": f"{end + timedelta(days=1)}T09:00:00Z",
        })
    frame = pd.DataFrame.from_records(rows)
    records = frame.to_dict("records")
    frame["claim_id"] = [claim_id(r) for r in records]
    frame["location_id"] = [location_id(r) for r in records]
    frame["status"] = "active"
    frame["status_at"] = frame["recorded_at"]
    return frame.drop_duplicates(subset="claim_id")


def _computed(number: int, day: date) -> dict:
    return {
        "conflict": "russia-ukraine", "metric": "area_controlled_km2",
        "value": 100_000.0 + number % 9_000, "qualifier": "exact", "actor": "Russia",
        "territory": "Ukraine", "as_of": day.isoformat(), "attribution": "DeepState",
        "data_producer": "DeepState", "publisher": "DeepState", "url": "",
        "retrieved_at": f"{day}T06:00:00Z", "method": "computed",
        "definition": f"map snapshot {number}", "source_id": "deepstate-maps",
        "snapshot_sha256": f"{number:064x}", "recorded_at": f"{day}T06:00:00Z",
    }


def write_ledger_at_scale(data_dir: Path, count: int) -> int:
    """Write a ledger of about `count` claims into `data_dir` (write_job_folder); return
    the number of rows."""
    return write_job_folder(data_dir, synthetic_claims(count))


def write_job_folder(data_dir: Path, frame: pd.DataFrame) -> int:
    """The data folder `tracker ingest` would leave for the ledger `frame`: claims.csv and
    its store, observations.csv and checks.csv, and the job's state marking them up to
    date; return the number of rows."""
    from tracker.config import Settings
    from tracker.extract import EXTRACTOR_VERSION
    from tracker.ledger import write_claims
    from tracker.ledger_file import ledger_digest
    from tracker.ledger_store import LedgerStore
    from tracker.pipeline import DerivedState, _write_derived, derived_digests, reviews_digest

    path = Path(data_dir) / "processed" / "claims.csv"
    write_claims(path, frame)

    class _Config:
        settings = Settings()

    # The store takes claims.csv in (checked when written above) and is committed.
    with LedgerStore.open(Path(data_dir), verified_sha256=ledger_digest(path.read_bytes())) as store:
        store.apply([], {}, "")
        _write_derived(store, Path(data_dir), _Config(), lambda message: None)
        DerivedState(ledger_sha256=store.csv_sha256, tables=derived_digests(data_dir),
                     clean=True, extractor_version=EXTRACTOR_VERSION,
                     reviews_sha256=reviews_digest(data_dir)).write(Path(data_dir))
    return len(frame)


# Run in a child interpreter of its own around each command: RUSAGE_CHILDREN is the largest
# peak of any child so far, so the peak of one command is read where it is the only child.
_PROBE = """
import resource, subprocess, sys, time
started = time.perf_counter()
done = subprocess.run(sys.argv[1:], capture_output=True, text=True)
wall = time.perf_counter() - started
usage = resource.getrusage(resource.RUSAGE_CHILDREN)
if done.returncode:
    sys.stderr.write(done.stderr[-2000:])
print(done.returncode, wall, usage.ru_utime + usage.ru_stime, usage.ru_maxrss)
"""


def measured_command(command: list[str]) -> tuple[float, float, float]:
    """(wall seconds, CPU seconds, peak RSS MiB) of `command` run in a child process; exits
    the benchmark with the command's error when it fails. CPU time (user and system) is
    given too: on a shared machine the wall time also counts other processes' turns."""
    import subprocess
    import sys

    what = " ".join([Path(command[0]).name, *command[1:2]])  # "tracker report"
    done = subprocess.run([sys.executable, "-c", _PROBE, *command], capture_output=True, text=True)
    try:
        code, wall, cpu, peak = done.stdout.split()
    except ValueError:
        raise SystemExit(f"{what} could not be measured: {done.stderr[-2000:]}") from None
    if code != "0":
        raise SystemExit(f"{what} failed ({code}): {done.stderr[-2000:]}")
    return float(wall), float(cpu), int(peak) / 1024
