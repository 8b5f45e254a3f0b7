"""The ledger's store of record: SQLite, changed row by row, mirrored by claims.csv.

With claims.csv as the record, one new claim meant reading, checking and rewriting every
row (24 s of a 53 s run at 100,000 claims). Here:

- `data/processed/ledger.sqlite` holds every ledger row as the exact line claims.csv holds,
  next to the columns that decide its status and its place in the file (indexed). A run
  reads only the rows its readings can change (tracker/history.py), then inserts its new
  rows and updates statuses in one transaction; nothing else is read or written.
- claims.csv is produced from the store after each change (header, then the lines in the
  ledger's order): byte for byte what tracker/ledger.py `write_claims` writes. Each row
  keeps its line's length in bytes, so the previous claims.csv (when it is the one the
  store recorded) is spliced: its unchanged byte ranges copied by the kernel, the new and
  changed lines written between them (`write_product`, also used for observations.csv and
  checks.csv by tracker/derived.py).
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
import errno
import hashlib
import io
import os
import sqlite3
import tempfile
from collections import Counter
from collections.abc import Callable, Iterable, Iterator
from concurrent.futures import ThreadPoolExecutor
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
LAYOUT = "2"  # bump when the tables below change: an older store is rebuilt from claims.csv

_INDEX = {name: position for position, name in enumerate(CLAIM_COLUMNS)}
_HEADER = format_row(CLAIM_COLUMNS)

# The ledger's row order (tracker/ledger.py sort_claims): conflict, metric, time (the
# period's end, else the stock's date), attribution, claim_id. Every part is text and
# SQLite compares text as UTF-8 bytes, which is the code point order Python sorts by, so
# the primary key keeps the rows in claims.csv's order and the file is one ordered scan.
# `nbytes` is the length of `line` in UTF-8: a row's offset in claims.csv is the header's
# length plus the sum over the rows before it (claims_in_order covers that sum).
_ORDER = ("conflict", "metric", "time_key", "attribution", "claim_id")
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
    nbytes INTEGER NOT NULL,
    PRIMARY KEY (conflict, metric, time_key, attribution, claim_id)
) WITHOUT ROWID;
CREATE INDEX claims_in_order ON claims (conflict, metric, time_key, attribution, claim_id, nbytes);
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
        try:
            connection = connect_store(path, _SCHEMA, LAYOUT, rebuilt_from="claims.csv",
                                       progress=progress)
        except OSError as error:
            raise LedgerError(path, f"cannot create the ledger store: {error}") from None
        store = cls(data_dir, connection)
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
        self._db.executemany("INSERT INTO claims VALUES (?,?,?,?,?,?,?,?,?,?,?)",
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

    def rows_of(self, claim_ids: Iterable[str]) -> list[list[str]]:
        """The stored rows of `claim_ids` (those the ledger holds), one index lookup each."""
        found = []
        for claim in sorted(set(claim_ids)):
            row = self._db.execute("SELECT line FROM claims WHERE claim_id = ?", (claim,)).fetchone()
            if row is not None:
                found.append(parse_line(row[0]))
        return found

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
        # The lines claims.csv gains or changes: place in the file -> (old line, new line).
        file_changes: Changes = {record[:len(_ORDER)]: (None, record[-2]) for record in records}
        for claim, (status, by) in sorted(updates.items()):
            found = self._db.execute(f"SELECT {', '.join(_ORDER)}, line FROM claims "
                                     "WHERE claim_id = ?", (claim,)).fetchone()
            if found is None:
                raise LedgerError(self.csv_path, f"refusing to update claim {claim}: not stored")
            cells = parse_line(found[-1])
            cells[_INDEX["status"]] = status
            cells[_INDEX["superseded_by"]] = by
            cells[_INDEX["status_at"]] = now
            line = format_row(_checked(cells, self.csv_path))
            changed.append((status, line, _nbytes(line), claim))
            if line != found[-1]:
                file_changes[tuple(found[:-1])] = (found[-1], line)
        if not records and not changed and self.exists and not self.pending:
            return False
        previous = self._meta("csv_sha256")  # of the claims.csv in place now
        temp_name = ""
        try:
            with self._db:
                try:
                    self._db.executemany("INSERT INTO claims VALUES (?,?,?,?,?,?,?,?,?,?,?)",
                                         records)
                except sqlite3.IntegrityError:
                    raise LedgerError(self.csv_path, "refusing to store a claim_id the ledger "
                                      "already holds") from None
                self._db.executemany(
                    "UPDATE claims SET status = ?, line = ?, nbytes = ? WHERE claim_id = ?",
                    changed)
                # The new claims.csv is written (not yet in place) from this transaction's
                # rows, and the store commits knowing its digest: spliced from the claims.csv
                # in place when that is the one the store recorded (a file taken in is
                # written whole: its bytes may be in another form).
                temp_name, digest = self._write_temp_csv(
                    file_changes, recorded="" if self.pending else previous)
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

    def _write_temp_csv(self, changes: Changes | None = None,
                        recorded: str = "") -> tuple[str, str]:
        """(temporary file, sha256) of claims.csv written from the rows as this connection
        sees them, flushed to disk, beside claims.csv: spliced from the claims.csv in place
        when it has the digest `recorded` and differs by `changes` alone."""
        return write_product(self.csv_path, self.data_dir, self._db, "claims", _ORDER, _HEADER,
                             changes, recorded, sync=True)

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


# -- products written from a table, spliced from the previous file ----------------------

# The lines a change gives a product: place (its order columns) -> (old line, new line),
# None for a row that was not, or is no longer, in the file.
Changes = dict[tuple[str, ...], tuple["str | None", "str | None"]]

SPLICE = True  # False: every product written whole (benchmarks/bench_products.py compares)
product_writes: Counter[tuple[str, str]] = Counter()  # (file name, "spliced" or "written")
_kernel_copy = hasattr(os, "copy_file_range")
_NO_KERNEL_COPY = {errno.EXDEV, errno.ENOSYS, errno.EOPNOTSUPP, errno.EINVAL, errno.EPERM}


def write_product(path: Path, data_dir: Path, db: sqlite3.Connection, table: str,
                  order: tuple[str, ...], header: str, changes: Changes | None = None,
                  recorded: str = "", *, sync: bool = False) -> tuple[str, str]:
    """(temporary file beside `path`, its sha256): `header` then the `line` of every row of
    `table` in `order` (columns that make a unique key; the table has `nbytes`, the UTF-8
    length of `line`, and an index on `order` + nbytes).

    When the file at `path` has the digest `recorded` (what the store recorded writing)
    and `changes` are the only lines that differ, it is spliced: the unchanged byte ranges
    are copied in the kernel (os.copy_file_range) and only the changed lines written, the
    ranges found by summing `nbytes` between the changed rows in SQL. The previous file
    must hold the lines the table says where the sums place the changes, or the whole
    file is written from the table as before."""
    path.parent.mkdir(parents=True, exist_ok=True)
    handle, temp_name = tempfile.mkstemp(prefix=f".{path.name}.", suffix=".tmp", dir=path.parent)
    try:
        try:
            spliced = (SPLICE and bool(changes) and bool(recorded)
                       and remembered_digest(path, data_dir) == recorded
                       and _spliced(path, handle, db, table, order, header, changes or {}))
            if not spliced:
                os.ftruncate(handle, 0)
                os.lseek(handle, 0, os.SEEK_SET)
                digest = hashlib.sha256()
                lines = (line for (line,) in db.execute(
                    f"SELECT line FROM {table} ORDER BY {', '.join(order)}"))
                with os.fdopen(handle, "wb", closefd=False) as temp:
                    for chunk in _chunks(lines, first=header):
                        digest.update(chunk)
                        temp.write(chunk)
                if sync:
                    os.fsync(handle)
            else:
                # The spliced file's digest, read back while the kernel writes it to disk.
                with ThreadPoolExecutor(1) as background:
                    synced = background.submit(os.fsync, handle) if sync else None
                    with open(temp_name, "rb") as written:
                        digest = hashlib.file_digest(written, "sha256")
                    if synced is not None:
                        synced.result()
        finally:
            os.close(handle)
    except BaseException:
        Path(temp_name).unlink(missing_ok=True)
        raise
    product_writes[(path.name, "spliced" if spliced else "written")] += 1
    return temp_name, digest.hexdigest()


class _NotAsRecorded(Exception):
    """The previous file does not hold the lines where the stored lengths place them."""


def _spliced(path: Path, out: int, db: sqlite3.Connection, table: str,
             order: tuple[str, ...], header: str, changes: Changes) -> bool:
    """Write the file at `path` with `changes` to the descriptor `out`; False (`out` partly
    written) when the file does not hold the old lines where the table places them.

    The place of the first change is the header's length plus the sum of `nbytes` before
    it, then each next one is the sum between the two (over the covering index, in C); the
    rest of the file is copied to its end. Every place is checked in the old file: a
    changed or removed row's old line must be there, and where a new row goes in before
    unchanged rows (or at the end), the line of the row after it (or the end)."""
    columns, marks = ", ".join(order), ", ".join("?" * len(order))
    after_key, before_key = f"({columns}) > ({marks})", f"({columns}) < ({marks})"

    def span(where: str, *values: str) -> int:
        """The bytes of the (unchanged) rows in a range of keys."""
        return db.execute(f"SELECT coalesce(sum(nbytes), 0) FROM {table} WHERE {where}",
                          values).fetchone()[0]

    keys = sorted(changes)
    try:
        old = os.open(path, os.O_RDONLY)
    except FileNotFoundError:
        return False
    try:
        size = os.fstat(old).st_size
        first = header.encode("utf-8")
        if os.pread(old, len(first), 0) != first:
            raise _NotAsRecorded
        position, length = 0, len(first) + span(before_key, *keys[0])
        for index, key in enumerate(keys):
            _copy(old, out, position, length)
            position += length
            before, after = changes[key]
            if before is not None:
                line = before.encode("utf-8")
                if os.pread(old, len(line), position) != line:
                    raise _NotAsRecorded
                position += len(line)
            if after is not None:
                _write_all(out, after.encode("utf-8"))
            last = index + 1 == len(keys)
            length = (size - position if last
                      else span(f"{after_key} AND {before_key}", *key, *keys[index + 1]))
            if before is None and (length or last):
                found = db.execute(f"SELECT line FROM {table} WHERE {after_key} "
                                   f"ORDER BY {columns} LIMIT 1", key).fetchone()
                following = found[0].encode("utf-8") if found else b""
                if os.pread(old, len(following), position) != following or (
                        not found and length):
                    raise _NotAsRecorded
        _copy(old, out, position, length)
        return True
    except _NotAsRecorded:
        return False
    finally:
        os.close(old)


def _copy(source: int, target: int, offset: int, count: int) -> None:
    """`count` bytes of `source` from `offset` appended to `target`: in the kernel where it
    can, else through a buffer."""
    global _kernel_copy
    while count > 0:
        if _kernel_copy:
            try:
                done = os.copy_file_range(source, target, count, offset)
            except OSError as error:
                if error.errno not in _NO_KERNEL_COPY:
                    raise
                _kernel_copy = False  # not on this system or file system
                continue
        else:
            block = os.pread(source, min(count, 1 << 20), offset)
            _write_all(target, block)
            done = len(block)
        if done == 0:
            raise _NotAsRecorded  # the file ends before the stored lengths say
        offset += done
        count -= done


def _write_all(target: int, payload: bytes) -> None:
    view = memoryview(payload)
    while view:
        view = view[os.write(target, view):]


def _nbytes(line: str) -> int:
    return len(line.encode("utf-8"))


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


def _record(cells: list[str]) -> tuple:
    line = format_row(cells)
    return (*sort_key(cells), cells[_INDEX["location_id"]], cells[_INDEX["source_id"]],
            cells[_INDEX["snapshot_sha256"]], cells[_INDEX["status"]], line, _nbytes(line))


def connect_store(path: Path, schema: str, layout: str, *, rebuilt_from: str,
                  progress: Callable[[str], None] = lambda message: None) -> sqlite3.Connection:
    """A connection to a SQLite store at `path` with `schema` in `layout`. Any other file
    there (damaged, not SQLite, another layout) is removed and a new store made: each store
    here can be rebuilt (`rebuilt_from` says from what). Raises OSError when it cannot."""
    for attempt in (1, 2):
        connection = sqlite3.connect(path, isolation_level="DEFERRED")
        try:
            tables = {name for (name,) in connection.execute(
                "SELECT name FROM sqlite_master WHERE type = 'table'")}
            if not tables:
                connection.executescript(schema)
                with connection:
                    connection.execute("INSERT INTO meta VALUES ('layout', ?)", (layout,))
                return connection
            found = connection.execute("SELECT value FROM meta WHERE key = 'layout'").fetchone()
            if found and found[0] == layout:
                return connection
            reason = "of another layout"
        except sqlite3.DatabaseError as error:
            reason = f"unreadable ({error})"
        connection.close()
        if attempt == 2:
            break
        progress(f"    {path} is {reason}: it is rebuilt from {rebuilt_from}")
        for suffix in ("", "-journal", "-wal", "-shm"):
            Path(f"{path}{suffix}").unlink(missing_ok=True)
    raise OSError(f"{path}: cannot create the store")
