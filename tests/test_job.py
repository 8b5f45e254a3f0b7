"""The scheduled job over HTTP: feeds, articles, re-runs, failures and overlapping runs."""

from __future__ import annotations

import csv
import subprocess
import sys
import threading
import time
from pathlib import Path

from click.testing import CliRunner
from pytest_httpserver import HTTPServer
from werkzeug import Response

from tracker.cli import cli
from tracker.ledger import read_claims

NOW = {"TRACKER_NOW": "2026-01-02T03:04:05Z"}
SETTINGS = ('[settings]\ncontact = "t@example.org"\ntimeout_s = 2\nretries = 1\nbackoff_s = 0.01\n'
            'per_host_delay_s = 0\nallow_private_hosts = true\n\n')  # the test server is on loopback

ARTICLE = """<html><head><title>{title}</title>
<meta property="article:published_time" content="2025-12-01T08:00:00Z"></head>
<body><article><h1>{title}</h1><p>{body}</p>
<p>Diplomats met in Geneva for talks that ended without agreement on a ceasefire.</p>
</article></body></html>"""


def rss(*items: str) -> str:
    return ('<?xml version="1.0"?><rss version="2.0"><channel><title>Wire</title>'
            '<link>http://example.org/</link><description>d</description>'
            + "".join(items) + "</channel></rss>")


def item(title: str, link: str | None, date: str | None = "Mon, 01 Dec 2025 08:00:00 GMT") -> str:
    parts = [f"<title>{title}</title>"]
    if link:
        parts.append(f"<link>{link}</link>")
    if date:
        parts.append(f"<pubDate>{date}</pubDate>")
    return "<item>" + "".join(parts) + "</item>"


def setup(folder: Path, body: str) -> None:
    (folder / "sources.toml").write_text(SETTINGS + body, encoding="utf-8")


def ingest(folder: Path):
    return CliRunner().invoke(cli, ["ingest", "--sources", str(folder / "sources.toml"),
                                    "--data-dir", str(folder / "data")], env=NOW)


def health(folder: Path) -> dict[str, dict[str, str]]:
    rows = csv.DictReader((folder / "data" / "state" / "source_health.csv").open(encoding="utf-8"))
    return {row["source_id"]: row for row in rows}


def serve_feed(httpserver: HTTPServer, items: list[str]) -> str:
    feed = rss(*items)

    def handler(request):
        if request.headers.get("If-None-Match") == '"feed-v1"':
            return Response(status=304)
        return Response(feed, headers={"ETag": '"feed-v1"'}, content_type="application/rss+xml")

    httpserver.expect_request("/feed.xml").respond_with_handler(handler)
    return httpserver.url_for("/feed.xml")


def test_feed_fetches_new_entries_then_costs_one_304(tmp_path: Path, httpserver: HTTPServer):
    for name in ("one", "two"):
        httpserver.expect_request(f"/{name}").respond_with_data(
            ARTICLE.format(title=name, body="Russian forces captured about 500 square kilometres "
                                            "of Ukrainian territory in November, an AFP analysis "
                                            "of ISW data showed."),
            content_type="text/html; charset=utf-8")
    feed = serve_feed(httpserver, [item("one", httpserver.url_for("/one")),
                                   item("two", httpserver.url_for("/two"), date=None)])
    setup(tmp_path, f'[[source]]\nid = "wire"\nkind = "feed"\nurl = "{feed}"\nconflict = "russia-ukraine"\n')
    first = ingest(tmp_path)
    assert first.exit_code == 0, first.output
    assert health(tmp_path)["wire"]["documents_read"] == "2"
    raw = sorted(p.name for p in (tmp_path / "data" / "raw" / "wire").glob("*.html"))
    assert len(raw) == 2
    processed = {p: p.read_bytes() for p in (tmp_path / "data" / "processed").iterdir()}
    requests_before = len(httpserver.log)
    second = ingest(tmp_path)
    assert second.exit_code == 0
    assert len(httpserver.log) == requests_before + 1  # only the feed, answered 304
    assert httpserver.log[-1][1].status_code == 304
    assert {p: p.read_bytes() for p in (tmp_path / "data" / "processed").iterdir()} == processed
    assert health(tmp_path)["wire"]["status"] == "ok"


def test_keyword_filter_skips_unrelated_entries(tmp_path: Path, httpserver: HTTPServer):
    httpserver.expect_request("/war").respond_with_data(ARTICLE.format(
        title="Front line", body="Russian troops took 300 sq km of Ukrainian territory in November."),
        content_type="text/html")
    feed = serve_feed(httpserver, [item("Front line: territory changes", httpserver.url_for("/war")),
                                   item("Football results", httpserver.url_for("/sport"))])
    setup(tmp_path, f'[[source]]\nid = "wire"\nkind = "feed"\nurl = "{feed}"\nkeywords = ["territory"]\n')
    assert ingest(tmp_path).exit_code == 0
    paths = [request.path for request, _ in httpserver.log]
    assert "/war" in paths and "/sport" not in paths


def test_feed_that_is_not_xml_fails_that_source_only(tmp_path: Path, httpserver: HTTPServer):
    httpserver.expect_request("/feed").respond_with_data("<html><body>Not a feed</body></html>",
                                                         content_type="text/html")
    (tmp_path / "local.txt").write_text("Nothing here to count at all, just prose.", encoding="utf-8")
    setup(tmp_path, f'[[source]]\nid = "bad"\nkind = "feed"\nurl = "{httpserver.url_for("/feed")}"\n\n'
                    '[[source]]\nid = "local"\nkind = "article"\npath = "local.txt"\n')
    result = ingest(tmp_path)
    assert result.exit_code == 1 and "not a usable RSS or Atom feed" in result.output
    rows = health(tmp_path)
    assert rows["bad"]["status"] == "failed" and rows["local"]["status"] == "ok"
    assert not (tmp_path / "data" / "raw" / "bad").exists()


def test_entry_without_link_is_recorded_and_without_date_still_read(tmp_path: Path, httpserver: HTTPServer):
    httpserver.expect_request("/dated-by-page").respond_with_data(ARTICLE.format(
        title="t", body="Russian forces seized 120 square kilometres of Ukrainian land in November."),
        content_type="text/html")
    feed = serve_feed(httpserver, [item("no link here", None),
                                   item("no date", httpserver.url_for("/dated-by-page"), date=None)])
    setup(tmp_path, f'[[source]]\nid = "wire"\nkind = "feed"\nurl = "{feed}"\n')
    result = ingest(tmp_path)
    assert result.exit_code == 3 and "has no link" in result.output
    quarantine = (tmp_path / "data" / "processed" / "quarantine.csv").read_text(encoding="utf-8")
    assert "has no link" in quarantine
    assert list((tmp_path / "data" / "raw" / "wire").glob("*.html"))


def test_failing_article_in_a_feed_is_retried_next_run(tmp_path: Path, httpserver: HTTPServer):
    calls = {"n": 0}

    def flaky(request):
        calls["n"] += 1
        if calls["n"] <= 2:  # first run: both attempts fail
            return Response("down", status=503)
        return Response(ARTICLE.format(title="t", body="Russian troops took 90 sq km of Ukrainian "
                                                       "territory in November."), content_type="text/html")

    httpserver.expect_request("/flaky").respond_with_handler(flaky)
    feed = rss(item("flaky", httpserver.url_for("/flaky")))
    httpserver.expect_request("/feed.xml").respond_with_data(feed, content_type="application/rss+xml")
    setup(tmp_path, f'[[source]]\nid = "wire"\nkind = "feed"\nurl = "{httpserver.url_for("/feed.xml")}"\n')
    assert ingest(tmp_path).exit_code == 3  # the page is quarantined; the feed answered
    assert not list((tmp_path / "data" / "raw" / "wire").glob("*.html"))
    assert ingest(tmp_path).exit_code == 0
    assert len(list((tmp_path / "data" / "raw" / "wire").glob("*.html"))) == 1


def test_consecutive_failures_are_counted(tmp_path: Path, httpserver: HTTPServer):
    httpserver.expect_request("/gone").respond_with_data("", status=404)
    setup(tmp_path, f'[[source]]\nid = "gone"\nkind = "article"\nurl = "{httpserver.url_for("/gone")}"\n')
    ingest(tmp_path)
    ingest(tmp_path)
    row = health(tmp_path)["gone"]
    assert row["consecutive_failures"] == "2" and row["last_success_at"] == "" and "404" in row["error"]
    log = (tmp_path / "data" / "state" / "logs" / "ingest.log").read_text(encoding="utf-8")
    assert log.count("ingest: 1 source(s), 1 failed") == 2


def test_two_runs_started_at_once_do_not_interleave(tmp_path: Path, httpserver: HTTPServer):
    release, arrived = threading.Event(), threading.Event()

    def slow(request):
        arrived.set()
        release.wait(5)
        return Response(ARTICLE.format(title="t", body="Russian forces took 80 square kilometres "
                                                       "of Ukrainian territory in November."),
                        content_type="text/html")

    httpserver.expect_request("/slow").respond_with_handler(slow)
    setup(tmp_path, f'[[source]]\nid = "s"\nkind = "article"\nurl = "{httpserver.url_for("/slow")}"\n')
    command = [sys.executable, "-m", "tracker", "ingest", "--sources", "sources.toml", "--data-dir", "data"]
    first = subprocess.Popen(command, cwd=tmp_path, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
    assert arrived.wait(15)  # the first run is mid-fetch, so it holds the lock
    second = subprocess.run(command, cwd=tmp_path, capture_output=True, text=True)
    release.set()
    first.communicate(timeout=20)
    assert second.returncode == 2 and "another tracker job" in second.stderr
    assert first.returncode == 0
    claims = read_claims(tmp_path / "data" / "processed" / "claims.csv")
    assert claims["claim_id"].is_unique


def _failing_routes(httpserver: HTTPServer, slow_done: threading.Event) -> dict[str, tuple[str, str]]:
    """Each way a page can fail: route -> (expected error text, description)."""
    httpserver.expect_request("/404").respond_with_data("", status=404)
    httpserver.expect_request("/410").respond_with_data("", status=410)
    httpserver.expect_request("/429").respond_with_data("", status=429, headers={"Retry-After": "9999"})
    httpserver.expect_request("/500").respond_with_data("", status=500)
    httpserver.expect_request("/loop").respond_with_data("", status=302, headers={"Location": "/loop2"})
    httpserver.expect_request("/loop2").respond_with_data("", status=302, headers={"Location": "/loop"})
    httpserver.expect_request("/scheme").respond_with_data("", status=302,
                                                           headers={"Location": "javascript:alert(1)"})
    httpserver.expect_request("/big").respond_with_data(b"x" * 200_000)

    def slow(request):
        slow_done.wait(2.5)  # set when the test ends, so the server is free for the next test
        return Response("late")

    httpserver.expect_request("/slow").respond_with_handler(slow)
    return {"/404": "HTTP 404", "/410": "HTTP 410", "/429": "retry after 9999",
            "/500": "HTTP 500 after 2 attempt", "/loop": "redirect loop",
            "/scheme": "'javascript' is not allowed", "/big": "cap", "/slow": "timed out"}


def test_every_failure_is_recorded_and_nothing_stored_is_lost(tmp_path: Path, httpserver: HTTPServer):
    slow_done = threading.Event()
    routes = _failing_routes(httpserver, slow_done)
    good = tmp_path / "good.txt"
    good.write_text("Russian forces seized 310 square kilometres of Ukrainian territory in "
                    "November, according to an AFP analysis of ISW data.", encoding="utf-8")
    body = '[[source]]\nid = "good"\nkind = "article"\npath = "good.txt"\npublished = "2025-12-01"\n'
    setup(tmp_path, body)
    assert ingest(tmp_path).exit_code == 0
    ledger_before = (tmp_path / "data" / "processed" / "claims.csv").read_bytes()
    for number, route in enumerate(routes, start=1):
        body += f'\n[[source]]\nid = "bad-{number}"\nkind = "article"\nurl = "{httpserver.url_for(route)}"\n'
    (tmp_path / "sources.toml").write_text(SETTINGS.replace("timeout_s = 2", "timeout_s = 1")
                                           .replace('per_host_delay_s = 0\n', 'per_host_delay_s = 0\nmax_bytes = 100000\n')
                                           + body, encoding="utf-8")
    result = ingest(tmp_path)
    assert result.exit_code == 1
    rows = health(tmp_path)
    for number, (route, expected) in enumerate(routes.items(), start=1):
        row = rows[f"bad-{number}"]
        assert row["status"] == "failed" and expected in row["error"], (route, row["error"])
        assert row["consecutive_failures"] == "1"
    assert rows["good"]["status"] == "ok"
    assert (tmp_path / "data" / "processed" / "claims.csv").read_bytes() == ledger_before
    _drain_slow_requests(httpserver, slow_done, expected=2)


def _drain_slow_requests(httpserver: HTTPServer, slow_done: threading.Event, expected: int) -> None:
    """The test server answers one request at a time: let it finish the timed-out ones
    here, or they would be answered (and logged) during the next test."""
    slow_done.set()
    deadline = time.monotonic() + 10
    while sum(r.path == "/slow" for r, _ in httpserver.log) < expected and time.monotonic() < deadline:
        time.sleep(0.05)
