"""Benchmark of claim extraction against quantulum3 over the same >= 10 MB of reporting text.

Builds a corpus from the texts of ../shared/gold/dev.jsonl plus inputs/articles/*.txt (when
present), repeated in a deterministic shuffled order until it reaches the target size, then
times `tracker.extract.extract` over every document and, in the same run, quantulum3's
`parser.parse` over the same documents. Prints documents/second, MB/second for both and the
ratio. Target: our throughput >= 10x quantulum3's while doing the whole job (numerals, units,
cues, actors, places, periods, attribution), where quantulum3 only finds quantities.

First it times the start-up cost a one-off call pays: the whole process of `tracker extract`
on one short document (a new interpreter each run, median of a few runs, next to the bare
interpreter's start-up). Target: at most 0.3 s. The lexicons are built and their patterns
compiled only as a document needs them, so this is the price of one document's patterns,
not of all six languages'; the throughput runs below build everything first, outside the
timing (`tracker.extract.lexicon.warm_up`).

    .venv/bin/python benchmarks/bench_extract.py             # 10 MB
    .venv/bin/python benchmarks/bench_extract.py --mb 20
    .venv/bin/python benchmarks/bench_extract.py --profile   # cProfile of our extractor
    .venv/bin/python benchmarks/bench_extract.py --one-document-only --runs 9

quantulum3 is a benchmark-only dependency: `pip install -e '.[bench]'`.
"""

from __future__ import annotations

import argparse
import cProfile
import importlib.util
import json
import pstats
import random
import re
import resource
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from tracker.extract import extract  # noqa: E402
from tracker.model import Document  # noqa: E402

GOLD = ROOT.parent / "shared" / "gold" / "dev.jsonl"
ARTICLES = ROOT / "inputs" / "articles"

# The one short document of the start-up timing (written for it) and its target.
ONE_DOCUMENT = {"id": "one", "text": "Russian forces seized about 500 sq km in November, ISW said.",
                "published": "2025-12-01", "language": "en"}
ONE_DOCUMENT_TARGET_S = 0.3


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


def _timed_runs(command: list[str], runs: int) -> tuple[list[float], list[float], list[str]]:
    """Wall and CPU seconds (user + system) of `runs` runs of `command`, and their outputs."""
    walls, cpus, outputs = [], [], []
    for _ in range(runs):
        before = resource.getrusage(resource.RUSAGE_CHILDREN)
        start = time.perf_counter()
        done = subprocess.run(command, capture_output=True, text=True, cwd=ROOT)
        walls.append(time.perf_counter() - start)
        after = resource.getrusage(resource.RUSAGE_CHILDREN)
        cpus.append(after.ru_utime - before.ru_utime + after.ru_stime - before.ru_stime)
        if done.returncode != 0:
            sys.exit(f"bench_extract: {' '.join(command)} failed:\n{done.stderr}")
        outputs.append(done.stdout)
    return walls, cpus, outputs


def one_document_process(runs: int) -> None:
    """Print the whole-process time of `tracker extract` on one short document: a new
    interpreter each run (imports, the lexicon patterns the document needs, reading and
    printing), the median of `runs` runs, and the bare interpreter's start-up beside it."""
    script = Path(sys.executable).with_name("tracker")
    command = [str(script)] if script.is_file() else [sys.executable, "-m", "tracker"]
    with tempfile.TemporaryDirectory() as tmp:
        path = Path(tmp) / "one.jsonl"
        path.write_text(json.dumps(ONE_DOCUMENT) + "\n", encoding="utf-8")
        walls, cpus, outputs = _timed_runs([*command, "extract", "--jsonl", str(path), "--format", "jsonl"], runs)
    if any('"area_gained_km2"' not in out for out in outputs):
        sys.exit(f"bench_extract: tracker extract did not read the one document: {outputs[0]!r}")
    bare, _cpu, _out = _timed_runs([sys.executable, "-c", "pass"], runs)
    median = statistics.median(walls)
    print(f"one short document, whole process (`tracker extract --jsonl`, {runs} runs): median "
          f"{median:.3f} s wall, {statistics.median(cpus):.3f} s CPU (fastest {min(walls):.3f} s); "
          f"interpreter start-up alone {statistics.median(bare):.3f} s; target <= {ONE_DOCUMENT_TARGET_S} s: "
          f"{'met' if median <= ONE_DOCUMENT_TARGET_S else 'missed'}")
    engine = ROOT / "tracker" / "extract" / "engine.py"
    cached = Path(importlib.util.cache_from_source(str(engine)))
    if sys.flags.dont_write_bytecode and not cached.is_file():
        print("  (no bytecode cache and PYTHONDONTWRITEBYTECODE set: every run compiles tracker's sources, "
              "about 0.1 s; `python -m compileall -q --invalidation-mode checked-hash tracker` writes it once)")


def load_quantulum():
    try:
        import warnings
        with warnings.catch_warnings():
            warnings.simplefilter("ignore")  # "classifier dependencies not installed"
            from quantulum3 import classifier, parser
        # Its optional classifier is a pickle of an older scikit-learn, which the training
        # extra now installs: the rule-based disambiguation is the comparison, as before.
        classifier.USE_CLF = False
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
    ap.add_argument("--runs", type=int, default=5, help="runs of the one-document process timing (0: skip it)")
    ap.add_argument("--one-document-only", action="store_true", help="only the one-document process timing")
    a = ap.parse_args()
    if a.runs > 0 and not a.profile:
        one_document_process(a.runs)
    if a.one_document_only:
        return
    docs = corpus(int(a.mb * 1_000_000))
    mb = sum(len(d.text.encode("utf-8")) for d in docs) / 1_000_000
    print(f"corpus: {len(docs)} documents, {mb:.2f} MB")
    from tracker.extract.lexicon import warm_up
    warm_up()  # build every lexicon and compile its patterns outside the timing
    extract(docs[0])
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
