"""`geojson`: any control map (ISW exports, Gaza zones, AMK), mapped by a few keys.

The file or URL may hold GeoJSON, KML or KMZ (told by content; tracker/mapformats.py), or
an ArcGIS feature-service query answering GeoJSON (`.../FeatureServer/0/query?where=1%3D1&
outFields=*&f=geojson`). An ArcGIS error inside a 200 answer fails the source with the
server's message, and an answer ArcGIS cut at its page size (exceededTransferLimit) is
refused: the map would be incomplete and its area too small.

    [[source]]
    id = "isw-2024-07-18"
    kind = "geojson"
    path = "maps/2024-07-18.geojson"        # or url = "https://..."
    actor = "Russia"
    territory = "Ukraine"
    data_producer = "ISW"
    date_property = "date"                  # property holding the date: ISO text or epoch ms/s
    where = { layer_type = "ukraine_control_map" }   # which features count (all by default);
                                            # a KML layer: where = { folder = "..." }
    denominator_km2 = 603628                # adds a share of the territory
    area_method = "geodesic"                # or "spherical"

Features are grouped by their date (or `as_of` when the map has no usable date property)
and each group's union is measured, so overlapping polygons count once. Null geometries
and points are skipped and counted; a feature that cannot be measured withholds the figure
of its date and is named in the quarantine.
"""

from __future__ import annotations

import re
from datetime import date as calendar_date, datetime, timezone
from typing import Any

from tracker import geo
from tracker.config import Source, date_problem, number_problem, option_date, text_problem
from tracker.model import STOCK_METRICS, is_area, is_share
from tracker.sources import Collected, Context, Reject, SourceError, read_local_file
from tracker.sources._maps import (
    check_denominator,
    check_method,
    computed_claim,
    method_text,
)

KIND = "geojson"
REQUIRED = frozenset({"actor"})
OPTIONAL = frozenset({"path", "url", "territory", "data_producer", "date_property", "as_of",
                      "where", "denominator_km2", "area_method", "metric", "share_metric",
                      "definition", "max_bytes"})

_ISO = re.compile(r"^(\d{4}-\d{2}-\d{2})")


_TEXT_KEYS = ("actor", "territory", "data_producer", "date_property", "definition")
# A map gives an area at a date: the metrics are stocks, an area and its share.
_AREA_METRICS = tuple(m for m in STOCK_METRICS if is_area(m))
_SHARE_METRICS = tuple(m for m in STOCK_METRICS if is_share(m))
MAX_BYTES_CAP = 2**32
# How a kept payload is labelled in data/raw, by the format read from its content.
CONTENT_TYPES = {"geojson": "application/geo+json", "kml": "application/vnd.google-earth.kml+xml",
                 "kmz": "application/vnd.google-earth.kmz"}


def check_options(options: dict) -> str | None:
    if ("path" in options) == ("url" in options):
        return "give exactly one of 'path' or 'url'"
    for key in _TEXT_KEYS:
        problem = text_problem(key, options[key]) if key in options else None
        if problem:
            return problem
    if not options["actor"].strip():
        return "key 'actor' must name who holds the mapped area (got an empty string)"
    problem = check_where(options.get("where", {}))
    if problem:
        return problem
    for key, allowed in (("metric", _AREA_METRICS), ("share_metric", _SHARE_METRICS)):
        if key in options and (not isinstance(options[key], str) or options[key] not in allowed):
            return f"key {key!r} must be one of {', '.join(allowed)} (got {options[key]!r})"
    if "as_of" in options:
        problem = date_problem("as_of", options["as_of"])
        if problem:
            return problem
    if "max_bytes" in options:
        problem = number_problem("max_bytes", options["max_bytes"], low=1, high=MAX_BYTES_CAP,
                                 whole=True)
        if problem:
            return problem
    return check_method(options, "geodesic") or check_denominator(options)


def check_where(where: Any) -> str | None:
    """'where' is a table of property = value (or a list of values); values are scalars."""
    if not isinstance(where, dict):
        return "key 'where' must be a table of property = value (or list of values)"
    for name, wanted in where.items():
        values = wanted if isinstance(wanted, list) else [wanted]
        if not values or not all(isinstance(v, (str, int, float, bool)) for v in values):
            return (f"key 'where': {name!r} must be a value or a non-empty list of values "
                    f"(text, numbers or true/false; got {wanted!r})")
    return None


def collect(source: Source, context: Context) -> Collected:
    payload, origin = read_payload(source, context)
    try:
        document, kind = geo.load_map_format(payload)
    except geo.GeoError as error:
        raise SourceError(f"{source.id}: {origin}: {error}") from None
    truncated, certain = geo.truncation_problem(document)
    if certain:
        # Nothing is kept: a partial page is no snapshot of the map.
        raise SourceError(f"{source.id}: {origin}: {truncated}")
    if truncated:
        context.progress(f"    {source.id}: warning: {truncated}")
    record, is_new = context.store.keep(source.id, payload, origin=origin, content_type=CONTENT_TYPES[kind],
                               retrieved_at=context.retrieved_at)
    collected = Collected(documents_read=1, documents_new=int(is_new))
    method = str(source.options.get("area_method", "geodesic"))
    scan = geo.scan_features(document)
    where = source.options.get("where", {})
    selected = [f for f in scan.features if geo.feature_matches(f.properties, where)]
    if scan.skipped_null or scan.skipped_points or scan.skipped_empty:
        context.progress(f"    {source.id}: {scan.skipped_summary()}")
    if where:
        context.progress(f"    {source.id}: 'where' selected {len(selected)} of "
                         f"{len(scan.features)} polygon feature(s)")
    groups: dict[str, list[geo.MapFeature]] = {}
    for feature in selected:
        date = feature_date(feature.properties, source.options)
        if date is None:
            collected.rejects.append(Reject(
                f"{origin}#feature-{feature.index}",
                f"{source.id}: feature #{feature.index} ({feature.label}): no usable date in "
                f"property {source.options.get('date_property', '(none)')!r} and no 'as_of' option"))
            continue
        groups.setdefault(date, []).append(feature)
    # Only a bad feature the mapping would have counted makes the figures incomplete.
    problems = [p for p in scan.problems if geo.feature_matches(p.properties, where)]
    for problem in problems:
        collected.rejects.append(Reject(f"{origin}#feature-{problem.index}",
                                        f"{source.id}: {problem}"))
    if not groups and not problems:
        left_out = (f"; 'where' left out all {len(scan.features)} polygon feature(s)"
                    if where and scan.features else "")
        raise SourceError(f"{source.id}: {origin}: no polygon feature to measure "
                          f"({scan.total} feature(s); {scan.skipped_summary()}{left_out})")
    if problems:
        # An unmeasurable feature may belong to any date: every total would be too small.
        return collected
    for date, features in sorted(groups.items()):
        _claims(source, collected, record, date, features, method, scan)
    return collected


def read_payload(source: Source, context: Context) -> tuple[bytes, str]:
    """The bytes of a `path` or `url` option, capped like any download."""
    limit = int(source.options.get("max_bytes", context.settings.max_bytes))
    if "url" in source.options:
        url = str(source.options["url"])
        return context.fetch(url).body, url
    path = source.path_option("path")
    payload = read_local_file(source, path, context.settings, label=f"{source.id}: {path}",
                              limit_bytes=limit)
    return payload, str(source.options["path"])


def feature_date(properties: dict[str, Any], options: dict[str, Any]) -> str | None:
    """YYYY-MM-DD from the date property (ISO text, epoch ms or s), else the 'as_of' option."""
    key = options.get("date_property")
    value = properties.get(key) if key else None
    parsed = parse_date(value)
    return parsed or (option_date(options["as_of"]).isoformat() if options.get("as_of") else None)


# Dates a map or a series may carry; beyond them a number is no date (an id, a count).
_FIRST_YEAR, _LAST_YEAR = 1900, 2100


def parse_date(value: Any) -> str | None:
    """YYYY-MM-DD of ISO text or epoch seconds or milliseconds, 1900-2100; else None."""
    if isinstance(value, bool) or value is None:
        return None
    if isinstance(value, (int, float)):
        try:
            seconds = value / 1000 if value > 1e11 else value  # ArcGIS exports epoch milliseconds
            day = datetime.fromtimestamp(seconds, tz=timezone.utc).date()
        except (OverflowError, OSError, ValueError):
            return None
    else:
        match = _ISO.match(str(value).strip())
        try:
            day = calendar_date.fromisoformat(match.group(1)) if match else None
        except ValueError:  # 2024-13-45 has the shape of a date and is none
            return None
    if day is None or not _FIRST_YEAR <= day.year <= _LAST_YEAR:
        return None
    return day.isoformat()


def _claims(source: Source, collected: Collected, record: Any, date: str,
            features: list[geo.MapFeature], method: str, scan: geo.FeatureScan) -> None:
    area = round(geo.union_area_km2(features, method), 3)
    producer = str(source.options.get("data_producer", ""))
    what = str(source.options.get("definition", "")) or "union of the mapped polygons"
    note = (f"{source.id} map {record.origin}, {len(features)} feature(s), {method} area; "
            f"{scan.skipped_null} null geometr{'y' if scan.skipped_null == 1 else 'ies'} skipped")
    flags = "geometry_repaired" if any(f.repaired for f in features) else ""
    base = dict(conflict=source.conflict, actor=str(source.options["actor"]),
                territory=str(source.options.get("territory", "")),
                attribution=source.attribution or producer, data_producer=producer,
                publisher=source.publisher or producer, url=record.origin,
                title=f"{producer or source.id} map, {date}", retrieved_at=record.retrieved_at,
                source_id=source.id, snapshot_sha256=record.sha256, as_of=date, quote=note,
                flags=flags)
    metric = str(source.options.get("metric", "area_controlled_km2"))
    collected.add(computed_claim(metric=metric, value=area, definition=f"{what}; {method_text(method)}",
                                 unit_original="km2", value_original=area, **base),
                  f"{record.origin}@{date}")
    denominator = source.options.get("denominator_km2")
    if denominator:
        share = round(geo.share_pct(area, float(denominator)), 4)
        share_metric = str(source.options.get("share_metric", "share_controlled_pct"))
        collected.add(computed_claim(
            metric=share_metric, value=share, unit_original="%", value_original=share,
            definition=f"{what}; {method_text(method)}; denominator {float(denominator):,.1f} km²",
            **base), f"{record.origin}@{date}")
