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


def run_ours(docs: list[Document]) -> tuple[float, float, int]:
    """(wall seconds, CPU seconds, claims) for our extractor over `docs`."""
    w0, c0 = time.perf_counter(), time.process_time()
    claims = 0
    for d in docs:
        claims += len(extract(d))
    return time.perf_counter() - w0, time.process_time() - c0, claims


def load_quantulum():
    try:
        import warnings
        with warnings.catch_warnings():
            warnings.simplefilter("ignore")  # "classifier dependencies not installed"
            from quantulum3 import parser
    except ImportError:
        sys.exit("bench_extract: quantulum3 is not installed; run `.venv/bin/pip install -e '.[bench]'`")
    parser.parse("warm-up: 5 square kilometres")  # load its unit tables outside the timing
    return parser


def run_quantulum(parser, docs: list[Document]) -> tuple[float, float, int]:
    """(wall seconds, CPU seconds, quantities) for quantulum3 over `docs`."""
    w0, c0 = time.perf_counter(), time.process_time()
    found = 0
    for d in docs:
        found += len(parser.parse(d.text))
    return time.perf_counter() - w0, time.process_time() - c0, found


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
    if a.skip_quantulum:
        wall, cpu, claims = run_ours(docs)
        print(f"{'extractor':<22}{'wall s':>9}{'CPU s':>9}{'docs/s':>10}{'MB/s':>9}{'items':>9}")
        print(f"{'tracker.extract':<22}{wall:>9.2f}{cpu:>9.2f}{len(docs) / cpu:>10.1f}{mb / cpu:>9.3f}{claims:>9}")
        return
    parser = load_quantulum()
    # The two run in alternating slices of the corpus, so a busy machine slows both alike;
    # rates are per CPU second of this process (wall seconds are printed too).
    totals = {"ours": [0.0, 0.0, 0], "quantulum3": [0.0, 0.0, 0]}
    step = max(1, len(docs) // 20)
    for i in range(0, len(docs), step):
        part = docs[i:i + step]
        for name, res in (("ours", run_ours(part)), ("quantulum3", run_quantulum(parser, part))):
            for k in range(3):
                totals[name][k] += res[k]
    print(f"{'extractor':<22}{'wall s':>9}{'CPU s':>9}{'docs/s':>10}{'MB/s':>9}{'items':>9}")
    for name, label in (("ours", "tracker.extract"), ("quantulum3", "quantulum3.parse")):
        wall, cpu, items = totals[name]
        print(f"{label:<22}{wall:>9.2f}{cpu:>9.2f}{len(docs) / cpu:>10.1f}{mb / cpu:>9.3f}{items:>9}")
    ratio = totals["quantulum3"][1] / totals["ours"][1]
    print(f"throughput ratio (ours / quantulum3, CPU time): {ratio:.1f}x  (target >= 10x: "
          f"{'met' if ratio >= 10 else 'missed'}); wall-time ratio "
          f"{totals['quantulum3'][0] / totals['ours'][0]:.1f}x")


if __name__ == "__main__":
    main()
