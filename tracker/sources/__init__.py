"""Source kinds, one module each, found by a registry.

Every module declares KIND, REQUIRED and OPTIONAL (its keys in sources.toml), may define
`check_options(options) -> str | None` for rules the key lists cannot express, and
exposes `collect(source, context) -> Collected`.
"""

from __future__ import annotations

import importlib
from dataclasses import dataclass, field
from datetime import datetime
from types import ModuleType
from typing import Any, Callable

from pathlib import Path

from tracker.config import Config, Settings
from tracker.model import Claim
from tracker.store import RawStore

_MODULES = ("curated", "article", "feed", "deepstate", "geojson", "table")


class SourceError(Exception):
    """The source as a whole failed (unreadable file, HTTP error); others go on."""


@dataclass
class Reject:
    """A record a source could not turn into a claim, with where it was and why."""

    origin: str
    reason: str
    record: str = ""


@dataclass
class Collected:
    claims: list[Claim] = field(default_factory=list)
    origins: list[str] = field(default_factory=list)  # parallel to claims: file:line or URL
    rejects: list[Reject] = field(default_factory=list)
    documents_read: int = 0
    documents_new: int = 0

    def add(self, claim: Claim, origin: str) -> None:
        self.claims.append(claim)
        self.origins.append(origin)


@dataclass
class Context:
    """What a source may use: the raw store, the clock reading of this run, settings."""

    store: RawStore
    now: datetime
    settings: Settings
    progress: Callable[[str], None] = lambda message: None
    _http: Any = None

    @property
    def retrieved_at(self) -> str:
        return self.now.strftime("%Y-%m-%dT%H:%M:%SZ")

    def http(self) -> Any:
        """The run's HTTP client; validators persist in data/state/http_cache.json."""
        if self._http is None:
            from tracker.http import HttpClient, ValidatorCache

            cache = ValidatorCache(self.store.data_dir / "state" / "http_cache.json")
            self._http = HttpClient(self.settings, cache=cache)
        return self._http

    def fetch(self, url: str) -> Any:
        """GET a URL the source itself names; a failure fails the whole source."""
        from tracker.http import FetchError

        try:
            return self.http().get(url)
        except FetchError as error:
            raise SourceError(str(error)) from None

    def close(self) -> None:
        if self._http is not None:
            self._http.cache.save()


def registry() -> dict[str, ModuleType]:
    modules = [importlib.import_module(f"tracker.sources.{name}") for name in _MODULES]
    return {module.KIND: module for module in modules}


def known_kinds() -> dict[str, tuple[frozenset[str], frozenset[str]]]:
    return {kind: (module.REQUIRED, module.OPTIONAL) for kind, module in registry().items()}


def load_sources(path: Path) -> Config:
    """Load sources.toml and run each kind's own option checks; raises ConfigError."""
    from tracker.config import ConfigError, load_config

    config = load_config(path, known_kinds())
    kinds = registry()
    for source in config.sources:
        checker = getattr(kinds[source.kind], "check_options", None)
        problem = checker(source.options) if checker else None
        if problem:
            raise ConfigError(f"{config.path}: source {source.id!r}: {problem}")
    return config
