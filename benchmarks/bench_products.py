"""Benchmark: the products written after a run that adds one claim to a ledger of N claims.

claims.csv (through tracker/ledger_store.py `LedgerStore.apply`) and observations.csv and
checks.csv (through tracker/pipeline.py `_write_derived` with a LedgerChange, the
incremental update) are written by splicing the previous file: the unchanged byte ranges
copied, the changed lines written. This times both against the whole-file regeneration
(`tracker.ledger_store.SPLICE = False`, the path taken when the previous file is not the
one recorded), median of 3 runs each, on a ledger built like a real one
(benchmarks/ledger_at_scale.py).

    .venv/bin/python benchmarks/bench_products.py                  # 200,000 claims
    .venv/bin/python benchmarks/bench_products.py --claims 20000
"""

from __future__ import annotations

import argparse
import random
import statistics
import sys
import tempfile
import time
from datetime import date, timedelta
from pathlib import Path

sys.path.insert(0, str(Path(__file__).parent))
sys.path.insert(0, str(Path(__file__).parent.parent))

from ledger_at_scale import _computed, write_ledger_at_scale  # noqa: E402

import pandas as pd  # noqa: E402

from tracker import derived as derived_module  # noqa: E402
from tracker import ledger_store  # noqa: E402
from tracker.config import Settings  # noqa: E402
from tracker.history import Reading, plan_history  # noqa: E402
from tracker.ledger import added_rows  # noqa: E402
from tracker.ledger_store import LedgerStore  # noqa: E402
from tracker.model import claim_id, location_id  # noqa: E402
from tracker.pipeline import (  # noqa: E402
    DerivedState,
    LedgerChange,
    _write_derived,
    derived_digests,
    reviews_digest,
)
from tracker.schemas import normalise_claims_frame  # noqa: E402


class _Config:
    settings = Settings()


WRITING: dict[str, float] = {}  # seconds writing each file (a temporary one) in the last run


def timed(function, name_of):
    """`function`, adding the seconds of each call to WRITING[name_of(arguments)]."""
    def wrapper(*args, **kwargs):
        started = time.perf_counter()
        try:
            return function(*args, **kwargs)
        finally:
            name = name_of(args)
            WRITING[name] = WRITING.get(name, 0.0) + time.perf_counter() - started
    return wrapper


# The temporary file written (spliced or whole), its digest taken and, for claims.csv,
# flushed to disk: LedgerStore._write_temp_csv, and write_product as tracker/derived.py
# calls it.
LedgerStore._write_temp_csv = timed(LedgerStore._write_temp_csv, lambda args: "claims.csv")
derived_module.write_product = timed(derived_module.write_product,
                                     lambda args: Path(args[0]).name)


def cited_stock(number: int, day: date) -> dict:
    """A figure of the area held cited by an outlet on `day`: a new observation, and a
    check against the computed figures of the days around it."""
    value = 100_000 + number % 9_000
    quote = f"Russia controls about {value} square kilometres of Ukraine, according to DeepState."
    return {**_computed(number, day), "method": "reported", "definition": "", "value": float(value),
            "qualifier": "approx", "qualifier_text": "about", "publisher": f"Outlet {number % 40}",
            "url": f"https://outlet{number % 40}.example/stock/{number}",
            "title": f"Front report {number}", "published_at": day.isoformat(),
            "source_id": "feed-0", "snapshot_sha256": f"{number:064x}", "quote": quote,
            "number_start": quote.index(str(value)),
            "number_end": quote.index(str(value)) + len(str(value))}


def add_one_claim(data: Path, number: int, rng: random.Random) -> tuple[float, float, list[str]]:
    """(seconds in LedgerStore.apply, seconds in _write_derived, progress messages) for one
    new cited figure on a random day of the ledger's range; WRITING holds the seconds
    spent writing each file."""
    WRITING.clear()
    row = cited_stock(number, date(2022, 3, 1) + timedelta(days=rng.randrange(1400)))
    row["location_id"] = location_id(row)
    row["claim_id"] = claim_id(row)
    new = normalise_claims_frame(pd.DataFrame([row]))
    documents = set(zip(new["source_id"], new["snapshot_sha256"]))
    messages: list[str] = []
    with LedgerStore.open(data, progress=messages.append) as store:
        state = DerivedState.read(data)
        readings = [Reading(*v) for v in zip(new["claim_id"], new["location_id"], new["source_id"])]
        plan = plan_history(store.rows_in_scope(new["claim_id"], new["location_id"],
                                                read_documents=documents),
                            readings, read_documents=documents)
        change = LedgerChange(store.csv_sha256, set(plan.added) | set(plan.status_updates()))
        now = "2026-03-02T10:00:00Z"
        rows = added_rows(new, plan, now)
        started = time.perf_counter()
        store.apply(rows, plan.status_updates(), now)
        applied = time.perf_counter() - started
        tables = derived_digests(data)
        started = time.perf_counter()
        _write_derived(store, data, _Config(), messages.append, state=state, change=change,
                       tables=tables)
        derived = time.perf_counter() - started
        DerivedState(ledger_sha256=store.csv_sha256, tables=derived_digests(data), clean=True,
                     reviews_sha256=reviews_digest(data)).write(data)
    if not any("updated for" in m for m in messages):
        raise SystemExit(f"the derived tables were not updated incrementally: {messages}")
    return applied, derived, messages


def measure(claims: int, repeats: int) -> None:
    with tempfile.TemporaryDirectory() as temp:
        data = Path(temp) / "data"
        started = time.perf_counter()
        rows = write_ledger_at_scale(data, claims)
        print(f"{rows:,} claims built in {time.perf_counter() - started:.1f} s")
        rng = random.Random(11)
        number = rows * 10
        modes = [("splice", True), ("full", False)]
        # Each round adds one claim in each mode, in turn, to the same data folder.
        timings: dict[str, list[tuple[float, float]]] = {name: [] for name, _ in modes}
        writing: dict[str, list[dict[str, float]]] = {name: [] for name, _ in modes}
        for run in range(repeats + 1):  # the first round warms the caches, not counted
            for name, splice in modes:
                ledger_store.SPLICE = splice
                number += 1
                before = ledger_store.product_writes.copy()
                applied, derived, messages = add_one_claim(data, number, rng)
                other = {file for (file, how), count in ledger_store.product_writes.items()
                       if count > before[(file, how)] and how != ("spliced" if splice else "written")}
                if other:
                    raise SystemExit(f"{name}: {sorted(other)} not written as asked")
                if run:
                    timings[name].append((applied, derived))
                    writing[name].append(dict(WRITING))
                if splice and run == repeats:
                    print("  " + "\n  ".join(m.strip() for m in messages))
        for name, found in timings.items():
            print(f"{name:>8}: claims.csv (LedgerStore.apply) "
                  f"{statistics.median(a for a, _ in found):6.3f} s, observations.csv + checks.csv "
                  f"(_write_derived) {statistics.median(d for _, d in found):6.3f} s  "
                  f"(median of {len(found)})")
            files = [file for file in ("claims.csv", "observations.csv", "checks.csv")
                     if any(file in run for run in writing[name])]
            print(" " * 10 + "of which writing " + ", ".join(
                f"{file} {statistics.median(run.get(file, 0.0) for run in writing[name]):.3f} s"
                for file in files))


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--claims", type=int, default=200_000, help="ledger size")
    parser.add_argument("--repeats", type=int, default=3)
    arguments = parser.parse_args()
    measure(arguments.claims, arguments.repeats)


if __name__ == "__main__":
    main()
