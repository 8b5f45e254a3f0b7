"""Benchmark: one run that adds one new page to a ledger of N claims (history must not mean
rewriting everything for one row). Targets: at most 1 s beyond fetching and extraction at
200,000 claims; an unchanged run at most 0.5 s at any size.

Builds a ledger of N claims like a real one (benchmarks/ledger_at_scale.py), marks the
job's state as up to date with it, then runs `tracker ingest` in a child process over a
sources.toml naming one new local article (nothing to fetch), and prints the wall time and
peak memory of that run (the child's own), and of an unchanged run after it. The ledger's
store and derived tables are built in place, as the scheduled job leaves them.

    .venv/bin/python benchmarks/bench_history.py                  # 1,000, 5,000 and 20,000 claims
    .venv/bin/python benchmarks/bench_history.py --claims 200000  # slow: 2-3 minutes to build
"""

from __future__ import annotations

import argparse
import os
import subprocess
import sys
import tempfile
import time
from pathlib import Path


ARTICLE = ("Kyiv, 2 March. Russian forces seized about 431 square kilometres of Ukrainian "
           "territory in February, AFP calculated from Institute for the Study "
           "of War maps.\n")
TRACKER = Path(sys.executable).with_name("tracker")


def one_run(folder: Path) -> tuple[float, float]:
    """(wall seconds, peak RSS MiB) of one `tracker ingest` in a child process: its own
    peak, from os.wait4 (RUSAGE_CHILDREN's is the largest of every child so far)."""
    log = folder / "run.log"
    with log.open("wb") as out:
        started = time.perf_counter()
        child = subprocess.Popen([str(TRACKER), "ingest", "--sources", str(folder / "sources.toml"),
                                  "--data-dir", str(folder / "data")], stdout=out,
                                 stderr=subprocess.STDOUT, stdin=subprocess.DEVNULL,
                                 env={**os.environ, "TRACKER_NOW": "2026-03-02T10:00:00Z"})
        _, status, usage = os.wait4(child.pid, 0)
        wall = time.perf_counter() - started
    child.returncode = os.waitstatus_to_exitcode(status)  # reaped here
    if child.returncode != 0:
        raise SystemExit(f"ingest failed ({child.returncode}): "
                         f"{log.read_text(encoding='utf-8', errors='replace')[-2000:]}")
    return wall, usage.ru_maxrss / 1024


def measure(claims: int) -> None:
    with tempfile.TemporaryDirectory() as temp:
        folder = Path(temp)
        started = time.perf_counter()
        # Built in a process of its own: a child forked from a parent holding the 2 GB of
        # a 200,000-row build would report that memory as its own peak.
        rows = int(subprocess.run(
            [sys.executable, "-c", "import sys; sys.path.insert(0, sys.argv[1]); "
             "from ledger_at_scale import write_ledger_at_scale as w; "
             "print(w(sys.argv[2], int(sys.argv[3])))",
             str(Path(__file__).parent), str(folder / "data"), str(claims)],
            check=True, capture_output=True, text=True).stdout.split()[-1])
        built = time.perf_counter() - started
        (folder / "new.txt").write_text(ARTICLE, encoding="utf-8")
        (folder / "sources.toml").write_text(
            '[settings]\ncontact = "bench@example.org"\n\n[[source]]\nid = "feed-0"\n'
            'kind = "article"\npath = "new.txt"\npublished = "2026-03-02"\n'
            'conflict = "russia-ukraine"\nlanguage = "en"\n'
            + "".join(f'\n[[source]]\nid = "feed-{n}"\nkind = "article"\npath = "new.txt"\n'
                      f'enabled = false\n' for n in range(1, 8))
            + '\n[[source]]\nid = "deepstate-maps"\nkind = "article"\npath = "new.txt"\nenabled = false\n',
            encoding="utf-8")
        new_page, peak = one_run(folder)
        unchanged, peak_unchanged = one_run(folder)
        print(f"{rows:>8,} claims (built in {built:5.1f} s): one new page {new_page:6.2f} s "
              f"(peak {peak:5.0f} MiB); unchanged run {unchanged:5.2f} s")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--claims", type=int, action="append",
                        help="ledger size (repeatable); default 1,000, 5,000 and 20,000")
    for size in parser.parse_args().claims or [1_000, 5_000, 20_000]:
        measure(size)


if __name__ == "__main__":
    main()
