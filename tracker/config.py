"""sources.toml -> Settings and Source objects, with errors that name the source and key.

Layout:

    [settings]
    contact = "data-desk@example.org"     # goes into the HTTP User-Agent

    [notify]                              # optional: where a run's digest goes
    smtp_host = "smtp.example.org"        # secrets (webhook URL, SMTP password) come from
    smtp_to = ["desk@example.org"]        # environment variables only, never from this file

    [[source]]
    id = "afp-isw-monthly"                # unique; names data/raw/<id>/
    kind = "curated"                      # a module in tracker/sources/
    path = "inputs/curated/figures.csv"   # relative to sources.toml

Everything that would only fail once a run has started is refused here, before anything is
written: URLs other than http(s) with a host, numbers that are not finite or out of range,
whole-number settings written with a decimal point, text keys given as numbers or lists,
booleans given as text, a contact that cannot go into an HTTP header, and ids whose
data/raw folders would coincide. Helpers for the kinds' own checks are public here
(text_problem, url_problem, date_problem, number_problem).
"""

from __future__ import annotations

import math
import re
import string
import tomllib
from collections.abc import Mapping
from dataclasses import dataclass, field
from datetime import date
from pathlib import Path
from typing import Any
from urllib.parse import urlsplit

_ID = re.compile(r"^[a-z0-9][a-z0-9._-]*$")
MAX_ID_CHARS = 64  # the id names data/raw/<id>/ and state files: well under any file-name limit
_CONTROL = re.compile(r"[\x00-\x1f\x7f-\x9f]")
_CONTACT = re.compile(r"[\x20-\x7e]*")  # printable ASCII: any other byte breaks or forges the header
MAX_CONTACT_CHARS = 200

# Keys every source may carry, whatever its kind.
COMMON_KEYS = frozenset({"id", "kind", "conflict", "language", "attribution", "publisher",
                         "enabled", "description", "allow_outside", "example"})
_COMMON_TEXT = ("conflict", "language", "attribution", "publisher", "description")
_COMMON_BOOL = ("enabled", "allow_outside", "example")


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
    max_host_s: float = 900.0  # wall time all requests to one host may take in a run
    allow_private_hosts: bool = False  # loopback, private and link-local addresses (tests, intranets)
    # Printed on every chart, in report.pdf, the chart sidecars and datapackage.json
    # (tracker/publishing.py): who made the charts, and the licence they are published under.
    credit: str = ""
    licence: str = ""  # an SPDX identifier, e.g. CC-BY-4.0
    licence_url: str = ""


_SETTING_TYPES = {"contact": str, "timeout_s": float, "max_bytes": int, "retries": int,
                  "backoff_s": float, "max_retry_after_s": float, "per_host_delay_s": float,
                  "max_redirects": int, "check_tolerance_pct": float, "max_request_s": float,
                  "max_host_failures": int, "allow_private_hosts": bool, "max_host_s": float,
                  "credit": str, "licence": str, "licence_url": str}

# Number settings: (smallest, largest, whether the smallest itself is allowed). A timeout or
# a cap of 0 would fail every request, so those start above 0. The upper bounds keep every
# wait within what time.sleep and the socket layer accept (backoff_s doubles per retry) and
# an ingest within a working day; none is near a sensible value.
_SETTING_RANGES: dict[str, tuple[float, float, bool]] = {
    "timeout_s": (0.0, 3600.0, False),
    "max_request_s": (0.0, 86_400.0, False),
    "max_host_s": (0.0, 86_400.0, False),
    "backoff_s": (0.0, 600.0, True),
    "max_retry_after_s": (0.0, 86_400.0, True),
    "per_host_delay_s": (0.0, 600.0, True),
    "check_tolerance_pct": (0.0, 100.0, True),
    "max_bytes": (1, 2**32, True),
    "retries": (0, 10, True),
    "max_redirects": (0, 30, True),
    "max_host_failures": (1, 1_000_000, True),
}


WEBHOOK_FORMATS = ("text", "adaptive-card", "json")


@dataclass(frozen=True)
class NotifySettings:
    """The [notify] table: where a run's digest is sent (tracker/notify.py sends it).

    Only the names of the environment variables holding secrets are kept here: a webhook
    URL carries its token in the path, and sources.toml is a file people commit and share.
    """

    # "text": {"text": ...}, which Slack, Mattermost and Teams' old connectors accept;
    # "adaptive-card": the message Teams' Workflows webhooks want; "json": the digest's
    # subject, text and summary as they are, for a receiver of one's own.
    webhook_format: str = "text"
    webhook_url_env: str = "TRACKER_WEBHOOK_URL"
    smtp_host: str = ""
    smtp_port: int = 587  # submission; STARTTLS is required on it
    smtp_from: str = ""
    smtp_to: tuple[str, ...] = ()
    smtp_user_env: str = "TRACKER_SMTP_USER"
    smtp_password_env: str = "TRACKER_SMTP_PASSWORD"
    smtp_ca_file: Path | None = None  # a private CA (an intranet relay, tests) instead of the system's
    subject_prefix: str = "[tracker]"
    timeout_s: float = 10.0  # per connection attempt and per read, webhook and SMTP alike
    failing_runs: int = 3  # a source failing this many runs in a row is named by the digest

    def webhook_url(self, environ: Mapping[str, str]) -> str:
        """The webhook URL from the environment; "" when none is set (no webhook)."""
        return environ.get(self.webhook_url_env, "").strip()

    @property
    def email_configured(self) -> bool:
        return bool(self.smtp_host and self.smtp_to)


_NOTIFY_TEXT = ("webhook_format", "webhook_url_env", "smtp_host", "smtp_from", "smtp_user_env",
                "smtp_password_env", "smtp_ca_file", "subject_prefix")
_NOTIFY_KEYS = frozenset(_NOTIFY_TEXT) | {"smtp_port", "smtp_to", "timeout_s", "failing_runs"}
_ENV_NAME = re.compile(r"[A-Za-z_][A-Za-z0-9_]*")
# A plain address, local@domain: no display name, no list, nothing a header could split on.
_ADDRESS = re.compile(r"[A-Za-z0-9.!#$%&'*+/=?^_`{|}~-]+@[A-Za-z0-9-]+(\.[A-Za-z0-9-]+)*")
MAX_SUBJECT_PREFIX_CHARS = 100
MAX_RECIPIENTS = 100


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
    # Bundled example text, not real reporting: ingested and exported (so the pipeline can be
    # tried offline) but never charted or cited in a report.
    example: bool = False

    def path_option(self, key: str) -> Path:
        """An option holding a path, resolved against the directory of sources.toml."""
        value = Path(str(self.options[key]))
        return value if value.is_absolute() else self.base_dir / value


@dataclass(frozen=True)
class Config:
    path: Path
    settings: Settings
    sources: list[Source] = field(default_factory=list)
    # Checked like the others, so that enabling one later cannot bring a surprise at run time.
    disabled: list[Source] = field(default_factory=list)
    notify: NotifySettings = field(default_factory=NotifySettings)


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

    unknown_top = set(raw) - {"settings", "notify", "source"}
    if unknown_top:
        raise ConfigError(f"{path}: unknown section(s) {', '.join(sorted(unknown_top))}; "
                          "expected [settings], [notify] and [[source]]")
    settings = _settings(path, raw.get("settings", {}))
    notify = _notify(path, raw.get("notify", {}))
    entries = raw.get("source", [])
    if not isinstance(entries, list) or not entries:
        raise ConfigError(f"{path}: no [[source]] entries")
    sources: list[Source] = []
    disabled: list[Source] = []
    folders: dict[str, str] = {}  # data/raw folder name -> the id that claimed it
    for number, entry in enumerate(entries, start=1):
        source = _source(path, number, entry, known_kinds)
        _claim_folder(path, number, source.id, folders)
        # `enabled` is a bool: _source refused anything else.
        (sources if entry.get("enabled", True) else disabled).append(source)
    return Config(path=path, settings=settings, sources=sources, disabled=disabled, notify=notify)


def _claim_folder(path: Path, number: int, source_id: str, folders: dict[str, str]) -> None:
    """Refuse an id whose data/raw folder (and state files) another id already names.

    Disabled sources count too: their stored bytes stay under their folder.
    """
    from tracker.store import safe_name

    folder = safe_name(source_id)
    other = folders.get(folder)
    where = f"{path}: source {source_id!r} (#{number}): key 'id'"
    if other == source_id:
        raise ConfigError(f"{where}: {source_id!r} is used twice")
    if other is not None:
        raise ConfigError(f"{where}: {source_id!r} and {other!r} would share the folder "
                          f"data/raw/{folder}/; rename one")
    folders[folder] = source_id


def _settings(path: Path, raw: Any) -> Settings:
    if not isinstance(raw, dict):
        raise ConfigError(f"{path}: [settings] must be a table")
    unknown = set(raw) - set(_SETTING_TYPES)
    if unknown:
        raise ConfigError(f"{path}: [settings]: unknown key(s) {', '.join(sorted(unknown))}")
    values = {}
    for key, value in raw.items():
        problem = _setting_problem(key, value)
        if problem:
            raise ConfigError(f"{path}: [settings]: key {key!r} {problem}")
        values[key] = _SETTING_TYPES[key](value)
    return Settings(**values)


def _setting_problem(key: str, value: Any) -> str | None:
    """Why `value` cannot be the setting `key`, or None."""
    kind = _SETTING_TYPES[key]
    if kind is bool:
        return None if isinstance(value, bool) else f"must be true or false (got {value!r})"
    if key == "contact":
        return _contact_problem(value)
    if key == "licence_url":
        return url_problem(key, value) if value != "" else None
    if kind is str:
        return _publishing_text_problem(value)
    low, high, low_allowed = _SETTING_RANGES[key]
    if kind is int:
        if isinstance(value, bool) or not isinstance(value, int):
            return f"must be a whole number, written without a decimal point (got {value!r})"
    elif isinstance(value, bool) or not isinstance(value, (int, float)) or not math.isfinite(value):
        return f"must be a finite number (got {value!r})"
    if value < low or (value == low and not low_allowed) or value > high:
        lower = f"at least {low:g}" if low_allowed else f"more than {low:g}"
        return f"must be {lower} and at most {high:g} (got {value!r})"
    return None


def _notify(path: Path, raw: Any) -> NotifySettings:
    where = f"{path}: [notify]"
    if not isinstance(raw, dict):
        raise ConfigError(f"{where} must be a table")
    defaults = NotifySettings()
    for key in raw:
        # Before the unknown-key check: a secret written here deserves its own answer.
        problem = _secret_key_problem(key, raw, defaults)
        if problem:
            raise ConfigError(f"{where}: key {key!r}: {problem}")
    unknown = set(raw) - _NOTIFY_KEYS
    if unknown:
        raise ConfigError(f"{where}: unknown key(s) {', '.join(sorted(unknown))}; "
                          f"known keys: {', '.join(sorted(_NOTIFY_KEYS))}")
    values: dict[str, Any] = {}
    for key, value in raw.items():
        problem = _notify_problem(key, value)
        if problem:
            raise ConfigError(f"{where}: key {key!r} {problem}")
        values[key] = value
    if "smtp_to" in values:
        values["smtp_to"] = tuple(values["smtp_to"])
    if "timeout_s" in values:
        values["timeout_s"] = float(values["timeout_s"])
    if values.get("smtp_ca_file"):
        ca_file = Path(values["smtp_ca_file"])
        ca_file = ca_file if ca_file.is_absolute() else path.resolve().parent / ca_file
        if not ca_file.is_file():
            raise ConfigError(f"{where}: key 'smtp_ca_file': no such file {ca_file}")
        values["smtp_ca_file"] = ca_file
    else:
        values.pop("smtp_ca_file", None)
    notify = NotifySettings(**values)
    # Half an e-mail setup would silently send nothing: say what is missing.
    if notify.smtp_host and not notify.smtp_to:
        raise ConfigError(f"{where}: smtp_host is set but smtp_to is not (the addresses to send to)")
    if notify.smtp_to and not notify.smtp_host:
        raise ConfigError(f"{where}: smtp_to is set but smtp_host is not (the server to send through)")
    if notify.smtp_host and not notify.smtp_from:
        raise ConfigError(f"{where}: smtp_from is needed with smtp_host (the sender's address)")
    return notify


def _secret_key_problem(key: str, raw: Mapping[str, Any], defaults: NotifySettings) -> str | None:
    """A secret written in the file: refused, with the environment variable to use instead."""
    lower = key.lower()
    if lower in ("webhook_url", "webhook", "url") or (lower.startswith("webhook") and "url" in lower
                                                        and lower != "webhook_url_env"):
        env = raw.get("webhook_url_env", defaults.webhook_url_env)
        return (f"the webhook URL carries its token, so it is read from the environment only: "
                f"remove it here and set the environment variable {env} "
                "(or name another variable with webhook_url_env)")
    if lower in ("smtp_user", "user", "username", "smtp_username"):
        env = raw.get("smtp_user_env", defaults.smtp_user_env)
        return (f"SMTP credentials are read from the environment only: remove it here and set "
                f"the environment variable {env} (or name another variable with smtp_user_env)")
    if lower.endswith("_env"):
        return None
    if any(word in lower for word in ("password", "passwd", "token", "secret", "api_key", "apikey")):
        env = raw.get("smtp_password_env", defaults.smtp_password_env)
        webhook_env = raw.get("webhook_url_env", defaults.webhook_url_env)
        return (f"secrets are read from the environment only: remove it here and set the "
                f"environment variable {env} for the SMTP password, or {webhook_env} for the "
                "webhook URL (its token is part of the URL)")
    return None


def _notify_problem(key: str, value: Any) -> str | None:
    """Why `value` cannot be the [notify] setting `key`, or None."""
    if key in _NOTIFY_TEXT:
        if not isinstance(value, str):
            return f"must be text in quotes (got {type(value).__name__} {value!r})"
        if _CONTROL.search(value):
            return f"must be one line without control characters (got {value!r})"
    if key == "webhook_format" and value not in WEBHOOK_FORMATS:
        return f"must be one of {', '.join(WEBHOOK_FORMATS)} (got {value!r})"
    if key.endswith("_env") and not _ENV_NAME.fullmatch(value):
        hint = " (the variable's name, not its value)" if "://" in value or "@" in value else ""
        return (f"must be the name of an environment variable, letters, digits and '_'"
                f"{hint} (got {_shown(value)})")
    if key == "smtp_host" and value and (not re.fullmatch(r"[A-Za-z0-9.:\[\]-]+", value)
                                         or value.count(":") == 1 or len(value) > 253):
        return (f"must be a host name or address, without scheme or port (the port goes in "
                f"smtp_port) (got {value!r})")
    if key == "smtp_from" and value and not _ADDRESS.fullmatch(value):
        return f"must be a plain e-mail address such as tracker@example.org (got {value!r})"
    if key == "subject_prefix" and len(value) > MAX_SUBJECT_PREFIX_CHARS:
        return f"must be at most {MAX_SUBJECT_PREFIX_CHARS} characters (got {len(value)})"
    if key == "smtp_to":
        if isinstance(value, str):
            return f'must be a list of addresses in brackets, e.g. ["{value}"] (got a single text)'
        if not isinstance(value, list) or not value:
            return f"must be a non-empty list of e-mail addresses (got {value!r})"
        if len(value) > MAX_RECIPIENTS:
            return f"must list at most {MAX_RECIPIENTS} addresses (got {len(value)})"
        for address in value:
            if not isinstance(address, str) or not _ADDRESS.fullmatch(address):
                return f"must list plain e-mail addresses such as desk@example.org (got {address!r})"
    whole_range = {"smtp_port": (1, 65535), "failing_runs": (1, 1000)}.get(key)
    if whole_range and (isinstance(value, bool) or not isinstance(value, int)
                        or not whole_range[0] <= value <= whole_range[1]):
        return f"must be a whole number from {whole_range[0]} to {whole_range[1]} (got {value!r})"
    if key == "timeout_s":
        if isinstance(value, bool) or not isinstance(value, (int, float)) or not math.isfinite(value) \
                or not 0 < value <= 600:
            return f"must be a number of seconds more than 0 and at most 600 (got {value!r})"
    return None


def _shown(value: str) -> str:
    """A value for an error message; one that may be the secret itself is not repeated."""
    return "a URL or address" if "://" in value or "@" in value else repr(value)


MAX_CREDIT_CHARS = 300  # one line under a chart


def _publishing_text_problem(value: Any) -> str | None:
    if not isinstance(value, str):
        return f"must be text (got {value!r})"
    if _CONTROL.search(value):
        return f"must be one line without control characters (got {value!r})"
    if len(value) > MAX_CREDIT_CHARS:
        return f"must be at most {MAX_CREDIT_CHARS} characters (got {len(value)})"
    return None


def _contact_problem(value: Any) -> str | None:
    # The contact goes into the User-Agent header: a line break would add headers of its
    # own, and a byte outside ASCII makes the HTTP library fail at the first request.
    if not isinstance(value, str):
        return f"must be text (got {value!r})"
    if not _CONTACT.fullmatch(value):
        return ("must be printable ASCII on one line (an e-mail address or URL; it goes into "
                f"the HTTP User-Agent header) (got {value!r})")
    if len(value) > MAX_CONTACT_CHARS:
        return f"must be at most {MAX_CONTACT_CHARS} characters (got {len(value)})"
    return None


def _source(path: Path, number: int, entry: Any,
            known_kinds: Mapping[str, tuple[frozenset[str], frozenset[str]]]) -> Source:
    where = f"{path}: source #{number}"
    if not isinstance(entry, dict):
        raise ConfigError(f"{where}: must be a table")
    source_id = entry.get("id")
    if not isinstance(source_id, str) or not _ID.fullmatch(source_id):
        raise ConfigError(f"{where}: key 'id' must be lower-case letters, digits, '.', '_' or '-' "
                          f"(got {source_id!r})")
    if len(source_id) > MAX_ID_CHARS:
        raise ConfigError(f"{where}: key 'id' must be at most {MAX_ID_CHARS} characters "
                          f"(got {len(source_id)})")
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
    problem = _common_problem(entry) or _shared_option_problem(entry)
    if problem:
        raise ConfigError(f"{where}: {problem}")
    options = {k: v for k, v in entry.items() if k not in COMMON_KEYS}
    language = entry.get("language")
    return Source(
        id=source_id, kind=kind, options=options, base_dir=path.resolve().parent,
        conflict=str(entry.get("conflict", "")), language=str(language) if language else None,
        attribution=str(entry.get("attribution", "")), publisher=str(entry.get("publisher", "")),
        allow_outside=entry.get("allow_outside") is True, example=entry.get("example") is True,
    )


def _common_problem(entry: dict[str, Any]) -> str | None:
    """Type errors in the keys every kind shares; str() or truthiness would hide them."""
    for key in _COMMON_TEXT:
        if key in entry:
            # Only the description may run over several lines; the others go into claims.
            problem = text_problem(key, entry[key], one_line=key != "description")
            if problem:
                return problem
    for key in _COMMON_BOOL:
        if key in entry and not isinstance(entry[key], bool):
            # "false" in quotes is a non-empty string: taken as true, it would run the source.
            return f"key {key!r} must be true or false, without quotes (got {entry[key]!r})"
    return None


def _shared_option_problem(entry: dict[str, Any]) -> str | None:
    """`path` and `url` mean the same in every kind that has them."""
    if "path" in entry:
        problem = text_problem("path", entry["path"])
        if problem:
            return problem
        if not entry["path"].strip():
            return "key 'path' must name a file or folder (got an empty string)"
    if "url" in entry:
        return url_problem("url", entry["url"])
    return None


def text_problem(key: str, value: Any, *, one_line: bool = True) -> str | None:
    """Why an option that must be text is not (a number, a list, a control character)."""
    if not isinstance(value, str):
        return f"key {key!r} must be text in quotes (got {type(value).__name__} {value!r})"
    if one_line and _CONTROL.search(value):
        return f"key {key!r} must not contain control characters or line breaks (got {value!r})"
    return None


def url_problem(key: str, value: Any, *, template: bool = False) -> str | None:
    """Why `value` is not an http(s) URL with a host; a template must contain {id}."""
    problem = text_problem(key, value)
    if problem:
        return problem
    if template:
        problem = _template_problem(key, value)
        if problem:
            return problem
        value = value.format(id=1700000000)
    try:
        parts = urlsplit(value)
    except ValueError as error:  # an unbalanced [ of an IPv6 host
        return f"key {key!r}: {error} in {value!r}"
    if parts.scheme.lower() not in ("http", "https"):
        return (f"key {key!r} must be an http:// or https:// URL "
                f"(got scheme {parts.scheme or '(none)'!r} in {value!r})")
    try:
        host, _ = parts.hostname, parts.port  # .port raises on a port that is not a number
    except ValueError as error:
        return f"key {key!r}: {error} in {value!r}"
    if not host or any(c.isspace() for c in value):
        return f"key {key!r} must be a URL with a host and no spaces (got {value!r})"
    return None


def _template_problem(key: str, value: str) -> str | None:
    # The run fills the template with str.format: any other field, or a brace left
    # alone, would fail there, after the source has started.
    try:
        fields = [name for _, name, _, _ in string.Formatter().parse(value) if name is not None]
    except ValueError as error:
        return f"key {key!r}: {error} in {value!r} (write a literal brace as {{{{ or }}}})"
    if "id" not in fields or set(fields) != {"id"}:
        return f"key {key!r} must contain {{id}} where the snapshot id goes, and no other {{field}}"
    try:
        value.format(id=1)
    except (ValueError, TypeError) as error:
        return f"key {key!r}: {error} in {value!r}"
    return None


def date_problem(key: str, value: Any) -> str | None:
    """Why `value` is not a date YYYY-MM-DD (a TOML date or text) from 1900 to 2100."""
    try:
        day = option_date(value)
    except ValueError:
        return f"key {key!r} must be a date YYYY-MM-DD (got {type(value).__name__} {value!r})"
    if not 1900 <= day.year <= 2100:
        return f"key {key!r} must be a date between 1900 and 2100 (got {value!r})"
    return None


def option_date(value: Any) -> date:
    """The day of a date option: a TOML date (or date-time) or the text YYYY-MM-DD."""
    if isinstance(value, date):
        return date(value.year, value.month, value.day)
    if isinstance(value, str) and re.fullmatch(r"\d{4}-\d{2}-\d{2}", value.strip()):
        return date.fromisoformat(value.strip())  # raises ValueError for 2024-13-45
    raise ValueError(f"not a date: {value!r}")


def number_problem(key: str, value: Any, *, low: float, high: float = math.inf,
                   whole: bool = False) -> str | None:
    """Why `value` is not a finite number from `low` to `high` (a whole one with `whole`)."""
    if whole:
        if isinstance(value, bool) or not isinstance(value, int) or not low <= value <= high:
            return f"key {key!r} must be a whole number from {low:g} to {high:g} (got {value!r})"
        return None
    if (isinstance(value, bool) or not isinstance(value, (int, float))
            or not math.isfinite(value) or not low <= value <= high):
        return f"key {key!r} must be a finite number from {low:g} to {high:g} (got {value!r})"
    return None
