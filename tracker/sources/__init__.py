"""Source kinds, one module each, found by a registry.

Every module declares KIND, REQUIRED and OPTIONAL (its keys in sources.toml), may define
`check_options(options) -> str | None` for rules the key lists cannot express, and
exposes `collect(source, context) -> Collected`. Kinds whose documents are text for the
extractor (article, feed) also expose `stored_texts(source, store) -> list[StoredText]`,
the documents they kept in data/raw, which `tracker reextract` reads again.
"""

from __future__ import annotations

import importlib
import time
from collections.abc import Mapping
from dataclasses import dataclass, field
from datetime import datetime
from types import ModuleType
from typing import Any, Callable

from pathlib import Path

from tracker.config import Config, Settings, Source
from tracker.model import Claim
from tracker.store import RawRecord, RawStore, StoreError, read_regular_file

_MODULES = ("curated", "article", "feed", "deepstate", "geojson", "table", "archives")


class SourceError(Exception):
    """The source as a whole failed (unreadable file, HTTP error); others go on."""


def read_local_file(source: Source, path: Path, settings: Settings, *, label: str = "",
                    limit_bytes: int | None = None) -> bytes:
    """The bytes of a local file a source names, read as defensively as a download.

    The path is resolved (symlinks included) and must lie in the folder of sources.toml
    unless the source sets `allow_outside`; it must be a regular file, checked before
    opening so that a FIFO or a device is never opened (a FIFO blocks the job, /dev/zero
    never ends); at most `limit_bytes` (default `settings.max_bytes`) are read. Failures
    raise SourceError naming the file as the source wrote it (`label`).
    """
    label = label or str(path)
    limit = settings.max_bytes if limit_bytes is None else limit_bytes
    raise_hint = ("raise 'max_bytes' on the source or in [settings]" if limit_bytes is not None
                  else "raise 'max_bytes' in [settings]")
    resolved = resolve_inside(source, path, label)
    try:
        return read_regular_file(resolved, limit, label=label, raise_hint=raise_hint)
    except StoreError as error:
        raise SourceError(str(error)) from None


def resolve_inside(source: Source, path: Path, label: str) -> Path:
    """`path` with every symlink resolved; outside the sources folder only if allowed."""
    try:
        resolved = path.resolve(strict=True)
    except FileNotFoundError:
        raise SourceError(f"{label}: no such file") from None
    except (OSError, RuntimeError) as error:  # RuntimeError: a symlink loop
        raise SourceError(f"{label}: cannot resolve the path: {getattr(error, 'strerror', None) or error}") from None
    base = source.base_dir.resolve()
    if not source.allow_outside and not resolved.is_relative_to(base):
        raise SourceError(f"{label}: {resolved} is outside {base}, the folder of sources.toml "
                          "(set allow_outside = true on the source to read it)")
    return resolved


@dataclass
class Reject:
    """A record a source could not turn into a claim, with where it was and why."""

    origin: str
    reason: str
    record: str = ""


@dataclass(frozen=True)
class StoredText:
    """A text document a source kept in data/raw, with what the source knew of it when it
    was read (a feed entry's date and title): what `tracker reextract` extracts again."""

    record: RawRecord
    published: str | None = None
    title: str = ""


@dataclass
class Collected:
    claims: list[Claim] = field(default_factory=list)
    origins: list[str] = field(default_factory=list)  # parallel to claims: file:line or URL
    rejects: list[Reject] = field(default_factory=list)
    documents_read: int = 0
    documents_new: int = 0
    # (source_id, sha256) of every document read in full this run, with or without
    # figures: its earlier readings that are not read again are superseded (tracker/history.py).
    read_documents: set[tuple[str, str]] = field(default_factory=set)
    # True when `claims` are every current figure of the source (a curated CSV read without
    # a rejected row): a stored figure of it that is not among them was removed.
    whole: bool = False

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
    # True when the ledger may lack claims of documents already in data/raw (a first run,
    # a crash after raw bytes were kept, a repaired ledger): sources then read what they
    # stored again instead of skipping it, and conditional requests are not sent.
    rederive: bool = False
    _http: Any = None
    _local_files: Any = None
    # Wall clock at the start of the run (not `now`, which a test may pin): what a local
    # file's modification time is compared with (tracker/localfiles.py).
    started_ns: int = field(default_factory=time.time_ns)

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
            return self.http().get(url, conditional=not self.rederive)
        except FetchError as error:
            raise SourceError(str(error)) from None

    def local_files(self) -> Any:
        """The run's cache of local files already stored (data/state/local_files.json)."""
        if self._local_files is None:
            from tracker.localfiles import CACHE_NAME, LocalFileCache

            self._local_files = LocalFileCache(self.store.data_dir / "state" / CACHE_NAME)
        return self._local_files

    def close(self) -> None:
        if self._http is not None:
            self._http.cache.save()
        if self._local_files is not None:
            self._local_files.save()


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
    for source in config.sources + config.disabled:
        checker = getattr(kinds[source.kind], "check_options", None)
        problem = checker(source.options) if checker else None
        if problem:
            raise ConfigError(f"{config.path}: source {source.id!r}: {problem}")
    return config
