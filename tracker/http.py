"""The only module that talks HTTP: timeouts, an honest User-Agent, size and scheme limits.

Callers get the exact bytes back (never decoded text), so what is stored in data/raw is
what the server sent.
"""

from __future__ import annotations

from dataclasses import dataclass
from urllib.parse import urlsplit

import requests

from tracker import __version__
from tracker.config import Settings

ALLOWED_SCHEMES = ("http", "https")
MAX_REDIRECTS = 5


class FetchError(Exception):
    """A URL could not be fetched; the message names the URL and what went wrong."""

    def __init__(self, url: str, message: str, status: int | None = None) -> None:
        super().__init__(f"{url}: {message}")
        self.url = url
        self.status = status


@dataclass(frozen=True)
class Fetched:
    url: str  # after redirects
    status: int
    content_type: str
    body: bytes


def user_agent(settings: Settings) -> str:
    contact = f"; +{settings.contact}" if settings.contact else ""
    return f"territorial-tracker/{__version__} (research; cites every figure{contact})"


def check_url(url: str) -> None:
    scheme = urlsplit(url).scheme.lower()
    if scheme not in ALLOWED_SCHEMES:
        raise FetchError(url, f"scheme {scheme or '(none)'!r} is not allowed; use http or https")


class HttpClient:
    def __init__(self, settings: Settings) -> None:
        self.settings = settings
        self.session = requests.Session()
        self.session.max_redirects = MAX_REDIRECTS
        self.session.headers["User-Agent"] = user_agent(settings)

    def get(self, url: str) -> Fetched:
        check_url(url)
        timeout = (min(10.0, self.settings.timeout_s), self.settings.timeout_s)
        try:
            with self.session.get(url, timeout=timeout, stream=True) as response:
                for hop in response.history + [response]:
                    check_url(hop.url)
                if response.status_code >= 400:
                    raise FetchError(url, f"HTTP {response.status_code}", response.status_code)
                body = self._read_capped(url, response)
                return Fetched(url=response.url, status=response.status_code,
                               content_type=response.headers.get("Content-Type", ""), body=body)
        except requests.TooManyRedirects:
            raise FetchError(url, f"more than {MAX_REDIRECTS} redirects") from None
        except requests.Timeout:
            raise FetchError(url, f"timed out after {self.settings.timeout_s:g} s") from None
        except requests.RequestException as error:
            raise FetchError(url, f"request failed: {error.__class__.__name__}") from None

    def _read_capped(self, url: str, response: requests.Response) -> bytes:
        limit = self.settings.max_bytes
        chunks: list[bytes] = []
        size = 0
        for chunk in response.iter_content(chunk_size=65536):
            size += len(chunk)
            if size > limit:
                raise FetchError(url, f"response larger than {limit} bytes")
            chunks.append(chunk)
        return b"".join(chunks)
