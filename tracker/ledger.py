"""The processed tables (pandas): the claims ledger, deterministic CSV, merging.

Same inputs give byte-identical files: fixed columns, fixed row order, numbers in their
shortest form, '\\n' line ends.
"""

from __future__ import annotations

import re
from pathlib import Path
from typing import TYPE_CHECKING, Iterable

import pandas as pd

from tracker.csvfile import TableError, format_csv
from tracker.ledger_file import (
    LedgerError,
    LedgerFile,
    check_ledger_bytes,
    ledger_row_problems,
    load_ledger_file,
    parse_ledger,
)
from tracker.model import CLAIM_COLUMNS
from tracker.schemas import normalise_claims_frame, split_valid
from tracker.store import StoreError, write_if_changed

if TYPE_CHECKING:
    from tracker.history import HistoryPlan, Reading

def format_number(value: float) -> str:
    """Shortest text that reads back as the same float; whole numbers without '.0'."""
    if value != value:
        return ""
    if float(value).is_integer() and abs(value) < 1e15:
        return str(int(value))
    return repr(float(value))


def frame_cells(frame: pd.DataFrame, columns: Iterable[str]) -> list[list[str]]:
    """Every row of `frame` as the text cells the CSV file holds."""
    columns = list(columns)
    return [[_cell(value) for value in row]
            for row in frame.reindex(columns=columns).itertuples(index=False, name=None)]


def frame_to_csv_bytes(frame: pd.DataFrame, columns: Iterable[str]) -> bytes:
    """Deterministic CSV: fixed columns, '\\n' line ends, numbers in shortest form, and
    every cell with a control character quoted (see tracker/csvfile.py)."""
    columns = list(columns)
    return format_csv(columns, frame_cells(frame, columns))


def _cell(value: object) -> str:
    if value is None or value is pd.NA:
        return ""
    if isinstance(value, float):
        return format_number(value)
    return str(value)


def read_table(path: Path) -> pd.DataFrame:
    """Read a processed table as text (no type guessing); missing cells are ''."""
    try:
        return pd.read_csv(path, dtype=str, keep_default_na=False, na_values=[], encoding="utf-8")
    except (OSError, ValueError, pd.errors.ParserError) as error:
        raise StoreError(f"{path}: cannot read table: {error}") from None


def read_claims(path: Path) -> pd.DataFrame:
    """The ledger with storage types, checked as it is read; a missing file is empty.

    Raises LedgerError (a StoreError) naming the line and column of a damaged cell or of a
    row that breaks the schema: nothing is coerced or dropped on the way in."""
    return claims_frame(load_ledger_file(path))


def claims_frame(ledger: LedgerFile) -> pd.DataFrame:
    """A checked ledger file as a typed frame; rows breaking the schema are refused."""
    raw = pd.DataFrame(ledger.rows, columns=list(CLAIM_COLUMNS), dtype="object")
    frame = normalise_claims_frame(raw)
    _, rejected = split_valid(frame)
    if not rejected.empty:
        first = int(rejected.index[0])
        more = f" (and {len(rejected) - 1} more row(s))" if len(rejected) > 1 else ""
        raise LedgerError(ledger.path, f"claim {rejected['claim_id'].iloc[0]} breaks the schema: "
                          f"{rejected['reason'].iloc[0]}{more}; see `tracker repair --help`",
                          first + 2)
    return frame


def stored_claims_frame(ledger: LedgerFile) -> pd.DataFrame:
    """The rows of the ledger's store as a typed frame. They were checked, against the
    schema too, before they were stored (tracker/ledger_store.py), so only typed here."""
    return normalise_claims_frame(pd.DataFrame(ledger.rows, columns=list(CLAIM_COLUMNS),
                                               dtype="object"))


def audit_ledger(path: Path) -> tuple[int | None, list[str], bool]:
    """The number of rows and every problem of the ledger at `path`, one line each
    ('file:line, column c: ...'), and whether it is in an older layout (see
    tracker/ledger_file.py); the count is None when the file cannot be parsed.

    Unlike read_claims, which stops at the first damage, this lists them all: what
    `tracker validate` prints. A file that cannot be parsed at all gives one line."""
    try:
        rows, older = parse_ledger(Path(path).read_bytes(), Path(path))
    except FileNotFoundError:
        return 0, [], False
    except OSError as error:
        return None, [f"{path}: cannot read: {error.strerror}"], False
    except TableError as error:
        return None, [str(error)], False
    found = [str(TableError(Path(path), message, line, column))
             for line, column, message in ledger_row_problems(rows)]
    frame = normalise_claims_frame(pd.DataFrame(rows, columns=list(CLAIM_COLUMNS), dtype="object"))
    _, rejected = split_valid(frame)
    for index, row in rejected.iterrows():
        found.append(str(TableError(Path(path), f"claim {row['claim_id']}: {row['reason']}",
                                    int(index) + 2)))
    return len(rows), sorted(found, key=problem_line), older


def problem_line(message: str) -> int:
    """The line number a problem message names (0 for the whole file)."""
    match = re.search(r":(\d+)(?:, column [^:]+)?: ", message)
    return int(match.group(1)) if match else 0


def sort_claims(frame: pd.DataFrame) -> pd.DataFrame:
    """The ledger's row order: by conflict, metric, time, attribution, then id."""
    if frame.empty:
        return frame.reset_index(drop=True)
    time_key = frame["period_end"].fillna(frame["as_of"]).fillna("")
    keyed = frame.assign(_time=time_key)
    keyed = keyed.sort_values(
        ["conflict", "metric", "_time", "attribution", "claim_id"], kind="mergesort"
    )
    return keyed.drop(columns="_time").reset_index(drop=True)


def frame_readings(frame: pd.DataFrame) -> list["Reading"]:
    """The readings of a normalised claims frame (tracker/history.py)."""
    from tracker.history import Reading

    return [Reading(*values) for values in
            zip(frame["claim_id"], frame["location_id"], frame["source_id"])]


def apply_history(existing: pd.DataFrame, new: pd.DataFrame, plan: "HistoryPlan",
                  now: str) -> pd.DataFrame:
    """The ledger after storing `new` as `plan` says: the readings new to it appended as
    active, the stored rows whose status changes updated (`status_at` = `now`), every
    other row as it was. Nothing is removed."""
    updates = plan.status_updates()
    merged = existing.copy()
    if updates:
        changing = merged["claim_id"].isin(list(updates))
        for position in merged.index[changing]:
            status, by = updates[merged.at[position, "claim_id"]]
            merged.at[position, "status"] = status
            merged.at[position, "superseded_by"] = by
            merged.at[position, "status_at"] = now
    added = new[new["claim_id"].isin(plan.added)].drop_duplicates(subset="claim_id", keep="first")
    if not added.empty:
        added = added.assign(status="active", superseded_by="", status_at=now, recorded_at=now)
        merged = pd.concat([merged, added], ignore_index=True) if not merged.empty else added
    return sort_claims(normalise_claims_frame(merged))


def added_rows(new: pd.DataFrame, plan: "HistoryPlan", now: str) -> list[list[str]]:
    """The cells of the readings of `new` (valid claims) that `plan` adds to the ledger, as
    apply_history stores them: active, recorded and given their status at `now`."""
    added = new[new["claim_id"].isin(plan.added)].drop_duplicates(subset="claim_id", keep="first")
    if added.empty:
        return []
    added = added.assign(status="active", superseded_by="", status_at=now, recorded_at=now)
    return frame_cells(normalise_claims_frame(added), CLAIM_COLUMNS)


def write_claims(path: Path, frame: pd.DataFrame) -> bool:
    """Atomically write the ledger; return True when the bytes changed.

    An invalid frame is never written, and the bytes are read back and compared with the
    frame before they replace the old file: a cell that would not survive the round trip
    stops the write instead of damaging the ledger."""
    frame = sort_claims(normalise_claims_frame(frame))
    _, rejected = split_valid(frame)
    if not rejected.empty:
        raise LedgerError(Path(path), f"refusing to write claim {rejected['claim_id'].iloc[0]}: "
                          f"{rejected['reason'].iloc[0]}")
    cells = frame_cells(frame, CLAIM_COLUMNS)
    payload = format_csv(CLAIM_COLUMNS, cells)
    try:
        same = check_ledger_bytes(payload, Path(path)).rows == cells
    except LedgerError as error:
        raise LedgerError(Path(path), f"refusing to write the ledger: {error.message}",
                          error.line, error.column) from None
    if not same:
        raise LedgerError(Path(path), "refusing to write: the ledger would not read back as written")
    return write_if_changed(path, payload)
