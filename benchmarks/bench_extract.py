"""Benchmark of claim extraction against quantulum3 over the same >= 10 MB of reporting text.

Builds a corpus from the texts of ../shared/gold/dev.jsonl plus inputs/articles/*.txt (when
present), repeated in a deterministic shuffled order until it reaches the target size, then
times `tracker.extract.extract` over every document and, in the same run, quantulum3's
`parser.parse` over the same documents. Prints documents/second, MB/second for both and the
ratio. Target: our throughput >= 10x quantulum3's while doing the whole job (numerals, units,
cues, actors, places, periods, attribution), where quantulum3 only finds quantities.

    .venv/bin/python benchmarks/bench_extract.py             # 10 MB
    .venv/bin/python benchmarks/bench_extract.py --mb 20
    .venv/bin/python benchmarks/bench_extract.py --profile   # cProfile of our extractor

quantulum3 is a benchmark-only dependency: `pip install -e '.[bench]'`.
"""

from __future__ import annotations

import argparse
import cProfile
import json
import pstats
import random
import re
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from tracker.extract import extract  # noqa: E402
from tracker.model import Document  # noqa: E402

GOLD = ROOT.parent / "shared" / "gold" / "dev.jsonl"
ARTICLES = ROOT / "inputs" / "articles"


def base_documents() -> list[Document]:
    if not GOLD.is_file():
        sys.exit(f"bench_extract: {GOLD} is absent; the benchmark needs ../shared/gold/dev.jsonl "
                 "(the development corpus) next to the project")
    docs = []
    for line in GOLD.read_text(encoding="utf-8").splitlines():
        if not line.strip():
            continue
        rec = json.loads(line)
        docs.append(Document(text=rec["text"], doc_id=rec["id"], published=rec.get("published"),
                             language=rec.get("language"), url=rec.get("url", ""),
                             publisher=rec.get("publisher", "")))
    if ARTICLES.is_dir():
        for path in sorted(ARTICLES.glob("*.txt")):
            date = re.match(r"(\d{4}-\d{2}-\d{2})", path.name)
            docs.append(Document(text=path.read_text(encoding="utf-8", errors="replace"),
                                 doc_id=path.stem, published=date.group(1) if date else None))
    return docs


def corpus(target_bytes: int, seed: int = 20260101) -> list[Document]:
    """The base documents, shuffled deterministically round after round until big enough."""
    base = base_documents()
    rng = random.Random(seed)
    out: list[Document] = []
    size = 0
    rnd = 0
    while size < target_bytes:
        order = list(range(len(base)))
        rng.shuffle(order)
        for i in order:
            d = base[i]
            out.append(Document(text=d.text, doc_id=f"{d.doc_id}-r{rnd}", published=d.published,
                                language=d.language, url=d.url, publisher=d.publisher))
            size += len(d.text.encode("utf-8"))
            if size >= target_bytes:
                break
        rnd += 1
    return out


def run_ours(docs: list[Document]) -> tuple[float, int]:
    t0 = time.perf_counter()
    claims = 0
    for d in docs:
        claims += len(extract(d))
    return time.perf_counter() - t0, claims


def run_quantulum(docs: list[Document]) -> tuple[float, int]:
    try:
        from quantulum3 import parser
    except ImportError:
        sys.exit("bench_extract: quantulum3 is not installed; run `.venv/bin/pip install -e '.[bench]'`")
    parser.parse("warm-up: 5 square kilometres")  # load its unit tables outside the timing
    t0 = time.perf_counter()
    found = 0
    for d in docs:
        found += len(parser.parse(d.text))
    return time.perf_counter() - t0, found


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--mb", type=float, default=10.0, help="corpus size in MB (default 10)")
    ap.add_argument("--profile", action="store_true", help="profile our extractor, skip quantulum3")
    ap.add_argument("--sort", default="cumulative", help="cProfile sort key with --profile")
    ap.add_argument("--skip-quantulum", action="store_true", help="time only our extractor")
    a = ap.parse_args()
    docs = corpus(int(a.mb * 1_000_000))
    mb = sum(len(d.text.encode("utf-8")) for d in docs) / 1_000_000
    print(f"corpus: {len(docs)} documents, {mb:.2f} MB")
    extract(docs[0])  # compile lexicons outside the timing
    if a.profile:
        prof = cProfile.Profile()
        prof.enable()
        run_ours(docs)
        prof.disable()
        pstats.Stats(prof).sort_stats(a.sort).print_stats(35)
        return
    ours, claims = run_ours(docs)
    print(f"{'extractor':<22}{'seconds':>9}{'docs/s':>10}{'MB/s':>9}{'items':>9}")
    print(f"{'tracker.extract':<22}{ours:>9.2f}{len(docs) / ours:>10.1f}{mb / ours:>9.3f}{claims:>9}")
    if a.skip_quantulum:
        return
    theirs, quantities = run_quantulum(docs)
    print(f"{'quantulum3.parse':<22}{theirs:>9.2f}{len(docs) / theirs:>10.1f}{mb / theirs:>9.3f}{quantities:>9}")
    ratio = theirs / ours
    print(f"throughput ratio (ours / quantulum3): {ratio:.1f}x  (target >= 10x: "
          f"{'met' if ratio >= 10 else 'missed'})")


if __name__ == "__main__":
    main()
