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
  gives to another table, below) and lists the sources (each distinct cited document).
- `parquet/<table>.parquet` (pyarrow, `pip install .[parquet]`) and
  `territorial_figures.sqlite` hold the same tables with their types and the text exactly
  as stored, without the spreadsheet apostrophes: they are read by code, not spreadsheets.
"""

from __future__ import annotations

import json
import math
import os
import re
import sqlite3
import tempfile
from pathlib import Path

import pandas as pd

from tracker.ledger import frame_to_csv_bytes
from tracker.model import CLAIM_COLUMNS
from tracker.observations import OBSERVATION_COLUMNS, build_observations
from tracker.schemas import column_doc, normalise_claims_frame
from tracker.store import atomic_write_bytes
from tracker.view import REVIEW_COLUMNS, VIEW_COLUMNS, charted, current_view

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
    atomic_write_bytes(path, _csv_bytes(*_claims_table(_exported(as_view(claims), reviewed_only)), "claims"))
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
    ImportError says how to install it.
    """
    out_dir = Path(out_dir)
    if history is None and not is_view(claims):
        history = claims
    view = as_view(claims)
    shown = charted(view, reviewed_only)
    tables = {"claims": _claims_table(_exported(view, reviewed_only)),
              "observations": _observations_table(shown)}
    if checks is not None:
        tables["checks"] = _checks_table(checks, shown)
    if history is not None:
        tables["history"] = _history_table(history)
    written = []
    for name, (frame, columns) in tables.items():
        path = out_dir / f"{name}.csv"
        atomic_write_bytes(path, _csv_bytes(frame, columns, name))
        written.append(path)
    descriptor = datapackage(tables, tables["claims"][0], reviewed_only=reviewed_only)
    path = out_dir / DATAPACKAGE_JSON
    atomic_write_bytes(path, (json.dumps(descriptor, indent=2, ensure_ascii=False) + "\n").encode("utf-8"))
    written.append(path)
    if parquet:
        written += _write_parquet(tables, out_dir / PARQUET_DIR)
    if sqlite:
        written.append(_write_sqlite(tables, out_dir / SQLITE_NAME))
    return written


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


def _checks_table(checks: pd.DataFrame, shown: pd.DataFrame | None = None) -> tuple[pd.DataFrame, tuple[str, ...]]:
    """checks.csv as exported: with `shown` (the charted rows), only checks of charted
    figures against charted figures. checks.csv may predate a review decision (deciding
    does not rerun the checks), and a rejected or superseded figure must not be counted."""
    columns = tuple(str(c) for c in checks.columns)
    frame = checks.astype(str).where(checks.notna(), "")
    if shown is not None and "claim_id" in frame.columns:
        ids = set(shown["claim_id"])
        keep = frame["claim_id"].isin(ids)
        if "computed_claim_id" in frame.columns:
            keep &= (frame["computed_claim_id"] == "") | frame["computed_claim_id"].isin(ids)
        frame = frame[keep]
    frame = frame.sort_values(list(columns), kind="mergesort").reset_index(drop=True)
    for column in columns:
        kind = table_column_doc("checks", column)[0]
        if kind in ("number", "integer"):
            frame[column] = pd.to_numeric(frame[column], errors="coerce")
    return frame, columns


def _csv_bytes(frame: pd.DataFrame, columns: tuple[str, ...], table: str) -> bytes:
    return frame_to_csv_bytes(_spreadsheet_safe(frame, columns, table), columns)


def _spreadsheet_safe(frame: pd.DataFrame, columns: tuple[str, ...], table: str) -> pd.DataFrame:
    """Neutralise every text cell; numbers stay numbers, booleans become true/false."""
    frame = frame.copy()
    for column in columns:
        kind = table_column_doc(table, column)[0]
        if kind == "boolean":
            frame[column] = frame[column].map(lambda v: "true" if bool(v) else "false")
        elif kind in ("string", "date", "datetime"):
            present = frame[column].notna()
            frame[column] = frame[column].astype(object)
            frame.loc[present, column] = frame.loc[present, column].map(lambda v: neutralise_formula(str(v)))
    return frame


def table_schema(columns: tuple[str, ...], table: str = "") -> dict:
    """Frictionless Table Schema of a table (see table_column_doc)."""
    fields = []
    for column in columns:
        kind, unit, description = table_column_doc(table, column)
        field = {"name": column, "type": kind, "description": description}
        if kind == "boolean":
            field.update(trueValues=["true"], falseValues=["false"])
        if unit:
            field["unit"] = unit
        fields.append(field)
    return {"fields": fields, "missingValues": [""]}


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


def datapackage(tables: dict[str, tuple[pd.DataFrame, tuple[str, ...]]], claims: pd.DataFrame,
                *, reviewed_only: bool = False) -> dict:
    """The Frictionless Data Package descriptor of the exported CSVs; `claims` gives the
    sources (the exported claims' documents)."""
    resources = []
    for name, (_frame, columns) in tables.items():
        schema = table_schema(columns, name)
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
            "reading the ledger ever held, with its status. Text cells that a spreadsheet would run "
            "as a formula start with an apostrophe."
            + (" Exported with --reviewed-only: claims, observations and checks hold only figures a "
               "person confirmed or corrected and curated or computed figures; machine-read figures "
               "nobody checked yet and rejected figures are left out (history.csv still has every "
               "reading)." if reviewed_only else "")
        ),
        "resources": resources,
        "sources": _sources(claims),
    }


def _sources(claims: pd.DataFrame) -> list[dict[str, str]]:
    """Each distinct cited document (publisher and URL), or the source id without a URL."""
    frame = normalise_claims_frame(claims)[["publisher", "url", "source_id"]].drop_duplicates()
    sources = []
    for row in frame.sort_values(["url", "publisher", "source_id"], kind="mergesort").to_dict("records"):
        title = row["publisher"] or row["source_id"] or "unknown publisher"
        entry = {"title": title}
        if row["url"]:
            entry["path"] = row["url"]
        elif row["source_id"]:
            entry["path"] = f"sources.toml#{row['source_id']}"
        if entry not in sources[-1:]:
            sources.append(entry)
    return sources


def _typed(frame: pd.DataFrame, columns: tuple[str, ...], table: str) -> pd.DataFrame:
    """Storage types for code: floats, nullable integers, booleans, text ('' for missing)."""
    out = pd.DataFrame(index=frame.index)
    for column in columns:
        kind = table_column_doc(table, column)[0]
        if kind == "number":
            out[column] = pd.to_numeric(frame[column], errors="coerce").astype("float64")
        elif kind == "integer":
            out[column] = pd.to_numeric(frame[column], errors="coerce").astype("Int64")
        elif kind == "boolean":
            out[column] = frame[column].astype(bool)
        else:
            out[column] = frame[column].astype(object).where(frame[column].notna(), "").map(str)
    return out


def _write_parquet(tables: dict[str, tuple[pd.DataFrame, tuple[str, ...]]], folder: Path) -> list[Path]:
    try:
        import pyarrow as pa
        import pyarrow.parquet as pq
    except ImportError as error:
        raise ImportError("Parquet export needs pyarrow: pip install 'territorial-tracker[parquet]'") from error
    written = []
    folder.mkdir(parents=True, exist_ok=True)
    for name, (frame, columns) in tables.items():
        table = pa.Table.from_pandas(_typed(frame, columns, name), preserve_index=False)
        sink = pa.BufferOutputStream()
        pq.write_table(table, sink, compression="zstd")
        path = folder / f"{name}.parquet"
        atomic_write_bytes(path, sink.getvalue().to_pybytes())
        written.append(path)
    return written


def _write_sqlite(tables: dict[str, tuple[pd.DataFrame, tuple[str, ...]]], path: Path) -> Path:
    """A fresh database built in a temporary file and moved into place (never half-written)."""
    path.parent.mkdir(parents=True, exist_ok=True)
    handle, temp_name = tempfile.mkstemp(prefix=f".{path.name}.", suffix=".tmp", dir=path.parent)
    os.close(handle)
    try:
        with sqlite3.connect(temp_name) as connection:
            for name, (frame, columns) in tables.items():
                typed = _typed(frame, columns, name)
                definitions = ", ".join(
                    f'"{c}" {_SQL_TYPES.get(table_column_doc(name, c)[0], "TEXT")}'
                    + (" PRIMARY KEY" if c == _KEYS[name] else "")
                    for c in columns
                )
                connection.execute(f'CREATE TABLE "{name}" ({definitions})')
                rows = [tuple(_sql_value(v) for v in row)
                        for row in typed.itertuples(index=False, name=None)]
                marks = ", ".join("?" for _ in columns)
                connection.executemany(f'INSERT INTO "{name}" VALUES ({marks})', rows)
        connection.close()
        os.chmod(temp_name, 0o644)
        os.replace(temp_name, path)
    except BaseException:
        Path(temp_name).unlink(missing_ok=True)
        raise
    return path


def _sql_value(value: object) -> object:
    """A Python value sqlite3 accepts: None for missing, plain int/float/str otherwise."""
    if value is None or value is pd.NA or (isinstance(value, float) and math.isnan(value)):
        return None
    if hasattr(value, "item"):  # numpy scalars (int64, bool_, float64)
        value = value.item()
    return int(value) if isinstance(value, bool) else value
