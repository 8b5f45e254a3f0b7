"""Benchmark of `tracker backfill ARCHIVE...` (tracker/archive_backfill.py) on generated WARCs.

Writes gzip'd WARC archives of news-like pages: one page in ten an article with a figure
(sentences of this script's own, with varied numbers, months and places), the others
pages without a cue (recipes, sport, weather), each response preceded by its request
record as a crawler writes it. Then:

1. one worker on one archive of --small-mb, then on one archive of --large-mb: peak RSS
   of the worker (target: flat as the archive grows);
2. two workers on --archives archives whose concatenation is the large archive (the same
   bytes, split): pages/s, MB/s and the scaling ratio against the one worker of step 1
   (target: two workers at least 1.7x one on a 2-core machine);
3. the share of records dropped before any HTML parsing (not a response, not 200 HTML, or
   no cue in the raw bytes).

    .venv/bin/python benchmarks/bench_backfill.py                      # 100 MB and 1 GB
    .venv/bin/python benchmarks/bench_backfill.py --small-mb 20 --large-mb 200 --archives 4
"""

from __future__ import annotations

import argparse
import io
import multiprocessing
import random
import shutil
import sys
import tempfile
import time
from pathlib import Path

REPO = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(REPO))

MONTHS = ["January", "February", "March", "April", "May", "June", "July", "August",
          "September", "October", "November", "December"]
FILLER_WORDS = ("market council weather league season recipe harbour festival museum train "
                "election bakery river concert garden school bridge tennis coast winter "
                "village library theatre orchard").split()


def article_page(rng: random.Random, number: int) -> bytes:
    month = rng.choice(MONTHS)
    area = rng.randint(80, 900)
    paragraphs = [
        f"Russian forces seized {area} square kilometres of Ukrainian territory in {month}, "
        "according to an analysis of data from the Institute for the Study of War.",
        "The advance was concentrated in the east, where units moved along two river valleys "
        "and entered several villages that had been contested for weeks.",
    ] + [filler_paragraph(rng) for _ in range(6)]
    body = "".join(f"<p>{p}</p>\n" for p in paragraphs)
    return (f"<html><head><title>Front report {number}</title></head><body><article>"
            f"<h1>Front report {number}</h1>{body}</article></body></html>").encode("utf-8")


def filler_paragraph(rng: random.Random) -> str:
    return " ".join(rng.choices(FILLER_WORDS, k=60)).capitalize() + "."


def other_page(rng: random.Random, number: int) -> bytes:
    body = "".join(f"<p>{filler_paragraph(rng)}</p>\n" for _ in range(40))
    return (f"<html><head><title>Page {number}</title></head><body><article>{body}"
            "</article></body></html>").encode("utf-8")


def write_archive(path: Path, target_mb: float, seed: int) -> int:
    """A gzip'd WARC of about `target_mb` MB; returns its number of response records."""
    from warcio.statusandheaders import StatusAndHeaders
    from warcio.warcwriter import WARCWriter

    rng = random.Random(seed)
    responses = 0
    with path.open("wb") as handle:
        writer = WARCWriter(handle, gzip=True)
        while handle.tell() < target_mb * 1e6:
            number = responses
            uri = f"https://news{seed}.example.org/{number}"
            request = writer.create_warc_record(uri, "request", payload=io.BytesIO(
                f"GET /{number} HTTP/1.1\r\nHost: example.org\r\n\r\n".encode()))
            writer.write_record(request)
            body = article_page(rng, number) if number % 10 == 0 else other_page(rng, number)
            headers = StatusAndHeaders("200 OK", [("Content-Type", "text/html; charset=utf-8")],
                                       protocol="HTTP/1.1")
            writer.write_record(writer.create_warc_record(
                uri, "response", payload=io.BytesIO(body), http_headers=headers,
                warc_headers_dict={"WARC-Date": "2025-12-01T10:00:00Z"}))
            responses += 1
    return responses


def run(archives: list[Path], workers: int, folder: Path) -> tuple[float, list]:
    from tracker.archive_backfill import resolve_archives, run_backfill

    data = folder / f"data-{workers}-{len(archives)}-{time.monotonic_ns()}"
    started = time.perf_counter()
    result = run_backfill(resolve_archives([str(a) for a in archives]), data, workers=workers)
    wall = time.perf_counter() - started
    if result.failed:
        raise SystemExit(f"backfill failed: {[s.error for s in result.failed]}")
    shutil.rmtree(data, ignore_errors=True)
    return wall, result.done


def describe(label: str, wall: float, done: list) -> str:
    size = sum(s.size for s in done) / 1e6
    pages = sum(s.html for s in done)
    return (f"{label:<34} {wall:7.1f} s  {size:8.1f} MB  {size / wall:6.1f} MB/s  "
            f"{pages / wall:7.0f} pages/s  claims {sum(s.claims for s in done):,}  "
            f"peak RSS/worker {max(s.peak_rss_mib for s in done):.0f} MiB")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--small-mb", type=float, default=100)
    parser.add_argument("--large-mb", type=float, default=1000)
    parser.add_argument("--archives", type=int, default=8, help="archives the large size is split into")
    options = parser.parse_args()
    folder = Path(tempfile.mkdtemp(prefix="bench-backfill-"))
    try:
        started = time.perf_counter()
        small = folder / "small.warc.gz"
        parts = [folder / f"part-{n}.warc.gz" for n in range(options.archives)]
        jobs = [(small, options.small_mb, 1)] + [
            (part, options.large_mb / options.archives, 10 + n) for n, part in enumerate(parts)]
        with multiprocessing.Pool() as pool:  # generating is slower than reading
            pool.starmap(write_archive, jobs)
        # gzip'd WARC records are gzip members: the parts put end to end are one valid
        # archive, so the one worker and the two read the very same bytes.
        large = folder / "large.warc.gz"
        with large.open("wb") as out:
            for part in parts:
                with part.open("rb") as handle:
                    shutil.copyfileobj(handle, out)
        print(f"archives written in {time.perf_counter() - started:.0f} s in {folder}", flush=True)

        wall, done = run([small], 1, folder)
        print(describe(f"1 worker, 1 archive of {options.small_mb:g} MB", wall, done), flush=True)
        one_wall, one = run([large], 1, folder)
        print(describe(f"1 worker, 1 archive of {options.large_mb:g} MB", one_wall, one),
              flush=True)
        two_wall, two = run(parts, 2, folder)
        print(describe(f"2 workers, the same in {len(parts)} archives", two_wall, two))
        print(f"scaling, two workers against one: {one_wall / two_wall:.2f}x (target 1.7x)")
        records = sum(s.records for s in one)
        dropped = records - sum(s.pages_kept for s in one)
        html = sum(s.html for s in one)
        print(f"records {records:,}: {dropped / records:.1%} dropped before any HTML parsing "
              f"(of the {html:,} HTML responses, {sum(s.prefiltered_out for s in one) / html:.1%} "
              "by the prefilter on raw bytes)")
    finally:
        shutil.rmtree(folder, ignore_errors=True)


if __name__ == "__main__":
    main()
