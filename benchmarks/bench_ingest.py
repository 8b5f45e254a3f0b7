"""Benchmark of the ingest job over HTTP: a first run, then an unchanged second run.

Serves N article pages and an RSS feed listing them from a local server (loopback only),
runs `tracker ingest` in a child process, and prints wall time, pages per second and the
child's peak RSS. Targets: the unchanged run costs at most 5 % of the first; peak memory
stays flat from 100 to 1,000 pages.

    .venv/bin/python benchmarks/bench_ingest.py            # 100, 500 and 1000 pages
    .venv/bin/python benchmarks/bench_ingest.py --pages 500
"""

from __future__ import annotations

import argparse
import hashlib
import os
import resource
import subprocess
import sys
import tempfile
import threading
import time
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path

MONTHS = ["January", "February", "March", "April", "May", "June", "July", "August",
          "September", "October", "November", "December"]


def page(number: int) -> bytes:
    month = MONTHS[number % 12]
    body = (f"Russian forces seized about {200 + number % 500} square kilometres of Ukrainian "
            f"territory in {month}, AFP calculated from Institute for "
            f"the Study of War maps. Fighting continued near Pokrovsk, {number % 30 + 5} km away. ") * 3
    html = (f"<html><head><title>Front report {number}</title>"
            f'<meta property="article:published_time" content="2025-12-01T08:00:00Z"></head>'
            f"<body><article><h1>Front report {number}</h1><p>{body}</p>"
            f"<p>Talks in Geneva ended without agreement after {number % 5 + 2} days.</p>"
            f"</article></body></html>")
    return html.encode("utf-8")


def make_handler(pages: int):
    feed_items = "".join(f"<item><title>Front report {i}</title><link>/p/{i}</link>"
                         f"<pubDate>Mon, 01 Dec 2025 08:00:00 GMT</pubDate></item>" for i in range(pages))

    class Handler(BaseHTTPRequestHandler):
        def log_message(self, *args):  # keep the benchmark's output readable
            pass

        def do_GET(self):
            if self.path == "/feed.xml":
                base = f"http://{self.headers['Host']}"
                payload = ('<?xml version="1.0"?><rss version="2.0"><channel><title>b</title>'
                           f"<link>{base}/</link><description>d</description>"
                           + feed_items.replace("<link>/", f"<link>{base}/") + "</channel></rss>").encode()
                kind = "application/rss+xml"
            elif self.path.startswith("/p/"):
                payload, kind = page(int(self.path[3:])), "text/html; charset=utf-8"
            else:
                self.send_response(404)
                self.end_headers()
                return
            etag = '"' + hashlib.sha256(payload).hexdigest()[:16] + '"'
            if self.headers.get("If-None-Match") == etag:
                self.send_response(304)
                self.end_headers()
                return
            self.send_response(200)
            self.send_header("Content-Type", kind)
            self.send_header("Content-Length", str(len(payload)))
            self.send_header("ETag", etag)
            self.end_headers()
            self.wfile.write(payload)

    return Handler


def run_job(folder: Path) -> tuple[float, float]:
    """Wall seconds and peak RSS (MiB) of one `tracker ingest` child process."""
    before = resource.getrusage(resource.RUSAGE_CHILDREN).ru_maxrss
    start = time.perf_counter()
    # A fresh interpreter per run so that ru_maxrss is this run's own peak.
    code = ("import resource, sys; from tracker.cli import main; sys.argv=['tracker','ingest',"
            "'--sources','sources.toml','--data-dir','data']\ntry:\n main()\nexcept SystemExit as e:\n"
            " print('PEAK', resource.getrusage(resource.RUSAGE_SELF).ru_maxrss, file=sys.stderr); raise")
    done = subprocess.run([sys.executable, "-c", code], cwd=folder, capture_output=True, text=True,
                          env={**os.environ, "TRACKER_NOW": "2026-01-01T00:00:00Z"})
    wall = time.perf_counter() - start
    if done.returncode != 0:
        sys.exit(f"ingest failed ({done.returncode}):\n{done.stderr[-2000:]}")
    peak_kib = next(int(line.split()[1]) for line in done.stderr.splitlines() if line.startswith("PEAK"))
    del before
    return wall, peak_kib / 1024


def bench(pages: int) -> dict[str, float]:
    server = ThreadingHTTPServer(("127.0.0.1", 0), make_handler(pages))
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    try:
        with tempfile.TemporaryDirectory() as temp:
            folder = Path(temp)
            (folder / "sources.toml").write_text(
                '[settings]\ncontact = "bench@example.org"\nper_host_delay_s = 0\nretries = 0\n'
                'allow_private_hosts = true\n\n'  # the bench server is on loopback
                f'[[source]]\nid = "bench"\nkind = "feed"\nurl = "http://127.0.0.1:{server.server_port}/feed.xml"\n'
                f"max_entries = {pages}\nconflict = \"russia-ukraine\"\n", encoding="utf-8")
            first_s, first_mib = run_job(folder)
            second_s, second_mib = run_job(folder)
    finally:
        server.shutdown()
    return {"pages": pages, "first_s": first_s, "second_s": second_s,
            "pages_per_s": pages / first_s, "ratio_pct": 100 * second_s / first_s,
            "peak_first_mib": first_mib, "peak_second_mib": second_mib}


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--pages", type=int, nargs="*", default=[100, 500, 1000])
    args = parser.parse_args()
    print(f"{'pages':>6} {'first s':>8} {'pages/s':>8} {'second s':>9} {'2nd/1st':>8} {'peak MiB':>9}")
    for pages in args.pages:
        r = bench(pages)
        print(f"{r['pages']:>6} {r['first_s']:>8.2f} {r['pages_per_s']:>8.1f} {r['second_s']:>9.2f} "
              f"{r['ratio_pct']:>7.1f}% {r['peak_first_mib']:>9.1f}")


if __name__ == "__main__":
    main()
