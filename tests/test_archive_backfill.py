"""`tracker backfill ARCHIVE...` (tracker/archive_backfill.py) on WARC files built here, on a
local Dask cluster: the claims and their provenance, what is skipped, resume and re-runs."""

from __future__ import annotations

import io
import os
from pathlib import Path

import pyarrow.parquet as pq
import pytest
from click.testing import CliRunner
from warcio.archiveiterator import ArchiveIterator
from warcio.statusandheaders import StatusAndHeaders
from warcio.warcwriter import WARCWriter

from tracker.archive_backfill import (
    BACKFILL_DIR,
    CLAIMS_DIR,
    TEMP_PREFIX,
    load_manifest,
    resolve_archives,
    run_backfill,
)
from tracker.cli import cli

ARTICLE = """<html><head><title>{title}</title>
<meta property="article:published_time" content="{published}T08:00:00Z"></head>
<body><nav>Home | World | Sport</nav><article><h1>{title}</h1>
<p>{sentence}</p>
<p>The pace differed from the month before, when the army advanced across several districts
in the east of the country and took control of villages near the river.</p>
<p>Officials in the capital said the fighting remained intense along the whole front line.</p>
</article><footer>Copyright</footer></body></html>"""

OTHER = """<html><head><title>Recipes</title></head><body><article><h1>Soup of the week</h1>
<p>Chop two onions, add a litre of stock and let it simmer for half an hour before serving
it with fresh bread and a little butter.</p></article></body></html>"""


def article(sentence: str, title: str = "Front line report", published: str = "2025-12-01") -> bytes:
    return ARTICLE.format(sentence=sentence, title=title, published=published).encode("utf-8")


PAGES = [
    ("https://news.example.org/a", article(
        "Russian forces seized 505 square kilometres of Ukrainian territory in November, "
        "according to an analysis of data from the Institute for the Study of War."), "text/html"),
    ("https://news.example.org/recipes", OTHER.encode("utf-8"), "text/html"),
    ("https://news.example.org/logo.png", b"\x89PNG\r\n\x1a\n" + b"\x00" * 64, "image/png"),
    ("https://news.example.org/b", article(
        "Russia now controls about 19.4% of Ukraine's territory, the analysts said.",
        title="Share of territory"), "text/html; charset=utf-8"),
]


def write_warc(path: Path, pages=PAGES, compress: bool = True) -> Path:
    with path.open("wb") as handle:
        writer = WARCWriter(handle, gzip=compress)
        for uri, body, content_type in pages:
            headers = StatusAndHeaders("200 OK", [("Content-Type", content_type)], protocol="HTTP/1.1")
            record = writer.create_warc_record(uri, "response", payload=io.BytesIO(body),
                                               http_headers=headers,
                                               warc_headers_dict={"WARC-Date": "2025-12-01T10:00:00Z"})
            writer.write_record(record)
    return path


def claims_of(folder: Path) -> list[dict]:
    root = folder / BACKFILL_DIR / CLAIMS_DIR
    rows = []
    for path in sorted(root.rglob("*.parquet")):
        rows += pq.read_table(path).to_pylist()
    return rows


def backfill(folder: Path, *paths: Path, **options):
    options.setdefault("workers", 1)
    options.setdefault("processes", False)
    return run_backfill(resolve_archives([str(p) for p in paths]), folder / "data", **options)


def test_claims_carry_their_archive_record_and_page(tmp_path: Path):
    archive = write_warc(tmp_path / "news-1.warc.gz")
    result = backfill(tmp_path, archive)
    assert [s.name for s in result.done] == ["news-1.warc.gz"] and not result.failed
    rows = claims_of(tmp_path / "data")
    assert sorted((r["metric"], r["value"]) for r in rows) == [
        ("area_gained_km2", 505.0), ("share_controlled_pct", 19.4)]
    for row in rows:
        assert row["archive"] == "news-1.warc.gz" and row["warc_date"] == "2025-12-01T10:00:00Z"
        assert row["payload_digest"].startswith("sha1:") and row["conflict"] == "russia-ukraine"
        # The offset points at the page's own record.
        with archive.open("rb") as handle:
            handle.seek(row["record_offset"])
            record = next(iter(ArchiveIterator(handle)))
            assert record.rec_headers.get_header("WARC-Target-URI") == row["warc_target_uri"]
        assert row["url"] == row["warc_target_uri"]
    entry = load_manifest(tmp_path / "data" / BACKFILL_DIR)["news-1.warc.gz"]
    assert entry["records"] == 4 and entry["pages_kept"] == 2 and entry["claims"] == 2
    assert entry["prefiltered_out"] == 1  # the recipe page never reaches the HTML parser
    assert entry["sha256"] and entry["size"] == archive.stat().st_size
    assert entry["peak_rss_mib"] > 10  # the worker's high-water mark, for the benchmark
    # Partitioned by archive and conflict.
    (part,) = (tmp_path / "data" / BACKFILL_DIR / CLAIMS_DIR).rglob("*.parquet")
    assert part.parent.name == "conflict=russia-ukraine"
    assert part.parent.parent.name == "archive=news-1.warc.gz"


def test_a_second_run_does_nothing_and_a_changed_archive_is_read_again(tmp_path: Path):
    archive = write_warc(tmp_path / "news.warc.gz")
    assert len(backfill(tmp_path, archive).done) == 1
    manifest = (tmp_path / "data" / BACKFILL_DIR / "manifest.json").read_bytes()
    again = backfill(tmp_path, archive)
    assert again.done == [] and again.skipped == 1
    assert (tmp_path / "data" / BACKFILL_DIR / "manifest.json").read_bytes() == manifest
    write_warc(archive, PAGES[:1])
    os.utime(archive, ns=(1, 1))  # another file at the same path
    changed = backfill(tmp_path, archive)
    assert len(changed.done) == 1 and [r["value"] for r in claims_of(tmp_path / "data")] == [505.0]


def test_a_stopped_run_resumes_without_duplicates(tmp_path: Path):
    first, second = write_warc(tmp_path / "a.warc.gz"), write_warc(tmp_path / "b.warc", compress=False)
    assert len(backfill(tmp_path, first).done) == 1
    root = tmp_path / "data" / BACKFILL_DIR / CLAIMS_DIR
    # A run stopped mid-way: one archive's temporary partition half written, and another's
    # partition moved into place just before its manifest entry would have been written.
    (root / f"{TEMP_PREFIX}b.warc-999").mkdir()
    (root / f"{TEMP_PREFIX}b.warc-999" / "junk.parquet").write_bytes(b"half")
    (root / "archive=b.warc").mkdir()
    (root / "archive=b.warc" / "stale.parquet").write_bytes(b"old")
    messages: list[str] = []
    result = backfill(tmp_path, first, second, progress=messages.append)
    assert [s.name for s in result.done] == ["b.warc"] and result.skipped == 1
    assert not list(root.glob(f"{TEMP_PREFIX}*"))
    assert not (root / "archive=b.warc" / "stale.parquet").exists()
    assert sorted(r["archive"] for r in claims_of(tmp_path / "data")) == [
        "a.warc.gz", "a.warc.gz", "b.warc", "b.warc"]
    assert any("temporary partitions" in m for m in messages)


def test_a_truncated_archive_keeps_the_pages_before_the_damage(tmp_path: Path):
    whole = write_warc(tmp_path / "whole.warc.gz").read_bytes()
    # Cut inside the last gzip member (the second article).
    cut = tmp_path / "cut.warc.gz"
    cut.write_bytes(whole[: len(whole) - 200])
    result = backfill(tmp_path, cut)
    assert len(result.done) == 1
    (summary,) = result.done
    assert summary.problems and "cut.warc.gz" in summary.problems[0]
    assert [r["value"] for r in claims_of(tmp_path / "data")] == [505.0]


def test_the_command_on_a_local_cluster_of_two_worker_processes(tmp_path: Path):
    first = write_warc(tmp_path / "one.warc.gz")
    second = write_warc(tmp_path / "two.warc.gz", PAGES[:2])
    result = CliRunner().invoke(cli, ["backfill", str(tmp_path / "*.warc.gz"), "--data-dir",
                                      str(tmp_path / "data"), "--workers", "2"])
    assert result.exit_code == 0, result.output
    assert "dashboard" in result.output and "2 archive(s) read" in result.output
    assert len(claims_of(tmp_path / "data")) == 3
    assert first.exists() and second.exists()
    again = CliRunner().invoke(cli, ["backfill", str(first), str(second), "--data-dir",
                                     str(tmp_path / "data"), "--workers", "1"])
    assert again.exit_code == 0 and "2 already done" in again.output


@pytest.mark.parametrize("arguments, message", [
    (["missing.warc.gz"], "no such file"),
    (["*.nothing"], "no file matches"),
    (["ftp://example.org/a.warc.gz"], "use http or https"),
    (["https://example.org/"], "names no file"),
    (["deepstate", "--until", "2025-01-01"], "--since is required"),
])
def test_bad_targets_exit_2_with_a_reason(tmp_path: Path, monkeypatch, arguments, message):
    monkeypatch.chdir(tmp_path)
    (tmp_path / "sources.toml").write_text('[[source]]\nid = "deepstate"\nkind = "deepstate"\n'
                                           'mirror_url = "https://m.example.org/{date}.json"\n',
                                           encoding="utf-8")
    result = CliRunner().invoke(cli, ["backfill", *arguments, "--data-dir", str(tmp_path / "data")])
    assert result.exit_code == 2 and message in result.output, result.output
    assert not (tmp_path / "data" / BACKFILL_DIR / "manifest.json").exists()



def test_a_killed_run_resumes_where_it_stopped(tmp_path: Path):
    """A real kill (SIGKILL of the whole process group) after the first archive is done."""
    import signal
    import subprocess
    import sys
    import time

    many = [(f"https://news.example.org/{n}", body, kind) for n in range(60)
            for _uri, body, kind in PAGES[:1]]
    archives = [write_warc(tmp_path / f"part-{n}.warc.gz", many) for n in range(3)]
    manifest = tmp_path / "data" / BACKFILL_DIR / "manifest.json"
    command = [sys.executable, "-m", "tracker", "backfill", *map(str, archives), "--data-dir",
               str(tmp_path / "data"), "--workers", "1", "--quiet"]
    env = dict(os.environ, PYTHONPATH=str(Path(__file__).resolve().parents[1]))
    child = subprocess.Popen(command, env=env, start_new_session=True,
                             stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    deadline = time.monotonic() + 120
    while time.monotonic() < deadline and child.poll() is None:
        if manifest.exists() and len(load_manifest(manifest.parent)) >= 1:
            break
        time.sleep(0.05)
    os.killpg(child.pid, signal.SIGKILL)
    child.wait()
    done_before = set(load_manifest(manifest.parent))
    assert done_before, "the first archive did not finish within two minutes"
    resumed = subprocess.run(command, env=env, capture_output=True, text=True, timeout=300)
    assert resumed.returncode == 0, resumed.stderr
    assert set(load_manifest(manifest.parent)) == {a.name for a in archives}
    rows = claims_of(tmp_path / "data")
    # Every page's figure once: no archive counted twice, none lost.
    assert len(rows) == 3 * 60
    assert not list((tmp_path / "data" / BACKFILL_DIR / CLAIMS_DIR).glob(f"{TEMP_PREFIX}*"))


# --- merging into the ledger, and the review sample ----------------------------------------


ARCHIVES_SOURCE = '[[source]]\nid = "archives"\nkind = "archives"\n'


def sources_file(folder: Path, text: str = ARCHIVES_SOURCE) -> Path:
    path = folder / "sources.toml"
    path.write_text(text, encoding="utf-8")
    return path


def merge(folder: Path, *extra: str):
    return CliRunner().invoke(cli, ["backfill", "--merge", "--sources",
                                    str(folder / "sources.toml"), "--data-dir",
                                    str(folder / "data"), *extra])


def ledger(folder: Path) -> list[dict]:
    import csv

    with (folder / "data" / "processed" / "claims.csv").open(encoding="utf-8") as handle:
        return list(csv.DictReader(handle))


def quarantine(folder: Path) -> list[dict]:
    import csv

    path = folder / "data" / "processed" / "quarantine.csv"
    with path.open(encoding="utf-8") as handle:
        return list(csv.DictReader(handle))


def test_merge_puts_the_claims_in_the_ledger_as_the_ingest_does(tmp_path: Path):
    backfill(tmp_path, write_warc(tmp_path / "news.warc.gz"))
    sources_file(tmp_path)
    result = merge(tmp_path)
    assert result.exit_code == 0, result.output
    rows = ledger(tmp_path)
    assert sorted((r["metric"], r["value"]) for r in rows) == [
        ("area_gained_km2", "505"), ("share_controlled_pct", "19.4")]
    for row in rows:
        assert row["source_id"] == "archives" and row["status"] == "active"
        assert row["url"].startswith("https://news.example.org/") and len(row["claim_id"]) == 16
        assert row["location_id"] and row["retrieved_at"] == "2025-12-01T10:00:00Z"
    # Observations are derived from them as from any source's claims.
    observations = (tmp_path / "data" / "processed" / "observations.csv").read_text(encoding="utf-8")
    assert "505" in observations
    before = (tmp_path / "data" / "processed" / "claims.csv").read_bytes()
    again = merge(tmp_path)
    assert again.exit_code == 0 and "nothing new" in again.output, again.output
    assert (tmp_path / "data" / "processed" / "claims.csv").read_bytes() == before


def test_a_row_the_schema_refuses_is_quarantined_with_its_archive_and_offset(tmp_path: Path):
    import pyarrow as pa

    backfill(tmp_path, write_warc(tmp_path / "news.warc.gz"))
    (part,) = (tmp_path / "data" / BACKFILL_DIR / CLAIMS_DIR).rglob("part-0.parquet")
    table = pq.read_table(part)
    values = table.column("value").to_pylist()
    broken = [v if v < 100 else -v for v in values]  # an area seized cannot be negative
    pq.write_table(table.set_column(table.schema.get_field_index("value"), "value",
                                    pa.array(broken, pa.float64())), part)
    sources_file(tmp_path)
    result = merge(tmp_path)
    assert result.exit_code == 3, result.output
    assert [(r["metric"], r["value"]) for r in ledger(tmp_path)] == [("share_controlled_pct", "19.4")]
    (refused,) = quarantine(tmp_path)
    offset = next(r["record_offset"] for r in table.to_pylist() if r["value"] > 100)
    assert refused["origin"] == f"news.warc.gz@{offset} https://news.example.org/a"
    assert refused["source_id"] == "archives" and "cannot be negative" in refused["reason"]


def test_an_archive_taken_out_of_the_backfill_has_its_figures_retracted(tmp_path: Path):
    import json
    import shutil

    backfill(tmp_path, write_warc(tmp_path / "one.warc.gz"),
             write_warc(tmp_path / "two.warc.gz", PAGES[:1] + [(
                 "https://news.example.org/c", article(
                     "Russian forces seized 321 square kilometres of Ukrainian territory in "
                     "October, analysts said."), "text/html")]))
    sources_file(tmp_path)
    assert merge(tmp_path).exit_code == 0
    root = tmp_path / "data" / BACKFILL_DIR
    manifest = json.loads((root / "manifest.json").read_text(encoding="utf-8"))
    del manifest["archives"]["two.warc.gz"]
    (root / "manifest.json").write_text(json.dumps(manifest), encoding="utf-8")
    shutil.rmtree(root / CLAIMS_DIR / "archive=two.warc.gz")
    assert merge(tmp_path).exit_code == 0
    status = {r["value"]: r["status"] for r in ledger(tmp_path)}
    # 505 is on a page of both archives (one citation): it stays; 321 was only in two.
    assert status == {"505": "active", "19.4": "active", "321": "retracted"}


@pytest.mark.parametrize("sources, message", [
    ('[[source]]\nid = "c"\nkind = "curated"\npath = "c.csv"\n', "exactly one enabled source of kind 'archives'"),
    (ARCHIVES_SOURCE + '[[source]]\nid = "more"\nkind = "archives"\n', "found: archives, more"),
])
def test_merge_without_one_archives_source_is_refused_before_anything_is_read(
        tmp_path: Path, sources: str, message: str):
    sources_file(tmp_path, sources)
    archive = write_warc(tmp_path / "news.warc.gz")
    result = CliRunner().invoke(cli, ["backfill", str(archive), "--merge", "--sources",
                                      str(tmp_path / "sources.toml"), "--data-dir",
                                      str(tmp_path / "data")])
    assert result.exit_code == 2 and message in result.output, result.output
    assert 'kind = "archives"' in result.output  # what to add
    assert not (tmp_path / "data").exists()


def test_merge_before_any_backfill_fails_the_source_and_keeps_the_ledger(tmp_path: Path):
    sources_file(tmp_path)
    result = merge(tmp_path)
    assert result.exit_code == 1 and "no backfill here" in result.output, result.output


def _articles(prefix: str, count: int) -> list[tuple[str, bytes, str]]:
    return [(f"https://{prefix}.example.org/{n}", article(
        f"Russian forces seized {100 + n} square kilometres of Ukrainian territory in "
        f"November, according to analysts.", title=f"{prefix} report {n}"), "text/html")
        for n in range(count)]


def test_the_review_sample_is_the_same_whatever_the_order_and_the_workers(tmp_path: Path):
    first = write_warc(tmp_path / "first.warc.gz", _articles("first", 7) + PAGES[1:3])
    second = write_warc(tmp_path / "second.warc.gz", _articles("second", 5))
    one = tmp_path / "one"
    one.mkdir()
    backfill(one, first, second, sample_n=4)
    two = tmp_path / "two"
    two.mkdir()
    backfill(two, second, first, sample_n=4, workers=2)
    sample = (one / "data" / BACKFILL_DIR / "sample.csv").read_text(encoding="utf-8")
    assert sample == (two / "data" / BACKFILL_DIR / "sample.csv").read_text(encoding="utf-8")
    import csv

    rows = list(csv.DictReader(sample.splitlines()))
    assert len(rows) == 4 and [r["rank"] for r in rows] == sorted(r["rank"] for r in rows)
    # Pages without claims are never sampled; every sampled page has its figure.
    assert all(r["warc_target_uri"].split("/")[2].split(".")[0] in ("first", "second") for r in rows)
    assert all(r["claims"] == "1" for r in rows)
    # Asking for more than an archive kept reads it again; all 12 pages with claims fit.
    more = backfill(one, first, second, sample_n=50)
    assert len(more.done) == 2
    rows = list(csv.DictReader((one / "data" / BACKFILL_DIR / "sample.csv").read_text(
        encoding="utf-8").splitlines()))
    assert len(rows) == 12
    # And once they are all in, asking again reads nothing.
    assert backfill(one, first, second, sample_n=60).done == []


def test_sampled_pages_are_kept_for_the_review_page(tmp_path: Path):
    from tracker.review.app import create_app

    archive = write_warc(tmp_path / "news.warc.gz", _articles("news", 6))
    sources_file(tmp_path)
    result = CliRunner().invoke(cli, ["backfill", str(archive), "--sample", "2", "--merge",
                                      "--workers", "1", "--sources", str(tmp_path / "sources.toml"),
                                      "--data-dir", str(tmp_path / "data")])
    assert result.exit_code == 0, result.output
    assert "review sample of 2 page(s)" in result.output
    rows = ledger(tmp_path)
    assert len(rows) == 6
    import csv

    sample = list(csv.DictReader((tmp_path / "data" / BACKFILL_DIR / "sample.csv").read_text(
        encoding="utf-8").splitlines()))
    sampled = {r["claim_id"] for r in rows if r["snapshot_sha256"] in {s["page_sha256"] for s in sample}}
    assert len(sampled) == 2
    client = create_app(tmp_path / "data", "Ana").test_client()
    page = client.get("/?sample=1&status=all").get_data(as_text=True)
    listed = {row["claim_id"] for row in rows if f"/figure/{row['claim_id']}" in page}
    assert listed == sampled
    everything = client.get("/?status=all").get_data(as_text=True)
    assert all(f"/figure/{row['claim_id']}" in everything for row in rows)
    shown = client.get(f"/figure/{sorted(sampled)[0]}?sample=1").get_data(as_text=True)
    assert "square kilometres" in shown and "not shown" not in shown
    assert client.get("/?sample=yes").status_code == 400
    # What people decide on the sample is labelled data, as any reviewed document is.
    import json
    import re

    for claim in sampled:
        html = client.get(f"/figure/{claim}?sample=1").get_data(as_text=True)
        form = {name: re.search(rf'name="{name}" value="([0-9a-f]+)"', html).group(1)
                for name in ("csrf_token", "reading")}
        assert client.post(f"/figure/{claim}/confirm?sample=1", data=form).status_code == 303
    out = tmp_path / "reviewed.jsonl"
    exported = CliRunner().invoke(cli, ["review", "export", "--out", str(out), "--data-dir",
                                        str(tmp_path / "data")])
    assert exported.exit_code == 0, exported.output
    documents = [json.loads(line) for line in out.read_text(encoding="utf-8").splitlines()]
    assert len(documents) == 2
    assert {d.get("url") for d in documents} == {r["url"] for r in rows if r["claim_id"] in sampled}


def test_an_archive_read_by_another_extractor_is_read_again(tmp_path: Path):
    import json

    archive = write_warc(tmp_path / "news.warc.gz")
    backfill(tmp_path, archive)
    path = tmp_path / "data" / BACKFILL_DIR / "manifest.json"
    manifest = json.loads(path.read_text(encoding="utf-8"))
    manifest["archives"]["news.warc.gz"]["extractor_version"] = "rules-0.0"
    path.write_text(json.dumps(manifest), encoding="utf-8")
    assert len(backfill(tmp_path, archive).done) == 1


# --- archives at URLs, streamed ------------------------------------------------------------


def _served(httpserver, tmp_path: Path, body: bytes | None = None, **headers) -> str:
    archive = write_warc(tmp_path / "served.warc.gz")
    httpserver.expect_request("/crawl/news-01.warc.gz").respond_with_data(
        archive.read_bytes() if body is None else body, content_type="application/gzip",
        headers=headers or None)
    return httpserver.url_for("/crawl/news-01.warc.gz")


def test_an_archive_at_a_url_is_streamed_and_gives_what_the_file_gives(tmp_path: Path, httpserver):
    from tracker.config import Settings

    url = _served(httpserver, tmp_path)
    settings = Settings(allow_private_hosts=True, retries=0)  # the test server is on loopback
    result = backfill(tmp_path, url, settings=settings)
    assert [s.name for s in result.done] == ["news-01.warc.gz"] and not result.failed
    (summary,) = result.done
    served = (tmp_path / "served.warc.gz").read_bytes()
    assert summary.bytes_read == len(served)
    import hashlib

    assert summary.sha256 == hashlib.sha256(served).hexdigest()
    rows = claims_of(tmp_path / "data")
    assert sorted(r["value"] for r in rows) == [19.4, 505.0]
    assert {r["archive"] for r in rows} == {"news-01.warc.gz"}
    # Done: a second run asks the server nothing.
    asked = len(httpserver.log)
    assert backfill(tmp_path, url, settings=settings).skipped == 1 and len(httpserver.log) == asked


def test_the_command_reads_a_url_with_the_sources_files_settings(tmp_path: Path, httpserver):
    url = _served(httpserver, tmp_path)
    (tmp_path / "sources.toml").write_text(
        "[settings]\nallow_private_hosts = true\nretries = 0\n" + ARCHIVES_SOURCE, encoding="utf-8")
    result = CliRunner().invoke(cli, ["backfill", url, "--merge", "--workers", "1", "--sources",
                                      str(tmp_path / "sources.toml"), "--data-dir",
                                      str(tmp_path / "data")])
    assert result.exit_code == 0, result.output
    assert sorted(r["value"] for r in ledger(tmp_path)) == ["19.4", "505"]
    # Without the setting, a loopback address is refused, and nothing is written.
    (tmp_path / "sources.toml").write_text("[settings]\nretries = 0\n" + ARCHIVES_SOURCE, encoding="utf-8")
    refused = CliRunner().invoke(cli, ["backfill", url, "--workers", "1", "--sources",
                                       str(tmp_path / "sources.toml"), "--data-dir",
                                       str(tmp_path / "other")])
    assert refused.exit_code == 1 and "loopback" in refused.output, refused.output
    assert load_manifest(tmp_path / "other" / BACKFILL_DIR) == {}


@pytest.mark.parametrize("status, body, headers, message", [
    (404, b"gone", {}, "HTTP 404"),
    (200, None, "cut", "body cut at byte"),
])
def test_a_url_that_fails_or_is_cut_short_fails_its_archive_only(
        tmp_path: Path, httpserver, status, body, headers, message):
    from tracker.config import Settings

    whole = write_warc(tmp_path / "whole.warc.gz").read_bytes()
    if headers == "cut":  # the length of the whole archive announced, half of it sent
        from werkzeug.wrappers import Response

        def cut_short(request):  # a generator body keeps the announced length as it is
            return Response(iter([whole[: len(whole) // 2]]), direct_passthrough=True,
                            headers={"Content-Length": str(len(whole))})

        httpserver.expect_request("/cut.warc.gz").respond_with_handler(cut_short)
        url = httpserver.url_for("/cut.warc.gz")
    else:
        httpserver.expect_request("/missing.warc.gz").respond_with_data(body, status=status)
        url = httpserver.url_for("/missing.warc.gz")
    local = write_warc(tmp_path / "local.warc.gz")
    result = backfill(tmp_path, url, local, settings=Settings(allow_private_hosts=True, retries=0))
    assert [s.name for s in result.done] == ["local.warc.gz"]
    (failed,) = result.failed
    assert url in failed.error and message in failed.error, failed.error
    assert set(load_manifest(tmp_path / "data" / BACKFILL_DIR)) == {"local.warc.gz"}
    assert {r["archive"] for r in claims_of(tmp_path / "data")} == {"local.warc.gz"}


def test_progress_tells_how_far_the_archives_under_way_have_read(tmp_path: Path, monkeypatch):
    import tracker.archive_backfill as archive_backfill

    monkeypatch.setattr(archive_backfill, "TASK_PROGRESS_S", 0.0)
    monkeypatch.setattr(archive_backfill, "PRINT_PROGRESS_S", 0.0)
    archive = write_warc(tmp_path / "long.warc.gz", _articles("long", 300))
    messages: list[str] = []
    result = backfill(tmp_path, archive, progress=messages.append)
    assert len(result.done) == 1
    under_way = [m for m in messages if "under way long.warc.gz at" in m]
    assert under_way, messages
    assert "%" in under_way[0] and "records" in under_way[0] and "ETA" in under_way[0]
    assert messages[-1].startswith("backfill: long.warc.gz done (300 claims)")


def test_the_local_workers_keep_no_profile_that_grows_with_the_run():
    from tracker.archive_backfill import _client

    with _client(1, None, processes=True) as client:
        callbacks = client.run(lambda dask_worker: sorted(dask_worker.periodic_callbacks))
    (names,) = callbacks.values()
    assert "profile" not in names and "profile-cycle" not in names and names  # others run


def test_the_source_reads_a_backfill_folder_named_by_path_inside_the_sources_folder(tmp_path: Path):
    import shutil

    backfill(tmp_path, write_warc(tmp_path / "news.warc.gz"))
    project = tmp_path / "project"
    project.mkdir()
    shutil.move(str(tmp_path / "data" / BACKFILL_DIR), str(project / "shared-backfill"))
    sources_file(project, ARCHIVES_SOURCE + 'path = "shared-backfill"\n')
    result = merge(project)
    assert result.exit_code == 0, result.output
    assert len(ledger(project)) == 2
    # Outside the sources folder only with allow_outside, as any local file a source reads.
    sources_file(project, ARCHIVES_SOURCE + f'path = "{tmp_path / "elsewhere"}"\n')
    (tmp_path / "elsewhere").mkdir()
    refused = merge(project)
    assert refused.exit_code == 1 and "allow_outside" in refused.output, refused.output


def _ranged(whole: bytes, cut_at: int, honour_range: bool = True):
    """A handler that loses the connection after `cut_at` bytes of the first answer, then
    answers a Range request with the rest (or, not honouring it, the whole again)."""
    import re

    from werkzeug.wrappers import Response

    def handle(request):
        asked = re.fullmatch(r"bytes=(\d+)-", request.headers.get("Range", ""))
        if asked and honour_range:
            start = int(asked.group(1))
            return Response(whole[start:], status=206, headers={
                "Content-Range": f"bytes {start}-{len(whole) - 1}/{len(whole)}",
                "Accept-Ranges": "bytes"})
        return Response(iter([whole[:cut_at]]), direct_passthrough=True,
                        headers={"Content-Length": str(len(whole)), "Accept-Ranges": "bytes"})
    return handle


def test_a_lost_connection_is_resumed_where_it_stopped(tmp_path: Path, httpserver):
    import hashlib

    from tracker.config import Settings

    whole = write_warc(tmp_path / "whole.warc.gz").read_bytes()
    httpserver.expect_request("/flaky.warc.gz").respond_with_handler(_ranged(whole, len(whole) // 3))
    url = httpserver.url_for("/flaky.warc.gz")
    settings = Settings(allow_private_hosts=True, retries=1, per_host_delay_s=0.0)
    result = backfill(tmp_path, url, settings=settings)
    (summary,) = result.done
    assert summary.resumed == 1 and summary.bytes_read == len(whole)
    assert summary.sha256 == hashlib.sha256(whole).hexdigest()  # every byte once, in order
    assert sorted(r["value"] for r in claims_of(tmp_path / "data")) == [19.4, 505.0]
    assert [r.headers.get("Range") for r, _ in httpserver.log] == [None, f"bytes={len(whole) // 3}-"]


def test_a_server_that_does_not_resume_fails_the_archive(tmp_path: Path, httpserver):
    from tracker.config import Settings

    whole = write_warc(tmp_path / "whole.warc.gz").read_bytes()
    httpserver.expect_request("/flaky.warc.gz").respond_with_handler(
        _ranged(whole, len(whole) // 3, honour_range=False))
    url = httpserver.url_for("/flaky.warc.gz")
    result = backfill(tmp_path, url, settings=Settings(allow_private_hosts=True, retries=1,
                                                       per_host_delay_s=0.0))
    (failed,) = result.failed
    assert "does not resume there (HTTP 200" in failed.error and url in failed.error
    assert load_manifest(tmp_path / "data" / BACKFILL_DIR) == {}


def test_a_damaged_manifest_stops_the_backfill_instead_of_starting_afresh(tmp_path: Path):
    archive = write_warc(tmp_path / "news.warc.gz")
    backfill(tmp_path, archive)
    manifest = tmp_path / "data" / BACKFILL_DIR / "manifest.json"
    manifest.write_bytes(manifest.read_bytes()[:40])  # cut short
    damaged = manifest.read_bytes()
    result = CliRunner().invoke(cli, ["backfill", str(archive), "--data-dir", str(tmp_path / "data"),
                                      "--workers", "1"])
    assert result.exit_code == 2 and "manifest cannot be read" in result.output, result.output
    assert manifest.read_bytes() == damaged  # left for the person to restore
    sources_file(tmp_path)
    merged = merge(tmp_path)
    assert merged.exit_code == 1 and "cannot read the backfill manifest" in merged.output


def test_the_same_job_runs_on_an_existing_scheduler(tmp_path: Path):
    from dask.distributed import LocalCluster

    archive = write_warc(tmp_path / "news.warc.gz")
    with LocalCluster(n_workers=1, threads_per_worker=1, processes=False,
                      dashboard_address=":0") as cluster:
        result = CliRunner().invoke(cli, ["backfill", str(archive), "--scheduler",
                                          cluster.scheduler_address, "--data-dir",
                                          str(tmp_path / "data")])
        # The cluster is the group's own: the run leaves it up.
        assert cluster.scheduler.status.name == "running"
    assert result.exit_code == 0, result.output
    assert "on 1 worker(s)" in result.output
    assert sorted(r["value"] for r in claims_of(tmp_path / "data")) == [19.4, 505.0]
