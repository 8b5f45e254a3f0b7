"""The HTTP client against a real local server: every way a fetch can go wrong."""

from __future__ import annotations

import gzip
import time

import pytest
from pytest_httpserver import HTTPServer
from werkzeug import Response

from tracker.config import Settings
from tracker.documents import decode_text
from tracker.http import FetchError, HttpClient, ValidatorCache, retry_after_s

# The test server listens on loopback, which a real run refuses (see test_hostile_fetch.py).
FAST = Settings(contact="t@example.org", timeout_s=1.0, retries=2, backoff_s=0.01,
                per_host_delay_s=0.0, max_bytes=10_000, max_retry_after_s=5.0,
                allow_private_hosts=True)


def client(tmp_path=None, settings: Settings = FAST, **kwargs) -> HttpClient:
    cache = ValidatorCache(tmp_path / "cache.json" if tmp_path else None)
    return HttpClient(settings, cache=cache, **kwargs)


def test_200_returns_exact_bytes_and_sends_user_agent(httpserver: HTTPServer):
    httpserver.expect_request("/a").respond_with_data(b"\xffraw", content_type="text/plain")
    fetched = client().get(httpserver.url_for("/a"))
    assert fetched.status == 200 and fetched.body == b"\xffraw"
    request, _ = httpserver.log[0]
    assert "t@example.org" in request.headers["User-Agent"]


def test_etag_makes_the_second_request_a_304(tmp_path, httpserver: HTTPServer):
    def handler(request):
        if request.headers.get("If-None-Match") == '"v1"':
            return Response(status=304)
        return Response("body", headers={"ETag": '"v1"'}, content_type="text/plain")

    httpserver.expect_request("/e").respond_with_handler(handler)
    first_client = client(tmp_path)
    first = first_client.get(httpserver.url_for("/e"))
    first_client.remember(first, httpserver.url_for("/e"))
    first_client.cache.save()
    second = client(tmp_path).get(httpserver.url_for("/e"))  # a new run reads the saved cache
    assert first.status == 200 and second.not_modified and second.body == b""


def test_last_modified_is_sent_back(tmp_path, httpserver: HTTPServer):
    stamp = "Wed, 01 Oct 2025 10:00:00 GMT"

    def handler(request):
        if request.headers.get("If-Modified-Since") == stamp:
            return Response(status=304)
        return Response("body", headers={"Last-Modified": stamp})

    httpserver.expect_request("/m").respond_with_handler(handler)
    c = client(tmp_path)
    c.remember(c.get(httpserver.url_for("/m")), httpserver.url_for("/m"))
    assert c.get(httpserver.url_for("/m")).not_modified


@pytest.mark.parametrize("status", [404, 410])
def test_client_errors_are_not_retried(httpserver: HTTPServer, status: int):
    httpserver.expect_request("/x").respond_with_data("no", status=status)
    with pytest.raises(FetchError, match=f"HTTP {status}") as caught:
        client().get(httpserver.url_for("/x"))
    assert caught.value.status == status and len(httpserver.log) == 1


def test_429_waits_for_retry_after_then_succeeds(httpserver: HTTPServer):
    httpserver.expect_ordered_request("/r").respond_with_data("slow down", status=429,
                                                              headers={"Retry-After": "2"})
    httpserver.expect_ordered_request("/r").respond_with_data("ok")
    waits: list[float] = []
    fetched = client(sleep=waits.append).get(httpserver.url_for("/r"))
    assert fetched.body == b"ok" and waits == [2.0]


def test_retry_after_beyond_the_allowed_wait_fails_clearly(httpserver: HTTPServer):
    httpserver.expect_request("/r").respond_with_data("later", status=429, headers={"Retry-After": "3600"})
    with pytest.raises(FetchError, match="retry after 3600"):
        client(sleep=lambda s: None).get(httpserver.url_for("/r"))


def test_500_then_200_is_retried_with_backoff(httpserver: HTTPServer):
    httpserver.expect_ordered_request("/f").respond_with_data("oops", status=500)
    httpserver.expect_ordered_request("/f").respond_with_data("fine")
    waits: list[float] = []
    assert client(sleep=waits.append).get(httpserver.url_for("/f")).body == b"fine"
    assert waits == [FAST.backoff_s]


def test_persistent_503_gives_up_after_the_configured_attempts(httpserver: HTTPServer):
    httpserver.expect_request("/down").respond_with_data("down", status=503)
    with pytest.raises(FetchError, match="HTTP 503 after 3 attempt"):
        client(sleep=lambda s: None).get(httpserver.url_for("/down"))
    assert len(httpserver.log) == 3


def test_slow_server_times_out(httpserver: HTTPServer):
    def slow(request):
        time.sleep(1.5)
        return Response("late")

    httpserver.expect_request("/slow").respond_with_handler(slow)
    settings = Settings(timeout_s=0.5, retries=0, per_host_delay_s=0.0, allow_private_hosts=True)
    with pytest.raises(FetchError, match="timed out"):
        client(settings=settings).get(httpserver.url_for("/slow"))


def test_redirects_are_followed_and_loops_refused(httpserver: HTTPServer):
    httpserver.expect_request("/old").respond_with_data("", status=301, headers={"Location": "/new"})
    httpserver.expect_request("/new").respond_with_data("moved here")
    fetched = client().get(httpserver.url_for("/old"))
    assert fetched.body == b"moved here" and fetched.url.endswith("/new")
    httpserver.expect_request("/a").respond_with_data("", status=302, headers={"Location": "/b"})
    httpserver.expect_request("/b").respond_with_data("", status=302, headers={"Location": "/a"})
    with pytest.raises(FetchError, match="redirect loop"):
        client().get(httpserver.url_for("/a"))


def test_redirect_to_another_scheme_is_refused(httpserver: HTTPServer):
    httpserver.expect_request("/ftp").respond_with_data("", status=302,
                                                        headers={"Location": "ftp://example.org/x"})
    with pytest.raises(FetchError, match="'ftp' is not allowed"):
        client().get(httpserver.url_for("/ftp"))


def test_body_over_the_cap_is_refused(httpserver: HTTPServer):
    httpserver.expect_request("/big").respond_with_data(b"x" * 20_000)
    with pytest.raises(FetchError, match="cap"):
        client().get(httpserver.url_for("/big"))


def test_gzip_body_is_decoded_and_capped_after_decoding(httpserver: HTTPServer):
    httpserver.expect_request("/gz").respond_with_data(
        gzip.compress(b"hello " * 100), headers={"Content-Encoding": "gzip"})
    assert client().get(httpserver.url_for("/gz")).body == b"hello " * 100
    httpserver.expect_request("/bomb").respond_with_data(
        gzip.compress(b"0" * 1_000_000), headers={"Content-Encoding": "gzip"})
    with pytest.raises(FetchError, match="cap"):
        client().get(httpserver.url_for("/bomb"))


def test_wrong_or_missing_charset_still_decodes():
    text = "Запоріжжя: 20 %"
    assert decode_text(text.encode("utf-8"), "text/html; charset=iso-8859-1") == text
    assert decode_text(text.encode("utf-8"), "text/html") == text
    assert decode_text("Région à 75 %".encode("cp1252"), "text/html; charset=utf-8") == "Région à 75 %"
    assert decode_text("Région à 75 %".encode("cp1252"), "") == "Région à 75 %"


def test_non_http_url_is_refused_before_any_request():
    with pytest.raises(FetchError, match="not allowed"):
        client().get("file:///etc/passwd")


def test_requests_to_one_host_are_spaced(httpserver: HTTPServer):
    httpserver.expect_request("/p").respond_with_data("x")
    waits: list[float] = []
    settings = Settings(per_host_delay_s=5.0, retries=0, allow_private_hosts=True)
    c = client(settings=settings, sleep=waits.append)
    c.get(httpserver.url_for("/p"))
    c.get(httpserver.url_for("/p"))
    assert len(waits) == 1 and 4.0 < waits[0] <= 5.0


def test_retry_after_parses_seconds_and_dates():
    assert retry_after_s("7") == 7.0
    assert retry_after_s(None) is None and retry_after_s("soon") is None
    assert retry_after_s("Wed, 21 Oct 2015 07:28:00 GMT") == 0.0  # in the past: no wait
