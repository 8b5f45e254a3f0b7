"""Which days a mirror of daily DeepState copies should be asked for, and at what URL.

Pure: dates in, dates and URLs out; no network, disk or clock (the caller passes "now").

A mirror (e.g. cyterat/deepstate-map-data) keeps one file a day, named after a date. The
`mirror_url` template names where: `{date:%Y%m%d}` (any strftime format after the colon,
or `{date}` for YYYY-MM-DD) is filled with the file's date. The map a file holds can be of
another day than its name: cyterat scrapes at 03:00 UTC, so its file of the 9th holds the
map of the 8th evening, and `mirror_day_offset = -1` dates it to the 8th. Everything here
counts in *map days* (the day a figure is dated to); the file day is derived from it.

A mirror day has no DeepState snapshot id. It is keyed by `day_key(day)`, the Unix time
of 12:00 UTC on that map day: a whole-day map dated mid-day, which `geo.snapshot_date`
turns back into the day and `geo.monthly_gains` places between the month's boundaries.
"""

from __future__ import annotations

import re
import string
from datetime import date, datetime, timedelta, timezone
from typing import Iterable

# The earliest day worth asking for: DeepStateMap's snapshots begin in 2022.
FIRST_DAY = date(2022, 1, 1)
# A day a mirror lacks is asked again on later runs while it is this recent (a mirror
# publishes a day's file some hours after the day ends); older gaps are remembered.
MIRROR_LAG_DAYS = 7
_DAY = re.compile(r"\d{4}-\d{2}-\d{2}")
_SAMPLE_DAY = date(2024, 7, 9)


def parse_day(text: str) -> date:
    """A day written YYYY-MM-DD; ValueError naming the text otherwise."""
    if not isinstance(text, str) or not _DAY.fullmatch(text.strip()):
        raise ValueError(f"{text!r} is not a date YYYY-MM-DD")
    try:
        return date.fromisoformat(text.strip())
    except ValueError:
        raise ValueError(f"{text!r} is not a date (no such day)") from None


def default_until(now: datetime) -> date:
    """The last day a backfill asks for by default: the day before `now` (UTC); today's
    map comes from /last."""
    return now.astimezone(timezone.utc).date() - timedelta(days=1)


def day_range(since: date, until: date) -> list[date]:
    """Every day from `since` to `until`, both included; empty when since > until."""
    return [since + timedelta(days=n) for n in range((until - since).days + 1)]


def day_key(day: date) -> int:
    """The key of a mirror day: Unix seconds of 12:00 UTC on the map day."""
    return int(datetime(day.year, day.month, day.day, 12, tzinfo=timezone.utc).timestamp())


def key_day(key: int) -> date:
    """The UTC day of a snapshot id or mirror-day key (Unix seconds)."""
    return datetime.fromtimestamp(int(key), tz=timezone.utc).date()


def file_day(map_day: date, offset_days: int) -> date:
    """The date in the name of the mirror file that holds the map of `map_day`."""
    return map_day - timedelta(days=offset_days)


def fill_mirror_url(template: str, day: date) -> str:
    """The template with its {date...} fields filled with the file day."""
    return template.format(date=day)


def mirror_template_problem(key: str, value: object) -> str | None:
    """Why `value` cannot be a mirror URL template: it must contain a {date} field (with
    an optional strftime format, {date:%Y%m%d}) and no other field; None when it can."""
    if not isinstance(value, str):
        return f"key {key!r} must be text in quotes (got {type(value).__name__} {value!r})"
    try:
        fields = [(name, conversion) for _, name, _, conversion in string.Formatter().parse(value)
                  if name is not None]
    except ValueError as error:
        return f"key {key!r}: {error} in {value!r} (write a literal brace as {{{{ or }}}})"
    if not fields or any(name != "date" or conversion for name, conversion in fields):
        return (f"key {key!r} must contain {{date:%Y%m%d}} (or {{date}} for YYYY-MM-DD) where "
                f"the file's date goes, and no other {{field}} (got {value!r})")
    try:
        one = fill_mirror_url(value, _SAMPLE_DAY)
        other = fill_mirror_url(value, _SAMPLE_DAY + timedelta(days=1))
    except (ValueError, TypeError, KeyError, IndexError, AttributeError) as error:
        return f"key {key!r}: {error} in {value!r}"
    if one == other:
        # A format such as {date:%Y} names the same file for every day of a year.
        return f"key {key!r}: its date format does not tell one day from the next ({value!r})"
    return None


def days_to_fetch(since: date, until: date, stored_days: Iterable[date],
                  missing_days: Iterable[date] = ()) -> list[date]:
    """The map days from `since` to `until` (oldest first) that have no stored map
    (a DeepState snapshot of that UTC day or an earlier mirror copy) and that the mirror
    was not already found to lack."""
    skip = set(stored_days) | set(missing_days)
    return [day for day in day_range(max(since, FIRST_DAY), until) if day not in skip]


def settled_missing(missing: Iterable[date], now: datetime) -> list[date]:
    """The days a mirror lacks that are old enough to stop asking for (MIRROR_LAG_DAYS)."""
    newest = default_until(now) - timedelta(days=MIRROR_LAG_DAYS)
    return sorted(day for day in set(missing) if day <= newest)


def days_text(days: Iterable[date], limit: int = 20) -> str:
    """'2024-08-18, 2024-08-19, ... (N in all)' for a progress line."""
    days = sorted(days)
    shown = ", ".join(day.isoformat() for day in days[:limit])
    return shown + (f", ... ({len(days)} in all)" if len(days) > limit else "")
