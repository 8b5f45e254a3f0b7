"""Analyst exports: tidy CSVs, a Frictionless datapackage.json, optional Parquet and SQLite.

    tracker export --out reports/export [--parquet] [--sqlite]

- `claims.csv`: every claim column in ledger order; `observations.csv`: one row per
  distinct figure (tracker/observations.py); `checks.csv` when data/processed/checks.csv
  exists. UTF-8, ISO dates, numbers in shortest form, stable column and row order.
- The CSVs are meant to be opened in Excel or LibreOffice as well as read by code, so
  every text cell is neutralised against formula injection (a quote that begins with "="
  must not run as a formula), while numeric columns stay plain numbers so that a negative
  net gain of -37 km² still sums in a spreadsheet.
- `datapackage.json` describes every column (type, unit, description: one dict,
  tracker/schemas.py COLUMN_DOCS) and lists the sources (each distinct cited document).
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

CLAIMS_CSV = "claims.csv"
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


def export_claims(claims: pd.DataFrame, out_dir: Path) -> list[Path]:
    """Write `claims.csv` (all claim columns in ledger order, rows by claim_id) to `out_dir`."""
    path = Path(out_dir) / CLAIMS_CSV
    atomic_write_bytes(path, _csv_bytes(*_claims_table(claims)))
    return [path]


def export_all(
    claims: pd.DataFrame,
    out_dir: Path,
    *,
    checks: pd.DataFrame | None = None,
    parquet: bool = False,
    sqlite: bool = False,
) -> list[Path]:
    """Write every export to `out_dir`; return the paths written.

    `checks` is data/processed/checks.csv read as text (None when the file is absent).
    Parquet needs pyarrow; without it an ImportError says how to install it.
    """
    out_dir = Path(out_dir)
    tables = {"claims": _claims_table(claims), "observations": _observations_table(claims)}
    if checks is not None:
        tables["checks"] = _checks_table(checks)
    written = []
    for name, (frame, columns) in tables.items():
        path = out_dir / f"{name}.csv"
        atomic_write_bytes(path, _csv_bytes(frame, columns))
        written.append(path)
    descriptor = datapackage(tables, claims)
    path = out_dir / DATAPACKAGE_JSON
    atomic_write_bytes(path, (json.dumps(descriptor, indent=2, ensure_ascii=False) + "\n").encode("utf-8"))
    written.append(path)
    if parquet:
        written += _write_parquet(tables, out_dir / PARQUET_DIR)
    if sqlite:
        written.append(_write_sqlite(tables, out_dir / SQLITE_NAME))
    return written


def _claims_table(claims: pd.DataFrame) -> tuple[pd.DataFrame, tuple[str, ...]]:
    frame = normalise_claims_frame(claims)
    # Sorting on every column after claim_id makes the bytes independent of input order.
    frame = frame.sort_values(list(CLAIM_COLUMNS), kind="mergesort", na_position="first")
    return frame.reset_index(drop=True), CLAIM_COLUMNS


def _observations_table(claims: pd.DataFrame) -> tuple[pd.DataFrame, tuple[str, ...]]:
    # build_observations orders rows by conflict, metric, series and time (stable ids last).
    return build_observations(claims), OBSERVATION_COLUMNS


def _checks_table(checks: pd.DataFrame) -> tuple[pd.DataFrame, tuple[str, ...]]:
    columns = tuple(str(c) for c in checks.columns)
    frame = checks.astype(str).where(checks.notna(), "")
    frame = frame.sort_values(list(columns), kind="mergesort").reset_index(drop=True)
    for column in columns:
        kind = column_doc(column)[0]
        if kind in ("number", "integer"):
            frame[column] = pd.to_numeric(frame[column], errors="coerce")
    return frame, columns


def _csv_bytes(frame: pd.DataFrame, columns: tuple[str, ...]) -> bytes:
    return frame_to_csv_bytes(_spreadsheet_safe(frame, columns), columns)


def _spreadsheet_safe(frame: pd.DataFrame, columns: tuple[str, ...]) -> pd.DataFrame:
    """Neutralise every text cell; numbers stay numbers, booleans become true/false."""
    frame = frame.copy()
    for column in columns:
        kind = column_doc(column)[0]
        if kind == "boolean":
            frame[column] = frame[column].map(lambda v: "true" if bool(v) else "false")
        elif kind in ("string", "date"):
            present = frame[column].notna()
            frame[column] = frame[column].astype(object)
            frame.loc[present, column] = frame.loc[present, column].map(lambda v: neutralise_formula(str(v)))
    return frame


def table_schema(columns: tuple[str, ...]) -> dict:
    """Frictionless Table Schema of a table, from tracker/schemas.py COLUMN_DOCS."""
    fields = []
    for column in columns:
        kind, unit, description = column_doc(column)
        field = {"name": column, "type": kind, "description": description}
        if kind == "boolean":
            field.update(trueValues=["true"], falseValues=["false"])
        if unit:
            field["unit"] = unit
        fields.append(field)
    return {"fields": fields, "missingValues": [""]}


_KEYS = {"claims": "claim_id", "observations": "observation_id", "checks": "check_id"}
_TITLES = {
    "claims": "Claims: one row per citation of a territorial figure",
    "observations": "Observations: one row per distinct figure, with its citations, revisions and conflicts",
    "checks": "Checks of reported figures against figures computed from maps",
}


def datapackage(tables: dict[str, tuple[pd.DataFrame, tuple[str, ...]]], claims: pd.DataFrame) -> dict:
    """The Frictionless Data Package descriptor of the exported CSVs."""
    resources = []
    for name, (_frame, columns) in tables.items():
        schema = table_schema(columns)
        if _KEYS[name] in columns:
            schema["primaryKey"] = [_KEYS[name]]
        if name == "checks" and "claim_id" in columns:
            schema["foreignKeys"] = [{"fields": ["claim_id"],
                                      "reference": {"resource": "claims", "fields": ["claim_id"]}}]
        resources.append({
            "name": name, "title": _TITLES[name], "path": f"{name}.csv",
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
            "citing it. Text cells that a spreadsheet would run as a formula start with an apostrophe."
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


def _typed(frame: pd.DataFrame, columns: tuple[str, ...]) -> pd.DataFrame:
    """Storage types for code: floats, nullable integers, booleans, text ('' for missing)."""
    out = pd.DataFrame(index=frame.index)
    for column in columns:
        kind = column_doc(column)[0]
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
        table = pa.Table.from_pandas(_typed(frame, columns), preserve_index=False)
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
                typed = _typed(frame, columns)
                definitions = ", ".join(
                    f'"{c}" {_SQL_TYPES.get(column_doc(c)[0], "TEXT")}'
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
