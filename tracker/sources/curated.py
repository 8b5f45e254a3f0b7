"""`curated`: an analyst-maintained CSV of cited figures, one row per figure.

The columns are ledger columns (see README); `metric`, `value` (or `value_min` and
`value_max` for a range), `actor` and `url` are expected, the rest optional. Each row is
checked on its own: a short line, a number that is not a number or an unknown column
rejects that row only, with the file and line named.
"""

from __future__ import annotations

import csv
import io
import math

from tracker.config import Source
from tracker.model import CLAIM_COLUMNS, FLOAT_COLUMNS, Claim
from tracker.sources import Collected, Context, Reject, SourceError, read_local_file

KIND = "curated"
REQUIRED = frozenset({"path"})
OPTIONAL = frozenset()

REQUIRED_COLUMNS = ("metric", "actor")
# Lineage columns are the tracker's to fill, never the analyst's.
_MANAGED = {"claim_id", "source_id", "snapshot_sha256", "retrieved_at", "extractor_version", "method"}
_ACCEPTED = set(CLAIM_COLUMNS) - _MANAGED


def collect(source: Source, context: Context) -> Collected:
    path = source.path_option("path")
    payload = read_local_file(source, path, context.settings, label=str(path))
    record, is_new = context.store.keep(source.id, payload, origin=str(source.options["path"]),
                               content_type="text/csv", retrieved_at=context.retrieved_at)
    collected = Collected(documents_read=1, documents_new=int(is_new))
    try:
        text = payload.decode("utf-8-sig")
    except UnicodeDecodeError as error:
        raise SourceError(f"{path}: not UTF-8 text (byte {error.start})") from None
    label = str(source.options["path"])
    rows = csv.reader(io.StringIO(text, newline=""))
    header = next(rows, None)
    if not header:
        raise SourceError(f"{path}: empty file, expected a header row")
    header = [name.strip() for name in header]
    unknown = [name for name in header if name not in _ACCEPTED]
    missing = [name for name in REQUIRED_COLUMNS if name not in header]
    if unknown or missing:
        problems = []
        if unknown:
            problems.append(f"unknown column(s) {', '.join(unknown)}")
        if missing:
            problems.append(f"missing column(s) {', '.join(missing)}")
        raise SourceError(f"{path}: header: {'; '.join(problems)}")
    for row in rows:
        line = rows.line_num
        origin = f"{label}:{line}"
        if not any(cell.strip() for cell in row):
            continue  # blank lines are layout, not data
        if len(row) != len(header):
            collected.rejects.append(Reject(
                origin, f"row has {len(row)} fields, expected {len(header)} (truncated or misquoted line?)",
                ",".join(row)))
            continue
        fields = dict(zip(header, (cell.strip() for cell in row)))
        claim, problem = _claim(fields)
        if problem:
            collected.rejects.append(Reject(origin, problem, ",".join(row)))
            continue
        claim.source_id = source.id
        claim.snapshot_sha256 = record.sha256
        claim.retrieved_at = record.retrieved_at
        claim.method = "curated"
        claim.conflict = claim.conflict or source.conflict
        claim.publisher = claim.publisher or source.publisher
        claim.attribution = claim.attribution or source.attribution
        collected.add(claim, origin)
    return collected


def _claim(fields: dict[str, str]) -> tuple[Claim, str | None]:
    """Build a Claim from one row's text; report the first value that is not a number."""
    values: dict[str, object] = {}
    for name, text in fields.items():
        if name in FLOAT_COLUMNS:
            if text == "":
                values[name] = None
                continue
            try:
                number = float(text.replace(" ", ""))
            except ValueError:
                return Claim(), f"{name}: {text!r} is not a number"
            if not math.isfinite(number):
                return Claim(), f"{name}: {text!r} is not a finite number"
            values[name] = number
        elif name in ("period_start", "period_end", "as_of"):
            values[name] = text or None
        elif name in ("number_start", "number_end"):
            values[name] = int(text) if text.isdigit() else None
        else:
            values[name] = text
    if not values.get("url"):
        # The schema accepts a source_id as lineage, but an analyst's figure is only as good
        # as the page that states it.
        return Claim(), "url: missing; a curated figure needs the URL of the page stating it"
    if not values.get("qualifier"):
        values["qualifier"] = "range" if values.get("value") is None and values.get("value_min") is not None else "exact"
    return Claim(**values), None
