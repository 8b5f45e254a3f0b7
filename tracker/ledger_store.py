"""The ledger's store of record: SQLite, changed row by row, mirrored by claims.csv.

With claims.csv as the record, one new claim meant reading, checking and rewriting every
row (24 s of a 53 s run at 100,000 claims). Here:

- `data/processed/ledger.sqlite` holds every ledger row as the exact line claims.csv holds,
  next to the columns that decide its status and its place in the file (indexed). A run
  reads only the rows its readings can change (tracker/history.py), then inserts its new
  rows and updates statuses in one transaction; nothing else is read or written.
- claims.csv is produced from the store after each change (header, then the lines in the
  ledger's order): byte for byte what tracker/ledger.py `write_claims` writes.
- claims.csv stays the file analysts read, repair and may edit. When its bytes are not
  those the store produced (edited by hand, repaired by `tracker repair`, restored from a
  backup, written by another tool), it is checked as before, refused with its file, line
  and column when damaged, and taken into the store as the ledger. A claims.csv that is
  missing is produced again from the store.
- Order of writes: the store commits first, then claims.csv is replaced. The store keeps
  the digest of the claims.csv it produced and of the one before; a claims.csv still
  holding the one before is a run that died between the two, and is produced again.
- A store that is missing, not a database or of another layout is rebuilt from claims.csv.

No pandas here: an unchanged scheduled run opens the store, plans, and stops.
"""

from __future__ import annotations

import csv
import hashlib
import io
import os
import sqlite3
import tempfile
from collections.abc import Callable, Iterable, Iterator
from pathlib import Path

from tracker.csvfile import format_row, lifted_field_limit
from tracker.history import StoredRow
from tracker.ledger_file import (
    LedgerError,
    LedgerFile,
    load_ledger_file,
    row_problems,
)
from tracker.model import CLAIM_COLUMNS
from tracker.store import remember_digest, remembered_digest

STORE_NAME = "ledger.sqlite"
CLAIMS_NAME = "claims.csv"
LAYOUT = "1"  # bump when the tables below change: an older store is rebuilt from claims.csv

_INDEX = {name: position for position, name in enumerate(CLAIM_COLUMNS)}
_HEADER = format_row(CLAIM_COLUMNS)

# The ledger's row order (tracker/ledger.py sort_claims): conflict, metric, time (the
# period's end, else the stock's date), attribution, claim_id. Every part is text and
# SQLite compares text as UTF-8 bytes, which is the code point order Python sorts by, so
# the primary key keeps the rows in claims.csv's order and the file is one ordered scan.
_SCHEMA = """
CREATE TABLE claims (
    conflict TEXT NOT NULL,
    metric TEXT NOT NULL,
    time_key TEXT NOT NULL,
    attribution TEXT NOT NULL,
    claim_id TEXT NOT NULL,
    location_id TEXT NOT NULL,
    source_id TEXT NOT NULL,
    snapshot_sha256 TEXT NOT NULL,
    status TEXT NOT NULL,
    line TEXT NOT NULL,
    PRIMARY KEY (conflict, metric, time_key, attribution, claim_id)
) WITHOUT ROWID;
CREATE UNIQUE INDEX claims_by_id ON claims (claim_id);
CREATE INDEX claims_by_location ON claims (location_id);
CREATE INDEX claims_by_document ON claims (source_id, snapshot_sha256);
CREATE TABLE meta (key TEXT PRIMARY KEY, value TEXT NOT NULL);
"""


def sort_key(cells: list[str]) -> tuple[str, str, str, str, str]:
    """A ledger row's place in claims.csv (tracker/ledger.py sort_claims)."""
    time_key = cells[_INDEX["period_end"]] or cells[_INDEX["as_of"]]
    return (cells[_INDEX["conflict"]], cells[_INDEX["metric"]], time_key,
            cells[_INDEX["attribution"]], cells[0])


def parse_line(line: str) -> list[str]:
    """The cells of one stored line."""
    with lifted_field_limit():
        return next(csv.reader(io.StringIO(line, newline=""), strict=True))


class LedgerStore:
    """The ledger of one data folder; open it under the job lock (tracker/store.py)."""

    def __init__(self, data_dir: Path, connection: sqlite3.Connection) -> None:
        self.data_dir = Path(data_dir)
        self.csv_path = self.data_dir / "processed" / CLAIMS_NAME
        self._db = connection
        self.pending = False  # claims.csv taken in, to be committed by the next `apply`

    # -- opening -------------------------------------------------------------------------

    @classmethod
    def open(cls, data_dir: Path, *, verified_sha256: str = "",
             progress: Callable[[str], None] = lambda message: None) -> "LedgerStore":
        """The store of `data_dir`, brought in line with claims.csv.

        `verified_sha256`: the digest of a claims.csv this tracker wrote and checked (the
        job's state); such bytes taken into a new store are not checked cell by cell again.
        Raises LedgerError naming the file, line and column when claims.csv was changed
        outside the tracker and is damaged; nothing is written then."""
        data_dir = Path(data_dir)
        path = data_dir / "processed" / STORE_NAME
        path.parent.mkdir(parents=True, exist_ok=True)
        store = cls(data_dir, _connect(path, progress))
        store._sync_with_csv(verified_sha256, progress)
        return store

    def close(self) -> None:
        self._db.close()

    def __enter__(self) -> "LedgerStore":
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()

    def _meta(self, key: str) -> str:
        found = self._db.execute("SELECT value FROM meta WHERE key = ?", (key,)).fetchone()
        return found[0] if found else ""

    @property
    def exists(self) -> bool:
        """Whether a ledger was ever written (an empty one, header only, included)."""
        return bool(self._meta("csv_sha256"))

    @property
    def csv_sha256(self) -> str:
        """The digest of claims.csv as the store produced it ('' before any)."""
        return self._meta("csv_sha256")

    def count(self) -> int:
        return self._db.execute("SELECT count(*) FROM claims").fetchone()[0]

    def _sync_with_csv(self, verified_sha256: str, progress: Callable[[str], None]) -> None:
        expected = self._meta("csv_sha256")
        if not self.csv_path.exists():
            if expected:
                progress(f"    {self.csv_path} is missing: written again from the store")
                self._produce_csv()
            return
        # Read only when its size, time or inode changed since the store wrote it.
        digest = remembered_digest(self.csv_path, self.data_dir)
        if digest == expected:
            remember_digest(self.csv_path, self.data_dir, digest)  # when copied or touched
            return
        if expected and digest == self._meta("previous_csv_sha256"):
            # The store committed a run whose claims.csv was not written yet (a crash).
            progress(f"    {self.csv_path} predates the store's last change: written again")
            self._produce_csv()
            return
        if expected:
            progress(f"    {self.csv_path} was changed outside the tracker: checked and "
                     "taken as the ledger")
        self._take_in(load_ledger_file(self.csv_path, verified_sha256=verified_sha256),
                      verified=bool(verified_sha256) and digest == verified_sha256,
                      progress=progress)

    def _take_in(self, ledger: LedgerFile, *, verified: bool,
                 progress: Callable[[str], None]) -> None:
        """Make the checked file `ledger` the store's content, in a transaction that the
        command's write (`apply`) commits: a command that ends without writing leaves the
        store as it was, and the next one takes the file in again."""
        if not verified and ledger.rows:
            # The schema's rules across columns (pandera) for bytes nobody checked yet.
            from tracker.ledger import claims_frame

            claims_frame(ledger)
        if ledger.older_layout:
            progress("    the ledger is in an older column layout: it is rewritten in the "
                     "current one")
        self._db.execute("DELETE FROM claims")
        self._db.executemany("INSERT INTO claims VALUES (?,?,?,?,?,?,?,?,?,?)",
                             (_record(cells) for cells in ledger.rows))
        self._set_meta({"csv_sha256": ledger.sha256, "previous_csv_sha256": ""}, commit=False)
        self.pending = True

    # -- reading -------------------------------------------------------------------------

    def rows_in_scope(self, reading_ids: Iterable[str], reading_locations: Iterable[str], *,
                      read_documents: Iterable[tuple[str, str]] = (),
                      whole_sources: Iterable[str] = (),
                      known_sources: set[str] | None = None) -> list[StoredRow]:
        """Every stored row that tracker/history.py plan_history can change or needs for
        readings with these ids and locations: planning over them gives the plan the
        whole ledger would give (see the test of that in tests/test_ledger_store.py)."""
        found: dict[str, StoredRow] = {}

        def add(query: str, values: Iterable[tuple]) -> None:
            for value in values:
                for row in self._db.execute(query, value):
                    found.setdefault(row[0], StoredRow(*row))

        columns = "claim_id, location_id, status, source_id, snapshot_sha256"
        add(f"SELECT {columns} FROM claims WHERE claim_id = ?",
            ((claim,) for claim in set(reading_ids)))
        add(f"SELECT {columns} FROM claims WHERE location_id = ? AND status = 'active'",
            ((place,) for place in set(reading_locations)))
        add(f"SELECT {columns} FROM claims WHERE source_id = ? AND snapshot_sha256 = ? "
            "AND status = 'active'", set(read_documents))
        whole = set(whole_sources)
        if known_sources is not None:
            whole |= set(self.source_ids()) - set(known_sources)
        add(f"SELECT {columns} FROM claims WHERE source_id = ? AND status = 'active'",
            ((source,) for source in whole))
        return list(found.values())

    def stored_ids(self, claim_ids: Iterable[str]) -> set[str]:
        """Those of `claim_ids` the ledger holds (in any status)."""
        query = "SELECT 1 FROM claims WHERE claim_id = ?"
        return {claim for claim in set(claim_ids)
                if self._db.execute(query, (claim,)).fetchone() is not None}

    def source_ids(self) -> list[str]:
        """The distinct source ids of the stored rows, found through the index one value at
        a time (a cost in the number of sources, not of rows)."""
        ids = []
        query = "SELECT min(source_id) FROM claims WHERE source_id > ?"
        current = self._db.execute("SELECT min(source_id) FROM claims").fetchone()[0]
        while current is not None:
            ids.append(current)
            current = self._db.execute(query, (current,)).fetchone()[0]
        return ids

    def rows_around(self, claim_ids: Iterable[str]) -> list[list[str]]:
        """The rows of `claim_ids` and every active row read at the same places (what the
        current view of those readings depends on: tracker/view.py), in the ledger's order."""
        found: dict[str, tuple] = {}
        places = set()
        for claim in set(claim_ids):
            row = self._db.execute(
                "SELECT conflict, metric, time_key, attribution, claim_id, location_id, line "
                "FROM claims WHERE claim_id = ?", (claim,)).fetchone()
            if row is not None:
                found[claim] = row
                places.add(row[5])
        for place in places:
            for row in self._db.execute(
                    "SELECT conflict, metric, time_key, attribution, claim_id, location_id, line "
                    "FROM claims WHERE location_id = ? AND status = 'active'", (place,)):
                found.setdefault(row[4], row)
        return [parse_line(row[6]) for row in sorted(found.values())]

    def lines(self) -> Iterator[str]:
        """Every stored line in the ledger's order."""
        for (line,) in self._db.execute(
                "SELECT line FROM claims ORDER BY conflict, metric, time_key, attribution, claim_id"):
            yield line

    def rows(self) -> list[list[str]]:
        """Every row as cells, in the ledger's order (what tracker/ledger_file.py reads)."""
        with lifted_field_limit():
            return list(csv.reader(io.StringIO("".join(self.lines()), newline=""), strict=True))

    def ledger_file(self) -> LedgerFile:
        """The stored ledger as a checked LedgerFile (rows checked when they were stored)."""
        return LedgerFile(path=self.csv_path, rows=self.rows(), sha256=self.csv_sha256,
                          exists=self.exists)

    # -- writing -------------------------------------------------------------------------

    def apply(self, added: list[list[str]], updates: dict[str, tuple[str, str]],
              now: str) -> bool:
        """Store the rows `added` (cells in the ledger's layout, new claim ids) and give the
        rows of `updates` (claim_id -> (status, superseded_by)) their new status, with
        `status_at` = `now`, in one transaction; then write claims.csv. Returns whether the
        ledger changed. Every new or changed row is checked before anything is written."""
        records = []
        for cells in added:
            records.append(_record(_checked(cells, self.csv_path)))
        changed = []
        for claim, (status, by) in sorted(updates.items()):
            found = self._db.execute("SELECT line FROM claims WHERE claim_id = ?",
                                     (claim,)).fetchone()
            if found is None:
                raise LedgerError(self.csv_path, f"refusing to update claim {claim}: not stored")
            cells = parse_line(found[0])
            cells[_INDEX["status"]] = status
            cells[_INDEX["superseded_by"]] = by
            cells[_INDEX["status_at"]] = now
            changed.append((_checked(cells, self.csv_path), claim))
        if not records and not changed and self.exists and not self.pending:
            return False
        previous = self._meta("csv_sha256")  # of the claims.csv in place now
        temp_name = ""
        try:
            with self._db:
                try:
                    self._db.executemany("INSERT INTO claims VALUES (?,?,?,?,?,?,?,?,?,?)",
                                         records)
                except sqlite3.IntegrityError:
                    raise LedgerError(self.csv_path, "refusing to store a claim_id the ledger "
                                      "already holds") from None
                self._db.executemany(
                    "UPDATE claims SET status = ?, line = ? WHERE claim_id = ?",
                    ((cells[_INDEX["status"]], format_row(cells), claim)
                     for cells, claim in changed))
                # The new claims.csv is written (not yet in place) from this transaction's
                # rows, and the store commits knowing its digest: one pass over the rows.
                temp_name, digest = self._write_temp_csv()
                self._set_meta({"csv_sha256": digest, "previous_csv_sha256": previous},
                               commit=False)
            self.pending = False
            if digest == previous:
                # A file taken in that was already in the ledger's form: left as it is.
                Path(temp_name).unlink()
                self._set_meta({"previous_csv_sha256": ""})
                remember_digest(self.csv_path, self.data_dir, digest)
                return False
            self._install(temp_name)
        except BaseException:
            if temp_name:
                Path(temp_name).unlink(missing_ok=True)
            raise
        return True

    def _produce_csv(self) -> None:
        """Write claims.csv again from the store, as the store's digest says it is."""
        temp_name, digest = self._write_temp_csv()
        try:
            if digest != self._meta("csv_sha256"):
                raise LedgerError(self.csv_path, "refusing to write: the stored rows do not "
                                  "give the claims.csv the store recorded")
            self._install(temp_name)
        except BaseException:
            Path(temp_name).unlink(missing_ok=True)
            raise

    def _write_temp_csv(self) -> tuple[str, str]:
        """(temporary file, sha256) of claims.csv written from the rows as this connection
        sees them, flushed to disk, beside claims.csv."""
        digest = hashlib.sha256()
        self.csv_path.parent.mkdir(parents=True, exist_ok=True)
        handle, temp_name = tempfile.mkstemp(prefix=f".{CLAIMS_NAME}.", suffix=".tmp",
                                             dir=self.csv_path.parent)
        try:
            with os.fdopen(handle, "wb") as temp:
                for chunk in _chunks(self.lines(), first=_HEADER):
                    digest.update(chunk)
                    temp.write(chunk)
                temp.flush()
                os.fsync(temp.fileno())
        except BaseException:
            Path(temp_name).unlink(missing_ok=True)
            raise
        return temp_name, digest.hexdigest()

    def _install(self, temp_name: str) -> None:
        """Put a written temporary claims.csv in place and remember its signature, so that
        the next run need not read it."""
        # mkstemp creates the file 0600; give it the mode a plain open() would have.
        umask = os.umask(0)
        os.umask(umask)
        os.chmod(temp_name, 0o666 & ~umask)
        os.replace(temp_name, self.csv_path)
        # In place: the digest of the file before this change is no longer needed to tell
        # a run that died before this point.
        self._set_meta({"previous_csv_sha256": ""})
        remember_digest(self.csv_path, self.data_dir, self.csv_sha256)

    def _set_meta(self, values: dict[str, str], commit: bool = True) -> None:
        rows = [(key, value) for key, value in values.items()]
        if commit:
            with self._db:
                self._db.executemany("INSERT OR REPLACE INTO meta VALUES (?, ?)", rows)
        else:
            self._db.executemany("INSERT OR REPLACE INTO meta VALUES (?, ?)", rows)


def _chunks(lines: Iterable[str], first: str = "", size: int = 1 << 20) -> Iterator[bytes]:
    """The lines as UTF-8 byte chunks of about `size` characters."""
    buffer = [first] if first else []
    length = len(first)
    for line in lines:
        buffer.append(line)
        length += len(line)
        if length >= size:
            yield "".join(buffer).encode("utf-8")
            buffer, length = [], 0
    if buffer:
        yield "".join(buffer).encode("utf-8")


def _checked(cells: list[str], path: Path) -> list[str]:
    """`cells` when they are a sound ledger row that reads back as written."""
    if len(cells) != len(CLAIM_COLUMNS):
        raise LedgerError(path, f"refusing to store a row of {len(cells)} cells")
    problems = row_problems(cells)
    if problems:
        column, message = problems[0]
        raise LedgerError(path, f"refusing to store claim {cells[0]}: {message}", column=column)
    if parse_line(format_row(cells)) != cells:
        raise LedgerError(path, f"refusing to store claim {cells[0]}: it would not read back "
                          "as written")
    return cells


def _record(cells: list[str]) -> tuple[str, ...]:
    return (*sort_key(cells), cells[_INDEX["location_id"]], cells[_INDEX["source_id"]],
            cells[_INDEX["snapshot_sha256"]], cells[_INDEX["status"]], format_row(cells))


def _connect(path: Path, progress: Callable[[str], None]) -> sqlite3.Connection:
    """A connection to a store of the current layout; any other file at `path` (damaged,
    not SQLite, an older layout) is set aside and a new store made: claims.csv refills it."""
    for attempt in (1, 2):
        connection = sqlite3.connect(path, isolation_level="DEFERRED")
        try:
            tables = {name for (name,) in connection.execute(
                "SELECT name FROM sqlite_master WHERE type = 'table'")}
            if not tables:
                connection.executescript(_SCHEMA)
                with connection:
                    connection.execute("INSERT INTO meta VALUES ('layout', ?)", (LAYOUT,))
                return connection
            layout = connection.execute("SELECT value FROM meta WHERE key = 'layout'").fetchone()
            if layout and layout[0] == LAYOUT:
                return connection
            reason = "of another layout"
        except sqlite3.DatabaseError as error:
            reason = f"unreadable ({error})"
        connection.close()
        if attempt == 2:
            break
        progress(f"    {path} is {reason}: it is rebuilt from claims.csv")
        for suffix in ("", "-journal", "-wal", "-shm"):
            Path(f"{path}{suffix}").unlink(missing_ok=True)
    raise LedgerError(path, "cannot create the ledger store")
