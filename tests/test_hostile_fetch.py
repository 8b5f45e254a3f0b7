"""What a source sends or names must not hang the job, exhaust memory or reach where it
should not: the repros of an attack run on the tool, each kept as a fixture.

Families: a trickling server against the per-request budget; a failing host against the
circuit breaker; internal addresses (named, redirected to, rebound or listed in a feed);
local paths that are FIFOs, devices, too big or outside the project; and articles that
are UTF-16, binary or huge.
"""

from __future__ import annotations

import gzip
import os
import socket
import socketserver
import threading
import time
from datetime import datetime, timezone
from pathlib import Path
from typing import Callable

import pytest
from pytest_httpserver import HTTPServer
from werkzeug import Response

import tracker.documents as documents
import tracker.http as http
from tracker.config import Settings, Source
from tracker.http import FetchError, HttpClient, address_kind
from tracker.sources import Context, SourceError, read_local_file
from tracker.sources import article, curated, feed, geojson, table
from tracker.store import RawStore

LOCAL = dict(contact="t@example.org", per_host_delay_s=0.0, backoff_s=0.0, allow_private_hosts=True)
NOW = datetime(2026, 1, 2, 3, 4, 5, tzinfo=timezone.utc)
SECRET = "Internal memo: do not publish."
FIGURE = ("Russian forces seized 500 square kilometres of Ukrainian territory in November, "
          "an AFP review of ISW maps showed.")


def make_context(tmp_path: Path, **settings) -> Context:
    return Context(store=RawStore(tmp_path / "data"), now=NOW, settings=Settings(**{**LOCAL, **settings}))


def make_source(kind: str, base: Path, allow_outside: bool = False, **options) -> Source:
    return Source(id="s", kind=kind, options=options, base_dir=base, allow_outside=allow_outside)


def raw_files(tmp_path: Path, source_id: str = "s") -> list[Path]:
    folder = tmp_path / "data" / "raw" / source_id
    return sorted(p for p in folder.glob("*") if not p.name.endswith(".meta.json")) if folder.exists() else []


def finishes_within(seconds: float, action: Callable[[], object]) -> object:
    """Run `action` on a daemon thread: a hang fails the test instead of freezing the suite."""
    outcome: dict[str, object] = {}

    def run() -> None:
        try:
            outcome["value"] = action()
        except BaseException as error:  # handed to the test below
            outcome["error"] = error

    worker = threading.Thread(target=run, daemon=True)
    worker.start()
    worker.join(seconds)
    assert not worker.is_alive(), f"still blocked after {seconds} s"
    if "error" in outcome:
        raise outcome["error"]  # type: ignore[misc]
    return outcome.get("value")


# --- 1. A trickling server against max_request_s ------------------------------------------

class ScriptedServer(socketserver.ThreadingTCPServer):
    """Answers every connection with a script of (bytes, pause in seconds), on loopback.

    pytest-httpserver cannot trickle a status line or headers, and it answers one request
    at a time; this server does both and counts its connections."""

    daemon_threads = True
    allow_reuse_address = True

    def __init__(self, script: list[tuple[bytes, float]]) -> None:
        self.script = script
        self.connections = 0
        super().__init__(("127.0.0.1", 0), _ScriptedHandler)
        threading.Thread(target=self.serve_forever, kwargs={"poll_interval": 0.05}, daemon=True).start()

    @property
    def url(self) -> str:
        return f"http://127.0.0.1:{self.server_address[1]}/page"


class _ScriptedHandler(socketserver.BaseRequestHandler):
    def handle(self) -> None:
        self.server.connections += 1  # type: ignore[attr-defined]
        received = b""
        while b"\r\n\r\n" not in received:
            chunk = self.request.recv(4096)
            if not chunk:
                return
            received += chunk
        try:
            for data, pause_s in self.server.script:  # type: ignore[attr-defined]
                self.request.sendall(data)
                time.sleep(pause_s)
        except OSError:
            pass  # the client hung up: what a budget is for


def trickle(data: bytes, pause_s: float = 0.05) -> list[tuple[bytes, float]]:
    return [(data[i:i + 1], pause_s) for i in range(len(data))]


TRICKLES = {
    # One byte of body every 50 ms: 400 bytes would take 20 s, every read succeeding.
    "body": [(b"HTTP/1.1 200 OK\r\nContent-Type: text/plain\r\nContent-Length: 400\r\n\r\n", 0.0),
             *trickle(b"x" * 400)],
    # The status line and headers themselves, a byte at a time.
    "headers": trickle(b"HTTP/1.1 200 OK\r\nX-Padding: " + b"a" * 400 + b"\r\n\r\nbody"),
    # No length: the body ends when the connection does, so a cut must not pass as the end.
    "body without length": [(b"HTTP/1.1 200 OK\r\nConnection: close\r\n\r\n", 0.0), *trickle(b"y" * 400)],
    # Chunked, one byte per chunk.
    "chunked": [(b"HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\n\r\n", 0.0),
                *[(b"1\r\nz\r\n", 0.05) for _ in range(400)]],
}


@pytest.fixture
def scripted():
    servers: list[ScriptedServer] = []

    def start(script: list[tuple[bytes, float]]) -> ScriptedServer:
        servers.append(ScriptedServer(script))
        return servers[-1]

    yield start
    for server in servers:
        server.shutdown()
        server.server_close()


@pytest.mark.parametrize("kind", sorted(TRICKLES))
def test_trickling_server_is_cut_at_the_request_budget(scripted, kind: str):
    server = scripted(TRICKLES[kind])
    settings = Settings(**LOCAL, timeout_s=5.0, max_request_s=0.5, retries=2)
    started = time.monotonic()
    with pytest.raises(FetchError) as caught:
        HttpClient(settings).get(server.url)
    elapsed_s = time.monotonic() - started
    assert server.url in str(caught.value) and "max_request_s = 0.5" in str(caught.value)
    assert elapsed_s < 2.0, elapsed_s  # the budget covers retries too: no second 0.5 s
    assert server.connections == 1


def test_slow_but_timely_page_still_arrives(scripted):
    server = scripted([(b"HTTP/1.1 200 OK\r\nContent-Length: 10\r\n\r\n", 0.05),
                       *[(b"ab", 0.05) for _ in range(5)]])
    settings = Settings(**LOCAL, timeout_s=5.0, max_request_s=3.0, retries=0)
    assert HttpClient(settings).get(server.url).body == b"ab" * 5


def test_retry_wait_beyond_the_budget_is_not_slept(httpserver: HTTPServer):
    httpserver.expect_request("/busy").respond_with_data("busy", status=503, headers={"Retry-After": "5"})
    waits: list[float] = []
    settings = Settings(**LOCAL, max_request_s=1.0, max_retry_after_s=10.0, retries=3)
    with pytest.raises(FetchError, match="would pass max_request_s = 1 s"):
        HttpClient(settings, sleep=waits.append).get(httpserver.url_for("/busy"))
    assert waits == [] and len(httpserver.log) == 1


# --- 2. A host that keeps failing: the circuit breaker -------------------------------------

def test_host_answering_503_is_skipped_after_the_allowed_failures(httpserver: HTTPServer):
    httpserver.expect_request("/ok").respond_with_data("fine")
    for number in range(10):
        httpserver.expect_request(f"/down/{number}").respond_with_data("down", status=503)
    client = HttpClient(Settings(**LOCAL, retries=3, max_host_failures=5), sleep=lambda s: None)
    errors = []
    for number in range(10):
        with pytest.raises(FetchError) as caught:
            client.get(httpserver.url_for(f"/down/{number}"))
        errors.append(str(caught.value))
    assert len(httpserver.log) == 5  # 4 attempts for the first page, 1 for the second
    assert "HTTP 503 after 4 attempt(s)" in errors[0]
    assert all("skipped for the rest of this run after 5 failed requests" in e for e in errors[1:])
    # Another host (the same server under its IP) is still asked.
    assert client.get(f"http://127.0.0.1:{httpserver.port}/ok").body == b"fine"


def test_a_slow_host_that_never_fails_is_bounded_by_max_host_s(httpserver: HTTPServer):
    def slow(request):
        time.sleep(0.3)
        return Response("slow but fine")

    for number in range(10):
        httpserver.expect_request(f"/slow/{number}").respond_with_handler(slow)
    httpserver.expect_request("/ok").respond_with_data("fine")
    client = HttpClient(Settings(**LOCAL, retries=0, max_request_s=5, max_host_s=1.0))
    outcomes = []
    for number in range(10):
        try:
            outcomes.append(client.get(httpserver.url_for(f"/slow/{number}")).body)
        except FetchError as error:
            outcomes.append(str(error))
    assert outcomes[0] == b"slow but fine"
    assert any("max_host_s = 1" in str(o) for o in outcomes)
    assert sum(o == b"slow but fine" for o in outcomes) <= 4
    assert len(httpserver.log) <= 5  # the rest were skipped without a request
    # Another host (the same server under its IP) still has its own budget.
    assert client.get(f"http://127.0.0.1:{httpserver.port}/ok").body == b"fine"


def test_refused_connections_count_as_failures():
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        port = probe.getsockname()[1]  # closed again below: nothing listens there
    client = HttpClient(Settings(**LOCAL, retries=0, max_host_failures=3))
    messages = []
    for number in range(6):
        with pytest.raises(FetchError) as caught:
            client.get(f"http://127.0.0.1:{port}/{number}")
        messages.append(str(caught.value))
    assert all("connection failed" in m for m in messages[:3])
    assert all("skipped" in m and "after 3 failed" in m for m in messages[3:])


def rss(links: list[str]) -> str:
    items = "".join(f"<item><title>Front line {n}</title><link>{link}</link>"
                    "<pubDate>Mon, 01 Dec 2025 08:00:00 GMT</pubDate></item>"
                    for n, link in enumerate(links))
    return ('<?xml version="1.0"?><rss version="2.0"><channel><title>Wire</title>'
            f"<link>http://example.org/</link><description>d</description>{items}</channel></rss>")


def test_feed_of_ten_entries_on_a_503_host_costs_at_most_the_allowed_requests(tmp_path: Path,
                                                                              httpserver: HTTPServer):
    # The entries name the server by IP, the feed by name: two hosts for the breaker.
    links = [f"http://127.0.0.1:{httpserver.port}/down/{n}" for n in range(10)]
    httpserver.expect_request("/feed.xml").respond_with_data(rss(links), content_type="application/rss+xml")
    for number in range(10):
        httpserver.expect_request(f"/down/{number}").respond_with_data("down", status=503)
    context = make_context(tmp_path, retries=1, max_host_failures=3)
    collected = feed.collect(make_source("feed", tmp_path, url=httpserver.url_for("/feed.xml")), context)
    down_requests = [r for r, _ in httpserver.log if r.path.startswith("/down/")]
    assert len(down_requests) == 3
    assert [r.origin for r in collected.rejects] == links
    assert "HTTP 503 after 2 attempt(s)" in collected.rejects[0].reason
    # The second entry's one 503 is the third failure: it and all after it are skipped.
    assert sum("skipped for the rest of this run" in r.reason for r in collected.rejects) == 9
    assert len(raw_files(tmp_path)) == 1  # the feed itself, no page


# --- 3. Internal addresses -----------------------------------------------------------------

@pytest.mark.parametrize("address, kind", [
    ("127.0.0.1", "loopback"), ("::1", "loopback"), ("0.0.0.0", "unspecified"), ("::", "unspecified"),
    ("10.1.2.3", "private"), ("172.16.0.1", "private"), ("192.168.1.1", "private"), ("fd00::1", "private"),
    ("169.254.169.254", "link-local"), ("fe80::1%eth0", "link-local"), ("224.0.0.1", "multicast"),
    ("240.0.0.1", "reserved"), ("::ffff:127.0.0.1", "loopback"), ("::ffff:10.0.0.1", "private"),
    ("100.64.0.1", "non-public"),
    ("93.184.216.34", None), ("8.8.8.8", None), ("2001:4860:4860::8888", None),
])
def test_address_kinds(address: str, kind: str | None):
    assert address_kind(address) == kind


@pytest.mark.parametrize("url, address, kind", [
    ("http://127.0.0.1:{port}/x", "127.0.0.1", "loopback"),
    ("http://localhost:{port}/x", "127.0.0.1", "loopback"),
    ("http://[::1]:{port}/x", "::1", "loopback"),
    ("http://0.0.0.0:{port}/x", "0.0.0.0", "unspecified"),  # Linux connects that to loopback
    ("http://2130706433:{port}/x", "127.0.0.1", "loopback"),  # 127.0.0.1 as one number
    ("http://[::ffff:127.0.0.1]:{port}/x", "::ffff:127.0.0.1", "loopback"),
    ("http://169.254.169.254/latest/meta-data/", "169.254.169.254", "link-local"),  # cloud metadata
    ("http://10.0.0.1/admin", "10.0.0.1", "private"),
    ("https://192.168.0.1/", "192.168.0.1", "private"),
    ("http://[fe80::1]/", "fe80::1", "link-local"),
    ("http://224.0.0.1/", "224.0.0.1", "multicast"),
    ("http://100.64.0.1/", "100.64.0.1", "non-public"),
])
def test_non_public_addresses_are_refused_before_any_request(httpserver: HTTPServer, url: str,
                                                             address: str, kind: str):
    httpserver.expect_request("/x").respond_with_data("internal secret")
    url = url.format(port=httpserver.port)
    client = HttpClient(Settings(contact="t@example.org", retries=0, per_host_delay_s=0.0))
    with pytest.raises(FetchError) as caught:
        client.get(url)
    message = str(caught.value)
    assert message.startswith(url) and f"at {address}, a {kind} address: refused" in message
    assert "allow_private_hosts" in message
    assert httpserver.log == []


def test_allow_private_hosts_lets_loopback_through(httpserver: HTTPServer):
    httpserver.expect_request("/x").respond_with_data("intranet page")
    client = HttpClient(Settings(contact="t@example.org", per_host_delay_s=0.0, allow_private_hosts=True))
    assert client.get(httpserver.url_for("/x")).body == b"intranet page"


@pytest.fixture
def public_stand_in(monkeypatch):
    """Let one loopback address play a public server: the only local stand-in there is."""
    real = address_kind

    def stand_in(address: str) -> None:
        monkeypatch.setattr(http, "address_kind", lambda a: None if a == address else real(a))

    return stand_in


@pytest.mark.parametrize("target, address, kind", [
    ("http://169.254.169.254/latest/meta-data/iam/", "169.254.169.254", "link-local"),
    ("http://10.0.0.5/admin", "10.0.0.5", "private"),
    ("http://[::1]:{port}/internal", "::1", "loopback"),
    ("http://127.0.0.2:{port}/internal", "127.0.0.2", "loopback"),
    ("http://0.0.0.0:{port}/internal", "0.0.0.0", "unspecified"),
])
def test_redirect_to_an_internal_address_is_refused(httpserver: HTTPServer, public_stand_in,
                                                     target: str, address: str, kind: str):
    public_stand_in("127.0.0.1")
    target = target.format(port=httpserver.port)
    httpserver.expect_request("/start").respond_with_data("", status=302, headers={"Location": target})
    httpserver.expect_request("/internal").respond_with_data("internal secret")
    client = HttpClient(Settings(contact="t@example.org", retries=0, per_host_delay_s=0.0))
    with pytest.raises(FetchError) as caught:
        client.get(f"http://127.0.0.1:{httpserver.port}/start")
    assert str(caught.value).startswith(target) and f"{address}, a {kind} address: refused" in str(caught.value)
    assert [r.path for r, _ in httpserver.log] == ["/start"]


def test_name_that_rebinds_to_loopback_after_the_check_is_refused_at_connect(httpserver: HTTPServer,
                                                                            monkeypatch):
    """DNS rebinding: public when checked, loopback when connected. The peer is checked."""
    httpserver.expect_request("/x").respond_with_data("internal secret")
    real_getaddrinfo = socket.getaddrinfo
    answers = iter(["93.184.216.34", "127.0.0.1", "127.0.0.1"])

    def rebinding(host, port, *args, **kwargs):
        if host != "rebind.example":
            return real_getaddrinfo(host, port, *args, **kwargs)
        return [(socket.AF_INET, socket.SOCK_STREAM, 6, "", (next(answers), port))]

    monkeypatch.setattr(socket, "getaddrinfo", rebinding)
    url = f"http://rebind.example:{httpserver.port}/x"
    client = HttpClient(Settings(contact="t@example.org", retries=2, per_host_delay_s=0.0))
    with pytest.raises(FetchError) as caught:
        client.get(url)
    assert str(caught.value).startswith(url) and "127.0.0.1, a loopback address: refused" in str(caught.value)
    assert httpserver.log == []


@pytest.fixture
def ipv6_server():
    try:
        server = HTTPServer(host="::1", port=0)
        server.start()
    except OSError:
        pytest.skip("no IPv6 loopback here")
    yield server
    server.clear()
    if server.is_running():
        server.stop()


def test_feed_entries_pointing_inside_become_rejects_and_nothing_is_kept(tmp_path: Path, httpserver: HTTPServer,
                                                                         ipv6_server: HTTPServer,
                                                                         public_stand_in):
    # The feed is served on [::1], standing in for a public site; its entries point at
    # the machine's own services, served for real by the IPv4 test server.
    public_stand_in("::1")
    httpserver.expect_request("/article").respond_with_data(f"<html><body><p>{FIGURE}</p></body></html>",
                                                            content_type="text/html")
    links = [f"http://127.0.0.1:{httpserver.port}/article", f"http://localhost:{httpserver.port}/article",
             "http://169.254.169.254/latest/meta-data/", "http://10.20.30.40/intranet"]
    ipv6_server.expect_request("/feed.xml").respond_with_data(rss(links), content_type="application/rss+xml")
    context = make_context(tmp_path, allow_private_hosts=False, retries=0)
    source = make_source("feed", tmp_path, url=f"http://[::1]:{ipv6_server.port}/feed.xml")
    collected = feed.collect(source, context)
    assert [r.origin for r in collected.rejects] == links
    for reject, address in zip(collected.rejects, ["127.0.0.1", "127.0.0.1", "169.254.169.254", "10.20.30.40"]):
        assert reject.reason.startswith(reject.origin) and f"at {address}" in reject.reason
    assert httpserver.log == [] and collected.claims == []
    assert len(raw_files(tmp_path)) == 1  # the feed alone


# --- 4. Local paths --------------------------------------------------------------------------

@pytest.fixture
def project(tmp_path: Path) -> Path:
    folder = tmp_path / "project"
    folder.mkdir()
    return folder


@pytest.fixture
def outside(tmp_path: Path) -> Path:
    secret = tmp_path / "elsewhere" / "secret.txt"
    secret.parent.mkdir()
    secret.write_text(SECRET, encoding="utf-8")
    return secret


def test_fifo_is_refused_without_being_opened(project: Path):
    fifo = project / "pipe.txt"
    os.mkfifo(fifo)
    with pytest.raises(SourceError, match="not a regular file \\(a FIFO\\)"):
        finishes_within(5, lambda: read_local_file(make_source("article", project), fifo, Settings()))


def test_dev_zero_is_refused_even_where_outside_paths_are_allowed(project: Path):
    source = make_source("article", project, allow_outside=True)
    with pytest.raises(SourceError, match="/dev/zero: not a regular file \\(a character device\\)"):
        finishes_within(5, lambda: read_local_file(source, Path("/dev/zero"), Settings()))


def test_symlink_to_a_device_is_refused(project: Path):
    (project / "zero.txt").symlink_to("/dev/zero")
    source = make_source("article", project, allow_outside=True)
    with pytest.raises(SourceError, match="character device"):
        finishes_within(5, lambda: read_local_file(source, project / "zero.txt", Settings()))


def test_file_over_max_bytes_is_refused_with_its_size_and_the_setting(project: Path):
    (project / "big.txt").write_bytes(b"x" * 101)
    (project / "fits.txt").write_bytes(b"x" * 100)
    source = make_source("article", project)
    with pytest.raises(SourceError) as caught:
        read_local_file(source, project / "big.txt", Settings(max_bytes=100), label="big.txt")
    assert str(caught.value) == ("big.txt: 101 bytes, over the 100-byte cap "
                                 "(raise 'max_bytes' in [settings])")
    assert read_local_file(source, project / "fits.txt", Settings(max_bytes=100)) == b"x" * 100


@pytest.mark.parametrize("how", ["absolute", "dot-dot", "symlink", "symlinked folder"])
def test_paths_outside_the_project_are_refused(project: Path, outside: Path, how: str):
    if how == "absolute":
        path = outside
    elif how == "dot-dot":
        path = project / ".." / "elsewhere" / "secret.txt"
    elif how == "symlink":
        path = project / "innocent.txt"
        path.symlink_to(outside)
    else:
        (project / "docs").symlink_to(outside.parent, target_is_directory=True)
        path = project / "docs" / "secret.txt"
    with pytest.raises(SourceError, match="is outside .*set allow_outside = true"):
        read_local_file(make_source("article", project), path, Settings())


def test_allow_outside_permits_the_outside_path(project: Path, outside: Path):
    (project / "innocent.txt").symlink_to(outside)
    source = make_source("article", project, allow_outside=True)
    assert read_local_file(source, outside, Settings()) == SECRET.encode("utf-8")
    assert read_local_file(source, project / "innocent.txt", Settings()) == SECRET.encode("utf-8")


def test_missing_file_and_folder_are_named(project: Path):
    (project / "folder.csv").mkdir()
    source = make_source("curated", project)
    with pytest.raises(SourceError, match="gone.csv: no such file"):
        read_local_file(source, project / "gone.csv", Settings(), label="gone.csv")
    with pytest.raises(SourceError, match="not a regular file \\(a folder\\)"):
        read_local_file(source, project / "folder.csv", Settings())


def test_every_local_kind_reads_through_the_guard(tmp_path: Path, project: Path, outside: Path):
    """article (file and folder entry), curated, geojson and table: none opens a FIFO,
    reads a device, or copies an outside file into data/raw."""
    os.mkfifo(project / "pipe.geojson")
    (project / "articles").mkdir()
    (project / "articles" / "a.txt").write_text(FIGURE, encoding="utf-8")
    (project / "articles" / "b.txt").symlink_to(outside)
    (project / "series.json").write_bytes(b"[" + b'{"value": 1, "date": "2025-01-01"},' * 50 + b"{}]")
    cases = [
        (article, make_source("article", project, path="/dev/zero"), "outside"),
        (article, make_source("article", project, path="articles"), "articles/b.txt: .* is outside"),
        (curated, make_source("curated", project, path=str(outside)), "is outside"),
        (geojson, make_source("geojson", project, actor="Russia", path="pipe.geojson"), "a FIFO"),
        (table, make_source("table", project, metric="area_controlled_km2", actor="Russia",
                            columns={"value": "value", "date": "date"}, path="series.json",
                            max_bytes=1000), "over the 1,000-byte cap \\(raise 'max_bytes' on the source"),
    ]
    for module, source, expected in cases:
        context = make_context(tmp_path)
        with pytest.raises(SourceError, match=expected):
            finishes_within(5, lambda: module.collect(source, context))
    # Only the folder's own a.txt, read before its symlinked neighbour failed the source.
    assert [p.read_text(encoding="utf-8") for p in raw_files(tmp_path)] == [FIGURE]


def test_job_with_an_outside_path_records_the_failure_and_keeps_nothing(project: Path, outside: Path):
    from click.testing import CliRunner

    from tracker.cli import cli

    (project / "sources.toml").write_text(
        '[settings]\ncontact = "t@example.org"\n\n'
        f'[[source]]\nid = "leak"\nkind = "article"\npath = "{outside}"\npublished = "2025-12-01"\n',
        encoding="utf-8")
    result = CliRunner().invoke(cli, ["ingest", "--sources", str(project / "sources.toml"),
                                      "--data-dir", str(project / "data")],
                                env={"TRACKER_NOW": "2026-01-02T03:04:05Z"})
    assert result.exit_code == 1 and "is outside" in result.output
    assert not (project / "data" / "raw" / "leak").exists()


# --- 5. Articles that are UTF-16, binary or huge ----------------------------------------------

PAGE = f"<html><head><title>Front</title></head><body><article><p>{FIGURE}</p></article></body></html>"


@pytest.mark.parametrize("name, payload", [
    ("le-bom.txt", FIGURE.encode("utf-16")),  # Python writes little-endian with a mark
    ("be-bom.txt", b"\xfe\xff" + FIGURE.encode("utf-16-be")),
    ("utf32.txt", FIGURE.encode("utf-32")),
    ("no-bom.txt", FIGURE.encode("utf-16-le")),
    ("page.html", PAGE.encode("utf-16")),
])
def test_utf16_and_utf32_articles_are_read_as_text(tmp_path: Path, name: str, payload: bytes):
    (tmp_path / name).write_bytes(payload)
    collected = article.collect(make_source("article", tmp_path, path=name, published="2025-12-01"),
                                make_context(tmp_path))
    assert collected.rejects == []
    assert any(claim.value == 500 for claim in collected.claims)


@pytest.mark.parametrize("name, payload", [
    ("noise.txt", os.urandom(4096)),
    ("program.txt", b"\x7fELF\x02\x01\x01" + b"\x00" * 2000 + FIGURE.encode()),
    ("image.html", b"\x89PNG\r\n\x1a\n" + os.urandom(4096)),
    ("archive.html", gzip.compress(PAGE.encode() * 50)),
])
def test_binary_articles_are_rejected_as_binary_with_their_origin(tmp_path: Path, name: str, payload: bytes):
    (tmp_path / name).write_bytes(payload)
    collected = article.collect(make_source("article", tmp_path, path=name), make_context(tmp_path))
    (reject,) = collected.rejects
    assert reject.origin == name and reject.reason.startswith(f"{name}: binary content")
    assert collected.claims == []


def test_html_past_the_extraction_cap_is_not_handed_to_trafilatura(tmp_path: Path, monkeypatch):
    monkeypatch.setattr(documents, "MAX_EXTRACT_CHARS", 20_000)
    filler = '<div class="pad"><span></span></div>\n' * 3000  # about 110,000 characters, no words
    early = f"<html><body><article><p>{FIGURE}</p></article>{filler}</body></html>"
    late = f"<html><body>{filler}<article><p>{FIGURE}</p></article></body></html>"
    assert "500 square kilometres" in documents.read_article(early.encode()).text
    assert documents.read_article(late.encode()).text == ""
    # The raw bytes are kept whole all the same.
    (tmp_path / "early.html").write_text(early, encoding="utf-8")
    collected = article.collect(make_source("article", tmp_path, path="early.html", published="2025-12-01"),
                                make_context(tmp_path))
    assert collected.claims
    (stored,) = raw_files(tmp_path)
    assert stored.read_bytes() == early.encode()


def test_a_resolver_that_never_answers_fails_the_fetch_in_time(monkeypatch: pytest.MonkeyPatch):
    # The system resolver is the one stand-in here: no test can make a real DNS server hang.
    hung = threading.Event()

    def never_answers(*args, **kwargs):
        hung.wait(5)
        raise socket.gaierror("gave up")

    monkeypatch.setattr(http.socket, "getaddrinfo", never_answers)
    client = HttpClient(Settings(timeout_s=0.3, retries=0))
    with pytest.raises(FetchError, match="did not resolve within 0.3 s"):
        client.get("http://news.example.org/page")
    hung.set()


# --- a body too large to hold, streamed (tracker backfill URL) -------------------------------


def test_a_stream_gives_the_exact_bytes_past_the_size_cap(httpserver: HTTPServer):
    body = os.urandom(300_000)
    httpserver.expect_request("/big.warc.gz").respond_with_data(
        body, headers={"Content-Encoding": "gzip"})  # as sent: never decoded
    client = HttpClient(Settings(**{**LOCAL, "max_bytes": 1000}))
    with client.stream(httpserver.url_for("/big.warc.gz")) as stream:
        chunks = []
        while chunk := stream.read(65536):
            assert len(chunk) <= 65536
            chunks.append(chunk)
    assert b"".join(chunks) == body and stream.bytes_read == len(body)


def test_a_stream_that_trickles_fails_naming_the_url(httpserver: HTTPServer):
    httpserver.expect_request("/slow.warc.gz").respond_with_data(b"x" * 200_000)
    ticks = iter(range(0, 10_000, 30))  # every reading of the clock: 30 s later
    client = HttpClient(Settings(**LOCAL), clock=lambda: float(next(ticks)))
    url = httpserver.url_for("/slow.warc.gz")
    with pytest.raises(FetchError, match="bytes/s, under the 20,000 allowed") as caught:
        with client.stream(url) as stream:
            while stream.read(1000):
                pass
    assert url in str(caught.value)


def test_a_stream_refuses_an_error_status_and_a_private_address(httpserver: HTTPServer):
    httpserver.expect_request("/gone.warc.gz").respond_with_data(b"no", status=410)
    with pytest.raises(FetchError, match="HTTP 410"):
        HttpClient(Settings(**LOCAL)).stream(httpserver.url_for("/gone.warc.gz"))
    with pytest.raises(FetchError, match="loopback"):
        HttpClient(Settings(retries=0)).stream(httpserver.url_for("/gone.warc.gz"))
