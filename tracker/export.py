"""Analyst exports of the ledger: a spreadsheet-safe CSV with every claim column.

The CSV is meant to be opened in Excel or LibreOffice as well as read by code, so every
text cell is neutralised against formula injection (a quote that begins with "=" must not
run as a formula), while the numeric columns stay plain numbers so that a negative net
gain of -37 km² still sums in a spreadsheet.
"""

from __future__ import annotations

from pathlib import Path

import pandas as pd

from tracker.model import CLAIM_COLUMNS
from tracker.schemas import FLOAT_COLUMNS, INT_COLUMNS, normalise_claims_frame
from tracker.ledger import frame_to_csv_bytes
from tracker.store import atomic_write_bytes

CLAIMS_CSV = "claims.csv"

# Characters that make a spreadsheet read a cell as a formula (tab and carriage return
# because some spreadsheets strip them and then read what follows).
_FORMULA_TRIGGERS = ("=", "+", "-", "@", "\t", "\r")

_TEXT_COLUMNS: tuple[str, ...] = tuple(
    c for c in CLAIM_COLUMNS if c not in FLOAT_COLUMNS + INT_COLUMNS
)


def neutralise_formula(text: str) -> str:
    """Prefix an apostrophe to text a spreadsheet would run as a formula.

    >>> neutralise_formula('=HYPERLINK("http://x")')
    '\\'=HYPERLINK("http://x")'
    >>> neutralise_formula("Russia")
    'Russia'
    """
    if text.startswith(_FORMULA_TRIGGERS):
        return "'" + text
    return text


def export_claims(claims: pd.DataFrame, out_dir: Path) -> list[Path]:
    """Write `claims.csv` (all claim columns in ledger order, rows by claim_id) to `out_dir`.

    UTF-8, ISO dates as stored, numbers in shortest form; written atomically.
    Returns the paths written.
    """
    path = Path(out_dir) / CLAIMS_CSV
    frame = _spreadsheet_safe(normalise_claims_frame(claims))
    # Sorting on every column after claim_id makes the bytes independent of input order.
    frame = frame.sort_values(list(CLAIM_COLUMNS), kind="mergesort")
    atomic_write_bytes(path, frame_to_csv_bytes(frame, CLAIM_COLUMNS))
    return [path]


def _spreadsheet_safe(frame: pd.DataFrame) -> pd.DataFrame:
    """Neutralise every text cell (dates included); numeric columns are left as numbers."""
    frame = frame.copy()
    for column in _TEXT_COLUMNS:
        present = frame[column].notna()
        frame.loc[present, column] = frame.loc[present, column].map(neutralise_formula)
    return frame
