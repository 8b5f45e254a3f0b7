"""Analyst exports: tidy CSVs, a Frictionless datapackage.json, optional Parquet and SQLite.

    tracker export --out reports/export [--reviewed-only] [--parquet] [--sqlite]

- `claims.csv`: the current view of the ledger (tracker/view.py): every active reading,
  with the review decision in force applied (a corrected figure carries its corrected
  values) and the review columns after the claim columns; rejected figures are kept and
  marked `rejected` so that analysts see what was thrown out; superseded and retracted
  readings are history and are not in it. With `reviewed_only`, only the rows
  `charted(view, reviewed_only=True)` keeps: figures a person confirmed or corrected, and
  curated and computed figures.
- `history.csv`: the whole ledger, every reading with its status (active, superseded,
  retracted), when the ledger is given.
- `observations.csv`: one row per distinct figure (tracker/observations.py) and `checks.csv`
  (when data/processed/checks.csv exists): both from the charted rows only, so a
  rejected figure is never grouped, counted or checked.
- UTF-8, ISO dates, numbers in shortest form, stable column and row order.
- The CSVs are meant to be opened in Excel or LibreOffice as well as read by code, so
  every text cell is neutralised against formula injection (a quote that begins with "="
  must not run as a formula), while numeric columns stay plain numbers so that a negative
  net gain of -37 km² still sums in a spreadsheet.
- `datapackage.json` describes every column (type, unit, description: tracker/schemas.py
  COLUMN_DOCS, plus the review columns and the ledger meaning of the names COLUMN_DOCS
  gives to another table, below) with the constraints a row must meet (field_constraints:
  vocabularies, required fields, ids, date bounds and patterns), so that `frictionless
  validate datapackage.json` refuses a copy edited with a bad date or an unknown metric;
  it carries the licence and credit of tracker/publishing.py and lists the sources (each
  distinct cited document).
- `parquet/<table>.parquet` (pyarrow, `pip install .[parquet]`) and
  `territorial_figures.sqlite` hold the same tables with their types (Parquet: date32 for
  dates, UTC timestamps, float64, int64, bool) and the text exactly as stored, without the
  spreadsheet apostrophes, with nulls (SQL NULL) for missing values: they are read by
  code, not spreadsheets. The database has indexes on the columns analysts filter on,
  full-text search over the claims' quotes (FTS5 table claims_fts), and a datasette
  `metadata.json` beside it (tracker/datasette.py): `datasette territorial_figures.sqlite
  --metadata metadata.json`.

`tracker export` (export_data_dir) writes the bytes export_all writes from the checked
ledger, but reuses what the job built and checked: a ledger whose bytes
data/state/derived.json records is read as stored text, without checking each cell again,
and its rows are written as they are stored (parsed again only where a cell may need
neutralising); data/processed/observations.csv is used as the job wrote it when it is up
to date with the ledger and the review log; checks are filtered from the job's checks.csv.
The tables are written as their rows come (temporary file, then an atomic rename), never
built whole in memory: 200,000 claims in seconds and a few hundred MB
(benchmarks/bench_export.py). A ledger the job has no record of is checked in full, as by
every other command.
"""

from __future__ import annotations

import csv
import functools
import hashlib
import io
import json
import math
import os
import re
import sqlite3
import tempfile
from collections.abc import Callable, Iterable, Iterator
from dataclasses import dataclass
from datetime import date, datetime, timezone
from json.encoder import encode_basestring
from pathlib import Path

import numpy as np
import pandas as pd

from tracker.csvfile import format_row
from tracker.ledger import _cell, claims_frame
from tracker.ledger_file import LedgerError, check_ledger_bytes
from tracker.checks import STATUSES as CHECK_STATUSES
from tracker.model import CLAIM_COLUMNS, METHODS, METRICS, QUALIFIERS, STATUSES
from tracker.observations import OBSERVATION_COLUMNS, build_observations
from tracker.publishing import Publishing
from tracker.schemas import FIRST_YEAR, LAST_YEAR, MAX_AREA_KM2, column_doc, normalise_claims_frame
from tracker.store import StoreError, atomic_write_bytes
from tracker.view import REVIEW_COLUMNS, REVIEW_STATUSES, VIEW_COLUMNS, charted, current_view

CLAIMS_CSV = "claims.csv"
HISTORY_CSV = "history.csv"
OBSERVATIONS_CSV = "observations.csv"
CHECKS_CSV = "checks.csv"
DATAPACKAGE_JSON = "datapackage.json"
PARQUET_DIR = "parquet"
SQLITE_NAME = "territorial_figures.sqlite"

# A cell a spreadsheet would run as a formula: one of the signs that open a formula, in
# ASCII or in the full-width and small forms some spreadsheets and input methods turn into
# ASCII, after any white space (a spreadsheet trims it: " =1+1") or invisible characters (a
# zero-width space shows nothing, so nothing warns the reader); or a leading tab or carriage
# return, which some spreadsheets strip before reading what follows.
_FORMULA_SIGNS = "=+\\-@\uff1d\uff0b\uff0d\uff20\ufe62\ufe63\ufe66\ufe6b"
_INVISIBLE_LEAD = ("\u00ad\u034f\u180e\u200b-\u200f\u202a-\u202e\u2060-\u2064\u2066-\u2069"
                   "\ufeff")
_FORMULA_START = re.compile(f"[\\s{_INVISIBLE_LEAD}]*[{_FORMULA_SIGNS}]|[\\t\\r]")

_SQL_TYPES = {"number": "REAL", "integer": "INTEGER", "boolean": "INTEGER"}

# The review columns of the current view (tracker/view.py), as the claims export carries them.
REVIEW_COLUMN_DOCS: dict[str, tuple[str, str, str]] = {
    "review_status": ("string", "", "What a person decided on the figure (the latest decision in the review log): unreviewed (nobody has checked it), confirmed (a reviewer checked it against its source), corrected (a reviewer changed fields; this row holds the corrected values, and claim_id is still that of the reading corrected) or rejected (a reviewer found it wrong; kept here so that analysts see what was thrown out, but never charted nor counted in observations and checks). Flags reextraction_differs (a newer extractor reads the confirmed place differently; the confirmed fields stand) and extractor_agrees (the extractor now reads what the correction says) come from the review."),
    "reviewed_by": ("string", "", "Who took the decision in force; empty when unreviewed."),
    "reviewed_at": ("datetime", "", "When the decision in force was taken (UTC); empty when unreviewed."),
    "review_reason": ("string", "", "The reviewer's reason (always given for a rejection); empty when none was given."),
}

# COLUMN_DOCS is one dict for every table, so a name used by two tables has one entry:
# `status` there is a check's outcome and `superseded_by` an observation's next release.
# The claims and history tables are ledger rows, where both names mean the reading's
# history (tracker/model.py Claim).
_LEDGER_DOCS: dict[str, tuple[str, str, str]] = {
    "status": ("string", "", "active (the current reading of its location), superseded (a newer reading of the same location replaced it, from a newer extractor or an edited curated row) or retracted (its source or curated row was removed). Rows are never deleted; claims.csv holds active rows only, history.csv every row."),
    "superseded_by": ("string", "", "The claim_id of the reading that superseded this one; empty when active, retracted, or superseded by no figure (a newer extractor read none at that place)."),
}
_TABLE_DOCS: dict[str, dict[str, tuple[str, str, str]]] = {
    "claims": {**_LEDGER_DOCS, **REVIEW_COLUMN_DOCS},
    "history": _LEDGER_DOCS,
}


def table_column_doc(table: str, column: str) -> tuple[str, str, str]:
    """(type, unit, description) of `column` in the exported table `table`."""
    return _TABLE_DOCS.get(table, {}).get(column) or column_doc(column)


def neutralise_formula(text: str) -> str:
    """Prefix an apostrophe to text a spreadsheet would run as a formula.

    >>> neutralise_formula('=HYPERLINK("http://x")')
    '\\'=HYPERLINK("http://x")'
    >>> neutralise_formula("Russia")
    'Russia'
    """
    if _FORMULA_START.match(text):
        return "'" + text
    return text


def is_view(frame: pd.DataFrame) -> bool:
    """Whether `frame` is a current view (it has the review columns) rather than ledger rows."""
    return all(column in frame.columns for column in REVIEW_COLUMNS)


def as_view(frame: pd.DataFrame) -> pd.DataFrame:
    """`frame` in the current view's form: claim columns normalised, review columns as text.

    A current view (tracker/view.py current_view) is kept as it is; ledger rows become
    their current view with no decision applied (active rows, all unreviewed), so callers
    holding only a ledger frame never show superseded or retracted readings."""
    if not is_view(frame):
        return current_view(normalise_claims_frame(frame))
    out = normalise_claims_frame(frame)
    for column in REVIEW_COLUMNS:
        out[column] = frame[column].astype(object).where(frame[column].notna(), "").map(str)
    out.loc[out["review_status"] == "", "review_status"] = "unreviewed"
    return out[out["status"] == "active"].reset_index(drop=True)


def export_claims(claims: pd.DataFrame, out_dir: Path, *, reviewed_only: bool = False) -> list[Path]:
    """Write `claims.csv` (the current view: claim then review columns, rows by claim_id).

    `claims` is a current view or ledger rows (see as_view)."""
    path = Path(out_dir) / CLAIMS_CSV
    frame, columns = _claims_table(_exported(as_view(claims), reviewed_only))
    _write_csv(path, "claims", columns, _frame_rows(frame, columns, "claims"))
    return [path]


def export_all(
    claims: pd.DataFrame,
    out_dir: Path,
    *,
    history: pd.DataFrame | None = None,
    checks: pd.DataFrame | None = None,
    reviewed_only: bool = False,
    parquet: bool = False,
    sqlite: bool = False,
    publishing: Publishing = Publishing(),
) -> list[Path]:
    """Write every export to `out_dir`; return the paths written.

    `claims` is the current view (tracker/view.py current_view), or ledger rows, whose
    current view is then taken with no decision applied. `history` is the whole ledger
    (every row with its status) for history.csv; when it is None and `claims` is ledger
    rows, those rows are the history; when it is None and `claims` is a view, no
    history.csv is written (a view has lost the superseded rows). `checks` is
    data/processed/checks.csv read as text (None when the file is absent).
    `reviewed_only`: claims.csv, observations and checks hold only what
    `charted(view, reviewed_only=True)` keeps. Parquet needs pyarrow; without it an
    ImportError says how to install it. `publishing` gives the licence and credit that
    datapackage.json and the SQLite database's metadata.json carry.
    """
    if history is None and not is_view(claims):
        history = claims
    view = as_view(claims)
    shown = charted(view, reviewed_only)
    exported, columns = _claims_table(_exported(view, reviewed_only))
    tables = {"claims": _FrameTable(exported, columns, "claims"),
              "observations": _FrameTable(*_observations_table(shown), "observations")}
    if checks is not None:
        tables["checks"] = _FrameTable(*_checks_table(checks, set(shown["claim_id"])), "checks")
    if history is not None:
        tables["history"] = _FrameTable(*_history_table(history), "history")
    conflicts = {slug for table in tables.values() if "conflict" in table.columns
                 for slug in table.frame["conflict"].dropna().astype(str)}
    descriptor = _descriptor(tables, _frame_sources(exported), reviewed_only, publishing, conflicts)
    return _write_tables(tables, descriptor, Path(out_dir), parquet=parquet, sqlite=sqlite,
                         publishing=publishing, reviewed_only=reviewed_only)


def _exported(view: pd.DataFrame, reviewed_only: bool) -> pd.DataFrame:
    """The rows of claims.csv: every current figure, rejected ones included (marked), or
    with `reviewed_only` just the rows a reviewed-only chart may show."""
    return charted(view, reviewed_only=True) if reviewed_only else view


def _claims_table(view: pd.DataFrame) -> tuple[pd.DataFrame, tuple[str, ...]]:
    # Sorting on every column after claim_id makes the bytes independent of input order.
    frame = view.sort_values(list(VIEW_COLUMNS), kind="mergesort", na_position="first")
    return frame.reset_index(drop=True), VIEW_COLUMNS


def _history_table(ledger: pd.DataFrame) -> tuple[pd.DataFrame, tuple[str, ...]]:
    """Every ledger row with its status; a figure's readings together, oldest first (the
    order `tracker history` shows them in)."""
    frame = normalise_claims_frame(ledger)
    order = ["location_id", "recorded_at", "status_at", "claim_id"]
    order += [c for c in CLAIM_COLUMNS if c not in order]
    frame = frame.sort_values(order, kind="mergesort", na_position="first")
    return frame.reset_index(drop=True), CLAIM_COLUMNS


def _observations_table(shown: pd.DataFrame) -> tuple[pd.DataFrame, tuple[str, ...]]:
    # build_observations orders rows by conflict, metric, series and time (stable ids last).
    return build_observations(shown), OBSERVATION_COLUMNS


def _checks_table(checks: pd.DataFrame, shown: set[str] | None = None) -> tuple[pd.DataFrame, tuple[str, ...]]:
    """checks.csv as exported: with `shown` (the claim_ids of the charted rows), only
    checks of charted figures against charted figures. checks.csv may predate a review
    decision (deciding does not rerun the checks), and a rejected or superseded figure
    must not be counted."""
    columns = tuple(str(c) for c in checks.columns)
    frame = _checks_kept(checks.astype(str).where(checks.notna(), ""), shown).reset_index(drop=True)
    for column in columns:
        kind = table_column_doc("checks", column)[0]
        if kind in ("number", "integer"):
            frame[column] = pd.to_numeric(frame[column], errors="coerce")
    return frame, columns


def _checks_kept(frame: pd.DataFrame, shown: set[str] | None) -> pd.DataFrame:
    """The rows of checks.csv as text that the export keeps (see _checks_table), in the
    order it writes them; the index says where each was in `frame`."""
    if shown is not None and "claim_id" in frame.columns:
        keep = _among(frame["claim_id"], shown)
        if "computed_claim_id" in frame.columns:
            computed = frame["computed_claim_id"]
            keep &= computed.eq("").to_numpy() | _among(computed, shown)
        frame = frame[keep]
    return frame.sort_values(list(frame.columns), kind="mergesort")


def _among(column: pd.Series, values: set[str]) -> np.ndarray:
    """column.isin(values) for text: pandas takes a second for 200,000 Arrow-backed cells,
    this 40 ms."""
    return np.fromiter(map(values.__contains__, column.tolist()), dtype=bool, count=len(column))


# --- tables as rows of text, written as they are produced ---------------------------------
#
# A table is written from its rows one by one, never as one text in memory. A row is
# either its plain cells (list[str]: the text the CSV holds before the spreadsheet
# neutralisation, the text Parquet and SQLite hold), or bytes: a CSV record as a table of
# this tracker stores it (tracker/csvfile.py format_row, without the line end), whose cells
# are the plain cells and none of which a spreadsheet would run (_maybe_formula_records),
# so that it is written as it is.

_TEXT_KINDS = ("string", "date", "datetime")


class _Table:
    """One exported table: its columns and its rows, which can be iterated more than once
    (CSV, then Parquet, then SQLite)."""

    columns: tuple[str, ...]

    def rows(self) -> Iterator[bytes | list[str]]:
        raise NotImplementedError


class _FrameTable(_Table):
    def __init__(self, frame: pd.DataFrame, columns: tuple[str, ...], name: str) -> None:
        self.frame, self.columns, self.name = frame, columns, name

    def rows(self) -> Iterator[list[str]]:
        return _frame_rows(self.frame, self.columns, self.name)


class _RowsTable(_Table):
    def __init__(self, columns: tuple[str, ...], rows: Callable[[], Iterator[bytes | list[str]]]) -> None:
        self.columns, self._rows = columns, rows

    def rows(self) -> Iterator[bytes | list[str]]:
        return self._rows()


def _frame_rows(frame: pd.DataFrame, columns: tuple[str, ...], table: str) -> Iterator[list[str]]:
    """The plain cells of every row of `frame`: booleans true/false, text as str, numbers
    in their shortest form (tracker/ledger.py format_number), missing cells empty."""
    kinds = [table_column_doc(table, column)[0] for column in columns]
    for values in frame.reindex(columns=list(columns)).itertuples(index=False, name=None):
        yield [_plain(value, kind) for value, kind in zip(values, kinds)]


def _plain(value: object, kind: str) -> str:
    if kind == "boolean":
        return "true" if bool(value) else "false"
    if kind in _TEXT_KINDS and not _missing(value):
        return str(value)
    return _cell(value)


def _missing(value: object) -> bool:
    # Where this differs from pd.isna (other NaN types, NaT), _cell gives str(value) as well.
    if value is None or value is pd.NA:
        return True
    return isinstance(value, float) and math.isnan(value)


def _write_tables(tables: dict[str, _Table], descriptor: bytes, out_dir: Path, *,
                  parquet: bool, sqlite: bool, first: tuple[str, ...] = (),
                  release: Callable[[], None] | None = None,
                  publishing: Publishing = Publishing(), reviewed_only: bool = False) -> list[Path]:
    """Each table's CSV (those named `first` first, then `release` is called), then
    datapackage.json (`descriptor`), then Parquet and SQLite (with its datasette
    metadata.json) when asked for; the paths in table order."""
    paths = {name: out_dir / f"{name}.csv" for name in tables}
    for name in [*first, *(name for name in tables if name not in first)]:
        _write_csv(paths[name], name, tables[name].columns, tables[name].rows())
        if release is not None and name == first[-1]:
            release()
    written = list(paths.values())
    path = out_dir / DATAPACKAGE_JSON
    atomic_write_bytes(path, descriptor)
    written.append(path)
    if parquet:
        written += _write_parquet(tables, out_dir / PARQUET_DIR)
    if sqlite:
        written.append(_write_sqlite(tables, out_dir / SQLITE_NAME))
        written.append(_write_datasette_metadata(tables, out_dir, publishing, reviewed_only))
    return written


def _descriptor(tables: dict[str, _Table], sources: list[dict[str, str]],
                reviewed_only: bool, publishing: Publishing, conflicts: Iterable[str]) -> bytes:
    """datapackage.json of `tables` as written (see datapackage)."""
    return _descriptor_json(datapackage({name: table.columns for name, table in tables.items()},
                                        sources, reviewed_only=reviewed_only,
                                        publishing=publishing, conflicts=conflicts))


def _descriptor_json(descriptor: dict) -> bytes:
    """json.dumps(descriptor, indent=2, ensure_ascii=False) and a line end, as UTF-8.

    The sources (one per cited document: tens of thousands) are laid out here as json lays
    them out, with its own string encoding: json indents in pure Python, seconds for them."""
    sources = descriptor.get("sources")
    if not sources or not all(type(entry) is dict and all(type(key) is str and type(value) is str
                                                          for key, value in entry.items())
                              for entry in sources):
        return (json.dumps(descriptor, indent=2, ensure_ascii=False) + "\n").encode("utf-8")
    text = json.dumps({**descriptor, "sources": "\x00sources\x00"}, indent=2, ensure_ascii=False)
    string = encode_basestring  # what json writes a str with when ensure_ascii is False
    entries = ",\n".join(
        "    {\n" + ",\n".join([f"      {string(key)}: {string(value)}" for key, value in entry.items()])
        + "\n    }" if entry else "    {}" for entry in sources)
    marker = f'"sources": {string(chr(0) + "sources" + chr(0))}'
    return (text.replace(marker, '"sources": [\n' + entries + "\n  ]", 1) + "\n").encode("utf-8")


def _write_csv(path: Path, table: str, columns: tuple[str, ...],
               rows: Iterable[bytes | list[str]]) -> None:
    """Write the CSV as its rows come, to a temporary file moved into place (the file is
    either the old one or the new one, never half of one: tracker/store.py
    atomic_write_bytes, streamed). Text cells are neutralised (neutralise_formula); a row
    given as a stored record is one that needs none (see the comment above _Table)."""
    text = [index for index, column in enumerate(columns)
            if table_column_doc(table, column)[0] in _TEXT_KINDS]
    with _replacing(path) as stream:
        lines = [format_row(columns).encode("utf-8")[:-1]]
        for row in rows:
            if not isinstance(row, bytes):
                row = list(row)
                for index in text:
                    row[index] = neutralise_formula(row[index])
                row = format_row(row).encode("utf-8")[:-1]
            lines.append(row)
            if len(lines) >= 4096:
                stream.write(b"\n".join(lines) + b"\n")
                lines = []
        if lines:
            stream.write(b"\n".join(lines) + b"\n")


class _replacing:
    """A binary stream to a temporary file in `path`'s folder that replaces `path` when
    the block ends without an error, and is removed when it does not."""

    def __init__(self, path: Path) -> None:
        self.path = Path(path)

    def __enter__(self):
        self.path.parent.mkdir(parents=True, exist_ok=True)
        handle, self.temp_name = tempfile.mkstemp(prefix=f".{self.path.name}.", suffix=".tmp",
                                                  dir=self.path.parent)
        try:
            self.stream = os.fdopen(handle, "wb", buffering=1 << 20)
        except BaseException:
            os.close(handle)
            Path(self.temp_name).unlink(missing_ok=True)
            raise
        return self.stream

    def __exit__(self, kind, error, trace) -> None:
        try:
            if kind is None:
                self.stream.flush()
                os.fsync(self.stream.fileno())
            self.stream.close()
            if kind is None:
                # mkstemp creates the file 0600; give it the mode a plain open() would have.
                umask = os.umask(0)
                os.umask(umask)
                os.chmod(self.temp_name, 0o666 & ~umask)
                os.replace(self.temp_name, self.path)
        except BaseException:
            Path(self.temp_name).unlink(missing_ok=True)
            raise
        if kind is not None:
            Path(self.temp_name).unlink(missing_ok=True)


def _cells(record: bytes) -> list[str]:
    """The cells of one stored CSV record."""
    return next(csv.reader([record.decode("utf-8")], strict=True))


@functools.cache
def _formula_lead() -> re.Pattern[bytes]:
    """A comma then the first byte (in UTF-8) of any character a cell that a spreadsheet
    could run as a formula starts with (see _FORMULA_START: white space, an invisible
    character, a sign). Where it does not occur after a cell's delimiter, no cell needs
    neutralising; where it does, one may."""
    starting = re.compile(f"[\\s{_INVISIBLE_LEAD}{_FORMULA_SIGNS}]")
    leads = sorted({chr(code).encode("utf-8")[0] for code in range(0x10000)
                    if not 0xD800 <= code < 0xE000 and starting.match(chr(code))})
    return re.compile(b",[" + b"".join(re.escape(bytes([lead])) for lead in leads) + b"]")


def _maybe_formula_records(records: list[bytes]) -> bytearray:
    """For each stored CSV record, whether any of its cells may need neutralising (0: none
    does). Quoted cells (which may hold commas) count by their first byte only."""
    pattern = _formula_lead()
    flags = bytearray(len(records))
    for start in range(0, len(records), 256):
        reduced = [_first_bytes(record) if b'"' in record else record
                   for record in records[start:start + 256]]
        # Each record led by a comma, NUL between them (never a cell's first byte: a cell
        # holding a control character is quoted): one search finds most chunks clean.
        if pattern.search(b"," + b"\x00,".join(reduced)) is None:
            continue
        for offset, record in enumerate(reduced):
            flags[start + offset] = pattern.search(b"," + record) is not None
    return flags


def _first_bytes(record: bytes) -> bytes:
    """`record` with each quoted cell's text cut to its first byte: outside the quotes,
    every comma ends a cell (an escaped quote at a cell's start is a '"', never a formula
    sign)."""
    parts = record.split(b'"')
    parts[1::2] = [part[:1] for part in parts[1::2]]
    return b"".join(parts)


def _gather(lines: Iterable[bytes], records: list[bytes], pending: list[bytes]) -> list[bytes]:
    """Append to `records` the records `lines` complete, after the lines `pending` of a
    record begun before them; return the lines of a record they leave unfinished."""
    for line in lines:
        # A quoted cell holds an even number of quotes; a record goes on past a line end
        # (inside a quoted cell) while it has an odd number of them.
        if pending:
            pending.append(line)
            if line.count(b'"') % 2:
                records.append(b"\n".join(pending))
                pending = []
        elif line.count(b'"') % 2:
            pending = [line]
        else:
            records.append(line)
    return pending


# --- tracker export: the tables from the data folder ---------------------------------------


def export_data_dir(data_dir: Path, out_dir: Path, *, reviewed_only: bool = False,
                    parquet: bool = False, sqlite: bool = False,
                    warn: Callable[[str], None] = lambda problem: None,
                    publishing: Publishing = Publishing()) -> list[Path]:
    """`tracker export`: every export of the data folder's ledger, current view, observations
    and checks, as export_all writes them from the checked ledger; return the paths written.

    Raises StoreError (a LedgerError naming the file, line and column for a damaged
    ledger) when there is nothing sound to export; `warn` gets each damaged line of the
    review log (skipped).

    What the job already built and checked is used as it is: a ledger whose bytes are
    those data/state/derived.json records (the job checked them before it wrote them) is
    read without checking every cell again (any other is checked in full, as every command
    does), and its rows go to claims.csv and history.csv as stored; observations.csv is
    the job's data/processed/observations.csv when that is up to date with the ledger and
    the review log; checks.csv is filtered from the job's checks.csv. The bytes are those
    export_all writes from the checked ledger and its current view (tests/test_export_scale.py).
    """
    from tracker.checks import CHECK_COLUMNS
    from tracker.ledger import read_table
    from tracker.pipeline import DerivedState, reviews_digest
    from tracker.review.log import read_decisions

    data_dir, out_dir = Path(data_dir), Path(out_dir)
    state = DerivedState.read(data_dir)
    ledger = _load_for_export(data_dir, state.ledger_sha256)
    reviews: str | None = reviews_digest(data_dir)
    decisions, problems = read_decisions(data_dir)
    for problem in problems:
        warn(problem)
    if reviews_digest(data_dir) != reviews:  # a decision taken meanwhile: not the one read
        reviews = None
    processed = data_dir / "processed"
    checks_path = processed / CHECKS_CSV
    fast = isinstance(ledger, _StoredLedger)
    stored_checks = None
    if fast and _job_wrote(checks_path, state, CHECK_COLUMNS):
        stored_checks = _JobTable(checks_path, state, CHECK_COLUMNS)
    checks = None
    if stored_checks is None and checks_path.exists():
        checks = read_table(checks_path)
    if not fast:
        view = current_view(ledger, decisions)
        if reviewed_only:
            view = charted(view, reviewed_only=True)
        return export_all(view, out_dir, history=ledger, checks=checks,
                          reviewed_only=reviewed_only, parquet=parquet, sqlite=sqlite,
                          publishing=publishing)
    # The job's observations of the whole current view, built from this ledger and this
    # review log, are what export_all would build again.
    observations = None
    if (not reviewed_only and state.clean and reviews == state.reviews_sha256
            and _job_wrote(processed / OBSERVATIONS_CSV, state, OBSERVATION_COLUMNS)):
        observations = _JobTable(processed / OBSERVATIONS_CSV, state, OBSERVATION_COLUMNS)
    return _export_stored(ledger, decisions, out_dir, observations=observations,
                          stored_checks=stored_checks, checks=checks,
                          reviewed_only=reviewed_only, parquet=parquet, sqlite=sqlite,
                          publishing=publishing)


@dataclass
class _StoredLedger:
    """A ledger whose bytes the job checked before it wrote them: each row's CSV record as
    stored (claims.csv's line, without its line end), in the ledger's order."""

    path: Path
    records: list[bytes]

    def columns(self, names: Iterable[str]) -> pd.DataFrame:
        """Some columns of every row, as text (Arrow-backed where pandas has it), index-
        aligned with `records`."""
        frame = self.rows(range(len(self.records)), names, dtype="str")
        ids = map(str.encode, frame["claim_id"].tolist()) if "claim_id" in frame.columns else ()
        if not all(map(bytes.startswith, self.records, ids)):
            raise LedgerError(self.path, "rows and lines do not match: not the ledger the job wrote")
        return frame

    def rows(self, positions: Iterable[int], names: Iterable[str] = CLAIM_COLUMNS,
             dtype: str | type = object) -> pd.DataFrame:
        """The rows at `positions` (columns `names`) as a frame of text, read by pandas' C
        parser: a fraction of the time the csv module takes, and equal cells held once."""
        positions = list(positions)
        header = format_row(CLAIM_COLUMNS).encode("utf-8")
        lines = (self.records[position] for position in positions)
        stream = io.BufferedReader(_LinesReader(header, lines), 1 << 20)
        frame = pd.read_csv(stream, usecols=list(names), dtype=dtype, na_filter=False,
                            keep_default_na=False, engine="c")
        if len(frame) != len(positions):
            raise LedgerError(self.path, "rows and lines do not match: not the ledger the job wrote")
        return frame[list(names)]


class _LinesReader(io.RawIOBase):
    """A readable stream of `first`, then each of `lines` with a line end."""

    def __init__(self, first: bytes, lines: Iterable[bytes]) -> None:
        self._rest, self._lines = first, iter(lines)

    def readable(self) -> bool:
        return True

    def readinto(self, target) -> int:
        size = len(target)
        parts, have = [self._rest], len(self._rest)
        for line in self._lines:
            parts += (line, b"\n")
            have += len(line) + 1
            if have >= size:
                break
        data = b"".join(parts)
        count = min(size, len(data))
        target[:count] = data[:count]
        self._rest = data[count:]
        return count


def _load_for_export(data_dir: Path, verified_sha256: str) -> "_StoredLedger | pd.DataFrame":
    """The ledger the export reads: its stored rows when its bytes are `verified_sha256`
    (data/state/derived.json: bytes the job checked before writing them, cell by cell and
    against the schema), otherwise the checked, typed frame (tracker/ledger.py
    read_claims: a damaged ledger raises LedgerError naming its line and column).

    A missing or empty ledger raises StoreError: outputs are never replaced by empty
    ones (a mistyped --data-dir)."""
    path = Path(data_dir) / "processed" / CLAIMS_CSV
    if not path.is_file():
        raise StoreError(f"{path}: no ledger; nothing to export (check --data-dir, or run "
                         "`tracker ingest` first); existing outputs are left as they are")
    empty = StoreError(f"{path}: the ledger holds no claim; nothing to export; existing "
                       "outputs are left as they are")
    try:
        if verified_sha256:
            digest, records = _read_records(path, CLAIM_COLUMNS)
            # Another header (an older layout) is read and checked below.
            if digest == verified_sha256 and records is not None:
                if not records:
                    raise empty
                return _StoredLedger(path, records)
            del records
        payload = path.read_bytes()
    except OSError as error:
        raise LedgerError(path, f"cannot read: {error.strerror}") from None
    frame = claims_frame(check_ledger_bytes(payload, path))
    if frame.empty:
        raise empty
    return frame


def _read_records(path: Path, header: tuple[str, ...]) -> tuple[str, list[bytes] | None]:
    """(SHA-256 of the file at `path`, its records): the records of a CSV file as this
    tracker writes it (tracker/csvfile.py: every line ends with '\n', a cell holding a
    quote, comma or control character is quoted), each without its line end; None when the
    file does not start with `header` or does not end a record where it ends.

    Read in blocks: the file's bytes and its records are never both whole in memory."""
    digest = hashlib.sha256()
    records: list[bytes] = []
    pending: list[bytes] = []
    carry = b""
    with path.open("rb") as stream:
        first = stream.readline()
        digest.update(first)
        sound = first == format_row(header).encode("utf-8")
        for block in iter(lambda: stream.read(1 << 22), b""):
            digest.update(block)
            if sound:
                lines = (carry + block).split(b"\n")
                carry = lines.pop()
                pending = _gather(lines, records, pending)
    return digest.hexdigest(), records if sound and not carry and not pending else None


def _job_wrote(path: Path, state, header: tuple[str, ...]) -> bool:
    """Whether data/processed/`path` (observations.csv, checks.csv) holds the bytes the job
    wrote and derived.json records after a finished run, under `header`."""
    recorded = state.tables.get(path.name, "")
    if not (state.clean and recorded):
        return False
    try:
        with path.open("rb") as stream:
            first = stream.readline()
            digest = hashlib.sha256(first)
            for block in iter(lambda: stream.read(1 << 22), b""):
                digest.update(block)
    except OSError:
        return False
    return first == format_row(header).encode("utf-8") and digest.hexdigest() == recorded


@dataclass
class _JobTable:
    """A derived table _job_wrote found as the job wrote it, read when first needed."""

    path: Path
    state: object  # tracker.pipeline.DerivedState
    header: tuple[str, ...]

    def records(self) -> list[bytes]:
        """Its records; StoreError when it changed since it was found (a job running
        meanwhile): what was exported would not fit together."""
        try:
            digest, records = _read_records(self.path, self.header)
        except OSError as error:
            raise StoreError(f"{self.path}: cannot read: {error.strerror}") from None
        if records is None or digest != self.state.tables.get(self.path.name):
            raise StoreError(f"{self.path}: changed while it was being exported (a tracker job "
                             "running?); export again")
        return records


_KEY_COLUMNS = ("claim_id", "location_id", "recorded_at", "status", "status_at", "method",
                "url", "publisher", "source_id", "conflict")
_UNREVIEWED = ["unreviewed", "", "", ""]
_UNREVIEWED_CELLS = ("," + ",".join(_UNREVIEWED)).encode("utf-8")


def _export_stored(ledger: _StoredLedger, decisions: list, out_dir: Path, *,
                   observations: _JobTable | None, stored_checks: _JobTable | None,
                   checks: pd.DataFrame | None, reviewed_only: bool, parquet: bool,
                   sqlite: bool, publishing: Publishing = Publishing()) -> list[Path]:
    """export_all of a stored ledger's current view, from its rows as text.

    The rows go out as they are stored, in the order export_all gives them (sorted by the
    text of the columns it sorts by); only the rows at a place someone decided on are
    typed and taken through current_view, and only rows a spreadsheet might run are
    parsed again. `observations` and `stored_checks` are the job's tables to use as they
    are (read once the ledger's rows are written); without them, observations are built as
    export_all builds them and checks come from the `checks` frame."""
    records = ledger.records
    keys = ledger.columns(_KEY_COLUMNS)
    active = keys["status"].eq("active").to_numpy()
    # The rows someone decided on (and the other readings at their places, which decide
    # which decision is in force), taken through the current view as export_all does.
    view_rows: dict[int, list[str]] = {}
    rejected = np.zeros(len(records), dtype=bool)
    reviewed = np.zeros(len(records), dtype=bool)
    places = {decision.location_id for decision in decisions}
    decided = np.flatnonzero(active & _among(keys["location_id"], places)) if places else []
    if len(decided):
        typed = normalise_claims_frame(pd.DataFrame([_cells(records[i]) for i in decided],
                                                    columns=list(CLAIM_COLUMNS), dtype="object"))
        position = dict(zip(typed["claim_id"], decided.tolist()))
        decision_column = len(CLAIM_COLUMNS)
        for cells in _frame_rows(as_view(current_view(typed, decisions)), VIEW_COLUMNS, "claims"):
            index = position[cells[0]]
            view_rows[index] = cells
            rejected[index] = cells[decision_column] == "rejected"
            reviewed[index] = cells[decision_column] in ("confirmed", "corrected")
        del typed, position
    # charted(view, reviewed_only): never rejected; with reviewed_only, machine-read
    # figures only once a person confirmed or corrected them.
    charted_here = active & ~rejected
    if reviewed_only:
        charted_here &= keys["method"].ne("reported").to_numpy() | reviewed
    shown = charted_here if reviewed_only else active
    claim_ids = keys["claim_id"]
    exported = claim_ids[shown].sort_values(kind="mergesort").index.to_numpy()
    history = keys.sort_values(["location_id", "recorded_at", "status_at", "claim_id"],
                               kind="mergesort").index.to_numpy()
    _release_arrow_memory()  # the sort's own (tens of MB), before more is held
    ids = set(claim_ids[charted_here].tolist())
    cited = keys.loc[shown, ["url", "publisher", "source_id"]].drop_duplicates()
    _release_arrow_memory()
    documents = list(zip(*(cited[column].tolist() for column in cited.columns)))
    charted_rows = np.flatnonzero(charted_here) if observations is None else None
    # Every conflict of the history, and those corrections gave (datapackage.json's enum).
    conflict_column = CLAIM_COLUMNS.index("conflict")
    conflicts = {*keys["conflict"].unique().tolist(),
                 *(cells[conflict_column] for cells in view_rows.values())}
    del keys, claim_ids, cited, active, rejected, reviewed, shown, charted_here
    _release_arrow_memory()
    maybe_formula = _maybe_formula_records(records)

    def claims_rows() -> Iterator[bytes | list[str]]:
        for index in exported.tolist():
            if index in view_rows:
                yield view_rows[index]
            elif maybe_formula[index]:
                yield _cells(records[index]) + _UNREVIEWED
            else:
                yield records[index] + _UNREVIEWED_CELLS

    def history_rows() -> Iterator[bytes | list[str]]:
        for index in history.tolist():
            yield _cells(records[index]) if maybe_formula[index] else records[index]

    tables: dict[str, _Table] = {"claims": _RowsTable(VIEW_COLUMNS, claims_rows)}
    if observations is not None:
        tables["observations"] = _RowsTable(OBSERVATION_COLUMNS,
                                            lambda: _stored_rows(observations.records()))
    else:
        # The charted rows as text, in the ledger's order (as the view has them), with the
        # fields of those someone decided on as the view holds them.
        stored = [i for i in charted_rows.tolist() if i not in view_rows]
        decided_here = [i for i in charted_rows.tolist() if i in view_rows]
        figures = pd.concat(
            [ledger.rows(stored), pd.DataFrame([view_rows[i][:len(CLAIM_COLUMNS)] for i in decided_here],
                                               columns=list(CLAIM_COLUMNS), dtype="object")])
        figures.index = stored + decided_here
        figures = figures.sort_index().reset_index(drop=True)
        tables["observations"] = _FrameTable(*_observations_table(figures), "observations")
        del figures, stored, decided_here
        _release_arrow_memory()
    if stored_checks is not None:
        tables["checks"] = _StoredChecks(stored_checks, ids)
    elif checks is not None:
        tables["checks"] = _FrameTable(*_checks_table(checks, ids), "checks")
    tables["history"] = _RowsTable(CLAIM_COLUMNS, history_rows)

    def release() -> None:
        """The ledger's rows are written: what only they needed goes before the rest."""
        nonlocal exported, history
        records.clear()
        view_rows.clear()
        exported = history = None

    descriptor = _descriptor(tables, _sources(documents), reviewed_only, publishing, conflicts)
    del documents
    # claims.csv and history.csv first: then the ledger's rows can go, unless Parquet or
    # SQLite read them again.
    return _write_tables(tables, descriptor, out_dir, parquet=parquet, sqlite=sqlite,
                         first=("claims", "history"),
                         release=None if parquet or sqlite else release,
                         publishing=publishing, reviewed_only=reviewed_only)


def _release_arrow_memory() -> None:
    """Give back to the system the memory Arrow keeps after pandas' Arrow-backed text
    is gone (otherwise held for Arrow alone, through the rest of the export)."""
    try:
        import pyarrow
    except ImportError:  # pandas keeps text as Python objects then
        return
    release = getattr(pyarrow.default_memory_pool(), "release_unused", None)
    if release is not None:
        release()


def _stored_rows(records: list[bytes]) -> Iterator[bytes | list[str]]:
    for record, maybe_formula in zip(records, _maybe_formula_records(records)):
        yield _cells(record) if maybe_formula else record


class _StoredChecks(_Table):
    """checks.csv as _checks_table exports it, from the records of the job's own
    data/processed/checks.csv (loaded when first iterated): the same rows in the same
    order. Its numbers are in their shortest form already (what pd.to_numeric and
    format_number give back), so the stored text stays."""

    def __init__(self, stored: _JobTable, shown: set[str]) -> None:
        self.columns = stored.header
        self._stored, self._shown, self._kept = stored, shown, None

    def rows(self) -> Iterator[bytes | list[str]]:
        if self._kept is None:
            records = self._stored.records()
            header = format_row(self.columns).encode("utf-8")
            stream = io.BufferedReader(_LinesReader(header, records), 1 << 20)
            frame = pd.read_csv(stream, dtype="str", na_filter=False, keep_default_na=False,
                                engine="c")
            if len(frame) != len(records):
                raise StoreError(f"{self._stored.path}: rows and lines do not match")
            kept = _checks_kept(frame, self._shown).index
            self._kept = [records[index] for index in kept.tolist()]
            del frame, kept
            _release_arrow_memory()
        return _stored_rows(self._kept)


def table_schema(columns: tuple[str, ...], table: str = "", *,
                 conflicts: Iterable[str] = ()) -> dict:
    """Frictionless Table Schema of a table (see table_column_doc), with the constraints a
    row must meet (see field_constraints; `conflicts`: the conflict slugs it holds)."""
    known = known_conflicts(conflicts)
    fields = []
    for column in columns:
        kind, unit, description = table_column_doc(table, column)
        field = {"name": column, "type": kind, "description": description}
        if kind == "boolean":
            field.update(trueValues=["true"], falseValues=["false"])
        if unit:
            field["unit"] = unit
        constraints = field_constraints(table, column, known)
        if constraints:
            field["constraints"] = constraints
        fields.append(field)
    return {"fields": fields, "missingValues": [""]}


# --- Constraints: what `frictionless validate` checks beyond each cell's type ----------------
#
# They restate what tracker/schemas.py ClaimSchema, ObservationSchema and CheckSchema enforce
# before anything is stored, so that a copy of the package edited by hand (a mistyped date,
# an unknown metric) fails validation as the ledger would have refused it. A rule that
# depends on another column (a share lies within 0-100 only for a _pct metric) has no
# Table Schema form; the value columns get the bounds that hold for every metric.

_HEX16 = "[0-9a-f]{16}"
_ID = {"pattern": _HEX16}
_IDS = {"pattern": f"{_HEX16}(;{_HEX16})*"}
# ISO 8601: a day, or a day and a time (UTC "Z" or an offset), as published_at may be.
_ISO_DAY_OR_TIME = r"\d{4}-\d{2}-\d{2}(T\d{2}:\d{2}(:\d{2}(\.\d+)?)?(Z|[+-]\d{2}:?\d{2})?)?"
_ISO_DAY = r"\d{4}-\d{2}-\d{2}"
_DATE_BOUNDS = {"minimum": f"{FIRST_YEAR:04d}-01-01", "maximum": f"{LAST_YEAR:04d}-12-31"}
_VALUE_BOUNDS = {"minimum": -MAX_AREA_KM2, "maximum": MAX_AREA_KM2}

_CONSTRAINTS: dict[str, dict] = {
    "claim_id": {"required": True, **_ID},
    "location_id": {"required": True, **_ID},
    "observation_id": {"required": True, **_ID},
    "check_id": {"required": True, **_ID},
    "computed_claim_id": _ID,
    "revision_of": _ID,
    "superseded_by": _ID,
    "claim_ids": {"required": True, **_IDS},
    "conflicts_with": _IDS,
    "snapshot_sha256": {"pattern": "[0-9a-f]{64}"},
    "metric": {"required": True, "enum": list(METRICS)},
    "qualifier": {"required": True, "enum": list(QUALIFIERS)},
    "method": {"required": True, "enum": list(METHODS)},
    "actor": {"required": True},
    "value": _VALUE_BOUNDS,
    "value_min": _VALUE_BOUNDS,
    "value_max": _VALUE_BOUNDS,
    "reported_value": _VALUE_BOUNDS,
    "computed_value": _VALUE_BOUNDS,
    "confidence": {"minimum": 0, "maximum": 1},
    "number_start": {"minimum": 0},
    "number_end": {"minimum": 0},
    "period_start": _DATE_BOUNDS,
    "period_end": _DATE_BOUNDS,
    "as_of": _DATE_BOUNDS,
    "published_at": {"pattern": _ISO_DAY_OR_TIME},
    "retrieved_at": {"pattern": _ISO_DAY_OR_TIME},
    "first_published_at": {"pattern": _ISO_DAY},
    "last_published_at": {"pattern": _ISO_DAY},
    # A checked figure's date, or its period start..end (start empty for an open period);
    # grouped, as Frictionless anchors a pattern with ^...$ around it as written.
    "time": {"pattern": f"(?:{_ISO_DAY}|({_ISO_DAY})?\\.\\.{_ISO_DAY})"},
    "is_partial": {"required": True},
    "is_revised": {"required": True},
    "n_citations": {"required": True, "minimum": 1},
    "revision_number": {"required": True, "minimum": 0},
    "review_status": {"required": True, "enum": list(REVIEW_STATUSES)},
}
# Names whose meaning differs by table (see _TABLE_DOCS).
_TABLE_CONSTRAINTS: dict[str, dict[str, dict]] = {
    "claims": {"status": {"required": True, "enum": list(STATUSES)}},
    "history": {"status": {"required": True, "enum": list(STATUSES)}},
    "checks": {"status": {"required": True, "enum": list(CHECK_STATUSES)},
               "actor": {}},  # a check of a figure with no actor (CheckSchema: nullable)
}


def known_conflicts(present: Iterable[str] = ()) -> list[str]:
    """The conflict slugs a package accepts, sorted: those the extractor knows
    (tracker/extract/engine.py CONFLICT_CUES) and those the exported rows hold. sources.toml
    may name any conflict, so there is no fixed list; a copy edited by hand with a slug
    neither knows (a typo) fails validation."""
    from tracker.extract.engine import CONFLICT_CUES

    return sorted({*CONFLICT_CUES, *(slug for slug in present if slug)})


def field_constraints(table: str, column: str, conflicts: list[str] | None = None) -> dict:
    """The Table Schema `constraints` of `column` in `table` ({} when none); `conflicts` is
    the enum of the conflict column (known_conflicts)."""
    if column == "conflict":
        return {"enum": conflicts if conflicts is not None else known_conflicts()}
    rules = _TABLE_CONSTRAINTS.get(table, {}).get(column)
    if rules is None:
        rules = _CONSTRAINTS.get(column, {})
    return dict(rules)


_KEYS = {"claims": "claim_id", "observations": "observation_id", "checks": "check_id",
         "history": "claim_id"}
_TITLES = {
    "claims": ("Claims: one row per citation of a territorial figure as it stands now (active "
               "readings with the review decision in force applied; rejected figures marked)"),
    "observations": ("Observations: one row per distinct figure, with its citations, revisions and "
                     "conflicts (rejected figures left out)"),
    "checks": "Checks of reported figures against figures computed from maps (rejected figures left out)",
    "history": ("History: every reading in the ledger with its status (active, superseded, "
                "retracted); rows are never deleted"),
}
_REVIEWED_ONLY_TITLE = (
    "Claims: figures a person confirmed or corrected, and curated and computed figures "
    "(exported with --reviewed-only: machine-read figures nobody checked and rejected "
    "figures are left out)")


# What the CSVs hold and the Parquet and SQLite tables do not (they keep the text as stored).
_APOSTROPHE_NOTE = " Text cells that a spreadsheet would run as a formula start with an apostrophe."


def datapackage(tables: dict[str, tuple[str, ...]], sources: list[dict[str, str]], *,
                reviewed_only: bool = False, publishing: Publishing = Publishing(),
                conflicts: Iterable[str] = ()) -> dict:
    """The Frictionless Data Package descriptor of the exported CSVs (`tables`: each
    table's columns); `sources` lists the exported claims' documents (see _sources);
    `publishing` gives the licence and credit; `conflicts` the conflict slugs the rows hold
    (see known_conflicts)."""
    conflicts = known_conflicts(conflicts)
    resources = []
    for name, columns in tables.items():
        schema = table_schema(columns, name, conflicts=conflicts)
        if _KEYS[name] in columns:
            schema["primaryKey"] = [_KEYS[name]]
        if name == "checks" and "claim_id" in columns:
            schema["foreignKeys"] = [{"fields": ["claim_id"],
                                      "reference": {"resource": "claims", "fields": ["claim_id"]}}]
        if name == "claims" and "history" in tables:
            # Every current figure stands on one reading of the ledger.
            schema["foreignKeys"] = [{"fields": ["claim_id"],
                                      "reference": {"resource": "history", "fields": ["claim_id"]}}]
        title = _REVIEWED_ONLY_TITLE if name == "claims" and reviewed_only else _TITLES[name]
        resources.append({
            "name": name, "title": title, "path": f"{name}.csv",
            "profile": "tabular-data-resource", "format": "csv", "mediatype": "text/csv",
            "encoding": "utf-8", "dialect": {"delimiter": ",", "quoteChar": '"', "header": True},
            "schema": schema,
        })
    return {
        "profile": "tabular-data-package",
        "name": "territorial-figures",
        "title": "Territorial figures cited in war reporting",
        "description": (
            "Figures of territory taken, lost or held, each with who produced it and the document "
            "citing it. claims.csv holds the figures as they stand now, with what a person decided "
            "on each (review_status: unreviewed, confirmed, corrected, rejected); history.csv every "
            "reading the ledger ever held, with its status." + _APOSTROPHE_NOTE
            + (" Exported with --reviewed-only: claims, observations and checks hold only figures a "
               "person confirmed or corrected and curated or computed figures; machine-read figures "
               "nobody checked yet and rejected figures are left out (history.csv still has every "
               "reading)." if reviewed_only else "")
        ),
        **({"licenses": licences} if (licences := publishing.datapackage_licences()) else {}),
        **({"contributors": [{"title": publishing.credit}]} if publishing.credit else {}),
        "resources": resources,
        "sources": sources,
    }


def _frame_sources(claims: pd.DataFrame) -> list[dict[str, str]]:
    """_sources of the exported claims frame."""
    frame = normalise_claims_frame(claims)[["url", "publisher", "source_id"]]
    return _sources(frame.itertuples(index=False, name=None))


def _sources(documents: Iterable[tuple[str, str, str]]) -> list[dict[str, str]]:
    """Each distinct cited document (publisher and URL), or the source id without a URL,
    from the (url, publisher, source_id) of the exported claims."""
    sources: list[dict[str, str]] = []
    for url, publisher, source_id in sorted(set(documents)):
        entry = {"title": publisher or source_id or "unknown publisher"}
        if url:
            entry["path"] = url
        elif source_id:
            entry["path"] = f"sources.toml#{source_id}"
        if entry not in sources[-1:]:
            sources.append(entry)
    return sources


# --- Parquet and SQLite: the same rows with their types --------------------------------------


def _typed_rows(table: _Table, name: str) -> Iterator[tuple]:
    """Each row with storage types for code (the text as stored, without the spreadsheet
    apostrophes): float, int, bool, str, and None for every missing cell (SQL NULL,
    Parquet null: an empty string would read as a value)."""
    convert = [_CONVERTERS.get(table_column_doc(name, column)[0], _text) for column in table.columns]
    for row in table.rows():
        cells = _cells(row) if isinstance(row, bytes) else row
        yield tuple(to_type(cell) for to_type, cell in zip(convert, cells))


def _text(cell: str) -> str | None:
    return cell if cell else None


def _number(cell: str) -> float | None:
    if not cell:
        return None
    try:
        return float(cell)
    except ValueError:  # as pd.to_numeric(errors="coerce")
        return None


def _integer(cell: str) -> int | None:
    number = _number(cell)
    if number is None:
        return None
    try:
        return int(cell)
    except ValueError:
        return int(number)


_CONVERTERS: dict[str, Callable[[str], object]] = {
    "number": _number, "integer": _integer, "boolean": lambda cell: cell == "true",
}


@functools.lru_cache(maxsize=1 << 16)
def _day(text: str) -> date:
    """An ISO day; ValueError otherwise. Cached: a ledger repeats few dates many times."""
    return date.fromisoformat(text)


@functools.lru_cache(maxsize=1 << 16)
def _instant(text: str) -> datetime:
    """An ISO 8601 date-time as an aware UTC datetime (a naive one is UTC, as the tracker
    writes them); ValueError otherwise."""
    moment = datetime.fromisoformat(text)
    if moment.tzinfo is None:
        return moment.replace(tzinfo=timezone.utc)
    return moment.astimezone(timezone.utc)


def _arrow_column(kind: str, values: list):
    """One Parquet column of `values` (typed by _typed_rows) with its Arrow type: float64,
    int64, bool, date32 for dates, UTC timestamps for date-times, UTF-8 text; None is null.
    A date column holding a cell that is not an ISO date (never in a checked ledger) stays
    text, rather than losing that cell."""
    import pyarrow as pa

    if kind == "number":
        return pa.array(values, type=pa.float64())
    if kind == "integer":
        return pa.array(values, type=pa.int64())
    if kind == "boolean":
        return pa.array(values, type=pa.bool_())
    if kind in ("date", "datetime"):
        parse, arrow_type = (_day, pa.date32()) if kind == "date" else (_instant, pa.timestamp("s", tz="UTC"))
        try:
            return pa.array([None if v is None else parse(v) for v in values], type=arrow_type)
        except ValueError:
            pass
    return pa.array(values, type=pa.string())


def _arrow_table(table: _Table, name: str):
    """The table as an Arrow table with the types of its columns (see _arrow_column)."""
    import pyarrow as pa

    columns: list[list] = [[] for _ in table.columns]
    appends = [column.append for column in columns]
    for row in _typed_rows(table, name):
        for append, value in zip(appends, row):
            append(value)
    arrays = []
    for position, column in enumerate(table.columns):
        arrays.append(_arrow_column(table_column_doc(name, column)[0], columns[position]))
        columns[position] = []  # each column's Python values go once its array is built
    return pa.Table.from_arrays(arrays, names=list(table.columns))


def _write_parquet(tables: dict[str, _Table], folder: Path) -> list[Path]:
    try:
        import pyarrow as pa
        import pyarrow.parquet as pq
    except ImportError as error:
        raise ImportError("Parquet export needs pyarrow: pip install 'territorial-tracker[parquet]'") from error
    written = []
    folder.mkdir(parents=True, exist_ok=True)
    for name, table in tables.items():
        arrow = _arrow_table(table, name)
        sink = pa.BufferOutputStream()
        pq.write_table(arrow, sink, compression="zstd")
        path = folder / f"{name}.parquet"
        atomic_write_bytes(path, sink.getvalue().to_pybytes())
        written.append(path)
    return written


# Columns analysts filter and join on: each gets an index where a table has it (its primary
# key has one already).
_INDEXED = ("claim_id", "observation_id", "location_id", "conflict", "metric", "actor",
            "territory", "attribution", "publisher", "period_start", "period_end", "as_of",
            "status", "review_status")
# Full-text search over the quotes (SQLite FTS5, external content: the text is stored once,
# in the table). datasette finds the index by metadata.json's fts_table.
_FTS = {"claims": ("claims_fts", ("quote",))}


def _write_sqlite(tables: dict[str, _Table], path: Path) -> Path:
    """A fresh database built in a temporary file and moved into place (never half-written):
    typed columns with NULL for missing cells, indexes on the columns analysts filter on
    (_INDEXED) and full-text search over the claims' quotes (_FTS)."""
    path.parent.mkdir(parents=True, exist_ok=True)
    handle, temp_name = tempfile.mkstemp(prefix=f".{path.name}.", suffix=".tmp", dir=path.parent)
    os.close(handle)
    try:
        with sqlite3.connect(temp_name) as connection:
            for name, table in tables.items():
                definitions = ", ".join(
                    f'"{c}" {_SQL_TYPES.get(table_column_doc(name, c)[0], "TEXT")}'
                    + (" PRIMARY KEY" if c == _KEYS[name] else "")
                    for c in table.columns
                )
                connection.execute(f'CREATE TABLE "{name}" ({definitions})')
                marks = ", ".join("?" for _ in table.columns)
                connection.executemany(f'INSERT INTO "{name}" VALUES ({marks})',
                                       _typed_rows(table, name))
                # Indexes after the rows: building one at the end is faster than keeping it
                # up to date row by row.
                for column in _INDEXED:
                    if column in table.columns and column != _KEYS[name]:
                        connection.execute(f'CREATE INDEX "{name}_{column}" ON "{name}" ("{column}")')
                if name in _FTS:
                    _add_fts(connection, name, *_FTS[name])
        connection.close()
        os.chmod(temp_name, 0o644)
        os.replace(temp_name, path)
    except BaseException:
        Path(temp_name).unlink(missing_ok=True)
        raise
    return path


def _add_fts(connection: sqlite3.Connection, table: str, fts_table: str,
             columns: tuple[str, ...]) -> None:
    """An FTS5 index `fts_table` over `columns` of `table`, keyed by its rowid. The
    content="table" form is the one datasette detects by itself as well."""
    listed = ", ".join(f'"{column}"' for column in columns)
    connection.execute(f'CREATE VIRTUAL TABLE "{fts_table}" USING fts5({listed}, '
                       f'content="{table}", content_rowid="rowid")')
    connection.execute(f'INSERT INTO "{fts_table}" (rowid, {listed}) '
                       f'SELECT rowid, {listed} FROM "{table}"')


_SHORT_TITLES = {"claims": "Claims", "observations": "Observations", "checks": "Checks",
                 "history": "History"}
_FACETS = ("conflict", "metric", "actor", "status", "review_status")


def _write_datasette_metadata(tables: dict[str, _Table], out_dir: Path, publishing: Publishing,
                              reviewed_only: bool) -> Path:
    """metadata.json beside the SQLite database, for `datasette <db> --metadata metadata.json`
    (tracker/datasette.py): the package's title, description and licence, each table's
    description and its columns' (tracker/schemas.py COLUMN_DOCS)."""
    from tracker.datasette import METADATA_JSON, ColumnDoc, TableDoc, datasette_metadata

    package = datapackage({name: table.columns for name, table in tables.items()}, [],
                          reviewed_only=reviewed_only, publishing=publishing)
    docs = []
    for resource in package["resources"]:
        name = resource["name"]
        columns = tuple(ColumnDoc(f["name"], f.get("unit", ""), f["description"])
                        for f in resource["schema"]["fields"])
        fts_table = _FTS.get(name, ("",))[0]
        docs.append((name, TableDoc(title=_SHORT_TITLES.get(name, name), description=resource["title"],
                                    columns=columns, sort=_KEYS[name], facets=_FACETS,
                                    fts_table=fts_table)))
    # The CSVs' note on spreadsheet apostrophes does not hold for the database's text.
    description = package["description"].replace(_APOSTROPHE_NOTE, "")
    metadata = datasette_metadata(
        Path(SQLITE_NAME).stem, docs, title=package["title"],
        description=description + " The database holds the text as stored (no spreadsheet "
                                  "apostrophes) and NULL for missing values.",
        publishing=publishing,
        source="The documents cited in each row (columns publisher and url); "
               "datapackage.json lists them")
    path = out_dir / METADATA_JSON
    atomic_write_bytes(path, (json.dumps(metadata, indent=2, ensure_ascii=False) + "\n").encode("utf-8"))
    return path
