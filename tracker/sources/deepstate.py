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

Since 2026-08 the official list answers 401: the run then fails this source in its health
record and the ledger keeps what earlier runs stored; `base_url` or `list_url` may name a
mirror.
"""

from __future__ import annotations

import json
import math
import re
from datetime import datetime, timezone
from typing import Any

from tracker import geo
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
                      "since", "area_method", "denominator_km2"})

DEFAULT_BASE_URL = "https://deepstatemap.live/api/history"
DEFAULT_MAX_SNAPSHOTS = 20
GEOJSON_TYPE = "application/geo+json"
AREAS_TYPE = "application/json"
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
    return check_method(options, "spherical") or check_denominator(options)


def _urls(source: Source) -> tuple[str, str, str]:
    base = str(source.options.get("base_url", DEFAULT_BASE_URL)).rstrip("/")
    listing = str(source.options.get("list_url") or f"{base}/public")
    snapshot = str(source.options.get("snapshot_url") or f"{base}/{{id}}/geojson")
    areas = str(source.options.get("areas_url", f"{base}/{{id}}/areas"))
    return listing, snapshot, areas


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
    _claims_from_store(context, source, collected, snapshot_url)
    return collected


def _stored(context: Context, source_id: str
            ) -> tuple[dict[str, dict[int, RawRecord]], list[tuple[int, RawRecord]]]:
    """Snapshot id -> raw record, per payload type, from the store's sidecars; and the
    stored records whose id cannot be a snapshot's (kept by an older version), left out.

    The store keeps identical bytes once, under the first URL that delivered them; when a
    later snapshot's payload repeats an earlier one byte for byte, the alias list (written
    when it was fetched) says which ids share it.
    """
    found: dict[str, dict[int, RawRecord]] = {GEOJSON_TYPE: {}, AREAS_TYPE: {}}
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


def _alias_entry_ok(entry: Any, now: datetime) -> bool:
    return (isinstance(entry, list) and len(entry) == 3
            and entry[0] in (GEOJSON_TYPE, AREAS_TYPE)
            and isinstance(entry[1], int) and not isinstance(entry[1], bool)
            and plausible_id(entry[1], now)
            and isinstance(entry[2], str) and re.fullmatch(r"[0-9a-f]{64}", entry[2]) is not None)


def _keep(context: Context, source: Source, payload: bytes, url: str, kind: str, sid: int) -> None:
    record = context.store.put(source.id, payload, origin=url, content_type=kind,
                               retrieved_at=context.retrieved_at)
    if snapshot_id(record.origin) != sid or record.content_type != kind:
        _Aliases(context, source.id).add(kind, sid, record.sha256)


def _list_ids(context: Context, source: Source, collected: Collected, url: str) -> list[int]:
    try:
        fetched = context.fetch(url)  # a 401 or any HTTP failure fails the whole source
    except SourceError as error:
        if "HTTP 401" in str(error) or "HTTP 403" in str(error):
            raise SourceError(f"{error}: the snapshot list is closed to this client (the official "
                              "list answers 401 since 2026-08); stored snapshots are kept; set "
                              "'base_url' or 'list_url' to a mirror") from None
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
    totals: dict[int, tuple[float, RawRecord]] = {}
    for sid, record in sorted(stored[GEOJSON_TYPE].items()):
        summary = cache.get(record)
        if summary is None:
            try:
                measured = geo.measure_map(context.store.read(record), method,
                                           classify=geo.deepstate_category)
            except (OSError, geo.GeoError) as error:
                collected.rejects.append(Reject(record.origin, f"{source.id}: snapshot {sid}: {error}"))
                continue
            summary = {
                "categories": {k: v.area_km2 for k, v in measured.categories.items()},
                "occupied_total_km2": measured.union_km2["occupied_total"],
                "problems": [str(p) for p in measured.scan.problems],
                "repaired": [f"feature #{f.index} ({f.label}): {f.repaired}"
                             for f in measured.scan.features if f.repaired],
                "skipped": measured.scan.skipped_summary(),
            }
            cache.put(record, summary)
        if summary["problems"]:
            # A feature that cannot be measured would make every total of this snapshot
            # too small: no figure is stored from it, and each bad feature is named.
            collected.rejects.append(Reject(
                record.origin, f"{source.id}: snapshot {sid}: no figures stored, "
                f"{len(summary['problems'])} unusable feature(s): "
                + "; ".join(summary["problems"][:5])))
            continue
        total = float(summary["occupied_total_km2"])
        totals[sid] = (total, record)
        _stock_claims(source, collected, sid, record, summary, method, denominator)
    cache.save()
    for gain in geo.monthly_gains({sid: value for sid, (value, _) in totals.items()}):
        _gain_claim(source, collected, gain, totals, method, snapshot_url)
    for sid, record in sorted(stored[AREAS_TYPE].items()):
        _official_claims(context, source, collected, sid, record)


def _base(source: Source, sid: int, record: RawRecord) -> dict[str, Any]:
    stored_as = snapshot_id(record.origin)
    # Bytes shared with another snapshot are stored under its URL; cite this one's.
    url = record.origin if stored_as == sid else record.origin.replace(str(stored_as), str(sid))
    return dict(conflict=source.conflict or "russia-ukraine", actor="Russia", territory="Ukraine",
                attribution=source.attribution or "DeepState", data_producer="DeepState",
                publisher=source.publisher or "DeepStateMap", url=url,
                title=f"DeepStateMap snapshot {sid}", retrieved_at=record.retrieved_at,
                source_id=source.id, snapshot_sha256=record.sha256)


def _stock_claims(source: Source, collected: Collected, sid: int, record: RawRecord,
                  summary: dict[str, Any], method: str, denominator: float) -> None:
    as_of = geo.snapshot_date(sid)
    total = round(float(summary["occupied_total_km2"]), 3)
    what = ("Russian-occupied Ukraine per DeepState: occupied since 24.02.2022 plus occupied "
            "before (Crimea, ORDLO), union; grey zone, satirical and non-Ukrainian polygons "
            f"excluded; {method_text(method)}")
    note = f"DeepState snapshot {sid}, {method} area"
    flags = "geometry_repaired" if summary["repaired"] else ""
    base = _base(source, sid, record)
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
                totals: dict[int, tuple[float, RawRecord]], method: str, snapshot_url: str) -> None:
    _, end_record = totals[gain.end_id]
    value = round(gain.change_km2, 3)
    # area_gained_km2 cannot be negative; a month in which the occupied area shrank is a
    # negative net gain, which only net_area_gained_km2 may hold.
    metric = "area_gained_km2" if value >= 0 else "net_area_gained_km2"
    base = _base(source, gain.end_id, end_record)
    base["url"] = snapshot_url.format(id=gain.end_id)
    collected.add(computed_claim(
        metric=metric, value=value, period_start=gain.period_start, period_end=gain.period_end,
        period_text=gain.month,
        quote=(f"DeepState snapshots {gain.start_id} ({geo.snapshot_date(gain.start_id)}) to "
               f"{gain.end_id} ({geo.snapshot_date(gain.end_id)}), {method} area"),
        definition=("occupied_total: net change of Russian-occupied Ukraine between the DeepState "
                    f"snapshots nearest the month's boundaries ({gain.start_id} -> {gain.end_id}); "
                    + method_text(method)),
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

    def get(self, record: RawRecord) -> dict[str, Any] | None:
        """The stored summary of these bytes; None (measure again) when absent or damaged."""
        summary = self.entries.get(record.sha256)
        return summary if _summary_ok(summary) else None

    def put(self, record: RawRecord, summary: dict[str, Any]) -> None:
        self.entries[record.sha256] = summary
        self.changed = True

    def save(self) -> None:
        if not self.changed:
            return
        from tracker.store import write_if_changed

        payload = json.dumps({"key": self.key, "snapshots": self.entries}, indent=1, sort_keys=True)
        write_if_changed(self.path, payload.encode("utf-8"))
