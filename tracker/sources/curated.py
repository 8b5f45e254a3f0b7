"""`curated`: an analyst-maintained CSV of cited figures, one row per figure.

The columns are ledger columns (see README) and an optional `note` for the analyst, which
stays in the file; `metric`, `value` (or `value_min` and
`value_max` for a range), `actor` and `url` are expected, the rest optional. Each row is
checked on its own: a short line, a number that is not a number or an unknown column
rejects that row only, with the file and line named.

A row is one line. Each line is read on its own, so a quote left open (or one written inside
an unquoted field) rejects its line, naming where the quote is, and cannot swallow the rows
after it; a line break inside a quoted field is refused the same way. A header that names a
column twice is refused: which of the two to read would be a guess.
"""

from __future__ import annotations

import csv
import io
import math
from pathlib import Path

from tracker.config import Source
from tracker.csvfile import header_problems
from tracker.model import CLAIM_COLUMNS, FLOAT_COLUMNS, Claim
from tracker.sources import Collected, Context, Reject, SourceError, read_local_file

KIND = "curated"
REQUIRED = frozenset({"path"})
OPTIONAL = frozenset()

REQUIRED_COLUMNS = ("metric", "actor")
# Lineage columns are the tracker's to fill, never the analyst's; so is `confidence`, the
# text extractor's calibrated probability, which a curated figure leaves empty.
# The history columns are the ledger's own (tracker/history.py).
_MANAGED = {"claim_id", "source_id", "snapshot_sha256", "retrieved_at", "extractor_version",
            "method", "confidence", "location_id", "recorded_at", "status", "status_at",
            "superseded_by"}
# `note`: the analyst's working note on a row (how it relates to other releases, what
# else the page said). Kept in the file, not in the ledger: `definition` says what a figure
# counts and is printed with it, so a note there would be published as a definition.
NOTE_COLUMN = "note"
_ACCEPTED = (set(CLAIM_COLUMNS) - _MANAGED) | {NOTE_COLUMN}


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
    lines = enumerate(io.StringIO(text, newline=""), start=1)
    header = _header(next(lines, (1, "")), path)
    for line, raw in lines:
        origin = f"{label}:{line}"
        row, problem = read_csv_line(raw)
        if problem:
            collected.rejects.append(Reject(origin, problem, _excerpt(raw)))
            continue
        if not any(cell.strip() for cell in row):
            continue  # blank lines are layout, not data
        if len(row) != len(header):
            collected.rejects.append(Reject(
                origin, f"row has {len(row)} fields, expected {len(header)} (truncated or misquoted line?)",
                ",".join(row)))
            continue
        fields = dict(zip(header, (cell.strip() for cell in row)))
        fields.pop(NOTE_COLUMN, None)
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
    # Every row was read: a stored figure of this file that is not among them was deleted
    # by the analyst. A rejected row may be an edit of a stored one, whose figure then stays.
    collected.whole = not collected.rejects
    return collected


def _header(numbered: tuple[int, str], path: Path) -> list[str]:
    """The column names of the first line, refused (SourceError) when unusable."""
    line, raw = numbered
    row, problem = read_csv_line(raw)
    if problem:
        raise SourceError(f"{path}:{line}: header: {problem}")
    header = [name.strip() for name in row]
    if not any(header):
        raise SourceError(f"{path}: empty file, expected a header row")
    problems = header_problems(header, required=REQUIRED_COLUMNS, allowed=_ACCEPTED)
    if problems:
        raise SourceError(f"{path}: header: {'; '.join(problems)}")
    return header


_EXCERPT_CHARS = 2000  # of a rejected line kept in the quarantine: enough to find it


def _excerpt(raw: str) -> str:
    raw = raw.rstrip("\r\n")
    return raw if len(raw) <= _EXCERPT_CHARS else raw[:_EXCERPT_CHARS] + "…"


# The csv module's default cap on a field, checked here in so many words: a field this long
# in a hand-kept file of figures is damage, whatever limit the csv module is set to.
MAX_FIELD_CHARS = 131_072
_TOO_LONG = f"a field is longer than {MAX_FIELD_CHARS} characters, the CSV field limit (damaged line?)"


def read_csv_line(raw: str) -> tuple[list[str], str | None]:
    """The fields of one CSV line (its line break dropped), or a problem that says where the
    line cannot be read: a quote out of place, or a field over the csv module's size limit."""
    line = raw.rstrip("\r\n")
    problem = quote_problem(line)
    if problem:
        return [], problem
    try:
        row = next(csv.reader((line,)), [])
    except csv.Error as error:
        if "field limit" in str(error):
            return [], _TOO_LONG
        return [], f"not readable as CSV: {error}"
    if len(line) > MAX_FIELD_CHARS and any(len(cell) > MAX_FIELD_CHARS for cell in row):
        return [], _TOO_LONG
    return row, None


def quote_problem(line: str) -> str | None:
    """Where the quoting of one CSV line goes wrong, or None: a field must either not contain
    a quote or be wholly quoted (inner quotes doubled) and closed on the same line."""
    if '"' not in line:
        return None
    pos, end = 0, len(line)
    while pos <= end:
        if line.startswith('"', pos):
            close = _closing_quote(line, pos + 1)
            if close is None:
                return (f"quote opened at column {pos + 1} is not closed on this line "
                        "(a row is one line: no line break inside a field)")
            if close + 1 < end and line[close + 1] != ",":
                return f"text after the quoted field that closes at column {close + 1}"
            pos = close + 2
            continue
        comma = line.find(",", pos)
        stray = line.find('"', pos, end if comma < 0 else comma)
        if stray >= 0:
            return (f"quote at column {stray + 1} inside a field that does not start with one "
                    "(quote the whole field and double the inner quote)")
        if comma < 0:
            return None
        pos = comma + 1
    return None


def _closing_quote(line: str, pos: int) -> int | None:
    """Offset of the quote that closes a quoted field whose text starts at `pos`."""
    while True:
        quote = line.find('"', pos)
        if quote < 0:
            return None
        if not line.startswith('"', quote + 1):
            return quote
        pos = quote + 2  # a doubled quote is a quote in the text


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
    problem = _url_problem(str(values["url"]))
    if problem:
        return Claim(), f"url: {problem}"
    if not values.get("qualifier"):
        values["qualifier"] = "range" if values.get("value") is None and values.get("value_min") is not None else "exact"
    return Claim(**values), None


def _url_problem(url: str) -> str | None:
    """Why `url` cannot be the citation of a figure: it must be a web address a reader can
    open (a javascript: or file: link in a report's references is a trap, not a source)."""
    from urllib.parse import urlsplit

    try:
        parts = urlsplit(url)
    except ValueError as error:
        return f"{url!r} is not a web address ({error})"
    if parts.scheme.lower() not in ("http", "https") or not parts.hostname:
        return f"{url!r} is not an http or https address with a host"
    if any(character.isspace() or not character.isprintable() for character in url):
        return f"{url!r} contains spaces or control characters"
    return None
