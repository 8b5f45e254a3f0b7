"""CSV text that survives a round trip, and a strict reader that names what is wrong.

No pandas here: an unchanged scheduled run checks its ledger with this module alone.

Python's csv writer quotes a cell holding the delimiter, the quote character or a
character of the line terminator ('\\n' here), but not a bare carriage return or other
control characters; readers that treat '\\r' as a line end (pandas' parser among them)
then split the row. So a cell is quoted whenever it holds any character outside plain
printable text; the output is otherwise byte-identical to csv.writer's minimal quoting.
"""

from __future__ import annotations

import csv
import io
import re
from collections.abc import Iterable, Iterator, Sequence
from contextlib import contextmanager
from pathlib import Path

from tracker.store import StoreError

# Characters that force a quoted cell: the delimiter, the quote, every C0 and C1 control
# character and DEL, and the Unicode line and paragraph separators that some tools split on.
_NEEDS_QUOTES = re.compile('[,"\x00-\x1f\x7f-\x9f\u2028\u2029]')


def format_row(cells: Sequence[str]) -> str:
    """One CSV line (with its '\\n'), quoting each cell that needs it."""
    parts = []
    for cell in cells:
        if _NEEDS_QUOTES.search(cell):
            parts.append('"' + cell.replace('"', '""') + '"')
        else:
            parts.append(cell)
    if len(parts) == 1 and parts[0] == "":
        parts[0] = '""'  # a lone empty cell would read back as a blank line
    return ",".join(parts) + "\n"


def format_csv(header: Sequence[str], rows: Iterable[Sequence[str]]) -> bytes:
    """A whole CSV file as UTF-8 bytes: header, then one line per row."""
    lines = [format_row(header)]
    lines.extend(format_row(row) for row in rows)
    return "".join(lines).encode("utf-8")


class TableError(StoreError):
    """A stored table is damaged; the message starts 'file:line, column c:'."""

    def __init__(self, path: Path, message: str, line: int | None = None, column: str = "") -> None:
        self.path, self.message, self.line, self.column = Path(path), message, line, column
        where = str(self.path)
        if line is not None:
            where += f":{line}"
        if column:
            where += f", column {column}"
        super().__init__(f"{where}: {message}")


def read_rows(path: Path, expected_header: Sequence[str],
              older_headers: Sequence[Sequence[str]] = ()) -> list[list[str]]:
    """Every data row of `path`, checked for structure; raises TableError.

    Refused: bytes that are not UTF-8, a last line without its line end (a truncated
    write), a header other than `expected_header` (missing, extra, repeated or reordered
    columns) or one of `older_headers`, a row with the wrong number of fields, a quote
    left open at the end. Rows under an older header come in `expected_header`'s layout.
    """
    try:
        payload = path.read_bytes()
    except OSError as error:
        raise TableError(path, f"cannot read: {error.strerror}") from None
    return parse_rows(payload, path, expected_header, older_headers)


@contextmanager
def lifted_field_limit() -> Iterator[None]:
    """csv's 128 KiB cap on a field, lifted while a stored table is read (its fields are
    bounded by the file itself, so a long quote reads) and restored for other readers."""
    previous = csv.field_size_limit(2**31 - 1)
    try:
        yield
    finally:
        csv.field_size_limit(previous)


def parse_rows(payload: bytes, path: Path, expected_header: Sequence[str],
               older_headers: Sequence[Sequence[str]] = ()) -> list[list[str]]:
    """The checks of `read_rows` on bytes already read (`path` only names them)."""
    return parse_table(payload, path, expected_header, older_headers)[1]


def parse_table(payload: bytes, path: Path, expected_header: Sequence[str],
                older_headers: Sequence[Sequence[str]] = ()) -> tuple[list[str], list[list[str]]]:
    """(header as written, rows in `expected_header`'s layout): the checks of `read_rows`.

    A header equal to one of `older_headers` (an earlier layout of the same table, named
    in full: never a guess from a partial match) is accepted, and its rows are given the
    current layout, with the columns that layout lacked left empty."""
    try:
        text = payload.decode("utf-8")
    except UnicodeDecodeError as error:
        line = payload[: error.start].count(b"\n") + 1
        raise TableError(path, f"not UTF-8 text (byte {error.start})", line) from None
    if not text:
        raise TableError(path, "empty file, expected a header row")
    if not text.endswith("\n"):
        raise TableError(path, "the last line has no line end: the file was cut short",
                         text.count("\n") + 1)
    reader = csv.reader(io.StringIO(text, newline=""), strict=True)
    try:
        with lifted_field_limit():
            header = next(reader)
            expected = list(expected_header)
            older = [list(h) for h in older_headers]
            _check_header(path, header, expected, older)
            rows = []
            for row in reader:
                if len(row) != len(header):
                    raise TableError(path, f"{len(row)} field(s), expected {len(header)}",
                                     reader.line_num)
                rows.append(row)
    except csv.Error as error:
        raise TableError(path, f"not valid CSV: {error}", reader.line_num) from None
    if header != expected:  # an older layout: checked above to be one of `older_headers`
        position = {name: index for index, name in enumerate(header)}
        places = [position.get(name) for name in expected]
        rows = [["" if place is None else row[place] for place in places] for row in rows]
    return header, rows


def header_problems(header: Sequence[str], *, required: Iterable[str] = (),
                    allowed: Iterable[str] | None = None) -> list[str]:
    """What is wrong with a CSV header: a column named twice (which one to read would be a
    guess), a required column missing, a column outside `allowed` (None allows any)."""
    repeated = sorted({name for name in header if header.count(name) > 1})
    missing = [name for name in required if name not in header]
    known = None if allowed is None else set(allowed)
    unknown = [] if known is None else [name for name in header if name not in known]
    problems = []
    if repeated:
        problems.append(f"column(s) named twice: {', '.join(repeated)}")
    if missing:
        problems.append(f"missing column(s): {', '.join(missing)}")
    if unknown:
        problems.append(f"unknown column(s): {', '.join(unknown)}")
    return problems


def _check_header(path: Path, header: list[str], expected: list[str],
                  older: Sequence[list[str]] = ()) -> None:
    if header == expected or header in older:
        return
    problems = header_problems(header, required=expected, allowed=expected) or ["columns out of order"]
    raise TableError(path, "header: " + "; ".join(problems), 1)
