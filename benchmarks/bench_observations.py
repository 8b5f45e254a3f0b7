"""Benchmark: normalising the ledger and building observations at N claims (issue: both
must stay fast on a large ledger). Targets at 200,000 claims: normalise_claims_frame under
1 s, build_observations under 2 s.

Builds a synthetic ledger of N claims like a real one (benchmarks/ledger_at_scale.py), then
times, median of 3 runs each:
- `normalise_claims_frame` over the ledger as tracker/ledger.py claims_frame reads it from
  the CSV (every cell a str, '' for missing);
- `build_observations` over the current view (active readings, what the job and the export
  pass it).
Prints wall and CPU seconds, and the peak RSS of the process during each step (with the
RSS before it: the ledger and view are held throughout).

    .venv/bin/python benchmarks/bench_observations.py                 # 200,000 claims
    .venv/bin/python benchmarks/bench_observations.py --claims 20000
"""

from __future__ import annotations

import argparse
import resource
import statistics
import sys
import time
from pathlib import Path
from typing import Callable

import pandas as pd

sys.path.insert(0, str(Path(__file__).parent))

from ledger_at_scale import synthetic_claims  # noqa: E402

from tracker.ledger import frame_cells  # noqa: E402
from tracker.model import CLAIM_COLUMNS  # noqa: E402
from tracker.observations import build_observations  # noqa: E402
from tracker.schemas import normalise_claims_frame  # noqa: E402
from tracker.view import charted, current_view  # noqa: E402

REPEAT = 3


def _status_mib(field: str) -> float | None:
    try:
        with open("/proc/self/status", encoding="ascii") as status:
            for line in status:
                if line.startswith(field + ":"):
                    return int(line.split()[1]) / 1024
    except OSError:
        pass
    return None


def rss_mib() -> float:
    return _status_mib("VmRSS") or 0.0


def peak_mib() -> float:
    """Peak RSS since reset_peak() (Linux), else since the process started."""
    return _status_mib("VmHWM") or resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024


def reset_peak() -> None:
    try:
        with open("/proc/self/clear_refs", "w", encoding="ascii") as refs:
            refs.write("5")  # resets VmHWM to the current RSS
    except OSError:
        pass


def timed(step: Callable[[], object]) -> tuple[float, float, object]:
    """(median wall seconds, median CPU seconds, the last result) of REPEAT runs."""
    walls, cpus, result = [], [], None
    reset_peak()
    for _ in range(REPEAT):
        wall, cpu = time.perf_counter(), time.process_time()
        result = step()
        walls.append(time.perf_counter() - wall)
        cpus.append(time.process_time() - cpu)
    return statistics.median(walls), statistics.median(cpus), result


def measure(claims: int) -> None:
    started = time.perf_counter()
    ledger = normalise_claims_frame(synthetic_claims(claims))
    # The ledger as claims_frame reads it: the text cells of every row.
    raw = pd.DataFrame(frame_cells(ledger, CLAIM_COLUMNS), columns=list(CLAIM_COLUMNS), dtype="object")
    view = charted(current_view(ledger))
    print(f"{len(raw):>8,} claims (built in {time.perf_counter() - started:5.1f} s; "
          f"peak {peak_mib():5.0f} MiB)")
    before = rss_mib()
    wall, cpu, _ = timed(lambda: normalise_claims_frame(raw))
    print(f"  normalise_claims_frame {wall:6.2f} s (cpu {cpu:5.2f} s)   "
          f"peak {peak_mib():5.0f} MiB (from {before:5.0f} MiB)")
    before = rss_mib()
    wall, cpu, observations = timed(lambda: build_observations(view))
    print(f"  build_observations     {wall:6.2f} s (cpu {cpu:5.2f} s)   "
          f"peak {peak_mib():5.0f} MiB (from {before:5.0f} MiB)   ({len(observations):,} observations)")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--claims", type=int, action="append",
                        help="ledger size (repeatable); default 200,000")
    for size in parser.parse_args().claims or [200_000]:
        measure(size)


if __name__ == "__main__":
    main()
