"""The only module that talks HTTP.

Polite and defensive by construction: an honest User-Agent with a contact address,
connect and read timeouts, retries with exponential backoff on connection errors, 429 and
5xx (honouring Retry-After), a delay between requests to the same host, conditional
requests (ETag / Last-Modified) so unchanged pages cost a 304, a cap on the body size and
on redirects, and only http and https at every hop. Callers get the exact bytes back,
never decoded text, so what is stored in data/raw is what the server sent.

Defensive against the server too: one request (redirects, retries and body included) has a
wall-time budget (`max_request_s`) that a trickling server cannot stretch; a host that keeps
failing is skipped for the rest of the run (`max_host_failures`); and unless
`allow_private_hosts` is set, no request reaches a loopback, private, link-local or other
non-public address, whether a feed entry names it or a redirect leads there.

One POST is here too (`HttpClient.post_json`), for the run's digest to a webhook: the same
guards, no redirect followed, at most one retry, and errors that never show the URL's path.

And one stream (`HttpClient.stream`), for a body too large to hold (a WARC archive of a
gigabyte): the same redirects, retries and address checks up to the headers, then the body
read as the caller asks for it, each read bounded by `timeout_s` and the whole by a floor
on the average rate, since a time budget fit for a page would cut an archive short. A
connection lost mid-way is resumed where it stopped with a Range request (at most
`retries` times), when the server answers it with that very range.
"""

from __future__ import annotations

import ipaddress
import json
import socket
import threading
import time
from dataclasses import dataclass, field
from email.utils import parsedate_to_datetime
from pathlib import Path
from typing import Callable
from urllib.parse import urljoin, urlsplit

import requests
from requests.adapters import HTTPAdapter
from urllib3.connection import HTTPConnection, HTTPSConnection
from urllib3.connectionpool import HTTPConnectionPool, HTTPSConnectionPool
from urllib3.exceptions import NewConnectionError

from tracker import __version__
from tracker.config import Settings

ALLOWED_SCHEMES = ("http", "https")
REDIRECT_STATUSES = frozenset({301, 302, 303, 307, 308})
RETRY_STATUSES = frozenset({429, 500, 502, 503, 504})


class FetchError(Exception):
    """A URL could not be fetched; the message names the URL and what went wrong."""

    def __init__(self, url: str, message: str, status: int | None = None) -> None:
        super().__init__(f"{url}: {message}")
        self.url = url
        self.status = status


@dataclass(frozen=True)
class Fetched:
    url: str  # after redirects
    status: int  # 200, or 304 when the cached validators still hold (body is then b"")
    content_type: str
    body: bytes
    etag: str = ""
    last_modified: str = ""

    @property
    def not_modified(self) -> bool:
        return self.status == 304


@dataclass(frozen=True)
class Posted:
    """The answer to a POST: its status, how many attempts it took, the start of its body."""

    status: int
    attempts: int
    body: bytes  # at most MAX_POST_ANSWER_BYTES: enough for an error message, never stored

    @property
    def ok(self) -> bool:
        return 200 <= self.status < 300


MAX_POST_ANSWER_BYTES = 4096


def redact_url(url: str) -> str:
    """scheme://host[:port] of `url`: a webhook URL carries its token in the path or query."""
    parts = urlsplit(url)
    try:
        host = parts.hostname or "(no host)"
        port = f":{parts.port}" if parts.port else ""
    except ValueError:
        host, port = parts.hostname or "(no host)", ""
    host = f"[{host}]" if ":" in host else host
    return f"{parts.scheme.lower() or '(no scheme)'}://{host}{port}/..."


def user_agent(settings: Settings) -> str:
    contact = f"; +{settings.contact}" if settings.contact else ""
    return f"territorial-tracker/{__version__} (research; cites every figure{contact})"


def check_url(url: str) -> None:
    scheme = urlsplit(url).scheme.lower()
    if scheme not in ALLOWED_SCHEMES:
        raise FetchError(url, f"scheme {scheme or '(none)'!r} is not allowed; use http or https")


def address_kind(address: str) -> str | None:
    """Why an IP address is no place to fetch from ('loopback', 'private', ...), or None.

    The order matters only for the message: 127.0.0.1 is loopback before it is private.
    """
    try:
        ip = ipaddress.ip_address(address.split("%", 1)[0])  # drop an IPv6 zone (fe80::1%eth0)
    except ValueError:
        return "unparsable"
    if ip.version == 6 and ip.ipv4_mapped is not None:
        ip = ip.ipv4_mapped  # ::ffff:127.0.0.1 reaches 127.0.0.1
    for kind, flag in (("unspecified", ip.is_unspecified), ("loopback", ip.is_loopback),
                       ("link-local", ip.is_link_local), ("multicast", ip.is_multicast),
                       ("reserved", ip.is_reserved), ("private", ip.is_private)):
        if flag:
            return kind
    # Shared (100.64.0.0/10) and other special ranges are neither private nor public.
    return None if ip.is_global else "non-public"


def _refusal(url: str, host: str, address: str, kind: str) -> FetchError:
    """The error for a URL whose host is at a non-public address, with how to allow it."""
    return FetchError(url, f"{host} is at {address}, a {kind} address: refused "
                           "(set allow_private_hosts = true in [settings] to allow it)")


class _Guard:
    """The limits of one `get`, seen by the connections it opens or reuses.

    A per-read timeout cannot stop a server that sends one byte a second: every read
    succeeds. So a timer shuts the socket down when the wall-time budget is spent, which
    ends whatever read is blocked (status line, headers or body). A budget of 0 means none.
    """

    def __init__(self, budget_s: float, check_address: bool) -> None:
        self.budget_s = budget_s
        self.expires_at = time.monotonic() + budget_s if budget_s > 0 else float("inf")
        self.check_address = check_address
        self.expired = False
        self.refused: tuple[str, str] | None = None  # (address, kind) met at connect time
        self._connection: HTTPConnection | None = None
        self._sock: socket.socket | None = None  # the socket the response is read from
        self._lock = threading.Lock()
        self._timer = threading.Timer(budget_s, self._expire) if budget_s > 0 else None

    def __enter__(self) -> "_Guard":
        _ACTIVE.guard = self
        if self._timer is not None:
            self._timer.daemon = True
            self._timer.start()
        return self

    def __exit__(self, *exc_info: object) -> None:
        if self._timer is not None:
            self._timer.cancel()
        with self._lock:
            self._connection = self._sock = None  # a late timer must not touch a pooled connection
        _ACTIVE.guard = None

    def remaining_s(self) -> float:
        return max(0.0, self.expires_at - time.monotonic())

    def attach(self, connection: HTTPConnection) -> None:
        with self._lock:
            if self.expired:
                raise TimeoutError("the request's time budget is spent")
            self._connection = connection

    def reading_from(self, sock: socket.socket | None) -> None:
        """Remember the response's socket: a connection that will close lets go of it
        (conn.sock becomes None) while the response still reads from it."""
        with self._lock:
            if self.expired:
                raise TimeoutError("the request's time budget is spent")
            self._sock = sock

    def _expire(self) -> None:
        with self._lock:
            self.expired = True
            sock = self._sock or getattr(self._connection, "sock", None)
            if sock is not None:
                try:
                    # socket.socket's own shutdown: on a TLS socket it leaves the SSL object
                    # alone and simply wakes the reader with end of file.
                    socket.socket.shutdown(sock, socket.SHUT_RDWR)
                except OSError:
                    pass  # already closed


_ACTIVE = threading.local()  # the _Guard of the get() running on this thread


def _active_guard() -> _Guard | None:
    return getattr(_ACTIVE, "guard", None)


class _GuardedMixin:
    """urllib3 connection hooks: attach to the running guard, check the connected peer."""

    def _new_conn(self) -> socket.socket:
        sock = super()._new_conn()  # type: ignore[misc]
        guard = _active_guard()
        # The name was checked before the request, but DNS may answer differently the
        # second time (rebinding); the peer actually connected to is what counts. Through
        # a proxy the peer is the proxy, and the name is resolved there: that window stays.
        if guard is not None and guard.check_address and self.proxy is None:  # type: ignore[attr-defined]
            address = sock.getpeername()[0]
            kind = address_kind(address)
            if kind:
                sock.close()
                guard.refused = (address, kind)
                raise OSError(f"connected to {address}, a {kind} address")
        return sock

    def request(self, *args, **kwargs):  # type: ignore[no-untyped-def]
        guard = _active_guard()
        if guard is not None:
            guard.attach(self)  # type: ignore[arg-type]
        return super().request(*args, **kwargs)  # type: ignore[misc]

    def getresponse(self):  # type: ignore[no-untyped-def]
        guard = _active_guard()
        if guard is not None:
            guard.reading_from(self.sock)  # type: ignore[attr-defined]
        return super().getresponse()  # type: ignore[misc]


class _GuardedHTTPConnection(_GuardedMixin, HTTPConnection):
    pass


class _GuardedHTTPSConnection(_GuardedMixin, HTTPSConnection):
    pass


class _GuardedHTTPPool(HTTPConnectionPool):
    ConnectionCls = _GuardedHTTPConnection


class _GuardedHTTPSPool(HTTPSConnectionPool):
    ConnectionCls = _GuardedHTTPSConnection


_GUARDED_POOLS = {"http": _GuardedHTTPPool, "https": _GuardedHTTPSPool}


class _GuardedAdapter(HTTPAdapter):
    """requests' adapter with connections that obey the running _Guard."""

    def init_poolmanager(self, *args, **kwargs) -> None:  # type: ignore[no-untyped-def]
        super().init_poolmanager(*args, **kwargs)
        self.poolmanager.pool_classes_by_scheme = _GUARDED_POOLS

    def proxy_manager_for(self, proxy, **proxy_kwargs):  # type: ignore[no-untyped-def]
        manager = super().proxy_manager_for(proxy, **proxy_kwargs)
        # SOCKS proxies bring their own connection classes; only the per-read timeouts
        # bound those requests.
        if not proxy.lower().startswith("socks"):
            manager.pool_classes_by_scheme = _GUARDED_POOLS
        return manager


class ValidatorCache:
    """ETag and Last-Modified per URL, kept in data/state (operational, not data)."""

    def __init__(self, path: Path | None) -> None:
        from tracker.store import read_state_json

        self.path = path
        # A damaged cache only costs full downloads; of valid JSON of another shape, only
        # well-formed entries are kept.
        self._entries: dict[str, dict[str, str]] = {
            url: {k: v for k, v in entry.items() if k in ("etag", "last_modified")
                  and isinstance(v, str)}
            for url, entry in read_state_json(path).items() if isinstance(entry, dict)}

    def get(self, url: str) -> dict[str, str]:
        return self._entries.get(url, {})

    def put(self, url: str, etag: str, last_modified: str) -> None:
        if etag or last_modified:
            self._entries[url] = {"etag": etag, "last_modified": last_modified}

    def forget(self, url: str) -> None:
        self._entries.pop(url, None)

    def save(self) -> None:
        from tracker.store import write_state_json

        write_state_json(self.path, self._entries)


@dataclass
class HttpClient:
    settings: Settings
    cache: ValidatorCache = field(default_factory=lambda: ValidatorCache(None))
    sleep: Callable[[float], None] = time.sleep
    clock: Callable[[], float] = time.monotonic

    def __post_init__(self) -> None:
        self.session = requests.Session()
        self.session.headers["User-Agent"] = user_agent(self.settings)
        adapter = _GuardedAdapter()
        self.session.mount("http://", adapter)
        self.session.mount("https://", adapter)
        self._last_request_at: dict[str, float] = {}
        self._failures: dict[str, int] = {}  # host -> failed attempts in this client's life
        self._spent_s: dict[str, float] = {}  # host -> wall time its requests took this run
        self._budget_text = ""  # what bounds the request under way, for its error message

    def get(self, url: str, *, conditional: bool = True) -> Fetched:
        """GET `url`, following redirects by hand so every hop is checked.

        The whole call (every hop, retry, wait and the body) fits in `max_request_s`, and
        all the calls to one host in this client's life fit in `max_host_s`: a host that
        answers slowly but never fails cannot hold the job for entries x max_request_s.
        """
        check_url(url)
        host = _host_key(url)
        spent_s = self._spent_s.get(host, 0.0)
        left_s = self.settings.max_host_s - spent_s
        if left_s <= 0:
            raise FetchError(url, f"host {host} skipped for the rest of this run: {spent_s:.0f} s "
                                  f"spent on it (max_host_s = {self.settings.max_host_s:g})")
        budget_s = min(self.settings.max_request_s, left_s)
        self._budget_text = (f"max_request_s = {self.settings.max_request_s:g} s"
                             if budget_s == self.settings.max_request_s else
                             f"the {left_s:.1f} s left of max_host_s = {self.settings.max_host_s:g} s "
                             f"for host {host}")
        started = self.clock()
        try:
            return self._get(url, conditional, budget_s)
        finally:
            self._spent_s[host] = spent_s + max(0.0, self.clock() - started)

    def _get(self, url: str, conditional: bool, budget_s: float) -> Fetched:
        with _Guard(budget_s, not self.settings.allow_private_hosts) as guard:
            current, response = self._follow(url, conditional, guard)
            with response:
                return self._finish(url, current, response, guard)

    def _follow(self, url: str, conditional: bool, guard: _Guard) -> tuple[str, requests.Response]:
        """The address reached and its open response, redirects followed hop by hop."""
        current = url
        seen = {current}
        for _ in range(self.settings.max_redirects + 1):
            self._check_address(current)
            headers = self._validators(url) if conditional else {}
            response = self._request_with_retries(current, headers, guard)
            if response.status_code not in REDIRECT_STATUSES:
                return current, response
            with response:
                location = response.headers.get("Location")
                if not location:
                    raise FetchError(url, f"HTTP {response.status_code} without a Location")
                current = urljoin(current, location)
                check_url(current)
                if current in seen:
                    raise FetchError(url, f"redirect loop at {current}")
                seen.add(current)
        raise FetchError(url, f"more than {self.settings.max_redirects} redirects")

    def stream(self, url: str, *, min_rate_bps: float = 20_000.0,
               grace_s: float = 60.0) -> "BodyStream":
        """GET `url` and hand back its body as a stream of the exact bytes (no size cap).

        Up to the headers it is `get` (redirects checked hop by hop, retries, no private
        address, `max_request_s`); then each read waits at most `timeout_s`, and once
        `grace_s` have passed the average rate must stay above `min_rate_bps`, so a server
        that trickles a byte a second fails the stream instead of holding it for days."""
        check_url(url)
        with _Guard(self.settings.max_request_s, not self.settings.allow_private_hosts) as guard:
            current, response = self._follow(url, False, guard)
        if response.status_code >= 400:
            response.close()
            raise FetchError(url, f"HTTP {response.status_code}", response.status_code)
        declared = response.headers.get("Content-Length", "")
        return BodyStream(url=current, response=response, clock=self.clock,
                          declared_bytes=int(declared) if declared.isdigit() else None,
                          min_rate_bps=min_rate_bps, grace_s=grace_s,
                          reopen=lambda offset: self._reopen_at(url, current, offset),
                          resumes=self.settings.retries)

    def _reopen_at(self, url: str, current: str, offset: int) -> requests.Response:
        """The rest of `current`'s body from byte `offset` (a Range request), or FetchError
        when the server does not answer with that range."""
        with _Guard(self.settings.max_request_s, not self.settings.allow_private_hosts) as guard:
            self._check_address(current)
            response = self._request_with_retries(current, {"Range": f"bytes={offset}-"}, guard)
        content_range = response.headers.get("Content-Range", "")
        if response.status_code != 206 or not content_range.startswith(f"bytes {offset}-"):
            response.close()
            raise FetchError(url, f"connection lost at byte {offset:,}, and the server does not "
                                  f"resume there (HTTP {response.status_code}"
                                  f"{', ' + content_range if content_range else ''})")
        return response

    def post_json(self, url: str, payload: object, *, timeout_s: float | None = None) -> Posted:
        """POST `payload` as JSON to `url` (a webhook): at most two attempts, no redirect followed.

        The fetch guards hold: http(s) only, no private address unless allow_private_hosts,
        the wall-time budget of max_request_s, a capped read of the answer. A second attempt
        is made only when the first surely did not deliver (no connection was made) or the
        receiver asked for one (429, 5xx), and only if `retries` in [settings] is not 0: a
        read that timed out is not repeated, since the receiver may have the message already.
        Every status comes back as a Posted, a redirect included; errors (FetchError) name
        the URL redacted to its scheme and host, since the path of a webhook is its secret.
        """
        try:
            check_url(url)
            body = json.dumps(payload, ensure_ascii=False).encode("utf-8")
            timeout_s = timeout_s if timeout_s is not None else self.settings.timeout_s
            with _Guard(self.settings.max_request_s, not self.settings.allow_private_hosts) as guard:
                self._check_address(url)
                return self._post_with_retry(url, body, timeout_s, guard)
        except FetchError as error:
            message = str(error).removeprefix(f"{error.url}: ")
            raise FetchError(redact_url(url), message, error.status) from None

    def _post_with_retry(self, url: str, body: bytes, timeout_s: float, guard: _Guard) -> Posted:
        attempts = 1 + min(1, self.settings.retries)
        headers = {"Content-Type": "application/json; charset=utf-8"}
        for attempt in range(1, attempts + 1):
            left_s = guard.remaining_s()
            if left_s <= 0:
                raise self._post_over_budget(url, attempt - 1)
            timeout = (min(10.0, timeout_s, left_s), min(timeout_s, left_s))
            try:
                response = self.session.post(url, data=body, headers=headers, timeout=timeout,
                                             stream=True, allow_redirects=False)
            except requests.RequestException as error:
                if guard.refused is not None:
                    address, kind = guard.refused
                    raise _refusal(url, urlsplit(url).hostname or "", address, kind) from None
                if guard.expired:
                    raise self._post_over_budget(url, attempt) from None
                problem, unsent = _post_problem(error, timeout_s)
                if not unsent or attempt == attempts:
                    tries = f" after {attempt} attempts" if attempt > 1 else ""
                    raise FetchError(url, f"{problem}{tries}") from None
                wait_s = self.settings.backoff_s
            else:
                with response:
                    answer = self._read_answer(response)
                if response.status_code not in RETRY_STATUSES or attempt == attempts:
                    return Posted(response.status_code, attempt, answer)
                wait_s = retry_after_s(response.headers.get("Retry-After"))
                wait_s = self.settings.backoff_s if wait_s is None else wait_s
                if wait_s > self.settings.max_retry_after_s or wait_s >= guard.remaining_s():
                    return Posted(response.status_code, attempt, answer)  # not worth the wait
            self.sleep(wait_s)
        raise AssertionError("unreachable")

    def _post_over_budget(self, url: str, attempts: int) -> FetchError:
        return FetchError(url, f"no answer within max_request_s = {self.settings.max_request_s:g} s "
                               f"({attempts} attempt(s))")

    @staticmethod
    def _read_answer(response: requests.Response) -> bytes:
        """The start of an answer, for an error message; the rest is not read."""
        chunks: list[bytes] = []
        size = 0
        try:
            for chunk in response.iter_content(chunk_size=MAX_POST_ANSWER_BYTES):
                chunks.append(chunk)
                size += len(chunk)
                if size >= MAX_POST_ANSWER_BYTES:
                    break
        except requests.RequestException:
            pass  # the status is what counts; a cut answer only shortens the message
        return b"".join(chunks)[:MAX_POST_ANSWER_BYTES]

    def _check_address(self, url: str) -> None:
        """Refuse a URL whose host resolves to a non-public address (unless allowed).

        Every address the name resolves to must be public: a hostile name may answer with
        a public and a private one. The connection itself checks its peer again (see
        _GuardedMixin), which closes the window of a name that resolves differently the
        second time, except through a proxy.
        """
        if self.settings.allow_private_hosts:
            return
        parts = urlsplit(url)
        try:
            host, port = parts.hostname, parts.port
        except ValueError:
            raise FetchError(url, "invalid port in the URL") from None
        if not host:
            raise FetchError(url, "no host in the URL")
        port = port or (443 if parts.scheme.lower() == "https" else 80)
        try:
            infos = _resolve_within(host, port, min(self.settings.timeout_s, self.settings.max_request_s))
        except (socket.gaierror, UnicodeError):
            return  # the request fails on the same name and says so, with retries
        except TimeoutError as error:
            raise FetchError(url, str(error)) from None
        for *_, sockaddr in infos:
            kind = address_kind(str(sockaddr[0]))
            if kind:
                raise _refusal(url, host, str(sockaddr[0]), kind)

    def _validators(self, url: str) -> dict[str, str]:
        entry = self.cache.get(url)
        headers = {}
        if entry.get("etag"):
            headers["If-None-Match"] = entry["etag"]
        if entry.get("last_modified"):
            headers["If-Modified-Since"] = entry["last_modified"]
        return headers

    def _finish(self, url: str, final_url: str, response: requests.Response, guard: _Guard) -> Fetched:
        content_type = response.headers.get("Content-Type", "")
        if response.status_code == 304:
            return Fetched(url=final_url, status=304, content_type=content_type, body=b"")
        if response.status_code >= 400:
            raise FetchError(url, f"HTTP {response.status_code}", response.status_code)
        body = self._read_capped(url, response, guard)
        etag = response.headers.get("ETag", "")
        last_modified = response.headers.get("Last-Modified", "")
        return Fetched(url=final_url, status=response.status_code, content_type=content_type,
                       body=body, etag=etag, last_modified=last_modified)

    def remember(self, fetched: Fetched, url: str) -> None:
        """Keep the validators of a response once its bytes are safely stored."""
        self.cache.put(url, fetched.etag, fetched.last_modified)

    def _request_with_retries(self, url: str, headers: dict[str, str], guard: _Guard) -> requests.Response:
        attempts = self.settings.retries + 1
        for attempt in range(attempts):
            self._check_host_failures(url)
            self._wait_for_host(url)
            left_s = guard.remaining_s()
            if left_s <= 0:
                raise self._over_budget(url)
            # Neither timeout may outlast the budget: the timer would end the read anyway,
            # but a timeout names the cause more plainly.
            timeout = (min(10.0, self.settings.timeout_s, left_s), min(self.settings.timeout_s, left_s))
            try:
                response = self.session.get(url, headers=headers, timeout=timeout, stream=True,
                                            allow_redirects=False)
            except requests.RequestException as error:
                problem = self._request_problem(url, error, guard)
                wait_s = None
            else:
                if response.status_code not in RETRY_STATUSES:
                    return response
                self._count_failure(url)
                problem = f"HTTP {response.status_code}"
                wait_s = retry_after_s(response.headers.get("Retry-After"))
                response.close()
                if attempt + 1 == attempts:
                    raise FetchError(url, f"{problem} after {attempts} attempt(s)", response.status_code)
                if wait_s is not None and wait_s > self.settings.max_retry_after_s:
                    raise FetchError(url, f"{problem}; server asks to retry after {wait_s:g} s, "
                                          f"more than the {self.settings.max_retry_after_s:g} s allowed",
                                     response.status_code)
            if attempt + 1 == attempts:
                raise FetchError(url, f"{problem} after {attempts} attempt(s)")
            wait_s = wait_s if wait_s is not None else self.settings.backoff_s * (2 ** attempt)
            if wait_s >= guard.remaining_s():
                raise FetchError(url, f"{problem}; waiting {wait_s:g} s to retry would pass "
                                      f"{self._budget_text}")
            self.sleep(wait_s)
        raise AssertionError("unreachable")

    def _request_problem(self, url: str, error: requests.RequestException, guard: _Guard) -> str:
        """What went wrong with one attempt, for a retry; raises when retrying is pointless."""
        if guard.refused is not None:
            address, kind = guard.refused
            raise _refusal(url, urlsplit(url).hostname or "", address, kind) from None
        if not isinstance(error, (requests.Timeout, requests.ConnectionError)):
            raise FetchError(url, f"request failed: {error.__class__.__name__}") from None
        self._count_failure(url)
        if guard.expired:
            raise self._over_budget(url) from None
        if isinstance(error, requests.Timeout):
            return f"timed out after {self.settings.timeout_s:g} s"
        return "connection failed"

    def _over_budget(self, url: str) -> FetchError:
        return FetchError(url, f"no complete answer within {self._budget_text} "
                               "(one request, body included)")

    def _check_host_failures(self, url: str) -> None:
        """The circuit breaker: a host that failed too often is not asked again this run."""
        limit = self.settings.max_host_failures
        host = _host_key(url)
        failures = self._failures.get(host, 0)
        if limit > 0 and failures >= limit:  # 0 turns the breaker off
            raise FetchError(url, f"host {host} skipped for the rest of this run after "
                                  f"{failures} failed requests (max_host_failures = {limit})")

    def _count_failure(self, url: str) -> None:
        host = _host_key(url)
        self._failures[host] = self._failures.get(host, 0) + 1

    def _wait_for_host(self, url: str) -> None:
        """Space requests to one host by the configured delay (politeness, not speed)."""
        host = _host_key(url)
        last = self._last_request_at.get(host)
        if last is not None:
            remaining = self.settings.per_host_delay_s - (self.clock() - last)
            if remaining > 0:
                self.sleep(remaining)
        self._last_request_at[host] = self.clock()

    def _read_capped(self, url: str, response: requests.Response, guard: _Guard) -> bytes:
        limit = self.settings.max_bytes
        declared = response.headers.get("Content-Length", "")
        if declared.isdigit() and int(declared) > limit and "gzip" not in response.headers.get("Content-Encoding", ""):
            raise FetchError(url, f"response of {declared} bytes is over the {limit}-byte cap")
        chunks: list[bytes] = []
        size = 0
        try:
            for chunk in response.iter_content(chunk_size=65536):
                size += len(chunk)
                if size > limit:
                    raise FetchError(url, f"response is over the {limit}-byte cap")
                chunks.append(chunk)
        except requests.RequestException as error:
            self._count_failure(url)
            if guard.expired:
                raise self._over_budget(url) from None
            raise FetchError(url, f"body not received: {error.__class__.__name__}") from None
        if guard.expired:
            # A body without a length ends at end of file, which is also what the timer's
            # shutdown looks like: never keep such a cut body as the whole page.
            self._count_failure(url)
            raise self._over_budget(url)
        return b"".join(chunks)


class BodyStream:
    """A response body read as it arrives: `read(size)` gives the bytes as sent (no
    Content-Encoding undone), and raises FetchError naming the URL and the byte reached
    when the connection fails, the body ends before its Content-Length, or it trickles."""

    def __init__(self, *, url: str, response: requests.Response, clock: Callable[[], float],
                 declared_bytes: int | None, min_rate_bps: float, grace_s: float,
                 reopen: Callable[[int], requests.Response] | None = None,
                 resumes: int = 0) -> None:
        self.url = url
        self.response = response
        self.declared_bytes = declared_bytes
        self.bytes_read = 0
        self.resumed = 0  # times the connection was lost and the body taken up again
        self._reopen = reopen
        self._resumes_left = resumes
        self._clock = clock
        self._started = clock()
        self._min_rate_bps = min_rate_bps
        self._grace_s = grace_s

    def read(self, size: int = -1) -> bytes:
        while True:
            problem = ""
            try:
                data = self.response.raw.read(None if size is None or size < 0 else size,
                                              decode_content=False)
            except Exception as error:  # noqa: BLE001 - urllib3 and the socket raise many kinds
                data, problem = b"", error.__class__.__name__
            short = (not data and self.declared_bytes is not None
                     and self.bytes_read < self.declared_bytes)
            if not (problem or short):
                break
            if self._reopen is None or self._resumes_left <= 0:
                announced = (f" of the {self.declared_bytes:,} announced"
                             if self.declared_bytes is not None else "")
                raise FetchError(self.url, f"body cut at byte {self.bytes_read:,}{announced}"
                                           f"{': ' + problem if problem else ''}")
            # Take the body up again where it stopped; what was handed out stays as it is.
            self._resumes_left -= 1
            self.resumed += 1
            self.response.close()
            self.response = self._reopen(self.bytes_read)
        self.bytes_read += len(data)
        elapsed_s = self._clock() - self._started
        if data and elapsed_s > self._grace_s and self.bytes_read / elapsed_s < self._min_rate_bps:
            raise FetchError(self.url, f"body arriving at {self.bytes_read / elapsed_s:,.0f} "
                                       f"bytes/s, under the {self._min_rate_bps:,.0f} allowed")
        return data

    def readable(self) -> bool:
        return True

    def seekable(self) -> bool:
        return False

    def close(self) -> None:
        self.response.close()

    def __enter__(self) -> "BodyStream":
        return self

    def __exit__(self, *exc_info: object) -> None:
        self.close()


def _post_problem(error: requests.RequestException, timeout_s: float) -> tuple[str, bool]:
    """What went wrong with a POST attempt, and whether the request surely never left.

    Only then is a second attempt harmless: a read that timed out, or a connection lost
    after the request was sent, may have delivered the message already.
    """
    if isinstance(error, requests.exceptions.SSLError):
        return f"TLS failed ({_os_reason(error) or error.__class__.__name__})", False
    if isinstance(error, requests.ConnectTimeout):
        return f"could not connect within {timeout_s:g} s", True
    if isinstance(error, requests.Timeout):
        return (f"timed out after {timeout_s:g} s waiting for the answer (not repeated: the "
                "receiver may have the message already)"), False
    reason = getattr(error.args[0], "reason", None) if error.args else None
    if isinstance(reason, NewConnectionError):
        return f"could not connect ({_os_reason(reason) or 'connection failed'})", True
    if isinstance(error, requests.ConnectionError):
        return "connection lost before the answer (not repeated: the message may have arrived)", False
    return f"request failed: {error.__class__.__name__}", False


def _os_reason(error: BaseException) -> str:
    """The operating system's words for the cause of `error` ('Connection refused'), if any."""
    seen: set[int] = set()
    current: BaseException | None = error
    while current is not None and id(current) not in seen:
        seen.add(id(current))
        if isinstance(current, OSError) and current.strerror:
            return current.strerror
        reason = getattr(current, "reason", None)
        current = current.__cause__ or current.__context__ or (
            reason if isinstance(reason, BaseException) else None)
    return ""


def _host_key(url: str) -> str:
    """host:port in lower case, the unit of politeness and of the circuit breaker."""
    parts = urlsplit(url)
    host = (parts.hostname or "").lower()
    try:
        port = parts.port
    except ValueError:
        port = None
    return f"{host}:{port}" if port else host


def _resolve_within(host: str, port: int, limit_s: float) -> list:
    """getaddrinfo with a time limit; TimeoutError when the resolver has not answered.

    The system resolver cannot be interrupted, so the lookup runs on a daemon thread that
    is left behind if it hangs: the job goes on instead of waiting on a dead DNS server."""
    outcome: dict = {}

    def lookup() -> None:
        try:
            outcome["infos"] = socket.getaddrinfo(host, port, type=socket.SOCK_STREAM)
        except BaseException as error:  # handed to the caller's thread below
            outcome["error"] = error

    worker = threading.Thread(target=lookup, name=f"dns {host}", daemon=True)
    worker.start()
    worker.join(limit_s)
    if worker.is_alive():
        raise TimeoutError(f"the name {host} did not resolve within {limit_s:g} s")
    if "error" in outcome:
        raise outcome["error"]
    return outcome["infos"]


def retry_after_s(value: str | None) -> float | None:
    """Seconds to wait from a Retry-After header (seconds or an HTTP date); None if absent."""
    if not value:
        return None
    value = value.strip()
    if value.isdigit():
        return float(value)
    try:
        moment = parsedate_to_datetime(value)
    except (TypeError, ValueError):
        return None
    if moment is None:
        return None
    from datetime import datetime, timezone

    now = datetime.now(timezone.utc)
    return max(0.0, (moment - now).total_seconds())
