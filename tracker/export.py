"""Analyst exports of the ledger: a spreadsheet-safe CSV with every claim column.

The CSV is meant to be opened in Excel or LibreOffice as well as read by code, so every
text cell is neutralised against formula injection (a quote that begins with "=" must not
run as a formula), while the numeric columns stay plain numbers so that a negative net
gain of -37 km² still sums in a spreadsheet.
"""

from __future__ import annotations

import contextlib
import csv
import dataclasses
import datetime as dt
import math
import os
import tempfile
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pandas as pd

from tracker.model import CLAIM_COLUMNS, Claim

CLAIMS_CSV = "claims.csv"

# Numeric columns are read from the Claim field types, so a new numeric field is exported
# as a number without touching this module.
NUMERIC_COLUMNS: tuple[str, ...] = tuple(
    f.name for f in dataclasses.fields(Claim) if str(f.type).split(" |")[0] in ("float", "int")
)

# Characters that make a spreadsheet read a cell as a formula (or that hide one behind
# whitespace a spreadsheet strips).
_FORMULA_TRIGGERS = ("=", "+", "-", "@", "\t", "\r")


def neutralise_formula(text: str) -> str:
    """Prefix a leading apostrophe to text a spreadsheet would run as a formula.

    >>> neutralise_formula("=HYPERLINK(\\"http://x\\")")
    '\\'=HYPERLINK("http://x")'
    >>> neutralise_formula("Russia")
    'Russia'
    """
    if text.startswith(_FORMULA_TRIGGERS):
        return "'" + text
    return text


@contextlib.contextmanager
def atomic_path(final_path: Path) -> Iterator[Path]:
    """Yield a temporary path beside `final_path`; on success move it into place atomically.

    The temporary file lives in the same directory so that os.replace is a rename on one
    file system: a reader sees the old file or the new one, never a half-written one.
    On error the temporary file is removed and the old file is left untouched.
    """
    final_path = Path(final_path)
    handle, temp_name = tempfile.mkstemp(
        dir=final_path.parent, prefix=f".{final_path.name}.", suffix=".tmp"
    )
    os.close(handle)
    temp_path = Path(temp_name)
    try:
        # mkstemp creates the file private (0600); give it the mode a plain open() would.
        os.chmod(temp_path, _file_mode(final_path))
        yield temp_path
        _fsync_file(temp_path)
        os.replace(temp_path, final_path)
    except BaseException:
        temp_path.unlink(missing_ok=True)
        raise


def _file_mode(path: Path) -> int:
    """The mode of the file being replaced, else the default for a new file (umask)."""
    if path.exists():
        return path.stat().st_mode & 0o777
    umask = os.umask(0)
    os.umask(umask)
    return 0o666 & ~umask


def _fsync_file(path: Path) -> None:
    # Flush the bytes to disk before the rename, or a power cut could leave an empty file.
    descriptor = os.open(path, os.O_RDONLY)
    try:
        os.fsync(descriptor)
    finally:
        os.close(descriptor)


def export_claims(claims: pd.DataFrame, out_dir: Path) -> list[Path]:
    """Write `claims.csv` (all claim columns, ledger order, sorted by claim_id) to `out_dir`.

    Returns the paths written.
    """
    out_dir = Path(out_dir)
    out_dir.mkdir(parents=True, exist_ok=True)
    rows = _csv_rows(claims)
    path = out_dir / CLAIMS_CSV
    with atomic_path(path) as temp_path:
        with temp_path.open("w", encoding="utf-8", newline="") as stream:
            writer = csv.writer(stream, lineterminator="\n")
            writer.writerow(CLAIM_COLUMNS)
            writer.writerows(rows)
    return [path]


def _csv_rows(claims: pd.DataFrame) -> list[list[str]]:
    """Every claim as a list of cell texts, sorted by claim_id then by the whole row."""
    frame = claims.reindex(columns=list(CLAIM_COLUMNS))
    rows = [
        [_cell_text(column, value) for column, value in zip(CLAIM_COLUMNS, record)]
        for record in frame.itertuples(index=False, name=None)
    ]
    # claim_id is the first column, so sorting whole rows orders by claim_id and breaks
    # ties deterministically whatever order the ledger came in.
    return sorted(rows)


def _cell_text(column: str, value: Any) -> str:
    if _is_missing(value):
        return ""
    if column in NUMERIC_COLUMNS:
        number = _as_number(value)
        if number is not None:
            return _number_text(number)
    return neutralise_formula(_plain_text(value))


def _is_missing(value: Any) -> bool:
    if value is None:
        return True
    try:
        return bool(pd.isna(value))
    except (TypeError, ValueError):  # lists and other containers are not "missing"
        return False


def _as_number(value: Any) -> float | None:
    if isinstance(value, bool):
        return None
    try:
        number = float(value)
    except (TypeError, ValueError):
        return None
    return number if math.isfinite(number) else None


def _number_text(number: float) -> str:
    # Whole numbers without ".0" (449 km², not 449.0); others in the shortest exact form.
    if number.is_integer() and abs(number) < 1e15:
        return str(int(number))
    return repr(number)


def _plain_text(value: Any) -> str:
    if isinstance(value, pd.Timestamp):
        value = value.to_pydatetime()
    if isinstance(value, dt.datetime):
        return value.isoformat()
    if isinstance(value, dt.date):
        return value.isoformat()
    return str(value)
