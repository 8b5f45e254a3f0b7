"""`deepstate`: the DeepStateMap history API (or a mirror of it), measured snapshot by snapshot.

Each run lists the snapshots, fetches only those not yet in the raw store (the store's
sidecars name the snapshot URL each payload came from), keeps the GeoJSON and the official
/areas answer in data/raw/, and turns every stored snapshot into computed claims: the area
Russia holds in Ukraine (occupied since and before 24 February 2022, overlaps counted
once), its share of DeepState's 603,700 km², and monthly net gains between the snapshots
nearest each month boundary. DeepState's own /areas figures become reported claims beside
them, so `tracker check` can compare the two.

Since 2026-08 the official list answers 401: the run then fails this source in its health
record and the ledger keeps what earlier runs stored; `base_url` or `list_url` may name a
mirror.
"""

from __future__ import annotations

import json
import re
from datetime import datetime, timezone
from typing import Any

from tracker import geo
from tracker.config import Source
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


def check_options(options: dict) -> str | None:
    for key in ("base_url", "list_url", "snapshot_url", "areas_url"):
        value = options.get(key)
        if value is not None and not isinstance(value, str):
            return f"key {key!r} must be a string"
    for key in ("snapshot_url", "areas_url"):
        value = options.get(key)
        if value and "{id}" not in value:
            return f"key {key!r} must contain {{id}} where the snapshot id goes"
    limit = options.get("max_snapshots", DEFAULT_MAX_SNAPSHOTS)
    if isinstance(limit, bool) or not isinstance(limit, int) or limit < 0:
        return "key 'max_snapshots' must be a whole number (0: fetch nothing new)"
    since = options.get("since")
    if since is not None:
        try:
            datetime.fromisoformat(str(since))
        except ValueError:
            return f"key 'since' must be a date YYYY-MM-DD (got {since!r})"
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


def collect(source: Source, context: Context) -> Collected:
    listing_url, snapshot_url, areas_url = _urls(source)
    collected = Collected()
    stored = _stored(context, source.id)
    listed = _list_ids(context, listing_url)
    since = source.options.get("since")
    if since:
        floor = datetime.fromisoformat(str(since)).replace(tzinfo=timezone.utc).timestamp()
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


def _stored(context: Context, source_id: str) -> dict[str, dict[int, RawRecord]]:
    """Snapshot id -> raw record, per payload type, from the store's sidecars.

    The store keeps identical bytes once, under the first URL that delivered them; when a
    later snapshot's payload repeats an earlier one byte for byte, the alias list (written
    when it was fetched) says which ids share it.
    """
    found: dict[str, dict[int, RawRecord]] = {GEOJSON_TYPE: {}, AREAS_TYPE: {}}
    by_sha: dict[str, RawRecord] = {}
    for record in context.store.records(source_id):
        by_sha[record.sha256] = record
        sid = snapshot_id(record.origin)
        if sid is not None and record.content_type in found:
            found[record.content_type][sid] = record
    for kind, sid, sha in _Aliases(context, source_id).entries:
        if sha in by_sha and kind in found:
            found[kind].setdefault(sid, by_sha[sha])
    return found


class _Aliases:
    """Ids whose payload repeats bytes already stored under another id (data/state)."""

    def __init__(self, context: Context, source_id: str) -> None:
        from tracker.store import safe_name

        self.path = context.store.data_dir / "state" / f"deepstate_aliases_{safe_name(source_id)}.json"
        try:
            self.entries = [tuple(e) for e in json.loads(self.path.read_text(encoding="utf-8"))]
        except (OSError, ValueError, TypeError):
            self.entries = []

    def add(self, kind: str, sid: int, sha: str) -> None:
        from tracker.store import write_if_changed

        if (kind, sid, sha) not in self.entries:
            self.entries.append((kind, sid, sha))
            write_if_changed(self.path, json.dumps(sorted(self.entries)).encode("utf-8"))


def _keep(context: Context, source: Source, payload: bytes, url: str, kind: str, sid: int) -> None:
    record = context.store.put(source.id, payload, origin=url, content_type=kind,
                               retrieved_at=context.retrieved_at)
    if snapshot_id(record.origin) != sid or record.content_type != kind:
        _Aliases(context, source.id).add(kind, sid, record.sha256)


def _list_ids(context: Context, url: str) -> list[int]:
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
        if isinstance(value, int) and not isinstance(value, bool) and value > 0:
            ids.append(value)
        elif isinstance(value, str) and value.isdigit():
            ids.append(int(value))
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
    stored = _stored(context, source.id)
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
            try:
                parts[row["type"]] = parts.get(row["type"], 0.0) + float(row["area"])
            except (KeyError, TypeError, ValueError):
                collected.rejects.append(Reject(record.origin, f"{source.id}: areas of {sid}: "
                                                f"row without a numeric area: {row}"))
                return
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
            if isinstance(loaded, dict) and loaded.get("key") == self.key:
                self.entries = loaded.get("snapshots", {})
        except (OSError, ValueError):
            pass  # a missing or damaged cache only costs re-measuring

    def get(self, record: RawRecord) -> dict[str, Any] | None:
        return self.entries.get(record.sha256)

    def put(self, record: RawRecord, summary: dict[str, Any]) -> None:
        self.entries[record.sha256] = summary
        self.changed = True

    def save(self) -> None:
        if not self.changed:
            return
        from tracker.store import write_if_changed

        payload = json.dumps({"key": self.key, "snapshots": self.entries}, indent=1, sort_keys=True)
        write_if_changed(self.path, payload.encode("utf-8"))
