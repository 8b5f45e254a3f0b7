"""Benchmark: the review page (tracker/review/app.py) over a 100,000-claim ledger.

    .venv/bin/python benchmarks/bench_review.py [--claims 100000] [--documents 1000]

Builds a synthetic ledger of machine-read figures (valid for the schema, written with
tracker.ledger.write_claims) over documents kept in a raw store, then times, through
Flask's test client and through real HTTP against waitress: loading the app (the ledger
and the view), the queue page (first request, then the median of 20 warm requests, for
the default queue and with filters and sorts), one figure page (first: the document is read;
then warm) and one confirm POST (which also finds the next figure). Target: a queue page
under 100 ms.
"""

from __future__ import annotations

import argparse
import hashlib
import re
import statistics
import sys
import tempfile
import threading
import time
from pathlib import Path
from typing import Callable

import numpy as np
import pandas as pd
import requests

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from tracker.ledger import write_claims  # noqa: E402
from tracker.model import CLAIM_COLUMNS, claim_id, location_id  # noqa: E402
from tracker.review.app import create_app  # noqa: E402
from tracker.review.log import Decision, append_decision  # noqa: E402
from tracker.store import RawStore  # noqa: E402

CONFLICTS = (("russia-ukraine", "Russia", "Ukraine", "Russian forces"),
             ("israel-gaza", "Israel", "Gaza Strip", "Israeli forces"),
             ("sudan", "Rapid Support Forces", "Sudan", "RSF fighters"))
MONTHS = ("January", "February", "March", "April", "May", "June", "July", "August", "September",
          "October", "November", "December")
PRODUCERS = (("Institute for the Study of War (ISW)", "ISW", "ISW"), ("AFP analysis of ISW data", "AFP", "ISW"),
             ("DeepState", "DeepState", "DeepStateMap"))
QUEUE_QUERIES = {
    "default (unreviewed, lowest confidence first)": "/",
    "conflict + metric + confidence 0.2-0.6": "/?conflict=russia-ukraine&metric=area_gained_km2"
                                             "&min_confidence=0.2&max_confidence=0.6",
    "source, newest first, page 7": "/?source=wire-03&order=newest&page=7",
    "all statuses, newest first, page 900": "/?status=all&order=newest&page=900",
}


def build(data_dir: Path, n_claims: int, n_documents: int, seed: int = 11) -> pd.DataFrame:
    """`n_claims` machine-read figures spread over `n_documents` stored plain-text articles
    of 10 sources; each figure's offsets fall on it in its document."""
    rng = np.random.default_rng(seed)
    store = RawStore(data_dir)
    per_document = -(-n_claims // n_documents)
    rows: list[dict] = []
    for document in range(n_documents):
        source = f"wire-{document % 10:02d}"
        conflict, actor, territory, forces = CONFLICTS[document % len(CONFLICTS)]
        year = 2023 + document % 3
        published = f"{year}-{1 + document % 12:02d}-{1 + document % 28:02d}"
        url = f"https://example.org/{source}/story-{document}"
        sentences, figures = [], []
        at = 0
        for index in range(min(per_document, n_claims - len(rows) - len(figures))):
            month = index % 12
            value = 100 + index * 3 + document % 7
            attribution, analyst, producer = PRODUCERS[(document + index) % len(PRODUCERS)]
            if index % 4 == 3:
                share = round(1 + (index * 0.7 + document * 0.1) % 95, 1)  # distinct within a document
                sentence = f"{actor} now controls {share:g} percent of {territory}, according to {analyst}. "
                shown = f"{share:g}"
                fields = {"metric": "share_controlled_pct", "value": share, "qualifier": "exact",
                          "qualifier_text": "", "as_of": published, "period_text": "now"}
            else:
                sentence = (f"{forces} captured about {value} square kilometres in {MONTHS[month]}, "
                            f"according to {analyst}. ")
                shown = str(value)
                last_day = pd.Period(f"{year}-{month + 1:02d}").days_in_month
                fields = {"metric": "area_gained_km2", "value": float(value), "qualifier": "approx",
                          "qualifier_text": "about", "period_start": f"{year}-{month + 1:02d}-01",
                          "period_end": f"{year}-{month + 1:02d}-{last_day}", "period_text": f"in {MONTHS[month]}"}
            start = at + sentence.index(shown)
            figures.append(dict(fields, conflict=conflict, actor=actor, territory=territory,
                                attribution=attribution, analyst=analyst, data_producer=producer,
                                publisher=f"Outlet {document % 40}", url=url, title=f"Story {document}",
                                published_at=published, retrieved_at=f"{published}T08:00:00Z",
                                quote=sentence.strip(), number_start=start, number_end=start + len(shown),
                                method="reported", source_id=source, extractor_version="0.5.0",
                                confidence=round(float(rng.uniform(0.05, 0.95)), 3), status="active"))
            sentences.append(sentence)
            at += len(sentence)
        payload = "".join(sentences).encode("utf-8")
        record = store.put(source, payload, origin=url, content_type="text/plain",
                           retrieved_at=f"{published}T08:00:00Z")
        for figure in figures:
            figure["snapshot_sha256"] = record.sha256
            figure["claim_id"] = claim_id(figure)
            figure["location_id"] = location_id(figure)
        rows += figures
    frame = pd.DataFrame(rows).reindex(columns=list(CLAIM_COLUMNS))
    write_claims(data_dir / "processed" / "claims.csv", frame)
    return frame


def timed(call: Callable[[], object]) -> tuple[float, object]:
    start = time.perf_counter()
    result = call()
    return (time.perf_counter() - start) * 1000, result


def median_ms(call: Callable[[], object], repeat: int = 20) -> float:
    return statistics.median(timed(call)[0] for _ in range(repeat))


def hidden(html: str, name: str) -> str:
    return re.search(rf'name="{name}" value="([0-9a-f]+)"', html).group(1)


def measure(label: str, get: Callable[[str], tuple[int, str]], post: Callable[[str, dict], int],
            claim_ids: list[str]) -> None:
    print(f"\n{label}")
    for name, path in QUEUE_QUERIES.items():
        first, (status, _) = timed(lambda: get(path))
        assert status == 200, (path, status)
        print(f"  queue, {name}: first {first:6.1f} ms, warm median of 20 {median_ms(lambda: get(path)):6.1f} ms")
    figure = f"/figure/{claim_ids[0]}"
    first, (status, html) = timed(lambda: get(figure))
    assert status == 200, status
    print(f"  figure page: first (document read) {first:6.1f} ms, warm median of 20 "
          f"{median_ms(lambda: get(figure)):6.1f} ms")
    posts = []
    for claim in claim_ids[1:21]:
        _, page = get(f"/figure/{claim}")
        form = {"csrf_token": hidden(page, "csrf_token"), "reading": hidden(page, "reading")}
        elapsed, status = timed(lambda: post(f"/figure/{claim}/confirm", form))
        assert status == 303, status
        posts.append(elapsed)
    print(f"  confirm POST (append, fsync, view updated in place, next figure found): first "
          f"{posts[0]:6.1f} ms, median of 20 {statistics.median(posts):6.1f} ms")
    queue_after = median_ms(lambda: get("/"))
    print(f"  queue after those decisions, warm median of 20: {queue_after:6.1f} ms")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--claims", type=int, default=100_000)
    parser.add_argument("--documents", type=int, default=1_000)
    args = parser.parse_args()
    with tempfile.TemporaryDirectory(prefix="bench-review-") as folder:
        data_dir = Path(folder) / "data"
        elapsed, frame = timed(lambda: build(data_dir, args.claims, args.documents))
        ledger = data_dir / "processed" / "claims.csv"
        print(f"ledger: {len(frame):,} machine-read claims over {args.documents:,} stored documents, "
              f"{ledger.stat().st_size / 1e6:.1f} MB (built in {elapsed / 1000:.1f} s)")
        ordered = frame.sort_values("confidence", kind="stable")["claim_id"].tolist()
        ledger_before = hashlib.sha256(ledger.read_bytes()).hexdigest()

        elapsed, app = timed(lambda: create_app(data_dir, "bench"))
        print(f"create_app (read the ledger, build the view and indexes): {elapsed / 1000:.2f} s")
        client = app.test_client()

        def flask_get(path: str) -> tuple[int, str]:
            response = client.get(path)
            return response.status_code, response.get_data(as_text=True)

        def flask_post(path: str, form: dict) -> int:
            return client.post(path, data=form).status_code

        measure("Flask test client", flask_get, flask_post, ordered[:21])

        # Another process's decision: the log is read again, only its figure recomputed.
        row = frame.iloc[len(frame) // 2].to_dict()
        append_decision(data_dir, Decision("confirm", row["claim_id"], row["location_id"], "other",
                                           "2026-01-01T00:00:00Z"))
        elapsed, _ = timed(lambda: flask_get("/"))
        print(f"  queue after another process appended to the log (log read again): {elapsed:6.1f} ms")

        from waitress.server import create_server

        server = create_server(create_app(data_dir, "bench"), host="127.0.0.1", port=0, threads=4)
        thread = threading.Thread(target=server.run, daemon=True)
        thread.start()
        base = f"http://127.0.0.1:{server.effective_port}"
        session = requests.Session()

        def http_get(path: str) -> tuple[int, str]:
            response = session.get(base + path, allow_redirects=False, timeout=30)
            return response.status_code, response.text

        def http_post(path: str, form: dict) -> int:
            return session.post(base + path, data=form, allow_redirects=False, timeout=30).status_code

        measure("HTTP against waitress (127.0.0.1, keep-alive)", http_get, http_post, ordered[30:51])
        session.close()  # before the server: a channel still open when it closes logs an error
        time.sleep(0.2)
        server.close()
        thread.join(timeout=10)
        assert hashlib.sha256(ledger.read_bytes()).hexdigest() == ledger_before
        print("\nthe ledger's bytes are unchanged by the review (decisions go to the log)")


if __name__ == "__main__":
    main()
