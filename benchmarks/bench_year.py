"""Benchmark: a year of daily scheduled runs of the ingest job, as cron would run them.

Serves a synthetic world from local HTTP servers (loopback only, no internet): a
DeepState-style history API with one new map snapshot a day (a few hundred vertices; the
occupied area grows a little every day) and its /areas answer, and a news feed whose window
holds the last 3 days' articles, 50 new ones a day (fresh stories, wire copies rounded or in
square miles, revisions of earlier months' figures, stories without figures), written from
templates by benchmarks/year_world.py. Then, for each simulated day, runs

    .venv/bin/tracker ingest --sources S --data-dir D      (TRACKER_NOW = that day, 06:00 UTC)

in a child process and prints one line per run: wall time, ledger rows, claims.csv size,
the child's own peak RSS (os.wait4), what it fetched and its exit code. At the end: total
time, mean wall time of the first, middle and last 30 runs, and the targets (last 30 runs
at most 1.5x the first 30; the whole year under 30 minutes on the 2-core machine).

    .venv/bin/python benchmarks/bench_year.py --days 5 --articles-per-day 10   # a quick try
    .venv/bin/python benchmarks/bench_year.py                                   # the year
    .venv/bin/python benchmarks/bench_year.py --days 30 --keep /tmp/year30      # keep the data

Exit status 1 when any run failed (tracker exit code 2 or more, killed, or a traceback, which
exits 1 too); runs that exit 1 with failures the job recorded (e.g. quarantined rows) are
reported and the year goes on. The output of every run that did not exit 0 is kept in the
work folder as exit<code>_day_<n>.log.
"""

from __future__ import annotations

import argparse
import hashlib
import json
import os
import re
import shutil
import subprocess
import sys
import tempfile
import threading
import time
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path

sys.path.insert(0, str(Path(__file__).parent))

from year_world import START, World  # noqa: E402

TRACKER = Path(sys.executable).with_name("tracker")
YEAR_TARGET_S = 30 * 60
RATIO_TARGET = 1.5
LIST_HISTORY_DAYS = 60  # the snapshot list also names maps from before the tracker's `since`
MAX_CONSECUTIVE_FAILURES = 3


class Served:
    """What the servers answer today; the benchmark moves `day` before each run."""

    def __init__(self, world: World) -> None:
        self.world = world
        self.day = 0
        self.pages: dict[str, object] = {}
        self.snapshot_days: dict[int, int] = {}
        self.counts: dict[str, int] = {}
        self.lock = threading.Lock()

    def set_day(self, day: int) -> None:
        with self.lock:
            self.day = day
            self.pages = {a.path: a for a in self.world.window(day)}
            for d in range(-LIST_HISTORY_DAYS, day + 1):
                self.snapshot_days.setdefault(self.world.snapshot_id(d), d)
            self.counts = {}

    def count(self, what: str) -> None:
        with self.lock:
            self.counts[what] = self.counts.get(what, 0) + 1


_SNAPSHOT_PATH = re.compile(r"^/ds/api/history/(\d+)/(geojson|areas)$")


def make_handler(served: Served):
    class Handler(BaseHTTPRequestHandler):
        protocol_version = "HTTP/1.1"  # keep-alive, as a real server would
        # Headers and body in one write, sent at once: with keep-alive, a body written after
        # the headers waits for the client's delayed ACK (Nagle), about 40 ms a page, which
        # would be the server's time, not the job's.
        disable_nagle_algorithm = True
        wbufsize = 1 << 16

        def log_message(self, *args):  # keep the benchmark's output readable
            pass

        def do_GET(self):  # noqa: N802 - http.server's name
            base = f"http://{self.headers['Host']}"
            path = self.path.split("?", 1)[0]
            day = served.day
            payload, kind, what = None, "", ""
            if path == "/news/feed.xml":
                payload, kind, what = served.world.feed(day, base), "application/rss+xml; charset=utf-8", "feed"
            elif path.startswith("/news/"):
                article = served.pages.get(path)
                if article is not None:
                    payload, kind, what = article.html(), "text/html; charset=utf-8", "page"
            elif path == "/ds/api/history/public":
                ids = sorted(sid for sid, d in served.snapshot_days.items() if d <= day)
                listing = [{"id": sid, "description": f"Map update {sid}", "datetime": sid}
                           for sid in ids]
                payload, kind, what = json.dumps(listing).encode(), "application/json", "list"
            else:
                match = _SNAPSHOT_PATH.match(path)
                snap_day = served.snapshot_days.get(int(match.group(1))) if match else None
                if snap_day is not None and snap_day <= day:
                    if match.group(2) == "geojson":
                        payload, kind, what = served.world.snapshot(snap_day), "application/json", "map"
                    else:
                        payload, kind, what = served.world.areas(snap_day), "application/json", "areas"
            if payload is None:
                served.count("404")
                self._send(404, b"not found", "text/plain")
                return
            served.count(what)
            etag = '"' + hashlib.sha256(payload).hexdigest()[:20] + '"'
            if self.headers.get("If-None-Match") == etag:
                served.count(f"{what} 304")
                self._send(304, b"", kind, etag)
                return
            self._send(200, payload, kind, etag)

        def _send(self, status: int, payload: bytes, kind: str, etag: str = "") -> None:
            self.send_response(status)
            if status != 304:
                self.send_header("Content-Type", kind)
                self.send_header("Content-Length", str(len(payload)))
            if etag:
                self.send_header("ETag", etag)
            self.end_headers()
            if status != 304:
                self.wfile.write(payload)

    return Handler


def write_sources(folder: Path, port: int, world: World) -> Path:
    path = folder / "sources.toml"
    window_entries = world.window_days * world.per_day
    path.write_text(
        '[settings]\ncontact = "bench@example.org"\n'
        "per_host_delay_s = 0\n"  # politeness delay off: the benchmark measures the job
        "retries = 1\n"
        "allow_private_hosts = true\n\n"  # the benchmark's servers are on loopback
        '[[source]]\nid = "wire-feed"\nkind = "feed"\n'
        f'url = "http://127.0.0.1:{port}/news/feed.xml"\n'
        f"max_entries = {window_entries + 50}\n"  # the whole window: every new entry is read
        'conflict = "russia-ukraine"\nlanguage = "en"\n\n'
        '[[source]]\nid = "deepstate"\nkind = "deepstate"\n'
        f'base_url = "http://127.0.0.1:{port}/ds/api/history"\n'
        f'since = "{START.isoformat()}"\n'
        'conflict = "russia-ukraine"\n', encoding="utf-8")
    return path


def ledger_stats(data_dir: Path) -> tuple[int, float]:
    """(rows, MB) of data/processed/claims.csv: its lines minus the header."""
    path = data_dir / "processed" / "claims.csv"
    try:
        payload = path.read_bytes()
    except FileNotFoundError:
        return 0, 0.0
    lines = payload.count(b"\n") + (0 if payload.endswith(b"\n") or not payload else 1)
    return max(0, lines - 1), len(payload) / 1e6


def run_day(folder: Path, sources: Path, data_dir: Path,
            now: str) -> tuple[float, float, float, int, str]:
    """(wall s, CPU s, peak RSS MiB, exit code, output) of one `tracker ingest` child process.

    CPU time (user + system) is printed beside wall time because on a shared machine the
    wall time of a run follows the load of the moment; growth with the ledger shows in both."""
    out_path = folder / "last_run.log"
    with out_path.open("wb") as out:
        started = time.perf_counter()
        child = subprocess.Popen([str(TRACKER), "ingest", "--sources", str(sources),
                                  "--data-dir", str(data_dir)],
                                 stdout=out, stderr=subprocess.STDOUT, stdin=subprocess.DEVNULL,
                                 env={**os.environ, "TRACKER_NOW": now})
        # This child's own rusage: RUSAGE_CHILDREN's ru_maxrss is the max over all children.
        _, status, usage = os.wait4(child.pid, 0)
        wall = time.perf_counter() - started
    code = os.waitstatus_to_exitcode(status)
    child.returncode = code  # reaped here; Popen must not wait for it again
    output = out_path.read_text(encoding="utf-8", errors="replace")
    return wall, usage.ru_utime + usage.ru_stime, usage.ru_maxrss / 1024, code, output


def recorded_failures(output: str, limit: int = 6) -> list[str]:
    """What a run that exited 1 recorded: quarantined rows, failed sources or writes, and
    its last line (the summary, or the error that ended it)."""
    lines = [line.strip() for line in output.splitlines() if line.strip()]
    notes = [line for line in lines
             if line.startswith(("rejected ", "failed", "warning", "error", "Error"))
             or "failed:" in line or "Traceback" in line]
    shown = notes[:limit] + [f"... {len(notes) - limit} more"] * (len(notes) > limit)
    if lines and lines[-1] not in shown:
        shown.append(lines[-1])
    return shown


def window_means(walls: list[float]) -> tuple[int, float, float, float]:
    """(window size, mean of the first, middle and last `size` runs)."""
    size = max(1, min(30, len(walls) // 3 or len(walls)))
    middle = max(0, (len(walls) - size) // 2)

    def mean(values: list[float]) -> float:
        return sum(values) / len(values)

    return size, mean(walls[:size]), mean(walls[middle:middle + size]), mean(walls[-size:])


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0],
                                     formatter_class=argparse.RawDescriptionHelpFormatter,
                                     epilog=__doc__.split("\n\n", 1)[1])
    parser.add_argument("--days", type=int, default=365, help="simulated days (runs); default 365")
    parser.add_argument("--articles-per-day", type=int, default=50, help="new articles a day; default 50")
    parser.add_argument("--window-days", type=int, default=3,
                        help="days of entries the feed keeps; default 3")
    parser.add_argument("--keep", type=Path, metavar="DIR",
                        help="work in DIR (new or empty) and keep it: data/, sources.toml, logs")
    parser.add_argument("--seed", type=int, default=1, help="seed of the synthetic world; default 1")
    args = parser.parse_args()
    if args.days < 1 or args.articles_per_day < 1 or args.window_days < 1:
        parser.error("--days, --articles-per-day and --window-days must be at least 1")
    if not TRACKER.exists():
        parser.error(f"{TRACKER} not found: run this with the project's .venv/bin/python")

    if args.keep:
        if args.keep.exists() and any(args.keep.iterdir()):
            parser.error(f"--keep {args.keep}: the folder is not empty")
        args.keep.mkdir(parents=True, exist_ok=True)
        folder = args.keep.resolve()
    else:
        folder = Path(tempfile.mkdtemp(prefix="bench_year_"))
    world = World(args.seed, args.articles_per_day, args.window_days)
    served = Served(world)
    server = ThreadingHTTPServer(("127.0.0.1", 0), make_handler(served))
    server.daemon_threads = True
    threading.Thread(target=server.serve_forever, daemon=True).start()
    sources = write_sources(folder, server.server_port, world)
    data_dir = folder / "data"
    print(f"bench_year: {args.days} day(s) from {START}, {args.articles_per_day} new articles a day "
          f"(feed window {args.window_days} days), seed {args.seed}; work folder {folder}", flush=True)
    print(f"{'day':>4} {'date':>10} {'wall s':>7} {'cpu s':>6} {'rows':>8} {'new':>6} {'csv MB':>7} "
          f"{'peak MiB':>8} {'pages':>5} {'maps':>4} {'exit':>4}", flush=True)

    walls: list[float] = []
    cpus: list[float] = []
    failed_runs: list[int] = []
    recorded: list[int] = []
    consecutive = 0
    rows_before = 0
    started = time.perf_counter()
    try:
        for day in range(args.days):
            served.set_day(day)
            now = world.run_time(day).strftime("%Y-%m-%dT%H:%M:%SZ")
            wall, cpu, peak, code, output = run_day(folder, sources, data_dir, now)
            walls.append(wall)
            cpus.append(cpu)
            rows, size_mb = ledger_stats(data_dir)
            counts = dict(served.counts)
            print(f"{day + 1:>4} {now[:10]} {wall:>7.2f} {cpu:>6.2f} {rows:>8,} {rows - rows_before:>6,} "
                  f"{size_mb:>7.2f} {peak:>8.0f} {counts.get('page', 0):>5} {counts.get('map', 0):>4} "
                  f"{code:>4}", flush=True)
            rows_before = rows
            if code != 0:
                shutil.copy(folder / "last_run.log", folder / f"exit{code}_day_{day + 1:03d}.log")
            # An uncaught exception also exits 1, but it is a crash, not a recorded failure:
            # the job promises one line naming the problem, never a traceback.
            crashed = "Traceback (most recent call last)" in output
            if code == 1 and not crashed:
                recorded.append(day + 1)
                for line in recorded_failures(output):
                    print(f"       recorded: {line[:300]}", flush=True)
            elif code != 0:
                failed_runs.append(day + 1)
                consecutive += 1
                what = "crashed with a traceback" if crashed else "FAILED"
                print(f"       {what} (exit {code}): "
                      + " | ".join(output.strip().splitlines()[-3:])[-1500:], flush=True)
                if consecutive >= MAX_CONSECUTIVE_FAILURES:
                    print(f"       {consecutive} runs in a row failed: stopping", flush=True)
                    break
                continue
            consecutive = 0
    except KeyboardInterrupt:
        print("interrupted", flush=True)
    finally:
        server.shutdown()
        server.server_close()
    total = time.perf_counter() - started

    rows, size_mb = ledger_stats(data_dir)
    print()
    print(f"runs: {len(walls)}; total {total:.1f} s ({total / 60:.1f} min); "
          f"mean {total / max(1, len(walls)):.2f} s per day")
    if walls:
        size, first, middle, last = window_means(walls)
        ratio = last / first if first else float("inf")
        print(f"mean wall time of {size} runs: first {first:.2f} s, middle {middle:.2f} s, "
              f"last {last:.2f} s; last/first {ratio:.2f}x")
        _, cpu_first, cpu_middle, cpu_last = window_means(cpus)
        print(f"mean CPU time of {size} runs: first {cpu_first:.2f} s, middle {cpu_middle:.2f} s, "
              f"last {cpu_last:.2f} s; last/first {cpu_last / cpu_first if cpu_first else 0:.2f}x")
        print(f"final ledger: {rows:,} rows, claims.csv {size_mb:.2f} MB")
        print(f"target last {size} runs <= {RATIO_TARGET}x the first {size}: "
              f"{'PASS' if ratio <= RATIO_TARGET else 'MISS'} ({ratio:.2f}x)")
        if len(walls) >= 365:
            print(f"target a year of runs under {YEAR_TARGET_S // 60} min: "
                  f"{'PASS' if total < YEAR_TARGET_S else 'MISS'} ({total / 60:.1f} min)")
        else:
            # The year target needs the whole year: a short run's growth says little.
            print(f"target a year under {YEAR_TARGET_S // 60} min: not measured ({len(walls)} day(s); "
                  f"at this run's mean the year would take at least {365 * total / len(walls) / 60:.0f} min)")
    if recorded:
        print(f"runs that exited 1 (recorded failures): {len(recorded)}: days {recorded[:20]}"
              + (" ..." if len(recorded) > 20 else ""))
    if failed_runs:
        print(f"FAILED runs (exit 2 or more, or a traceback): days {failed_runs}; logs in {folder}")
    if args.keep or failed_runs:
        print(f"kept: {folder}")
    else:
        shutil.rmtree(folder, ignore_errors=True)
    return 1 if failed_runs else 0


if __name__ == "__main__":
    sys.exit(main())
