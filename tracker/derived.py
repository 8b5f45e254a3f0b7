"""Observations and checks kept up to date row by row, in step with the ledger's store.

A full rebuild groups every figure and reconciles every cited one: seconds at 200,000
claims, for a run that adds a few. Here the derived tables live in SQLite
(`data/state/derived.sqlite`: operational state, rebuilt from the ledger whenever it is
lost or out of step), with the charted rows of the current view (tracker/view.py) indexed
by what observations and checks depend on:

- an observation depends only on the charted rows of its series and period slot
  (tracker/observations.py `slot_keys`): a run recomputes the slots its changed rows were
  or are in;
- a check depends on the computed figures and cited stocks and gains of the same actor
  near its date (tracker/checks.py `affected_check_claims`): a run loads the charted rows
  of the changed rows' actors over a window of dates wide enough for every rule (padded
  by a month and stretched to each stock series' neighbouring dates), finds the checks
  that may change there and recomputes only those.

observations.csv and checks.csv are then written from the tables in order, byte for byte
what a full rebuild writes (tests/test_derived_incremental.py compares them over random
runs): spliced from the previous file when it is the one the store recorded writing (the
changed rows' lines written, the rest copied: tracker/ledger_store.py `write_product`). A
review log that changed, derived tables changed or lost on disk, or a store built for
another ledger means a full rebuild, as before.
"""

from __future__ import annotations

import csv
import hashlib
import io
import os
import sqlite3
from collections.abc import Iterable
from datetime import date, timedelta
from pathlib import Path

import pandas as pd

from tracker.checks import (
    CHECK_COLUMNS,
    affected_check_claims,
    build_checks,
    build_checks_for,
)
from tracker.csvfile import format_row, lifted_field_limit
from tracker.ledger import frame_cells
from tracker.ledger_store import Changes, connect_store, sort_key, write_product
from tracker.observations import (
    OBSERVATION_COLUMNS,
    OBSERVATIONS_CSV,
    build_observations,
    claim_observation_ids,
    slot_keys,
)
from tracker.schemas import CheckSchema, ObservationSchema, normalise_claims_frame
from tracker.store import remember_digest, remembered_digest
from tracker.view import REVIEW_COLUMNS, VIEW_COLUMNS

DERIVED_NAME = "derived.sqlite"
CHECKS_CSV = "checks.csv"
LAYOUT = "2"

# How far (days) a change reaches beyond its own dates: a stock is compared with computed
# figures within checks.STOCK_WINDOW_DAYS, a flow with those of its month.
_PAD_DAYS = 35

_SCHEMA = """
CREATE TABLE charted (
    claim_id TEXT PRIMARY KEY,
    ledger_order TEXT NOT NULL,
    key_actor TEXT NOT NULL,
    day TEXT NOT NULL,
    stock_series TEXT NOT NULL,
    slot TEXT NOT NULL,
    location_id TEXT NOT NULL,
    line TEXT NOT NULL
);
CREATE INDEX charted_by_actor_day ON charted (key_actor, day);
CREATE INDEX charted_by_series ON charted (key_actor, stock_series, day);
CREATE INDEX charted_by_slot ON charted (slot);
CREATE INDEX charted_by_order ON charted (ledger_order);
CREATE TABLE observations (
    observation_id TEXT PRIMARY KEY,
    slot TEXT NOT NULL,
    conflict TEXT NOT NULL, metric TEXT NOT NULL, actor TEXT NOT NULL,
    territory TEXT NOT NULL, attribution TEXT NOT NULL, time_key TEXT NOT NULL,
    start_key TEXT NOT NULL, first_published_at TEXT NOT NULL,
    line TEXT NOT NULL,
    nbytes INTEGER NOT NULL
);
CREATE INDEX observations_by_slot ON observations (slot);
CREATE INDEX observations_in_order ON observations (conflict, metric, actor, territory,
    attribution, time_key, start_key, first_published_at, observation_id, nbytes);
CREATE TABLE checks (
    claim_id TEXT PRIMARY KEY,
    metric TEXT NOT NULL,
    time TEXT NOT NULL,
    line TEXT NOT NULL,
    nbytes INTEGER NOT NULL
);
CREATE INDEX checks_in_order ON checks (metric, time, claim_id, nbytes);
CREATE TABLE meta (key TEXT PRIMARY KEY, value TEXT NOT NULL);
"""

# Each file's rows in order (a unique key), and the UTF-8 length of each line (`nbytes`),
# which places a row in the file: the files are spliced (tracker/ledger_store.py).
_PRODUCTS = {
    OBSERVATIONS_CSV: ("observations", ("conflict", "metric", "actor", "territory", "attribution",
                                        "time_key", "start_key", "first_published_at",
                                        "observation_id"), format_row(OBSERVATION_COLUMNS)),
    CHECKS_CSV: ("checks", ("metric", "time", "claim_id"), format_row(CHECK_COLUMNS)),
}

_ORDER_SEPARATOR = "\x1f"  # ledger cells never hold control characters (model.clean_text)


class DerivedStore:
    """data/state/derived.sqlite: open it under the job lock."""

    def __init__(self, data_dir: Path, connection: sqlite3.Connection) -> None:
        self.data_dir = Path(data_dir)
        self._db = connection

    @classmethod
    def open(cls, data_dir: Path) -> "DerivedStore":
        path = Path(data_dir) / "state" / DERIVED_NAME
        path.parent.mkdir(parents=True, exist_ok=True)
        return cls(data_dir, connect_store(path, _SCHEMA, LAYOUT, rebuilt_from="the ledger"))

    def close(self) -> None:
        self._db.close()

    def __enter__(self) -> "DerivedStore":
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()

    def built_for(self) -> tuple[str, str, str, str]:
        """(ledger digest, review log digest, tolerance, code digest) the tables were last
        built for: derived tables record what they were built from."""
        values = dict(self._db.execute("SELECT key, value FROM meta").fetchall())
        return (values.get("ledger_sha256", ""), values.get("reviews_sha256", ""),
                values.get("tolerance_pct", ""), values.get("code_sha256", ""))

    # -- full rebuild --------------------------------------------------------------------

    def rebuild(self, view: pd.DataFrame, ledger_order: list[str], *, ledger_sha256: str,
                reviews_sha256: str, tolerance_pct: float) -> None:
        """Every table from the charted rows `view` (ledger order: `ledger_order`, their
        places in claims.csv), then observations.csv and checks.csv."""
        observations = build_observations(view)
        ObservationSchema.validate(observations, lazy=True)
        checks = build_checks(view, tolerance_pct)
        CheckSchema.validate(checks, lazy=True)
        written: list[tuple[Path, str, str]] = []
        try:
            with self._db:
                for table in ("charted", "observations", "checks"):
                    self._db.execute(f"DELETE FROM {table}")
                self._insert_charted(view, ledger_order)
                self._insert_observations(observations, _observation_slots(view, observations))
                self._insert_checks(checks)
                self._set_meta(ledger_sha256, reviews_sha256, tolerance_pct)
                self._write_files({OBSERVATIONS_CSV: None, CHECKS_CSV: None}, written)
            self._install(written)
        except BaseException:
            for _, temp_name, _ in written:
                Path(temp_name).unlink(missing_ok=True)
            raise

    # -- incremental update --------------------------------------------------------------

    def update(self, after: pd.DataFrame, after_order: list[str], gone: Iterable[str], *,
               ledger_sha256: str, reviews_sha256: str, tolerance_pct: float) -> None:
        """Bring the tables in step with a ledger change: `after` holds the charted rows
        (current view) of the readings the change touched that are charted now, with their
        places in claims.csv; `gone` the claim ids of touched readings no longer charted."""
        gone = set(gone) - set(after["claim_id"])
        touched = set(gone) | set(after["claim_id"])
        before = self._charted_rows(touched)
        changed = pd.concat([before, after], ignore_index=True) if len(before) else after
        slots = set(slot_keys(changed)) if len(changed) else set()
        written: list[tuple[Path, str, str]] = []
        try:
            with self._db:
                self._db.executemany("DELETE FROM charted WHERE claim_id = ?",
                                     ((claim,) for claim in touched))
                self._insert_charted(after, after_order)
                # Observations: every slot a changed row was or is in, rebuilt from its rows.
                in_slots = self._charted_where("slot", slots)
                fresh = build_observations(in_slots if len(in_slots) else after.iloc[0:0])
                ObservationSchema.validate(fresh, lazy=True)
                old_observations = self._lines_where(OBSERVATIONS_CSV, "slot", slots)
                self._db.executemany("DELETE FROM observations WHERE slot = ?",
                                     ((slot,) for slot in slots))
                new_observations = self._insert_observations(
                    fresh, _observation_slots(in_slots, fresh))
                # Checks: the ones the change may affect, in a window that holds all they need.
                nearby = self._neighbourhood(changed)
                affected = affected_check_claims(changed, nearby) if len(changed) else set()
                affected = (affected & set(nearby["claim_id"])) if len(nearby) else set()
                recomputed = build_checks_for(nearby, affected, tolerance_pct) if affected else None
                old_checks = self._lines_where(CHECKS_CSV, "claim_id", affected | touched)
                self._db.executemany("DELETE FROM checks WHERE claim_id = ?",
                                     ((claim,) for claim in affected | touched))
                new_checks = {}
                if recomputed is not None and len(recomputed):
                    CheckSchema.validate(recomputed, lazy=True)
                    new_checks = self._insert_checks(recomputed)
                self._set_meta(ledger_sha256, reviews_sha256, tolerance_pct)
                # A file is written again only when rows of its table changed: spliced from
                # the one in place, the lines of those rows written.
                changes = {OBSERVATIONS_CSV: _changes(old_observations, new_observations),
                           CHECKS_CSV: _changes(old_checks, new_checks)}
                self._write_files({name: lines for name, lines in changes.items() if lines},
                                  written)
            self._install(written)
        except BaseException:
            for _, temp_name, _ in written:
                Path(temp_name).unlink(missing_ok=True)
            raise

    def _lines_where(self, name: str, column: str,
                     values: Iterable[str]) -> dict[tuple[str, ...], str]:
        """The rows of the table behind the file `name` whose `column` is one of `values`:
        place in the file (order columns) -> line."""
        table, order, _ = _PRODUCTS[name]
        found = {}
        for value in set(values):
            for row in self._db.execute(
                    f"SELECT {', '.join(order)}, line FROM {table} WHERE {column} = ?", (value,)):
                found[row[:-1]] = row[-1]
        return found

    def _neighbourhood(self, changed: pd.DataFrame) -> pd.DataFrame:
        """The charted rows of the changed rows' actors over a window of dates that holds
        every row a changed check, or a check a change affects, is computed from."""
        if changed.empty:
            return changed
        actors = sorted(set(_key(changed["actor"])))
        days = [d for column in ("as_of", "period_start", "period_end")
                for d in (_day(v) for v in changed[column]) if d is not None]
        if not days:
            return changed.iloc[0:0]
        low, high = min(days) - timedelta(days=_PAD_DAYS), max(days) + timedelta(days=_PAD_DAYS)
        # A stock is compared with the one before it in its series, and a change can reach
        # the next one: stretch the window to both, series by series.
        for actor in actors:
            for series in self._distinct_series(actor):
                earlier = self._db.execute(
                    "SELECT max(day) FROM charted WHERE key_actor = ? AND stock_series = ? "
                    "AND day < ?", (actor, series, low.isoformat())).fetchone()[0]
                later = self._db.execute(
                    "SELECT min(day) FROM charted WHERE key_actor = ? AND stock_series = ? "
                    "AND day > ?", (actor, series, high.isoformat())).fetchone()[0]
                if earlier and _day(earlier) is not None:
                    low = min(low, _day(earlier))
                if later and _day(later) is not None:
                    high = max(high, _day(later))
        high += timedelta(days=_PAD_DAYS)
        lines = []
        for actor in actors:
            lines.extend(self._db.execute(
                "SELECT ledger_order, line FROM charted WHERE key_actor = ? AND day BETWEEN ? "
                "AND ?", (actor, low.isoformat(), high.isoformat())).fetchall())
        lines.sort()
        return view_frame(line for _, line in lines)

    def _distinct_series(self, actor: str) -> list[str]:
        """The stock series of `actor`, found through the index one value at a time."""
        found = []
        query = ("SELECT min(stock_series) FROM charted WHERE key_actor = ? AND stock_series > ?")
        current = self._db.execute(query, (actor, "")).fetchone()[0]
        while current is not None:
            found.append(current)
            current = self._db.execute(query, (actor, current)).fetchone()[0]
        return found

    def _charted_rows(self, claim_ids: set[str]) -> pd.DataFrame:
        return self._charted_where("claim_id", claim_ids)

    def _charted_where(self, column: str, values: Iterable[str]) -> pd.DataFrame:
        found = []
        for value in set(values):
            found.extend(self._db.execute(
                f"SELECT ledger_order, line FROM charted WHERE {column} = ?", (value,)).fetchall())
        found.sort()
        return view_frame(line for _, line in found)

    # -- tables and files ----------------------------------------------------------------

    def _insert_charted(self, view: pd.DataFrame, ledger_order: list[str]) -> None:
        if view.empty:
            return
        slots = slot_keys(view)
        actors = _key(view["actor"])
        territories = _key(view["territory"])
        records = []
        for cells, order, slot, actor, territory in zip(
                frame_cells(view, VIEW_COLUMNS), ledger_order, slots, actors, territories):
            row = dict(zip(VIEW_COLUMNS, cells))
            day = row["as_of"] or row["period_end"]
            series = (f"{row['metric']}{_ORDER_SEPARATOR}{territory}{_ORDER_SEPARATOR}"
                      f"{row['attribution']}" if row["as_of"] else "")
            records.append((row["claim_id"], order, actor, day, series, slot,
                            row["location_id"], format_row(cells)))
        self._db.executemany("INSERT INTO charted VALUES (?,?,?,?,?,?,?,?)", records)

    def _insert_observations(self, observations: pd.DataFrame,
                             slots: dict[str, str]) -> dict[tuple[str, ...], str]:
        """Insert the rows; return their places in observations.csv -> line."""
        if observations.empty:
            return {}
        frame = _observation_text(observations)
        records = []
        for cells in frame_cells(frame, OBSERVATION_COLUMNS):
            row = dict(zip(OBSERVATION_COLUMNS, cells))
            line = format_row(cells)
            records.append((row["observation_id"], slots[row["observation_id"]], row["conflict"],
                            row["metric"], row["actor"], row["territory"], row["attribution"],
                            row["period_end"] or row["as_of"], row["period_start"],
                            row["first_published_at"], line, len(line.encode("utf-8"))))
        self._db.executemany("INSERT INTO observations VALUES (?,?,?,?,?,?,?,?,?,?,?,?)", records)
        return {(*record[2:10], record[0]): record[10] for record in records}

    def _insert_checks(self, checks: pd.DataFrame) -> dict[tuple[str, ...], str]:
        """Insert the rows; return their places in checks.csv -> line."""
        if checks.empty:
            return {}
        records = []
        for cells in frame_cells(checks, CHECK_COLUMNS):
            row = dict(zip(CHECK_COLUMNS, cells))
            line = format_row(cells)
            records.append((row["claim_id"], row["metric"], row["time"], line,
                            len(line.encode("utf-8"))))
        self._db.executemany("INSERT INTO checks VALUES (?,?,?,?,?)", records)
        return {(record[1], record[2], record[0]): record[3] for record in records}

    def _set_meta(self, ledger_sha256: str, reviews_sha256: str, tolerance_pct: float) -> None:
        self._db.executemany("INSERT OR REPLACE INTO meta VALUES (?, ?)", [
            ("ledger_sha256", ledger_sha256), ("reviews_sha256", reviews_sha256),
            ("tolerance_pct", f"{tolerance_pct:g}"), ("code_sha256", code_digest())])

    def _write_files(self, changes: dict[str, Changes | None],
                     written: list[tuple[Path, str, str]]) -> None:
        """Write the files named in `changes` (observations.csv, checks.csv) from the tables
        to temporary files, adding (file, temporary file, sha256) to `written`, and record
        their digests in this transaction: spliced from the file in place when it is the
        one recorded and `changes` gives its changed rows (None: written whole)."""
        for name, lines in changes.items():
            table, order, header = _PRODUCTS[name]
            path = self.data_dir / "processed" / name
            found = self._db.execute("SELECT value FROM meta WHERE key = ?",
                                     (f"file:{name}",)).fetchone()
            # Not fsynced: a table torn by a power cut no longer has the digest the job's
            # state records, and the next run rebuilds it (tracker/pipeline.py).
            temp_name, digest = write_product(path, self.data_dir, self._db, table, order,
                                              header, lines, found[0] if found else "")
            written.append((path, temp_name, digest))
            self._db.execute("INSERT OR REPLACE INTO meta VALUES (?, ?)",
                             (f"file:{name}", digest))

    def _install(self, written: list[tuple[Path, str, str]]) -> None:
        """Put the written files in place, each only when its bytes change (atomic: old or
        new, never partial)."""
        for path, temp_name, digest in written:
            if remembered_digest(path, self.data_dir) == digest:
                Path(temp_name).unlink()
                continue
            umask = os.umask(0)
            os.umask(umask)
            os.chmod(temp_name, 0o666 & ~umask)
            os.replace(temp_name, path)
            remember_digest(path, self.data_dir, digest)


def code_digest() -> str:
    """SHA-256 of the code that derives the tables: rows stored by other code (another
    version, or a slot key written differently) are never mixed with new ones."""
    import tracker.checks
    import tracker.observations
    import tracker.view

    digest = hashlib.sha256()
    for module in (tracker.checks, tracker.observations, tracker.view, __import__(__name__)):
        digest.update(Path(str(module.__file__)).read_bytes())
    return digest.hexdigest()


def ledger_order_of(cells: list[str]) -> str:
    """A row's place in claims.csv as one text that sorts as the ledger does."""
    return _ORDER_SEPARATOR.join(sort_key(cells))


def view_frame(lines: Iterable[str]) -> pd.DataFrame:
    """Stored view lines as the typed frame tracker/view.py gives."""
    text = "".join(lines)
    with lifted_field_limit():
        rows = list(csv.reader(io.StringIO(text, newline=""), strict=True))
    raw = pd.DataFrame(rows, columns=list(VIEW_COLUMNS), dtype="object")
    frame = normalise_claims_frame(raw)
    for column in REVIEW_COLUMNS:
        frame[column] = raw[column].astype(object)
    return frame


def _observation_text(observations: pd.DataFrame) -> pd.DataFrame:
    """Observations with booleans written as observations.csv writes them."""
    frame = observations.copy()
    for column in ("is_partial", "is_revised"):
        frame[column] = frame[column].map(lambda v: "true" if bool(v) else "false")
    return frame


def _observation_slots(claims: pd.DataFrame, observations: pd.DataFrame) -> dict[str, str]:
    """observation_id -> slot key: every claim of an observation is in the same slot."""
    if observations.empty:
        return {}
    return dict(zip(claim_observation_ids(claims), slot_keys(claims)))


def _key(series: pd.Series) -> pd.Series:
    return series.astype(object).where(series.notna(), "").map(str).str.strip().str.lower()


def _day(text: object) -> date | None:
    if not isinstance(text, str) or not text:
        return None
    try:
        return date.fromisoformat(text[:10])
    except ValueError:
        return None


def _changes(old: dict[tuple[str, ...], str],
             new: dict[tuple[str, ...], str]) -> Changes:
    """The rows whose line changed, came or went: place -> (old line, new line)."""
    return {key: (old.get(key), new.get(key)) for key in old.keys() | new.keys()
            if old.get(key) != new.get(key)}

