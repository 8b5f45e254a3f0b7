"""`tracker repair`: rebuild a damaged ledger from what can be trusted.

A damaged ledger (cut short, re-saved by a spreadsheet, edited by hand) is never read by
the job, which stops with the line and column of the damage. Repair keeps the rows that
pass every check, sets the damaged file aside in data/state/damaged/ (so that nothing is
lost), and then runs the ingest job in its re-deriving mode: every source is read again
and every document kept in data/raw is extracted again, so each figure that came from a
source is stored anew. Rows that neither survive nor come back are listed by line.
"""

from __future__ import annotations

import csv
import hashlib
import io
from dataclasses import dataclass, field
from datetime import datetime
from pathlib import Path
from typing import Callable, Iterator

from tracker.config import Config
from tracker.csvfile import lifted_field_limit
from tracker.ledger_file import ADDED_COLUMNS, LedgerError, load_ledger_file, row_problems
from tracker.model import CLAIM_COLUMNS
from tracker.pipeline import DerivedState, IngestResult, processed_dir, run_ingest
from tracker.store import JobLock, atomic_write_bytes


@dataclass
class RepairResult:
    damage: str = ""  # the first problem found; '' when the ledger was sound
    kept: int = 0
    dropped_lines: list[int] = field(default_factory=list)
    dropped_ids: set[str] = field(default_factory=set)
    set_aside: Path | None = None
    ingest: IngestResult | None = None
    lost_ids: list[str] = field(default_factory=list)  # dropped and not rebuilt

    @property
    def exit_code(self) -> int:
        if self.ingest is None:
            return 0
        return 1 if self.lost_ids or self.ingest.exit_code else 0


def repair(config: Config, data_dir: Path, now: datetime,
           progress: Callable[[str], None] = lambda message: None) -> RepairResult:
    """Salvage the sound rows of a damaged ledger, then re-derive everything else."""
    import pandas as pd

    from tracker.ledger import write_claims
    from tracker.schemas import split_valid

    data_dir = Path(data_dir)
    path = processed_dir(data_dir) / "claims.csv"
    result = RepairResult()
    with JobLock(data_dir):
        try:
            from tracker.ledger import read_claims

            read_claims(path)
        except LedgerError as damage:
            result.damage = str(damage)
        if not result.damage:
            return result
        payload = path.read_bytes()
        kept, result.dropped_lines = salvage_rows(payload)
        frame = pd.DataFrame([cells for _, cells in kept], columns=list(CLAIM_COLUMNS), dtype="object")
        good, bad = split_valid(frame)
        result.dropped_lines = sorted(result.dropped_lines + [kept[int(i)][0] for i in bad.index])
        result.dropped_ids = _readable_ids(payload) - set(good["claim_id"])
        result.kept = len(good)
        digest = hashlib.sha256(payload).hexdigest()[:12]
        result.set_aside = data_dir / "state" / "damaged" / f"claims-{now:%Y%m%dT%H%M%SZ}-{digest}.csv"
        atomic_write_bytes(result.set_aside, payload)
        progress(f"repair: the damaged ledger is kept as {result.set_aside}")
        write_claims(path, good)
        DerivedState().write(data_dir)  # nothing derived is trusted: re-read everything
    progress(f"repair: {result.kept} sound row(s) kept, {len(result.dropped_lines)} dropped; "
             "reading every source and stored document again")
    result.ingest = run_ingest(config, data_dir, now, progress=progress)
    stored = load_ledger_file(path).claim_ids
    result.lost_ids = sorted(result.dropped_ids - stored)
    return result


def salvage_rows(payload: bytes) -> tuple[list[tuple[int, list[str]]], list[int]]:
    """(line, cells in ledger column order) of each row of a damaged ledger that passes
    every cell check, and the line numbers of those that do not.

    Columns are matched by name, so a ledger with columns added, dropped or reordered
    still gives up its sound rows; the first of two columns with one name is used."""
    kept, dropped = [], []
    seen: set[str] = set()
    for line, cells in rows_lines(payload):
        if cells is None or row_problems(cells) or cells[0] in seen:
            dropped.append(line)
            continue
        seen.add(cells[0])
        kept.append((line, cells))
    return kept, dropped


def rows_lines(payload: bytes) -> list[tuple[int, list[str] | None]]:
    """(line, cells in ledger order) per data row; cells is None when the row is unusable
    (wrong number of fields, a column missing, or cut short at the end of the file)."""
    text = payload.decode("utf-8", errors="replace")
    reader = csv.reader(io.StringIO(text, newline=""))
    try:
        header = next(reader)
    except (StopIteration, csv.Error):
        return []
    position = {}
    for index, name in enumerate(header):
        position.setdefault(name.strip(), index)
    complete = text.endswith("\n")
    with lifted_field_limit():
        found = list(_cells_by_line(reader, len(header), position))
    if found and not complete:
        found[-1] = (found[-1][0], None)  # a last line without its end may be cut short
    return found


def _cells_by_line(reader, width: int, position: dict[str, int]) -> Iterator[tuple[int, list[str] | None]]:
    """(line, cells in ledger order or None) per row, up to the first row csv cannot parse.

    A column added since an older layout (ADDED_COLUMNS) may be missing: it reads empty."""
    while True:
        try:
            row = next(reader)
        except StopIteration:
            return
        except csv.Error:
            yield reader.line_num, None
            return
        usable = len(row) == width and all(name in position or name in ADDED_COLUMNS
                                           for name in CLAIM_COLUMNS)
        yield reader.line_num, ([row[position[name]] if name in position else ""
                                 for name in CLAIM_COLUMNS] if usable else None)


def _readable_ids(payload: bytes) -> set[str]:
    """Every claim id that can still be read in the first field of a line."""
    ids = set()
    for line in payload.decode("utf-8", errors="replace").splitlines()[1:]:
        head = line.split(",", 1)[0]
        if len(head) == 16 and all(c in "0123456789abcdef" for c in head):
            ids.add(head)
    return ids
