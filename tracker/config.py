"""sources.toml -> Settings and Source objects, with errors that name the source and key.

Layout:

    [settings]
    contact = "data-desk@example.org"     # goes into the HTTP User-Agent

    [[source]]
    id = "afp-isw-monthly"                # unique; names data/raw/<id>/
    kind = "curated"                      # a module in tracker/sources/
    path = "inputs/curated/figures.csv"   # relative to sources.toml
"""

from __future__ import annotations

import re
import tomllib
from collections.abc import Mapping
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

_ID = re.compile(r"^[a-z0-9][a-z0-9._-]*$")

# Keys every source may carry, whatever its kind.
COMMON_KEYS = frozenset({"id", "kind", "conflict", "language", "attribution", "publisher",
                         "enabled", "description", "allow_outside"})


class ConfigError(Exception):
    """sources.toml cannot be used; the message names the file, the source and the key."""


@dataclass(frozen=True)
class Settings:
    contact: str = ""
    timeout_s: float = 20.0
    max_bytes: int = 20_000_000
    retries: int = 3
    backoff_s: float = 2.0
    max_retry_after_s: float = 120.0
    per_host_delay_s: float = 1.0
    max_redirects: int = 5
    check_tolerance_pct: float = 5.0  # reported vs computed difference that gets flagged
    max_request_s: float = 120.0  # wall time for one request, body included (timeout_s bounds each read)
    max_host_failures: int = 5  # failed requests to one host in a run before it is skipped
    allow_private_hosts: bool = False  # loopback, private and link-local addresses (tests, intranets)


_SETTING_TYPES = {"contact": str, "timeout_s": float, "max_bytes": int, "retries": int,
                  "backoff_s": float, "max_retry_after_s": float, "per_host_delay_s": float,
                  "max_redirects": int, "check_tolerance_pct": float, "max_request_s": float,
                  "max_host_failures": int, "allow_private_hosts": bool}


@dataclass(frozen=True)
class Source:
    id: str
    kind: str
    options: dict[str, Any]
    base_dir: Path
    conflict: str = ""
    language: str | None = None
    attribution: str = ""
    publisher: str = ""
    allow_outside: bool = False  # may read local files outside the folder of sources.toml

    def path_option(self, key: str) -> Path:
        """An option holding a path, resolved against the directory of sources.toml."""
        value = Path(str(self.options[key]))
        return value if value.is_absolute() else self.base_dir / value


@dataclass(frozen=True)
class Config:
    path: Path
    settings: Settings
    sources: list[Source] = field(default_factory=list)


def load_config(path: Path, known_kinds: Mapping[str, tuple[frozenset[str], frozenset[str]]]) -> Config:
    """Read and check `path`. `known_kinds` maps a kind to its (required, optional) keys."""
    path = Path(path)
    try:
        raw = tomllib.loads(path.read_text(encoding="utf-8"))
    except FileNotFoundError:
        raise ConfigError(f"{path}: no such file (pass --sources PATH, or create it; see README)") from None
    except OSError as error:
        raise ConfigError(f"{path}: cannot read: {error.strerror}") from None
    except (tomllib.TOMLDecodeError, UnicodeDecodeError) as error:
        raise ConfigError(f"{path}: not valid TOML: {error}") from None

    unknown_top = set(raw) - {"settings", "source"}
    if unknown_top:
        raise ConfigError(f"{path}: unknown section(s) {', '.join(sorted(unknown_top))}; "
                          "expected [settings] and [[source]]")
    settings = _settings(path, raw.get("settings", {}))
    entries = raw.get("source", [])
    if not isinstance(entries, list) or not entries:
        raise ConfigError(f"{path}: no [[source]] entries")
    sources: list[Source] = []
    seen: set[str] = set()
    for number, entry in enumerate(entries, start=1):
        source = _source(path, number, entry, known_kinds)
        if source.id in seen:
            raise ConfigError(f"{path}: source #{number}: id {source.id!r} is used twice")
        seen.add(source.id)
        if entry.get("enabled", True) is not False:
            sources.append(source)
    return Config(path=path, settings=settings, sources=sources)


def _settings(path: Path, raw: Any) -> Settings:
    if not isinstance(raw, dict):
        raise ConfigError(f"{path}: [settings] must be a table")
    unknown = set(raw) - set(_SETTING_TYPES)
    if unknown:
        raise ConfigError(f"{path}: [settings]: unknown key(s) {', '.join(sorted(unknown))}")
    values = {}
    for key, value in raw.items():
        kind = _SETTING_TYPES[key]
        if kind is bool:
            if not isinstance(value, bool):
                raise ConfigError(f"{path}: [settings]: key {key!r} must be true or false "
                                  f"(got {value!r})")
            values[key] = value
            continue
        if kind is not str and (isinstance(value, bool) or not isinstance(value, (int, float))
                                or value < 0):
            raise ConfigError(f"{path}: [settings]: key {key!r} must be a non-negative number "
                              f"(got {value!r})")
        values[key] = kind(value)
    return Settings(**values)


def _source(path: Path, number: int, entry: Any,
            known_kinds: Mapping[str, tuple[frozenset[str], frozenset[str]]]) -> Source:
    where = f"{path}: source #{number}"
    if not isinstance(entry, dict):
        raise ConfigError(f"{where}: must be a table")
    source_id = entry.get("id")
    if not isinstance(source_id, str) or not _ID.match(source_id):
        raise ConfigError(f"{where}: key 'id' must be lower-case letters, digits, '.', '_' or '-' "
                          f"(got {source_id!r})")
    where = f"{path}: source {source_id!r}"
    kind = entry.get("kind")
    if kind not in known_kinds:
        raise ConfigError(f"{where}: key 'kind' is {kind!r}; known kinds: {', '.join(sorted(known_kinds))}")
    required, optional = known_kinds[kind]
    missing = sorted(k for k in required if k not in entry)
    if missing:
        raise ConfigError(f"{where}: missing key(s) {', '.join(missing)} for kind {kind!r}")
    unknown = sorted(set(entry) - COMMON_KEYS - required - optional)
    if unknown:
        raise ConfigError(f"{where}: unknown key(s) {', '.join(unknown)} for kind {kind!r}")
    options = {k: v for k, v in entry.items() if k not in COMMON_KEYS}
    language = entry.get("language")
    return Source(
        id=source_id, kind=kind, options=options, base_dir=path.resolve().parent,
        conflict=str(entry.get("conflict", "")), language=str(language) if language else None,
        attribution=str(entry.get("attribution", "")), publisher=str(entry.get("publisher", "")),
        allow_outside=entry.get("allow_outside") is True,
    )
