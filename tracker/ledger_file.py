"""The ledger file checked as it is read, without pandas.

A ledger that was re-saved by a spreadsheet ("108,651"), cut short by a crash of another
tool, given an extra column or edited by hand is refused with the line and column of the
first problems, never coerced: a coerced value would be merged back and kept for good.
The checks here are structural and per cell (numbers, dates, ids, and each claim_id
against the content it hashes); the schema's rules across columns run in
tracker/ledger.py, which needs pandas.

Layouts: a ledger written before a column was added (OLDER_LAYOUTS, each named in full) is
read as if the new columns were empty, and written in the current layout (CLAIM_COLUMNS) the
next time the ledger is written; the ingest job writes it on its next run. Any other header
is refused as before.
"""

from __future__ import annotations

import hashlib
import math
import re
from dataclasses import dataclass, field
from datetime import date
from pathlib import Path

from tracker.csvfile import TableError, parse_table
from tracker.model import (
    CLAIM_COLUMNS,
    DATE_COLUMNS,
    FLOAT_COLUMNS,
    INT_COLUMNS,
    STATUSES,
    claim_id,
    location_id,
)

# Numbers as tracker/ledger.py writes them: no group separators, no spaces, finite.
_NUMBER = re.compile(r"^-?\d+(\.\d+)?([eE][-+]?\d+)?$")
_INTEGER = re.compile(r"^-?\d+$")
_ISO_DATE = re.compile(r"^\d{4}-\d{2}-\d{2}$")
_CLAIM_ID = re.compile(r"^[0-9a-f]{16}$")
_TIMESTAMP = re.compile(r"^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}Z$")

# How many cell problems one message lists before it counts the rest.
MAX_LISTED = 10

_INDEX = {name: position for position, name in enumerate(CLAIM_COLUMNS)}

# Every earlier column list of the ledger, oldest first, written out in full: only exactly
# these headers are read as an older layout.
OLDER_LAYOUTS: tuple[tuple[str, ...], ...] = (
    # Before `confidence` (the extractor's calibrated probability) was added as the last column.
    ("claim_id", "conflict", "metric", "value", "value_min", "value_max", "qualifier",
     "qualifier_text", "value_original", "unit_original", "alt_value_original",
     "alt_unit_original", "actor", "territory", "period_start", "period_end", "as_of",
     "period_text", "attribution", "analyst", "data_producer", "publisher", "url", "title",
     "authors", "published_at", "retrieved_at", "quote", "number_start", "number_end", "method",
     "definition", "source_id", "snapshot_sha256", "extractor_version", "flags"),
    # Before the history columns (location_id, recorded_at, status, status_at, superseded_by).
    ("claim_id", "conflict", "metric", "value", "value_min", "value_max", "qualifier",
     "qualifier_text", "value_original", "unit_original", "alt_value_original",
     "alt_unit_original", "actor", "territory", "period_start", "period_end", "as_of",
     "period_text", "attribution", "analyst", "data_producer", "publisher", "url", "title",
     "authors", "published_at", "retrieved_at", "quote", "number_start", "number_end", "method",
     "definition", "source_id", "snapshot_sha256", "extractor_version", "flags", "confidence"),
)

# Columns that a ledger of an older layout may lack (read as empty).
ADDED_COLUMNS: frozenset[str] = frozenset(CLAIM_COLUMNS) - frozenset(OLDER_LAYOUTS[0])


class LedgerError(TableError):
    """The ledger is damaged: the message names the file, line and column."""


@dataclass
class LedgerFile:
    """A ledger that passed the checks: its rows as text and the digest of its bytes."""

    path: Path
    rows: list[list[str]] = field(default_factory=list)  # in the current layout
    sha256: str = ""
    exists: bool = False
    older_layout: bool = False  # written in one of OLDER_LAYOUTS: rewrite at the next write

    @property
    def claim_ids(self) -> set[str]:
        return {row[0] for row in self.rows}


def ledger_digest(payload: bytes) -> str:
    return hashlib.sha256(payload).hexdigest()


def load_ledger_file(path: Path, verified_sha256: str = "") -> LedgerFile:
    """Read and check the ledger at `path`; a missing file is an empty ledger.

    Bytes whose digest is `verified_sha256` (a ledger this tracker checked when it wrote
    it) are only parsed: the per-cell checks and the claim_id hashes are not redone."""
    path = Path(path)
    try:
        payload = path.read_bytes()
    except FileNotFoundError:
        return LedgerFile(path=path)
    except OSError as error:
        raise LedgerError(path, f"cannot read: {error.strerror}") from None
    digest = ledger_digest(payload)
    if verified_sha256 and digest == verified_sha256:
        rows, older = parse_ledger(payload, path)
        return LedgerFile(path=path, rows=rows, sha256=digest, exists=True, older_layout=older)
    return check_ledger_bytes(payload, path)


def check_ledger_bytes(payload: bytes, path: Path) -> LedgerFile:
    """Check ledger bytes (already read, or about to be written) and return their rows."""
    rows, older = parse_ledger(payload, path)
    problems = ledger_row_problems(rows)
    if problems:
        line, column, message = problems[0]
        more = len(problems) - 1
        if more:
            listed = "; ".join(f"line {p[0]}, column {p[1]}: {p[2]}" for p in problems[1:MAX_LISTED])
            message += f" (and {more} more problem(s): {listed}"
            message += ", ...)" if more >= MAX_LISTED else ")"
        raise LedgerError(path, message + "; see `tracker repair --help`", line, column)
    return LedgerFile(path=path, rows=rows, sha256=ledger_digest(payload), exists=True,
                      older_layout=older)


def parse_ledger(payload: bytes, path: Path) -> tuple[list[list[str]], bool]:
    """(rows in the current layout, whether the file is in an older layout): the structural
    checks of tracker/csvfile.py, failing as a LedgerError."""
    try:
        header, rows = parse_table(payload, path, CLAIM_COLUMNS, OLDER_LAYOUTS)
    except LedgerError:
        raise
    except TableError as error:
        raise LedgerError(error.path, error.message, error.line, error.column) from None
    older = tuple(header) != CLAIM_COLUMNS
    if older and "status" not in header:
        # Written before the ledger kept history: every row was the current reading.
        for row in rows:
            row[_INDEX["status"]] = "active"
            row[_INDEX["location_id"]] = location_id(dict(zip(CLAIM_COLUMNS, row)))
    return rows, older


def ledger_row_problems(rows: list[list[str]]) -> list[tuple[int, str, str]]:
    """(line, column, problem) for every damaged cell; line 2 is the first data row."""
    problems: list[tuple[int, str, str]] = []
    seen: dict[str, int] = {}
    for line, row in enumerate(rows, start=2):
        problems.extend((line, column, message) for column, message in row_problems(row))
        identifier = row[0]
        if identifier in seen:
            problems.append((line, "claim_id", f"{identifier} already on line {seen[identifier]}"))
        seen.setdefault(identifier, line)
    return problems


def row_problems(row: list[str]) -> list[tuple[str, str]]:
    """(column, problem) for each cell of one ledger row that cannot be what it claims."""
    problems = []
    for name in FLOAT_COLUMNS:
        text = row[_INDEX[name]]
        if text and not (_NUMBER.match(text) and math.isfinite(float(text))):
            problems.append((name, f"{text!r} is not a number as the ledger writes numbers"))
    for name in INT_COLUMNS:
        text = row[_INDEX[name]]
        if text and not _INTEGER.match(text):
            problems.append((name, f"{text!r} is not a whole number"))
    for name in DATE_COLUMNS:
        text = row[_INDEX[name]]
        if text and not _is_date(text):
            problems.append((name, f"{text!r} is not a date written YYYY-MM-DD"))
    if row[_INDEX["status"]] not in STATUSES:
        problems.append(("status", f"{row[_INDEX['status']]!r} is not one of {', '.join(STATUSES)}"))
    for name in ("location_id", "superseded_by"):
        text = row[_INDEX[name]]
        if (text or name == "location_id") and not _CLAIM_ID.match(text):
            problems.append((name, f"{text!r} is not a 16-hex id"))
    for name in ("recorded_at", "status_at"):
        if row[_INDEX[name]] and not _TIMESTAMP.match(row[_INDEX[name]]):
            problems.append((name, f"{row[_INDEX[name]]!r} is not a UTC time written "
                                   "YYYY-MM-DDTHH:MM:SSZ"))
    identifier = row[0]
    if not _CLAIM_ID.match(identifier):
        problems.append(("claim_id", f"{identifier!r} is not a 16-hex claim id"))
    elif not problems:
        expected = claim_id(dict(zip(CLAIM_COLUMNS, row)))
        if expected != identifier:
            problems.append(("claim_id", f"{identifier} does not match the row's content "
                                         f"(which hashes to {expected}): a cell was edited"))
    return problems


def _is_date(text: str) -> bool:
    if not _ISO_DATE.match(text):
        return False
    try:
        date.fromisoformat(text)
    except ValueError:
        return False
    return True
