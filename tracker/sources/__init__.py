"""Source kinds, one module each, found by a registry.

Every module declares KIND, REQUIRED and OPTIONAL (its keys in sources.toml), may define
`check_options(options) -> str | None` for rules the key lists cannot express, and
exposes `collect(source, context) -> Collected`.
"""

from __future__ import annotations

import importlib
from collections.abc import Mapping
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


class _Registry(Mapping):
    """Kind -> source module, imported on first use: a job pays only for the kinds it
    reads (the map kinds load numpy, shapely and pyproj). Each module is named after its
    KIND."""

    def __getitem__(self, kind: str) -> ModuleType:
        if kind not in _MODULES:
            raise KeyError(kind)
        module = importlib.import_module(f"tracker.sources.{kind}")
        assert module.KIND == kind
        return module

    def __iter__(self):
        return iter(_MODULES)

    def __len__(self) -> int:
        return len(_MODULES)


class _KeySpecs(Mapping):
    """Kind -> (required keys, optional keys), importing only the kinds asked about."""

    def __getitem__(self, kind: str) -> tuple[frozenset[str], frozenset[str]]:
        module = _Registry()[kind]
        return module.REQUIRED, module.OPTIONAL

    def __iter__(self):
        return iter(_MODULES)

    def __len__(self) -> int:
        return len(_MODULES)


def registry() -> Mapping[str, ModuleType]:
    return _Registry()


def known_kinds() -> Mapping[str, tuple[frozenset[str], frozenset[str]]]:
    return _KeySpecs()


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
