"""The only module that talks HTTP.

Polite and defensive by construction: an honest User-Agent with a contact address,
connect and read timeouts, retries with exponential backoff on connection errors, 429 and
5xx (honouring Retry-After), a delay between requests to the same host, conditional
requests (ETag / Last-Modified) so unchanged pages cost a 304, a cap on the body size and
on redirects, and only http and https at every hop. Callers get the exact bytes back,
never decoded text, so what is stored in data/raw is what the server sent.
"""

from __future__ import annotations

import json
import time
from dataclasses import dataclass, field
from email.utils import parsedate_to_datetime
from pathlib import Path
from typing import Callable
from urllib.parse import urljoin, urlsplit

import requests

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


def user_agent(settings: Settings) -> str:
    contact = f"; +{settings.contact}" if settings.contact else ""
    return f"territorial-tracker/{__version__} (research; cites every figure{contact})"


def check_url(url: str) -> None:
    scheme = urlsplit(url).scheme.lower()
    if scheme not in ALLOWED_SCHEMES:
        raise FetchError(url, f"scheme {scheme or '(none)'!r} is not allowed; use http or https")


class ValidatorCache:
    """ETag and Last-Modified per URL, kept in data/state (operational, not data)."""

    def __init__(self, path: Path | None) -> None:
        self.path = path
        self._entries: dict[str, dict[str, str]] = {}
        if path is not None and path.exists():
            try:
                self._entries = json.loads(path.read_text(encoding="utf-8"))
            except (OSError, ValueError):
                self._entries = {}  # a damaged cache only costs full downloads

    def get(self, url: str) -> dict[str, str]:
        return self._entries.get(url, {})

    def put(self, url: str, etag: str, last_modified: str) -> None:
        if etag or last_modified:
            self._entries[url] = {"etag": etag, "last_modified": last_modified}

    def forget(self, url: str) -> None:
        self._entries.pop(url, None)

    def save(self) -> None:
        if self.path is None:
            return
        from tracker.store import write_if_changed

        payload = json.dumps(self._entries, indent=1, sort_keys=True).encode("utf-8")
        write_if_changed(self.path, payload)


@dataclass
class HttpClient:
    settings: Settings
    cache: ValidatorCache = field(default_factory=lambda: ValidatorCache(None))
    sleep: Callable[[float], None] = time.sleep
    clock: Callable[[], float] = time.monotonic

    def __post_init__(self) -> None:
        self.session = requests.Session()
        self.session.headers["User-Agent"] = user_agent(self.settings)
        self._last_request_at: dict[str, float] = {}

    def get(self, url: str, *, conditional: bool = True) -> Fetched:
        """GET `url`, following redirects by hand so every hop is checked."""
        check_url(url)
        current = url
        seen = {current}
        for _ in range(self.settings.max_redirects + 1):
            headers = self._validators(url) if conditional else {}
            response = self._request_with_retries(current, headers)
            with response:
                if response.status_code in REDIRECT_STATUSES:
                    location = response.headers.get("Location")
                    if not location:
                        raise FetchError(url, f"HTTP {response.status_code} without a Location")
                    current = urljoin(current, location)
                    check_url(current)
                    if current in seen:
                        raise FetchError(url, f"redirect loop at {current}")
                    seen.add(current)
                    continue
                return self._finish(url, current, response)
        raise FetchError(url, f"more than {self.settings.max_redirects} redirects")

    def _validators(self, url: str) -> dict[str, str]:
        entry = self.cache.get(url)
        headers = {}
        if entry.get("etag"):
            headers["If-None-Match"] = entry["etag"]
        if entry.get("last_modified"):
            headers["If-Modified-Since"] = entry["last_modified"]
        return headers

    def _finish(self, url: str, final_url: str, response: requests.Response) -> Fetched:
        content_type = response.headers.get("Content-Type", "")
        if response.status_code == 304:
            return Fetched(url=final_url, status=304, content_type=content_type, body=b"")
        if response.status_code >= 400:
            raise FetchError(url, f"HTTP {response.status_code}", response.status_code)
        body = self._read_capped(url, response)
        etag = response.headers.get("ETag", "")
        last_modified = response.headers.get("Last-Modified", "")
        return Fetched(url=final_url, status=response.status_code, content_type=content_type,
                       body=body, etag=etag, last_modified=last_modified)

    def remember(self, fetched: Fetched, url: str) -> None:
        """Keep the validators of a response once its bytes are safely stored."""
        self.cache.put(url, fetched.etag, fetched.last_modified)

    def _request_with_retries(self, url: str, headers: dict[str, str]) -> requests.Response:
        timeout = (min(10.0, self.settings.timeout_s), self.settings.timeout_s)
        attempts = self.settings.retries + 1
        for attempt in range(attempts):
            self._wait_for_host(url)
            try:
                response = self.session.get(url, headers=headers, timeout=timeout, stream=True,
                                            allow_redirects=False)
            except requests.Timeout:
                problem, wait_s = f"timed out after {self.settings.timeout_s:g} s", None
            except requests.ConnectionError:
                problem, wait_s = "connection failed", None
            except requests.RequestException as error:
                raise FetchError(url, f"request failed: {error.__class__.__name__}") from None
            else:
                if response.status_code not in RETRY_STATUSES:
                    return response
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
            self.sleep(wait_s if wait_s is not None else self.settings.backoff_s * (2 ** attempt))
        raise AssertionError("unreachable")

    def _wait_for_host(self, url: str) -> None:
        """Space requests to one host by the configured delay (politeness, not speed)."""
        host = urlsplit(url).netloc.lower()
        last = self._last_request_at.get(host)
        if last is not None:
            remaining = self.settings.per_host_delay_s - (self.clock() - last)
            if remaining > 0:
                self.sleep(remaining)
        self._last_request_at[host] = self.clock()

    def _read_capped(self, url: str, response: requests.Response) -> bytes:
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
            raise FetchError(url, f"body not received: {error.__class__.__name__}") from None
        return b"".join(chunks)


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
