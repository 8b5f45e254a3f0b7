"""Shared fixtures: a project folder on a real temp disk with its own sources.toml."""

from __future__ import annotations

import csv
import shutil
from pathlib import Path

import pytest

REPO = Path(__file__).resolve().parents[1]
SHARED = REPO.parent / "shared"

CURATED_HEADER = ["conflict", "metric", "value", "value_min", "value_max", "qualifier", "actor",
                  "territory", "period_start", "period_end", "as_of", "attribution", "analyst",
                  "data_producer", "publisher", "url", "published_at", "quote"]


def curated_row(**fields: str) -> dict[str, str]:
    row = {name: "" for name in CURATED_HEADER}
    row.update(conflict="russia-ukraine", metric="area_gained_km2", value="701", actor="Russia",
               territory="Ukraine", period_start="2025-11-01", period_end="2025-11-30",
               attribution="AFP analysis of ISW data", analyst="AFP", data_producer="ISW",
               publisher="Example (AFP)", url="https://example.org/a", published_at="2025-12-01")
    row.update(fields)
    return row


def write_curated(path: Path, rows: list[dict[str, str]]) -> Path:
    path.parent.mkdir(parents=True, exist_ok=True)
    with path.open("w", newline="", encoding="utf-8") as handle:
        writer = csv.DictWriter(handle, fieldnames=CURATED_HEADER, lineterminator="\n")
        writer.writeheader()
        writer.writerows(rows)
    return path


@pytest.fixture
def project(tmp_path: Path) -> Path:
    """A temp folder with sources.toml naming one curated file (inputs/figures.csv)."""
    write_curated(tmp_path / "inputs" / "figures.csv", [
        curated_row(),
        curated_row(metric="share_controlled_pct", value="19.3", period_start="",
                    period_end="", as_of="2025-11-30"),
    ])
    (tmp_path / "sources.toml").write_text(
        '[settings]\ncontact = "test@example.org"\n\n'
        '[[source]]\nid = "figures"\nkind = "curated"\npath = "inputs/figures.csv"\n',
        encoding="utf-8")
    return tmp_path


@pytest.fixture
def bundled(tmp_path: Path) -> Path:
    """A copy of the repository's bundled inputs and sources.toml in a temp folder."""
    shutil.copytree(REPO / "inputs", tmp_path / "inputs")
    shutil.copy(REPO / "sources.toml", tmp_path / "sources.toml")
    return tmp_path


def csv_table(path: Path) -> list[dict[str, str]]:
    """The rows of a CSV file the job wrote, as text ([] when it was not written)."""
    if not path.exists():
        return []
    with path.open(encoding="utf-8", newline="") as handle:
        return list(csv.DictReader(handle))


def ledger_rows(folder: Path) -> list[dict[str, str]]:
    """The ledger of the job folder `folder` (data/processed/claims.csv), as text."""
    return csv_table(folder / "data" / "processed" / "claims.csv")


def as_stored(claims):
    """Hand-made claims as the ledger stores them: a citation URL where none was given and
    each claim_id the hash of the row's content (the ledger refuses anything else)."""
    import pandas as pd

    from tracker.model import claim_id

    rows = claims.reset_index(drop=True).to_dict("records")
    for number, row in enumerate(rows):
        if not row.get("url") and not row.get("source_id"):
            row["url"] = f"https://example.org/story-{number}"
        row["claim_id"] = claim_id(row)
    return pd.DataFrame(rows, columns=list(claims.columns))


def file_contents(folder: Path) -> dict[str, bytes]:
    """Every file under `folder` by relative path, byte for byte, except the ledger's SQLite
    store, given by its content: SQLite's own bytes also count how often it was written,
    so a store rebuilt to the same rows is the same store (tracker/ledger_store.py)."""
    import sqlite3

    from tracker.ledger_store import STORE_NAME

    files = {}
    for path in sorted(Path(folder).rglob("*")):
        if path.name == STORE_NAME:
            db = sqlite3.connect(path)
            try:
                rows = db.execute("SELECT * FROM claims ORDER BY claim_id").fetchall()
                meta = db.execute("SELECT * FROM meta WHERE key IN ('layout', 'csv_sha256') "
                                  "ORDER BY key").fetchall()
            finally:
                db.close()
            files[str(path.relative_to(folder))] = repr((rows, meta)).encode()
        elif path.is_file():
            files[str(path.relative_to(folder))] = path.read_bytes()
    return files

