"""Benchmark: one run that adds one new page to a ledger of N claims (issue: history must
not mean rewriting everything for one row). Target: at most 1 s beyond fetching at
100,000 claims.

Builds a ledger of N claims like a real one (benchmarks/ledger_at_scale.py), marks the
job's state as up to date with it, then runs `tracker ingest` in a child process over a
sources.toml naming one new local article (nothing to fetch), and prints the wall time and
peak memory of that run, and of an unchanged run after it.

    .venv/bin/python benchmarks/bench_history.py                  # 1,000, 5,000 and 20,000 claims
    .venv/bin/python benchmarks/bench_history.py --claims 100000  # slow: minutes
"""

from __future__ import annotations

import argparse
import os
import resource
import subprocess
import sys
import tempfile
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).parent))

from ledger_at_scale import write_ledger_at_scale  # noqa: E402

ARTICLE = ("Kyiv, 2 March. Russian forces seized about 431 square kilometres of Ukrainian "
           "territory in February, according to an AFP analysis of data from the Institute for "
           "the Study of War.\n")
TRACKER = Path(sys.executable).with_name("tracker")


def one_run(folder: Path) -> tuple[float, float]:
    """(wall seconds, peak RSS MiB) of one `tracker ingest` in a child process."""
    before = resource.getrusage(resource.RUSAGE_CHILDREN).ru_maxrss
    started = time.perf_counter()
    done = subprocess.run([str(TRACKER), "ingest", "--sources", str(folder / "sources.toml"),
                           "--data-dir", str(folder / "data")], capture_output=True, text=True,
                          env={**os.environ, "TRACKER_NOW": "2026-03-02T10:00:00Z"})
    wall = time.perf_counter() - started
    if done.returncode != 0:
        raise SystemExit(f"ingest failed ({done.returncode}): {done.stderr[-2000:]}")
    peak = resource.getrusage(resource.RUSAGE_CHILDREN).ru_maxrss
    return wall, max(peak, before) / 1024


def measure(claims: int) -> None:
    with tempfile.TemporaryDirectory() as temp:
        folder = Path(temp)
        started = time.perf_counter()
        rows = write_ledger_at_scale(folder / "data", claims)
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
