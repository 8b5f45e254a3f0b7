"""`table`: a published series (CSV or JSON records) with a column mapping.

    [[source]]
    id = "isw-daily-areas"
    kind = "table"
    path = "series/daily_areas.json"       # or url; CSV or a JSON array of objects
    metric = "area_controlled_km2"
    actor = "Russia"
    territory = "Ukraine"
    data_producer = "ISW"
    columns = { value = "areaKm2", date = "date" }     # flows: period_start, period_end
    where = { layerType = "ukraine_control_map" }

Each row is checked on its own: a missing or non-numeric value, or a date that is not a
date, rejects that row only, naming the file and row.
"""

from __future__ import annotations

import csv
import io
import json
import math
from typing import Any

from tracker.config import Source
from tracker.csvfile import header_problems
from tracker.model import METRICS, Claim, is_flow
from tracker.sources import Collected, Context, Reject, SourceError
from tracker.sources.geojson import parse_date, read_payload

KIND = "table"
REQUIRED = frozenset({"metric", "actor", "columns"})
OPTIONAL = frozenset({"path", "url", "format", "territory", "data_producer", "where",
                      "definition", "max_bytes"})

_ROLES = ("value", "date", "period_start", "period_end", "actor", "territory", "quote")


def check_options(options: dict) -> str | None:
    # Imported here so that this check stays within this function's lines.
    from tracker.config import number_problem, text_problem
    from tracker.sources.geojson import MAX_BYTES_CAP, check_where

    if ("path" in options) == ("url" in options):
        return "give exactly one of 'path' or 'url'"
    if not isinstance(options["metric"], str) or options["metric"] not in METRICS:
        return f"key 'metric': unknown metric {options['metric']!r}"
    for key in ("actor", "territory", "data_producer", "definition"):
        problem = text_problem(key, options[key]) if key in options else None
        if problem:
            return problem
    columns = options["columns"]
    if not isinstance(columns, dict) or "value" not in columns:
        return "key 'columns' must be a table naming at least the 'value' column"
    unknown = sorted(set(columns) - set(_ROLES))
    if unknown:
        return f"key 'columns': unknown role(s) {', '.join(unknown)}; known: {', '.join(_ROLES)}"
    for role, name in columns.items():
        if not isinstance(name, str) or not name:
            return f"key 'columns': {role!r} must name a column in quotes (got {name!r})"
    if is_flow(options["metric"]) and "period_end" not in columns:
        return f"metric {options['metric']!r} is a flow: 'columns' needs period_end (and period_start)"
    if not is_flow(options["metric"]) and "date" not in columns:
        return f"metric {options['metric']!r} is a stock: 'columns' needs date"
    if options.get("format", "auto") not in ("auto", "csv", "json"):
        return "key 'format' must be csv, json or auto"
    if "max_bytes" in options:
        problem = number_problem("max_bytes", options["max_bytes"], low=1, high=MAX_BYTES_CAP,
                                 whole=True)
        if problem:
            return problem
    where = check_where(options.get("where", {}))
    return where and where.replace("property = value", "column = value")


def collect(source: Source, context: Context) -> Collected:
    payload, origin = read_payload(source, context)
    rows = _rows(payload, origin, str(source.options.get("format", "auto")), source.id)
    is_json = payload.lstrip()[:1] in (b"[", b"{")
    record, is_new = context.store.keep(source.id, payload, origin=origin,
                               content_type="application/json" if is_json else "text/csv",
                               retrieved_at=context.retrieved_at)
    collected = Collected(documents_read=1, documents_new=int(is_new))
    columns: dict[str, str] = source.options["columns"]
    where: dict[str, Any] = source.options.get("where", {})
    metric = str(source.options["metric"])
    for number, row in rows:
        if not all(str(row.get(k)) in map(str, v if isinstance(v, list) else [v])
                   for k, v in where.items()):
            continue
        place = f"{origin}#{number}"
        claim, problem = _claim(row, columns, metric, source)
        if problem:
            collected.rejects.append(Reject(place, f"{source.id}: row {number}: {problem}",
                                            json.dumps(row, ensure_ascii=False, default=str)))
            continue
        claim.url = origin
        claim.snapshot_sha256 = record.sha256
        claim.retrieved_at = record.retrieved_at
        collected.add(claim, place)
    return collected


def _rows(payload: bytes, origin: str, fmt: str, source_id: str) -> list[tuple[int, dict[str, Any]]]:
    try:
        text = payload.decode("utf-8-sig")
    except UnicodeDecodeError as error:
        raise SourceError(f"{source_id}: {origin}: not UTF-8 text (byte {error.start})") from None
    if fmt == "json" or (fmt == "auto" and text.lstrip()[:1] in ("[", "{")):
        try:
            data = json.loads(text)
        except json.JSONDecodeError as error:
            raise SourceError(f"{source_id}: {origin}: not valid JSON at byte {error.pos}: "
                              f"{error.msg} (truncated?)") from None
        if isinstance(data, dict):
            data = next((v for v in data.values() if isinstance(v, list)), None)
        if not isinstance(data, list):
            raise SourceError(f"{source_id}: {origin}: expected a JSON array of records")
        return [(n, r if isinstance(r, dict) else {}) for n, r in enumerate(data, start=1)]
    return _csv_rows(text, f"{source_id}: {origin}")


def _csv_rows(text: str, where: str) -> list[tuple[int, dict[str, Any]]]:
    """(line, record) of each CSV row after the header, as `csv.DictReader` gives them. A quote
    left open or followed by text, a field over the csv module's size limit, or a quoted line
    break that leaves its record with the wrong number of fields (a quote that swallowed the
    lines after it) stops the source, naming the line where that record starts: the rows
    after it could not be trusted."""
    reader = csv.reader(io.StringIO(text, newline=""), strict=True)
    start = 1
    try:
        names = next(reader, None)
        if not names:
            raise SourceError(f"{where}: empty file, expected a header row")
        problems = header_problems(names)
        if problems:
            raise SourceError(f"{where}: header: {'; '.join(problems)}")
        rows = []
        start = reader.line_num + 1
        for record in reader:
            if record and reader.line_num > start and len(record) != len(names):
                raise SourceError(f"{where}: line {start}: a quoted field runs on to line "
                                  f"{reader.line_num} and leaves the row with {len(record)} fields, "
                                  f"expected {len(names)} (a quote left open?)")
            if record:
                rows.append((reader.line_num, _as_dict(names, record)))
            start = reader.line_num + 1
    except csv.Error as error:
        raise SourceError(f"{where}: line {start}: {_csv_problem(error)}") from None
    return rows


def _as_dict(names: list[str], record: list[str]) -> dict[str, Any]:
    """One record keyed by column, as `csv.DictReader` keys it: extra fields under None,
    missing ones None."""
    row: dict[str, Any] = dict(zip(names, record))
    if len(record) > len(names):
        row[None] = record[len(names):]  # type: ignore[index]
    for name in names[len(record):]:
        row[name] = None
    return row


def _csv_problem(error: csv.Error) -> str:
    """The csv module's complaint in the terms of the file."""
    text = str(error)
    if "field limit" in text:
        return f"a field is longer than the CSV limit of {csv.field_size_limit()} characters (a quote left open?)"
    if "unexpected end of data" in text:
        return "a quote opened in this row is never closed"
    return f"not readable as CSV: {text}"


def _claim(row: dict[str, Any], columns: dict[str, str], metric: str,
           source: Source) -> tuple[Claim, str | None]:
    raw = row.get(columns["value"])
    try:
        value = float(str(raw).replace(",", "").strip()) if raw not in (None, "") else None
    except ValueError:
        value = None
    if value is None or not math.isfinite(value):
        return Claim(), f"{columns['value']}: {raw!r} is not a number"
    fields: dict[str, Any] = {}
    for role in ("date", "period_start", "period_end"):
        if role in columns:
            text = parse_date(row.get(columns[role]))
            if text is None:
                return Claim(), f"{columns[role]}: {row.get(columns[role])!r} is not a date"
            fields[role] = text
    producer = str(source.options.get("data_producer", ""))
    claim = Claim(
        conflict=source.conflict, metric=metric, value=value, qualifier="exact",
        value_original=value, actor=str(row.get(columns.get("actor", ""), "") or source.options["actor"]),
        territory=str(row.get(columns.get("territory", ""), "") or source.options.get("territory", "")),
        as_of=fields.get("date") if not is_flow(metric) else None,
        period_start=fields.get("period_start"), period_end=fields.get("period_end"),
        attribution=source.attribution or producer, data_producer=producer,
        publisher=source.publisher or producer, method="reported",
        quote=str(row.get(columns["quote"], "")) if "quote" in columns
        else json.dumps(row, ensure_ascii=False, sort_keys=True, default=str),
        definition=str(source.options.get("definition", "")), source_id=source.id)
    return claim, None
