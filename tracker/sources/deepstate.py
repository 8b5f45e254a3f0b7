"""`deepstate`: the DeepStateMap history API (or a mirror of it), measured snapshot by snapshot.

Each run lists the snapshots, fetches only those not yet in the raw store (the store's
sidecars name the snapshot URL each payload came from), keeps the GeoJSON and the official
/areas answer in data/raw/, and turns every stored snapshot into computed claims: the area
Russia holds in Ukraine (occupied since and before 24 February 2022, overlaps counted
once), its share of DeepState's 603,700 km², and monthly net gains between the snapshots
nearest each month boundary. DeepState's own /areas figures become reported claims beside
them, so `tracker check` can compare the two.

A snapshot id is the snapshot's Unix time: ids before 2022 or more than a day after the
run's clock are rejected by id, never fetched, stored or kept in data/state. The state files
(aliases, measured areas) are rebuilt when damaged rather than failing the source.

Since 2026-08 the official list answers 401 and only `/last` (the newest snapshot, wrapped
as {"id", "datetime", "map"}) is open. So every run also polls `last_url` and stores each
new snapshot it shows: the scheduled job builds its own history, one map a run. A closed
list (401/403) is then no failure; the source fails only when the list and /last both do.

A mirror of daily copies (`mirror_url`, e.g. cyterat/deepstate-map-data) fills the days
before: `tracker backfill` (tracker/cli_backfill.py) or `backfill_since` on the source
fetches the days with no stored map, as full DeepState maps (`mirror_format =
"deepstate"`) or as one occupied-area union (`"occupied_union"`). Which days, and at what
URL, is decided in tracker/backfill.py.
"""

from __future__ import annotations

import json
import math
import re
from datetime import datetime, timezone
from typing import Any

from tracker import backfill, geo
from tracker.config import Source, date_problem, number_problem, option_date, url_problem
from tracker.model import Claim
from tracker.sources import Collected, Context, Reject, SourceError
from tracker.sources._maps import (
    check_denominator,
    check_method,
    computed_claim,
    method_text,
)
from tracker.store import RawRecord

KIND = "deepstate"
REQUIRED = frozenset()
OPTIONAL = frozenset({"base_url", "list_url", "snapshot_url", "areas_url", "max_snapshots",
                      "since", "area_method", "denominator_km2", "last_url", "mirror_url",
                      "mirror_format", "mirror_day_offset", "backfill_since", "backfill_until",
                      "max_backfill_days"})
# Set by `tracker backfill` on its copy of the source, never read from sources.toml (the
# key lists above refuse it there): read the mirror only, not the list nor /last.
BACKFILL_ONLY = "backfill_only"

DEFAULT_BASE_URL = "https://deepstatemap.live/api/history"
DEFAULT_MAX_SNAPSHOTS = 20
GEOJSON_TYPE = "application/geo+json"  # a DeepState snapshot: /geojson or /last body
AREAS_TYPE = "application/json"
# A mirror's copy of one day (keyed by backfill.day_key, not a snapshot id). The media type
# parameter says how to measure it, so a stored file is never read with the wrong rules.
MIRROR_TYPE = "application/geo+json; mirror=deepstate"
UNION_TYPE = "application/geo+json; mirror=occupied_union"
MIRROR_TYPES = (MIRROR_TYPE, UNION_TYPE)
MIRROR_FORMATS = {"deepstate": MIRROR_TYPE, "occupied_union": UNION_TYPE}
DEFAULT_MAX_BACKFILL_DAYS = 400
_ID_IN_URL = re.compile(r"(?<!\d)\d{9,11}(?!\d)")  # Unix seconds, 2001..5138
_CACHE_VERSION = 1
# A snapshot id is the Unix time of the snapshot. DeepStateMap began in 2022, and a snapshot
# cannot be from the future beyond a server clock running a day ahead: ids outside that are
# bad records (they dated claims 1970 or 5138, and 10^20 broke every later run).
FIRST_SNAPSHOT_ID = 1_640_995_200  # 2022-01-01T00:00:00Z
CLOCK_SLACK_S = 86_400


def check_options(options: dict) -> str | None:
    for key in ("base_url", "list_url"):
        if key in options:
            problem = url_problem(key, options[key])
            if problem:
                return problem
    if "{" in str(options.get("base_url", "")) or "}" in str(options.get("base_url", "")):
        # The default templates are built on base_url and filled with str.format.
        return "key 'base_url' must not contain braces (set snapshot_url and areas_url instead)"
    for key in ("snapshot_url", "areas_url"):
        value = options.get(key)
        if key == "areas_url" and value == "":
            continue  # an empty areas_url skips DeepState's own figures
        if value is not None:
            problem = url_problem(key, value, template=True)
            if problem:
                return problem
    problem = number_problem("max_snapshots", options.get("max_snapshots", DEFAULT_MAX_SNAPSHOTS),
                             low=0, high=100_000, whole=True)
    if problem:
        return f"{problem}; 0 fetches nothing new"
    if "since" in options:
        problem = date_problem("since", options["since"])
        if problem:
            return problem
    return (_last_and_mirror_problem(options) or check_method(options, "spherical")
            or check_denominator(options))


def _last_and_mirror_problem(options: dict) -> str | None:
    if options.get("last_url", None) not in (None, ""):  # "" polls no /last
        problem = url_problem("last_url", options["last_url"])
        if problem:
            return problem
    if "mirror_url" in options:
        problem = (backfill.mirror_template_problem("mirror_url", options["mirror_url"])
                   or url_problem("mirror_url", backfill.fill_mirror_url(
                       str(options["mirror_url"]), backfill.FIRST_DAY)))
        if problem:
            return problem
    fmt = options.get("mirror_format", "deepstate")
    if fmt not in MIRROR_FORMATS:
        return (f"key 'mirror_format' must be one of {', '.join(sorted(MIRROR_FORMATS))} "
                f"(got {fmt!r})")
    problem = number_problem("mirror_day_offset", options.get("mirror_day_offset", 0),
                             low=-7, high=7, whole=True)
    if problem:
        return problem
    problem = number_problem("max_backfill_days",
                             options.get("max_backfill_days", DEFAULT_MAX_BACKFILL_DAYS),
                             low=0, high=100_000, whole=True)
    if problem:
        return f"{problem}; 0 backfills nothing"
    for key in ("backfill_since", "backfill_until"):
        if key in options:
            problem = date_problem(key, options[key])
            if problem:
                return problem
            if option_date(options[key]) < backfill.FIRST_DAY:
                return (f"key {key!r} must be {backfill.FIRST_DAY} or later (DeepStateMap "
                        f"begins in 2022; got {options[key]!r})")
    if "backfill_since" in options and "mirror_url" not in options:
        return "key 'backfill_since' needs 'mirror_url', the mirror to backfill from"
    if ("backfill_until" in options and "backfill_since" in options
            and option_date(options["backfill_until"]) < option_date(options["backfill_since"])):
        return "key 'backfill_until' is before 'backfill_since'"
    return None


def _urls(source: Source) -> tuple[str, str, str]:
    base = str(source.options.get("base_url", DEFAULT_BASE_URL)).rstrip("/")
    listing = str(source.options.get("list_url") or f"{base}/public")
    snapshot = str(source.options.get("snapshot_url") or f"{base}/{{id}}/geojson")
    areas = str(source.options.get("areas_url", f"{base}/{{id}}/areas"))
    return listing, snapshot, areas


def last_url(options: dict) -> str:
    """The /last URL a source polls ('' for none): `last_url`, else `{base_url}/last`.

    A source that names its list (`list_url`) without a `base_url` reads a mirror's list,
    not the official API: it polls no /last unless it names one, rather than asking
    deepstatemap.live behind the mirror's back."""
    if "last_url" in options:
        return str(options["last_url"] or "")
    if "list_url" in options and "base_url" not in options:
        return ""
    return f"{str(options.get('base_url', DEFAULT_BASE_URL)).rstrip('/')}/last"


def snapshot_id(origin: str) -> int | None:
    """The snapshot id inside a stored payload's origin URL or path."""
    found = _ID_IN_URL.findall(origin)  # the last one: hosts, ports and hashes come first
    return int(found[-1]) if found else None


def plausible_id(sid: int, now: datetime) -> bool:
    """Whether `sid` can be a DeepState snapshot taken by the time `now`."""
    return FIRST_SNAPSHOT_ID <= sid <= now.timestamp() + CLOCK_SLACK_S


def _id_range(now: datetime) -> str:
    return (f"{FIRST_SNAPSHOT_ID} (2022-01-01) to {int(now.timestamp()) + CLOCK_SLACK_S} "
            "(a day after this run)")


def collect(source: Source, context: Context) -> Collected:
    listing_url, snapshot_url, areas_url = _urls(source)
    collected = Collected()
    if source.options.get(BACKFILL_ONLY):
        _backfill(context, source, collected)
        _claims_from_store(context, source, collected, snapshot_url)
        return collected
    polled = last_url(source.options)
    list_error: SourceError | None = None
    try:
        _from_list(context, source, collected, listing_url, snapshot_url, areas_url)
    except SourceError as error:
        if not polled:
            raise
        if isinstance(error, _ListClosed):
            # The official list is closed since 2026-08; /last is how snapshots come now.
            context.progress(f"    list closed (HTTP {error.status}); using /last")
        list_error = error
    last_problem = _poll_last(context, source, collected, polled) if polled else ""
    failure = ""
    if list_error is not None and last_problem:
        hint = " (raise 'max_bytes' in [settings])" if "-byte cap" in last_problem else ""
        failure = f"the snapshot list and /last both failed: {list_error}; {last_problem}{hint}"
    elif list_error is not None and not isinstance(list_error, _ListClosed):
        # The list is broken, not closed: /last kept the run going, the quarantine says so.
        collected.rejects.append(Reject(listing_url, f"{source.id}: snapshot list not read "
                                        f"({list_error}); the /last snapshot was read instead"))
    elif last_problem and list_error is None:
        context.progress(f"    /last not read: {last_problem}")
    # The mirror goes on when DeepState is down: its days are stored, their figures come
    # with the next run that succeeds (every run derives figures from all stored maps).
    if source.options.get("backfill_since"):
        _backfill(context, source, collected)
    if failure:
        raise SourceError(failure)
    _claims_from_store(context, source, collected, snapshot_url)
    return collected


def _from_list(context: Context, source: Source, collected: Collected, listing_url: str,
               snapshot_url: str, areas_url: str) -> None:
    """Today's path where the list is open: every listed snapshot not stored yet."""
    stored, _ = _stored(context, source.id)
    listed = _list_ids(context, source, collected, listing_url)
    since = source.options.get("since")
    if since:
        day = option_date(since)
        floor = datetime(day.year, day.month, day.day, tzinfo=timezone.utc).timestamp()
        listed = [i for i in listed if i >= floor]
    wanted = [i for i in listed if i not in stored[GEOJSON_TYPE]]
    limit = int(source.options.get("max_snapshots", DEFAULT_MAX_SNAPSHOTS))
    # Newest first: on a first run with a cap, the recent map matters more than 2022's.
    for number, sid in enumerate(sorted(wanted, reverse=True)[:limit], start=1):
        context.progress(f"    snapshot {sid} ({number}/{min(limit, len(wanted))})")
        _fetch_snapshot(context, source, collected, sid, snapshot_url, areas_url)
    if len(wanted) > limit:
        context.progress(f"    {len(wanted) - limit} older snapshot(s) left for later runs "
                         f"(max_snapshots = {limit})")


def _stored(context: Context, source_id: str
            ) -> tuple[dict[str, dict[int, RawRecord]], list[tuple[int, RawRecord]]]:
    """Snapshot id -> raw record, per payload type, from the store's sidecars; and the
    stored records whose id cannot be a snapshot's (kept by an older version), left out.

    The store keeps identical bytes once, under the first URL that delivered them; when a
    later snapshot's payload repeats an earlier one byte for byte, the alias list (written
    when it was fetched) says which ids share it.
    """
    found: dict[str, dict[int, RawRecord]] = {kind: {} for kind in _KINDS}
    implausible: list[tuple[int, RawRecord]] = []
    by_sha: dict[str, RawRecord] = {}
    for record in context.store.records(source_id):
        by_sha[record.sha256] = record
        sid = snapshot_id(record.origin)
        if sid is not None and record.content_type in found:
            if plausible_id(sid, context.now):
                found[record.content_type][sid] = record
            else:
                implausible.append((sid, record))
    for kind, sid, sha in _Aliases(context, source_id).entries:
        if sha in by_sha and kind in found:
            found[kind].setdefault(sid, by_sha[sha])
    return found, implausible


class _Aliases:
    """Ids whose payload repeats bytes already stored under another id (data/state).

    The file is state, not data: entries that are not (type, plausible id, sha256) are
    dropped and the file rewritten without them, so a damaged file costs at most fetching
    the snapshots it named again (which writes their entries anew), never the source.
    """

    def __init__(self, context: Context, source_id: str) -> None:
        from tracker.store import safe_name

        self.path = context.store.data_dir / "state" / f"deepstate_aliases_{safe_name(source_id)}.json"
        damaged = False
        try:
            loaded = json.loads(self.path.read_text(encoding="utf-8"))
        except OSError:
            loaded = []  # missing (or unreadable, which writing would not mend)
        except ValueError:
            loaded, damaged = [], True
        items = loaded if isinstance(loaded, list) else []
        self.entries = [tuple(e) for e in items if _alias_entry_ok(e, context.now)]
        if damaged or not isinstance(loaded, list) or len(self.entries) != len(items):
            self._save()

    def _save(self) -> None:
        from tracker.store import write_if_changed

        write_if_changed(self.path, json.dumps(sorted(self.entries)).encode("utf-8"))

    def add(self, kind: str, sid: int, sha: str) -> None:
        if (kind, sid, sha) not in self.entries:
            self.entries.append((kind, sid, sha))
            self._save()


_KINDS = (GEOJSON_TYPE, AREAS_TYPE, *MIRROR_TYPES)


def _alias_entry_ok(entry: Any, now: datetime) -> bool:
    return (isinstance(entry, list) and len(entry) == 3
            and entry[0] in _KINDS
            and isinstance(entry[1], int) and not isinstance(entry[1], bool)
            and plausible_id(entry[1], now)
            and isinstance(entry[2], str) and re.fullmatch(r"[0-9a-f]{64}", entry[2]) is not None)


def _keep(context: Context, source: Source, payload: bytes, url: str, kind: str, sid: int) -> None:
    record = context.store.put(source.id, payload, origin=url, content_type=kind,
                               retrieved_at=context.retrieved_at)
    if snapshot_id(record.origin) != sid or record.content_type != kind:
        _Aliases(context, source.id).add(kind, sid, record.sha256)


class _ListClosed(SourceError):
    """The snapshot list answered 401 or 403: closed to this client, not broken."""

    def __init__(self, message: str, status: int) -> None:
        super().__init__(message)
        self.status = status


def _list_ids(context: Context, source: Source, collected: Collected, url: str) -> list[int]:
    try:
        fetched = context.fetch(url)  # without /last, any HTTP failure fails the whole source
    except SourceError as error:
        for status in (401, 403):
            if f"HTTP {status}" in str(error):
                raise _ListClosed(f"{error}: the snapshot list is closed to this client (the "
                                  "official list answers 401 since 2026-08); stored snapshots are "
                                  "kept; set 'base_url' or 'list_url' to a mirror", status) from None
        raise
    try:
        payload = json.loads(fetched.body)
    except (ValueError, UnicodeDecodeError) as error:
        raise SourceError(f"{url}: snapshot list is not JSON ({error})") from None
    if isinstance(payload, dict):
        payload = payload.get("result", payload.get("data"))  # some clients see {result: [...]}
    if not isinstance(payload, list):
        raise SourceError(f"{url}: snapshot list is not a JSON array of records")
    ids = []
    for item in payload:
        value = item.get("id") if isinstance(item, dict) else item
        if isinstance(value, str) and value.isascii() and value.isdigit():
            value = int(value)
        if not isinstance(value, int) or isinstance(value, bool):
            continue
        if plausible_id(value, context.now):
            ids.append(value)
        else:
            # Never fetched, stored or kept in state: its date would be wrong, or no date.
            collected.rejects.append(Reject(url, f"{source.id}: snapshot id {value} in the list is "
                                            f"outside {_id_range(context.now)}: not fetched",
                                            json.dumps(item)[:200]))
    return sorted(set(ids))


def _fetch_snapshot(context: Context, source: Source, collected: Collected, sid: int,
                    snapshot_url: str, areas_url: str) -> None:
    from tracker.http import FetchError

    url = snapshot_url.format(id=sid)
    try:
        fetched = context.http().get(url, conditional=False)
    except FetchError as error:
        collected.rejects.append(Reject(url, f"snapshot {sid} not fetched: {error}"))
        return
    collected.documents_read += 1
    try:
        geo.load_collection(fetched.body)
    except geo.GeoError as error:
        # Not stored: a truncated body must be fetched again, not kept as the snapshot.
        collected.rejects.append(Reject(url, f"{source.id}: snapshot {sid}: {error}"))
        return
    _keep(context, source, fetched.body, url, GEOJSON_TYPE, sid)
    collected.documents_new += 1
    _fetch_areas(context, source, collected, sid, areas_url)


def _fetch_areas(context: Context, source: Source, collected: Collected, sid: int,
                 areas_url: str) -> None:
    """DeepState's own /areas figures of a snapshot just stored, when `areas_url` allows."""
    from tracker.http import FetchError

    if not areas_url:
        return
    url = areas_url.format(id=sid)
    try:
        areas = context.http().get(url, conditional=False)
        json.loads(areas.body)
    except FetchError as error:
        context.progress(f"    official areas of {sid} not fetched: {error}")
        return
    except (ValueError, UnicodeDecodeError):
        collected.rejects.append(Reject(url, f"{source.id}: areas of snapshot {sid}: not JSON"))
        return
    _keep(context, source, areas.body, url, AREAS_TYPE, sid)


# --- /last ---------------------------------------------------------------------------------


def last_body_problem(body: bytes, now: datetime) -> tuple[str, int | None]:
    """What is wrong with a /last answer ('' when nothing) and its snapshot id.

    The answer must be a JSON object with an integer `id` that can be a snapshot's by
    `now` (plausible_id) and a `map` that is a GeoJSON FeatureCollection."""
    try:
        document = json.loads(body)
    except UnicodeDecodeError as error:
        return f"not UTF-8 text (byte {error.start})", None
    except json.JSONDecodeError as error:
        ending = body.rstrip()[-1:]
        cut = error.pos >= len(body.rstrip()) - 1 or ending not in (b"}", b"]")
        return (f"not valid JSON at byte {error.pos}: {error.msg}"
                + (" (truncated?)" if cut else "")), None
    except ValueError as error:  # a number too long to read
        return f"not valid JSON: {error}", None
    if not isinstance(document, dict):
        return f"not a JSON object with 'id' and 'map' (got {type(document).__name__})", None
    sid = document.get("id")
    if sid is None:
        return "no snapshot 'id'", None
    if isinstance(sid, bool) or not isinstance(sid, int):
        return f"snapshot id {json.dumps(sid)[:40]} is not a whole number", None
    if not plausible_id(sid, now):
        return f"snapshot id {sid} is outside {_id_range(now)}", None
    layer = document.get("map")
    kind = layer.get("type") if isinstance(layer, dict) else type(layer).__name__
    if not isinstance(layer, dict) or kind != "FeatureCollection":
        return f"snapshot {sid}: 'map' is not a GeoJSON FeatureCollection (type {kind!r})", None
    if not isinstance(layer.get("features"), list):
        return f"snapshot {sid}: 'map' has no 'features' list", None
    return "", sid


def _poll_last(context: Context, source: Source, collected: Collected, url: str) -> str:
    """Fetch /last and keep its snapshot when it is new; the fetch error ('' when none).

    The exact bytes are kept, under the origin `<last_url>#<id>`: the store keeps a
    payload under the URL it came from, and /last names no id, so the fragment carries it
    (snapshot_id() reads the last Unix time in an origin; the fragment is never sent and
    is where the id was read from). The stored bytes are the wrapper {id, datetime, map};
    geo.load_collection unwraps `map`, so they are measured exactly as a /geojson body.
    """
    from tracker.http import FetchError

    try:
        fetched = context.http().get(url, conditional=False)
    except FetchError as error:
        return str(error)
    collected.documents_read += 1
    problem, sid = last_body_problem(fetched.body, context.now)
    if problem or sid is None:
        collected.rejects.append(Reject(url, f"{source.id}: /last: {problem}; nothing stored",
                                        fetched.body[:200].decode("utf-8", "replace")))
        return ""
    stored, _ = _stored(context, source.id)
    snapshots = stored[GEOJSON_TYPE]
    if sid in snapshots:
        context.progress(f"    /last: snapshot {sid} ({geo.snapshot_date(sid)}) already stored")
        return ""
    newest = max(snapshots, default=None)
    if newest is not None and sid < newest:
        # An older map than one already kept: a server or cache serving stale bytes. It
        # would date an old map as news, so it is kept out (nothing stored is lost).
        collected.rejects.append(Reject(f"{url}#{sid}", f"{source.id}: /last: snapshot id went "
                                        f"backwards: {sid} after {newest}; not stored"))
        return ""
    _keep(context, source, fetched.body, f"{url}#{sid}", GEOJSON_TYPE, sid)
    collected.documents_new += 1
    label = _last_label(fetched.body)
    context.progress(f"    /last: new snapshot {sid} ({datetime.fromtimestamp(sid, tz=timezone.utc):%Y-%m-%d %H:%M} UTC"
                     + (f", {label!r} on the map" if label else "") + ")")
    _, _, areas_url = _urls(source)
    _fetch_areas(context, source, collected, sid, areas_url)
    return ""


def _last_label(body: bytes) -> str:
    """The /last answer's own 'datetime' label ("05.09 о 21:55", Kyiv time), for messages."""
    try:
        label = json.loads(body).get("datetime")
    except (ValueError, AttributeError):
        return ""
    return label[:40] if isinstance(label, str) else ""


# --- mirror backfill -------------------------------------------------------------------------


def _stored_days(stored: dict[str, dict[int, RawRecord]]) -> set:
    """The map days that have a stored map: a snapshot of that UTC day, or a mirror copy."""
    return {backfill.key_day(sid) for kind in (GEOJSON_TYPE, *MIRROR_TYPES)
            for sid in stored[kind]}


def _backfill(context: Context, source: Source, collected: Collected) -> None:
    """Fetch the mirror's copies of the days from backfill_since to backfill_until that
    have no stored map, oldest first, at most max_backfill_days a run.

    A day the mirror lacks (404) is listed in one progress line; a copy that is not a map
    of the configured format is quarantined and not stored. Once such a day is older than
    backfill.MIRROR_LAG_DAYS it is remembered (data/state) and the scheduled runs do not
    ask for it again; `tracker backfill` does, once each time it is run. Any other failure
    (host down, a size cap) stops the backfill for this run with one quarantined row; the
    days left are asked for by the next run."""
    from tracker.http import FetchError

    options = source.options
    template = str(options.get("mirror_url") or "")
    if not template:
        raise SourceError(f"{source.id}: no 'mirror_url' to backfill from")
    fmt = str(options.get("mirror_format", "deepstate"))
    kind = MIRROR_FORMATS[fmt]
    offset = int(options.get("mirror_day_offset", 0))
    since = option_date(options["backfill_since"])
    until = (option_date(options["backfill_until"]) if options.get("backfill_until")
             else backfill.default_until(context.now))
    limit = int(options.get("max_backfill_days", DEFAULT_MAX_BACKFILL_DAYS))
    stored, _ = _stored(context, source.id)
    skipped = _SkippedDays(context, source.id, template, offset)
    again = bool(options.get(BACKFILL_ONLY))  # a person asked: lacking days are asked again
    todo = backfill.days_to_fetch(since, until, _stored_days(stored),
                                  () if again else skipped.days)
    if not todo:
        return  # everything asked for is stored (or known lacking): no request at all
    left_out = [day for day in skipped.days if since <= day <= until]
    if left_out and not again:
        context.progress(f"    mirror: {len(left_out)} day(s) it lacked or had broken in earlier "
                         f"runs not asked again (`tracker backfill` asks again)")
    batch = todo[:limit]
    context.progress(f"    mirror backfill {since} to {until}: {len(todo)} day(s) not stored, "
                     f"{len(batch)} fetched this run ({fmt} copies, day offset {offset:+d})")
    missing, broken, kept = [], [], []
    for number, day in enumerate(batch, start=1):
        url = backfill.fill_mirror_url(template, backfill.file_day(day, offset))
        context.progress(f"    day {number}/{len(batch)}: {day}")
        try:
            fetched = context.http().get(url, conditional=False)
        except FetchError as error:
            if error.status in (404, 410):
                missing.append(day)
                continue
            left = len(todo) - number + 1
            collected.rejects.append(Reject(url, f"{source.id}: mirror day {day}: {error}; backfill "
                                            f"stopped, {left} day(s) left for later runs"))
            break
        collected.documents_read += 1
        problem = _mirror_problem(fetched.body, fmt)
        if problem:
            collected.rejects.append(Reject(url, f"{source.id}: mirror day {day}: {problem}; "
                                            "not stored"))
            broken.append(day)
            continue
        key = backfill.day_key(day)
        _keep(context, source, fetched.body, f"{url}#{key}", kind, key)
        collected.documents_new += 1
        kept.append(day)
    if missing:
        context.progress(f"    mirror lacks {len(missing)} day(s): {backfill.days_text(missing)}")
    skipped.update(backfill.settled_missing(missing + broken, context.now),
                   fetched=kept)
    if len(todo) > limit:
        context.progress(f"    {len(todo) - limit} day(s) left for later runs "
                         f"(max_backfill_days = {limit})")


def _mirror_problem(body: bytes, fmt: str) -> str:
    """Why a mirror's copy is not a map of its format ('' when it is)."""
    try:
        collection = geo.load_collection(body)
    except geo.GeoError as error:
        return str(error)
    geometries = [f.get("geometry") for f in collection["features"] if isinstance(f, dict)]
    polygons = [g for g in geometries if isinstance(g, dict)
                and g.get("type") in ("Polygon", "MultiPolygon")]
    if not polygons:
        return "no Polygon or MultiPolygon feature"
    styled = any(isinstance(f, dict) and isinstance(f.get("properties"), dict)
                 and ("fill" in f["properties"] or geo.deepstate_key(f["properties"]))
                 for f in collection["features"])
    # The wrong format would measure the wrong thing: a union read as a DeepState map has
    # no occupied category (0 km²), a DeepState map read as a union counts every layer.
    if fmt == "deepstate" and not styled:
        return ("not a DeepState map (no feature has a fill colour or a geoJSON.* key); "
                "set mirror_format = \"occupied_union\" for a mirror of occupied-area unions")
    if fmt == "occupied_union" and styled:
        return ("a styled DeepState map, not an occupied-area union; set "
                "mirror_format = \"deepstate\"")
    return ""


class _SkippedDays:
    """Days the mirror lacked (404) or served broken, old enough that the scheduled runs
    stop asking (data/state/deepstate_mirror_skipped_<id>.json).

    State, not data: kept per mirror (template and offset); a damaged file, or one of
    another mirror, is started afresh, which costs asking for those days once more."""

    def __init__(self, context: Context, source_id: str, template: str, offset: int) -> None:
        from tracker.store import read_state_json, safe_name

        self.path = (context.store.data_dir / "state"
                     / f"deepstate_mirror_skipped_{safe_name(source_id)}.json")
        self.mirror = {"mirror_url": template, "mirror_day_offset": offset}
        loaded = read_state_json(self.path)
        self.days: set = set()
        if all(loaded.get(k) == v for k, v in self.mirror.items()):
            for text in loaded.get("days", []) if isinstance(loaded.get("days"), list) else []:
                try:
                    self.days.add(backfill.parse_day(text))
                except ValueError:
                    continue

    def update(self, days: list, fetched: list) -> None:
        """Remember `days`; forget the `fetched` ones (a later copy came after all)."""
        from tracker.store import write_state_json

        kept = (self.days | set(days)) - set(fetched)
        if kept != self.days:
            self.days = kept
            write_state_json(self.path, {**self.mirror,
                                         "days": sorted(d.isoformat() for d in self.days)})


# --- claims --------------------------------------------------------------------------------


def _claims_from_store(context: Context, source: Source, collected: Collected,
                       snapshot_url: str) -> None:
    method = str(source.options.get("area_method", "spherical"))
    denominator = float(source.options.get("denominator_km2", geo.DENOMINATORS_KM2["deepstate"]))
    stored, implausible = _stored(context, source.id)
    for sid, record in implausible:
        collected.rejects.append(Reject(record.origin, f"{source.id}: stored snapshot id {sid} is "
                                        f"outside {_id_range(context.now)}: no figures from it"))
    cache = _AreaCache(context, source.id, method)
    totals: dict[int, tuple[float, RawRecord, str]] = {}
    for sid, kind, record in _timeline(stored):
        summary = cache.get(record, kind)
        if summary is None:
            try:
                measured = _measure(context.store.read(record), method, kind)
            except (OSError, geo.GeoError) as error:
                collected.rejects.append(Reject(record.origin, f"{source.id}: {_what(sid, kind)}: {error}"))
                continue
            summary = {
                "categories": {k: v.area_km2 for k, v in measured.categories.items()},
                "occupied_total_km2": measured.union_km2["occupied_total"],
                "problems": [str(p) for p in measured.scan.problems],
                "repaired": [f"feature #{f.index} ({f.label}): {f.repaired}"
                             for f in measured.scan.features if f.repaired],
                "skipped": measured.scan.skipped_summary(),
            }
            cache.put(record, kind, summary)
        if summary["problems"]:
            # A feature that cannot be measured would make every total of this snapshot
            # too small: no figure is stored from it, and each bad feature is named.
            collected.rejects.append(Reject(
                record.origin, f"{source.id}: {_what(sid, kind)}: no figures stored, "
                f"{len(summary['problems'])} unusable feature(s): "
                + "; ".join(summary["problems"][:5])))
            continue
        total = float(summary["occupied_total_km2"])
        totals[sid] = (total, record, kind)
        _stock_claims(source, collected, sid, record, summary, method, denominator, kind)
    cache.save()
    for gain in geo.monthly_gains({sid: value for sid, (value, _, _) in totals.items()}):
        _gain_claim(source, collected, gain, totals, method, snapshot_url)
    for sid, record in sorted(stored[AREAS_TYPE].items()):
        _official_claims(context, source, collected, sid, record)


def _timeline(stored: dict[str, dict[int, RawRecord]]) -> list[tuple[int, str, RawRecord]]:
    """(id or day key, kind, record) of every stored map, oldest first.

    A real snapshot wins its UTC day: a mirror copy of a day that also has a snapshot is
    left out (its stock would be the same figure twice, and monthly gains must not run
    between two maps of one day); a full mirror copy wins over a union of the same day."""
    snapshots = stored[GEOJSON_TYPE]
    taken = {backfill.key_day(sid) for sid in snapshots}
    entries = [(sid, GEOJSON_TYPE, record) for sid, record in snapshots.items()]
    for kind in MIRROR_TYPES:
        for key, record in stored[kind].items():
            day = backfill.key_day(key)
            if day not in taken:
                taken.add(day)
                entries.append((key, kind, record))
    return sorted(entries, key=lambda entry: (entry[0], entry[1]))


def _measure(payload: bytes, method: str, kind: str) -> geo.MapAreas:
    if kind == UNION_TYPE:
        # One feature, already the union of the occupied areas: all of it is the total.
        return geo.measure_map(payload, method, classify=lambda properties: "occupied_total",
                               unions={"occupied_total": ("occupied_total",)})
    return geo.measure_map(payload, method, classify=geo.deepstate_category)


def _what(sid: int, kind: str) -> str:
    """'snapshot 1754251105' or 'mirror day 2024-07-08', for messages and quotes."""
    if kind in MIRROR_TYPES:
        return f"mirror day {geo.snapshot_date(sid)}"
    return f"snapshot {sid}"


def _base(source: Source, sid: int, record: RawRecord, kind: str = GEOJSON_TYPE) -> dict[str, Any]:
    stored_as = snapshot_id(record.origin)
    # Bytes shared with another snapshot are stored under its URL; cite this one's.
    url = record.origin if stored_as == sid else record.origin.replace(str(stored_as), str(sid))
    title = f"DeepStateMap snapshot {sid}"
    if kind in MIRROR_TYPES:
        url = _mirror_citation(source, sid, record, url)
        title = f"DeepStateMap map of {geo.snapshot_date(sid)} (mirror copy)"
    return dict(conflict=source.conflict or "russia-ukraine", actor="Russia", territory="Ukraine",
                attribution=source.attribution or "DeepState", data_producer="DeepState",
                publisher=source.publisher or "DeepStateMap", url=url,
                title=title, retrieved_at=record.retrieved_at,
                source_id=source.id, snapshot_sha256=record.sha256)


def _mirror_citation(source: Source, key: int, record: RawRecord, url: str) -> str:
    """The mirror file of a day, without the '#key' the store keeps: the day's own file,
    even when its bytes repeat another day's (stored once, under that day's URL)."""
    if snapshot_id(record.origin) != key and source.options.get("mirror_url"):
        day = backfill.file_day(backfill.key_day(key), int(source.options.get("mirror_day_offset", 0)))
        return backfill.fill_mirror_url(str(source.options["mirror_url"]), day)
    return url.rsplit("#", 1)[0]


_UNION_WHAT = ("Russian-occupied Ukraine per DeepState, from a mirror's daily union of its "
               "occupied polygons (Occupied, Occupied Crimea, CADR and CALR); Tuzla (about "
               "4 km²), grey zone, satirical and non-Ukrainian polygons excluded")


def _stock_claims(source: Source, collected: Collected, sid: int, record: RawRecord,
                  summary: dict[str, Any], method: str, denominator: float,
                  kind: str = GEOJSON_TYPE) -> None:
    as_of = geo.snapshot_date(sid)
    total = round(float(summary["occupied_total_km2"]), 3)
    what = ("Russian-occupied Ukraine per DeepState: occupied since 24.02.2022 plus occupied "
            "before (Crimea, ORDLO), union; grey zone, satirical and non-Ukrainian polygons "
            f"excluded; {method_text(method)}")
    note = f"DeepState snapshot {sid}, {method} area"
    flags = "geometry_repaired" if summary["repaired"] else ""
    base = _base(source, sid, record, kind)
    if kind in MIRROR_TYPES:
        name = base["url"].rstrip("/").rsplit("/", 1)[-1]
        note = f"DeepState map of {as_of}, mirror file {name}, {method} area"
        if kind == UNION_TYPE:
            what = f"{_UNION_WHAT}; {method_text(method)}"
            note = f"{note} (the mirror's occupied-area union)"
    collected.add(computed_claim(metric="area_controlled_km2", value=total, as_of=as_of,
                                 quote=note, definition=f"occupied_total: {what}", flags=flags,
                                 unit_original="km2", value_original=total, **base), record.origin)
    share = round(geo.share_pct(total, denominator), 4)
    collected.add(computed_claim(metric="share_controlled_pct", value=share, as_of=as_of, quote=note,
                                 definition=f"occupied_total: {what}; denominator {denominator:,.0f} km²",
                                 flags=flags, unit_original="%", value_original=share, **base),
                  record.origin)
    after = summary["categories"].get(geo.OCCUPIED_AFTER)
    if after is not None:
        value = round(float(after), 3)
        collected.add(computed_claim(
            metric="area_controlled_km2", value=value, as_of=as_of, quote=note, flags=flags,
            definition=f"{geo.OCCUPIED_AFTER}: occupied since 24.02.2022 only (Crimea and ORDLO "
                       f"excluded); {method_text(method)}",
            unit_original="km2", value_original=value, **base), record.origin)


def _gain_claim(source: Source, collected: Collected, gain: geo.MonthlyGain,
                totals: dict[int, tuple[float, RawRecord, str]], method: str,
                snapshot_url: str) -> None:
    _, _, start_kind = totals[gain.start_id]
    _, end_record, end_kind = totals[gain.end_id]
    value = round(gain.change_km2, 3)
    # area_gained_km2 cannot be negative; a month in which the occupied area shrank is a
    # negative net gain, which only net_area_gained_km2 may hold.
    metric = "area_gained_km2" if value >= 0 else "net_area_gained_km2"
    base = _base(source, gain.end_id, end_record, end_kind)
    if end_kind == GEOJSON_TYPE and "#" not in end_record.origin:
        base["url"] = snapshot_url.format(id=gain.end_id)  # a listed snapshot: its API URL
    if start_kind == end_kind == GEOJSON_TYPE:
        quote = (f"DeepState snapshots {gain.start_id} ({geo.snapshot_date(gain.start_id)}) to "
                 f"{gain.end_id} ({geo.snapshot_date(gain.end_id)}), {method} area")
        ends = f"snapshots nearest the month's boundaries ({gain.start_id} -> {gain.end_id})"
    else:
        # A mirror day has no snapshot id: it is named by its date.
        start, end = (_what(gain.start_id, start_kind), _what(gain.end_id, end_kind))
        quote = f"DeepState maps: {start} to {end}, {method} area"
        ends = f"maps nearest the month's boundaries ({start} -> {end})"
    unions = [which for which, kind in (("start", start_kind), ("end", end_kind))
              if kind == UNION_TYPE]
    note = (f"; the {' and '.join(unions)} map is a mirror's union of occupied polygons "
            "(Tuzla, about 4 km², excluded)" if unions else "")
    collected.add(computed_claim(
        metric=metric, value=value, period_start=gain.period_start, period_end=gain.period_end,
        period_text=gain.month, quote=quote,
        definition=("occupied_total: net change of Russian-occupied Ukraine between the DeepState "
                    f"{ends}; " + method_text(method) + note),
        unit_original="km2", value_original=value, **base), f"{base['url']}#{gain.month}")


def _official_claims(context: Context, source: Source, collected: Collected, sid: int,
                     record: RawRecord) -> None:
    """DeepState's own /areas figures: occupied after + before 24.02.2022, as published."""
    try:
        rows = json.loads(context.store.read(record))
    except (OSError, ValueError) as error:
        collected.rejects.append(Reject(record.origin, f"{source.id}: areas of {sid}: {error}"))
        return
    if not isinstance(rows, list):
        collected.rejects.append(Reject(record.origin, f"{source.id}: areas of {sid}: not a list"))
        return
    parts = {}
    for row in rows:
        if isinstance(row, dict) and row.get("type") in geo.OCCUPIED_CATEGORIES:
            area = _official_area_km2(row.get("area"))
            if area is None:
                collected.rejects.append(Reject(record.origin, f"{source.id}: areas of {sid}: "
                                                f"row without a finite area in km²: {row}"[:300]))
                return
            parts[row["type"]] = parts.get(row["type"], 0.0) + area
    if set(parts) != set(geo.OCCUPIED_CATEGORIES):
        return
    value = round(sum(parts.values()), 3)
    claim = Claim(metric="area_controlled_km2", value=value, as_of=geo.snapshot_date(sid),
                  method="reported", qualifier="exact", unit_original="km2", value_original=value,
                  quote=json.dumps([r for r in rows if isinstance(r, dict)
                                    and r.get("type") in geo.OCCUPIED_CATEGORIES],
                                   ensure_ascii=False, sort_keys=True),
                  definition="occupied_total: DeepState /areas, occupied_after_24_02_2022 + "
                             "occupied_to_24_02_2022 as published (sum of features, spherical)",
                  **_base(source, sid, record))
    collected.add(claim, record.origin)


def _summary_ok(summary: Any) -> bool:
    """Whether a cached summary has every field, of the type the claims are built from."""
    def finite(value: Any) -> bool:
        return (isinstance(value, (int, float)) and not isinstance(value, bool)
                and math.isfinite(value) and value >= 0)

    return (isinstance(summary, dict)
            and finite(summary.get("occupied_total_km2"))
            and isinstance(summary.get("categories"), dict)
            and all(isinstance(k, str) and finite(v) for k, v in summary["categories"].items())
            and all(isinstance(summary.get(key), list)
                    and all(isinstance(item, str) for item in summary[key])
                    for key in ("problems", "repaired"))
            and isinstance(summary.get("skipped"), str))


def _official_area_km2(value: Any) -> float | None:
    """A published occupied area: a finite number (or its digits as text) from 0 km² to all
    of Ukraine; true, NaN or 1e400 are none."""
    if isinstance(value, str):
        try:
            value = float(value)
        except ValueError:
            return None
    if isinstance(value, bool) or not isinstance(value, (int, float)):
        return None
    try:
        area = float(value)
    except OverflowError:
        return None
    return area if math.isfinite(area) and 0 <= area <= geo.DENOMINATORS_KM2["deepstate"] else None


class _AreaCache:
    """Measured areas per stored snapshot (data/state): a re-run measures only new bytes."""

    def __init__(self, context: Context, source_id: str, method: str) -> None:
        from tracker.store import safe_name

        self.path = context.store.data_dir / "state" / f"map_areas_{safe_name(source_id)}.json"
        self.key = f"{_CACHE_VERSION}:{geo.GEO_VERSION}:{method}"
        self.entries: dict[str, Any] = {}
        self.changed = False
        try:
            loaded = json.loads(self.path.read_text(encoding="utf-8"))
        except (OSError, ValueError):
            loaded = None  # a missing or damaged cache only costs re-measuring
        if isinstance(loaded, dict) and loaded.get("key") == self.key:
            snapshots = loaded.get("snapshots")
            self.entries = snapshots if isinstance(snapshots, dict) else {}

    @staticmethod
    def _key(record: RawRecord, kind: str) -> str:
        # The same bytes measured as a union give another summary than as a DeepState map.
        return f"union:{record.sha256}" if kind == UNION_TYPE else record.sha256

    def get(self, record: RawRecord, kind: str = GEOJSON_TYPE) -> dict[str, Any] | None:
        """The stored summary of these bytes; None (measure again) when absent or damaged."""
        summary = self.entries.get(self._key(record, kind))
        return summary if _summary_ok(summary) else None

    def put(self, record: RawRecord, kind: str, summary: dict[str, Any]) -> None:
        self.entries[self._key(record, kind)] = summary
        self.changed = True

    def save(self) -> None:
        if not self.changed:
            return
        from tracker.store import write_if_changed

        payload = json.dumps({"key": self.key, "snapshots": self.entries}, indent=1, sort_keys=True)
        write_if_changed(self.path, payload.encode("utf-8"))
