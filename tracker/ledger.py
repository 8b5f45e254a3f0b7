"""The processed tables (pandas): the claims ledger, deterministic CSV, merging.

Same inputs give byte-identical files: fixed columns, fixed row order, numbers in their
shortest form, '\\n' line ends.
"""

from __future__ import annotations

import csv
import io
from pathlib import Path
from typing import Iterable

import pandas as pd

from tracker.model import CLAIM_COLUMNS
from tracker.schemas import normalise_claims_frame
from tracker.store import StoreError, write_if_changed

def _format_float(value: float) -> str:
    """Shortest text that reads back as the same float; whole numbers without '.0'."""
    if value != value:
        return ""
    if float(value).is_integer() and abs(value) < 1e15:
        return str(int(value))
    return repr(float(value))


def frame_to_csv_bytes(frame: pd.DataFrame, columns: Iterable[str]) -> bytes:
    """Deterministic CSV: fixed columns, '\\n' line ends, numbers in shortest form."""
    columns = list(columns)
    buffer = io.StringIO()
    writer = csv.writer(buffer, lineterminator="\n")
    writer.writerow(columns)
    for row in frame.reindex(columns=columns).itertuples(index=False, name=None):
        writer.writerow([_cell(value) for value in row])
    return buffer.getvalue().encode("utf-8")


def _cell(value: object) -> str:
    if value is None or value is pd.NA:
        return ""
    if isinstance(value, float):
        return _format_float(value)
    return str(value)


def read_table(path: Path) -> pd.DataFrame:
    """Read a processed table as text (no type guessing); missing cells are ''."""
    try:
        return pd.read_csv(path, dtype=str, keep_default_na=False, na_values=[], encoding="utf-8")
    except (OSError, ValueError, pd.errors.ParserError) as error:
        raise StoreError(f"{path}: cannot read table: {error}") from error


def read_claims(path: Path) -> pd.DataFrame:
    """The ledger with storage types (see schemas.normalise_claims_frame)."""
    if not path.exists():
        return normalise_claims_frame(pd.DataFrame(columns=list(CLAIM_COLUMNS)))
    raw = read_table(path)
    missing = [c for c in CLAIM_COLUMNS if c not in raw.columns]
    if missing:
        raise StoreError(f"{path}: not a claims ledger, missing columns {', '.join(missing)}")
    return normalise_claims_frame(raw)


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


def merge_claims(existing: pd.DataFrame, new: pd.DataFrame) -> pd.DataFrame:
    """Union of the stored ledger and new claims, keyed by claim_id.

    A claim already stored keeps its row (first citation wins, nothing is rewritten);
    the ledger only grows, so a bad run can never remove a figure.
    """
    both = pd.concat([existing, new], ignore_index=True) if not existing.empty else new.copy()
    both = both.drop_duplicates(subset="claim_id", keep="first")
    return sort_claims(normalise_claims_frame(both))


def write_claims(path: Path, frame: pd.DataFrame) -> bool:
    """Atomically write the ledger; return True when the bytes changed."""
    payload = frame_to_csv_bytes(sort_claims(normalise_claims_frame(frame)), CLAIM_COLUMNS)
    return write_if_changed(path, payload)
