"""Benchmark: `tracker export` of a ledger of N claims (target: at most 10 s and 500 MB peak
memory at 200,000 claims, for a plain export and for `--reviewed-only`).

Builds a data folder of N claims like a real one (benchmarks/ledger_at_scale.py: the ledger,
observations.csv and checks.csv, and data/state/derived.json marking them up to date), then
runs `tracker export` in a child process and prints its wall time, CPU time and peak
memory (resource.getrusage(RUSAGE_CHILDREN)), for a plain export and for `--reviewed-only`. With `--unchecked`, also an export of the same
folder without derived.json: a ledger the job has no record of, checked cell by cell.

    .venv/bin/python benchmarks/bench_export.py                  # 200,000 claims: a minute or two
    .venv/bin/python benchmarks/bench_export.py --claims 20000
    .venv/bin/python benchmarks/bench_export.py --keep /tmp/export-200k   # build once, reuse
"""

from __future__ import annotations

import argparse
import shutil
import sys
import tempfile
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).parent))

from ledger_at_scale import measured_command, write_ledger_at_scale  # noqa: E402

TRACKER = Path(sys.executable).with_name("tracker")


def one_export(data: Path, out: Path, *options: str) -> tuple[float, float, float]:
    """(wall seconds, CPU seconds, peak RSS MiB) of one `tracker export` in a child process."""
    return measured_command([str(TRACKER), "export", "--data-dir", str(data), "--out", str(out),
                             *options])


def measure(claims: int, keep: Path | None, unchecked: bool) -> None:
    with tempfile.TemporaryDirectory() as temp:
        folder = Path(temp)
        data = keep if keep is not None else folder / "data"
        started = time.perf_counter()
        marker = data / "state" / f"bench_export_{claims}"
        if keep is None or not marker.exists():
            if data.exists():
                shutil.rmtree(data)
            write_ledger_at_scale(data, claims)
            marker.touch()
        built = time.perf_counter() - started
        rows = sum(1 for _ in (data / "processed" / "claims.csv").open(encoding="utf-8")) - 1
        print(f"{rows:>8,} ledger lines (built in {built:5.1f} s)")
        runs = [("plain export", ()), ("--reviewed-only", ("--reviewed-only",))]
        for label, options in runs:
            wall, cpu, peak = one_export(data, folder / "out", *options)
            print(f"    {label:<28} {wall:6.2f} s (CPU {cpu:6.2f} s)  peak {peak:6.0f} MiB")
        if unchecked:
            state = data / "state" / "derived.json"
            saved = state.read_bytes()
            state.unlink()
            try:
                wall, cpu, peak = one_export(data, folder / "out")
            finally:
                state.write_bytes(saved)
            print(f"    {'no derived.json (checked)':<28} {wall:6.2f} s (CPU {cpu:6.2f} s)  "
                  f"peak {peak:6.0f} MiB")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--claims", type=int, default=200_000, help="ledger size (default 200,000)")
    parser.add_argument("--keep", type=Path, default=None, metavar="DIR",
                        help="build the data folder in DIR once and reuse it on later runs")
    parser.add_argument("--unchecked", action="store_true",
                        help="also export without derived.json (the ledger checked in full)")
    arguments = parser.parse_args()
    measure(arguments.claims, arguments.keep, arguments.unchecked)


if __name__ == "__main__":
    main()
