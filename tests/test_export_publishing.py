"""Exports an editor can publish: a data package that validates (and catches a bad row),
a SQLite database with NULLs, indexes, full-text search and datasette metadata, and typed
Parquet columns (tracker/export.py, tracker/datasette.py)."""

from __future__ import annotations

import csv
import json
import shutil
import sqlite3
from datetime import date, datetime, timezone
from pathlib import Path

import pandas as pd
import pytest
from click.testing import CliRunner

from conftest import as_stored
from tracker.cli import cli
from tracker.export import export_all
from tracker.ledger import write_claims
from tracker.model import Claim
from tracker.publishing import Publishing
from tracker.schemas import COLUMN_DOCS

frictionless = pytest.importorskip("frictionless")

PUBLISHING = Publishing(credit="Example desk: figures as cited", licence="CC-BY-SA-4.0")


def _claim(**fields: object) -> dict[str, object]:
    row = Claim(conflict="russia-ukraine", metric="area_gained_km2", actor="Russia",
                territory="Ukraine", attribution="AFP analysis of ISW data",
                publisher="Example Wire", method="reported").to_dict()
    row.update(recorded_at="2026-01-02T08:00:00Z", status_at="2026-01-02T08:00:00Z")
    row.update(fields)
    return row


LEDGER = pd.DataFrame([
    _claim(value=701.0, period_start="2025-11-01", period_end="2025-11-30",
           published_at="2025-12-01", quote="Moscow's troops captured 701 square kilometres",
           number_start=25, number_end=28, confidence=0.9),
    _claim(metric="net_area_gained_km2", value=-37.0, period_start="2026-02-01",
           period_end="2026-02-28", quote='=HYPERLINK("http://evil.example")',
           published_at="2026-03-02T09:15:00Z"),
    _claim(metric="share_controlled_pct", value=19.25, as_of="2026-01-01",
           quote="Росія окупує 19,25% території", publisher="@online.ua", method="curated"),
    # No quote, no attribution: missing values that must be NULL in SQL, null in Parquet.
    _claim(metric="area_controlled_km2", value=108651.0, as_of="2025-11-30", attribution="",
           method="curated"),
])


@pytest.fixture(scope="module")
def ledger() -> pd.DataFrame:
    return as_stored(LEDGER)


@pytest.fixture(scope="module")
def exported(ledger: pd.DataFrame, tmp_path_factory: pytest.TempPathFactory) -> Path:
    out = tmp_path_factory.mktemp("export")
    checks = pd.DataFrame([{
        "check_id": "0123456789abcdef", "claim_id": ledger.loc[0, "claim_id"],
        "metric": "area_gained_km2", "actor": "Russia", "territory": "Ukraine",
        "time": "2025-11-01..2025-11-30", "reported_value": "701", "computed_value": "689.5",
        "computed_claim_id": "", "difference_km2": "11.5", "difference_pct": "1.67",
        "status": "ok", "detail": "within tolerance"}])
    export_all(ledger, out, checks=checks, sqlite=True, parquet=True, publishing=PUBLISHING)
    return out


def _problems(folder: Path) -> list[list]:
    """(row, field, error type) of every error `frictionless validate` finds in the package."""
    report = frictionless.validate(str(folder / "datapackage.json"))
    return report.flatten(["rowNumber", "fieldName", "type"])


def _edit_cell(path: Path, row: int, column: str, text: str) -> None:
    """Write `text` in `column` of the `row`-th data row (0-based) of the CSV at `path`."""
    with path.open(encoding="utf-8", newline="") as stream:
        records = list(csv.reader(stream))
    records[row + 1][records[0].index(column)] = text
    with path.open("w", encoding="utf-8", newline="") as stream:
        csv.writer(stream, lineterminator="\n").writerows(records)


# --- datapackage.json ----------------------------------------------------------------------


def test_the_package_of_a_small_ledger_validates(exported: Path):
    assert _problems(exported) == []
    package = json.loads((exported / "datapackage.json").read_text(encoding="utf-8"))
    assert {r["name"] for r in package["resources"]} == {"claims", "observations", "checks", "history"}


@pytest.mark.parametrize(("table", "column", "text", "error"), [
    ("claims", "period_end", "2025-11-31", "type-error"),        # no such day
    ("claims", "as_of", "30/11/2025", "type-error"),             # not ISO
    ("history", "period_start", "1850-01-01", "constraint-error"),  # before FIRST_YEAR
    ("claims", "metric", "area_taken_km2", "constraint-error"),  # not in METRICS
    ("history", "metric", "", "constraint-error"),               # required
    ("claims", "conflict", "russia-ukrain", "constraint-error"),  # unknown slug
    ("claims", "qualifier", "roughly", "constraint-error"),
    ("claims", "review_status", "approved", "constraint-error"),
    ("claims", "published_at", "early March", "constraint-error"),
    ("observations", "n_citations", "0", "constraint-error"),
    ("checks", "status", "fine", "constraint-error"),
    ("claims", "confidence", "1.5", "constraint-error"),
])
def test_a_bad_cell_fails_validation_naming_its_field(exported: Path, tmp_path: Path, table: str,
                                                      column: str, text: str, error: str):
    copy = tmp_path / "copy"
    shutil.copytree(exported, copy)
    _edit_cell(copy / f"{table}.csv", 0, column, text)
    problems = _problems(copy)
    assert [2, column, error] in problems, problems


def test_the_enums_come_from_the_model(exported: Path):
    from tracker.model import METHODS, METRICS, QUALIFIERS, STATUSES
    from tracker.view import REVIEW_STATUSES

    package = json.loads((exported / "datapackage.json").read_text(encoding="utf-8"))
    fields = {f["name"]: f for r in package["resources"] if r["name"] == "claims"
              for f in r["schema"]["fields"]}
    assert fields["metric"]["constraints"] == {"required": True, "enum": list(METRICS)}
    assert fields["qualifier"]["constraints"]["enum"] == list(QUALIFIERS)
    assert fields["method"]["constraints"]["enum"] == list(METHODS)
    assert fields["status"]["constraints"]["enum"] == list(STATUSES)
    assert fields["review_status"]["constraints"]["enum"] == list(REVIEW_STATUSES)
    assert "russia-ukraine" in fields["conflict"]["constraints"]["enum"]
    assert fields["period_start"]["type"] == "date" and fields["recorded_at"]["type"] == "datetime"


def test_a_conflict_the_ledger_holds_is_accepted_although_the_extractor_does_not_know_it(
        ledger: pd.DataFrame, tmp_path: Path):
    # sources.toml may name any conflict: the rows' own slugs are in the enum.
    export_all(as_stored(LEDGER.assign(conflict="ethiopia-tigray")), tmp_path)
    assert _problems(tmp_path) == []
    package = json.loads((tmp_path / "datapackage.json").read_text(encoding="utf-8"))
    [claims] = [r for r in package["resources"] if r["name"] == "claims"]
    [conflict] = [f for f in claims["schema"]["fields"] if f["name"] == "conflict"]
    assert "ethiopia-tigray" in conflict["constraints"]["enum"]


def test_the_package_carries_the_licence_and_credit(exported: Path):
    package = json.loads((exported / "datapackage.json").read_text(encoding="utf-8"))
    assert package["licenses"] == [{"name": "CC-BY-SA-4.0", "title": "CC BY-SA 4.0",
                                    "path": "https://creativecommons.org/licenses/by-sa/4.0/"}]
    assert package["contributors"] == [{"title": "Example desk: figures as cited"}]


def test_metadata_and_descriptor_are_the_same_bytes_whatever_the_row_order(ledger, tmp_path):
    for name, frame in (("a", ledger), ("b", ledger.iloc[::-1])):
        export_all(frame, tmp_path / name, sqlite=True, publishing=PUBLISHING)
    for name in ("datapackage.json", "metadata.json", "claims.csv", "history.csv"):
        assert (tmp_path / "a" / name).read_bytes() == (tmp_path / "b" / name).read_bytes(), name


# --- SQLite ----------------------------------------------------------------------------------


def _database(folder: Path) -> sqlite3.Connection:
    return sqlite3.connect(folder / "territorial_figures.sqlite")


def test_sqlite_missing_values_are_null_not_empty_text(exported: Path):
    connection = _database(exported)
    try:
        for table in ("claims", "observations", "checks", "history"):
            columns = [row[1] for row in connection.execute(f'PRAGMA table_info("{table}")')]
            for column in columns:
                empty = connection.execute(
                    f'SELECT COUNT(*) FROM "{table}" WHERE "{column}" = \'\'').fetchone()[0]
                assert empty == 0, (table, column)
        missing = connection.execute(
            "SELECT quote, attribution, value_min, period_start FROM claims WHERE value = 108651"
        ).fetchone()
        assert missing == (None, None, None, None)
        assert connection.execute("SELECT computed_claim_id FROM checks").fetchone() == (None,)
    finally:
        connection.close()


@pytest.mark.parametrize("column", ["conflict", "metric", "actor", "territory", "attribution",
                                    "period_start", "period_end", "as_of", "publisher"])
def test_sqlite_filters_on_analyst_columns_use_an_index(exported: Path, column: str):
    connection = _database(exported)
    try:
        for table in ("claims", "history"):
            plan = " ".join(str(row[-1]) for row in connection.execute(
                f'EXPLAIN QUERY PLAN SELECT * FROM "{table}" WHERE "{column}" = ?', ("x",)))
            assert "USING INDEX" in plan, (table, plan)
        plan = " ".join(str(row[-1]) for row in connection.execute(
            "EXPLAIN QUERY PLAN SELECT * FROM checks WHERE claim_id = ?", ("x",)))
        assert "USING INDEX" in plan
    finally:
        connection.close()


def test_sqlite_full_text_search_finds_a_quote_word(exported: Path, ledger: pd.DataFrame):
    connection = _database(exported)
    try:
        def search(words: str) -> list[str]:
            return [row[0] for row in connection.execute(
                "SELECT claims.claim_id FROM claims JOIN claims_fts ON claims.rowid = claims_fts.rowid "
                "WHERE claims_fts MATCH ? ORDER BY claims.claim_id", (words,))]

        assert search("kilometres") == [ledger.loc[0, "claim_id"]]
        assert search("території") == [ledger.loc[2, "claim_id"]]
        assert search("HYPERLINK") == [ledger.loc[1, "claim_id"]]  # the text as stored
        assert search("tanks") == []
    finally:
        connection.close()


def test_datasette_metadata_describes_tables_columns_units_and_licence(exported: Path):
    metadata = json.loads((exported / "metadata.json").read_text(encoding="utf-8"))
    assert metadata["title"] == "Territorial figures cited in war reporting"
    assert metadata["license"] == "CC BY-SA 4.0"
    assert metadata["license_url"] == "https://creativecommons.org/licenses/by-sa/4.0/"
    assert metadata["about"] == "Example desk: figures as cited" and metadata["source"]
    assert "NULL" in metadata["description"]
    assert "formula start with an apostrophe" not in metadata["description"]
    tables = metadata["databases"]["territorial_figures"]["tables"]
    connection = _database(exported)
    try:
        for name in ("claims", "observations", "checks", "history"):
            columns = [row[1] for row in connection.execute(f'PRAGMA table_info("{name}")')]
            assert tables[name]["description"] and tables[name]["title"]
            assert list(tables[name]["columns"]) == columns  # every column described
            assert all(tables[name]["columns"].values())
        fts = tables["claims"]["fts_table"]
        assert connection.execute("SELECT COUNT(*) FROM sqlite_master WHERE name = ?", (fts,)).fetchone() == (1,)
    finally:
        connection.close()
    assert tables["claims"]["fts_pk"] == "rowid"
    assert tables["claims"]["columns"]["metric"] == COLUMN_DOCS["metric"][2]
    assert "rejected" in tables["claims"]["columns"]["review_status"]
    assert tables["checks"]["units"] == {"difference_km2": "km^2", "difference_pct": "percent"}
    # "see metric suffix" is no unit datasette could read; it stays in the description.
    assert "value" not in tables["claims"].get("units", {})


def test_cli_export_sqlite_writes_metadata_beside_the_database(ledger: pd.DataFrame, tmp_path: Path):
    data = tmp_path / "data"
    write_claims(data / "processed" / "claims.csv", ledger)
    out = tmp_path / "export"
    result = CliRunner().invoke(cli, ["export", "--data-dir", str(data), "--out", str(out), "--sqlite"])
    assert result.exit_code == 0, result.output
    assert (out / "territorial_figures.sqlite").is_file()
    metadata = json.loads((out / "metadata.json").read_text(encoding="utf-8"))
    assert set(metadata["databases"]) == {"territorial_figures"}
    assert _problems(out) == []
    result = CliRunner().invoke(cli, ["export", "--data-dir", str(data), "--out", str(tmp_path / "plain")])
    assert result.exit_code == 0, result.output
    assert not (tmp_path / "plain" / "metadata.json").exists()  # no database, no metadata


# --- Parquet ---------------------------------------------------------------------------------


def test_parquet_columns_are_typed(exported: Path, ledger: pd.DataFrame):
    pa = pytest.importorskip("pyarrow")
    import pyarrow.parquet as pq

    claims = pq.read_table(exported / "parquet" / "claims.parquet")
    schema = claims.schema
    assert schema.field("period_start").type == pa.date32()
    assert schema.field("as_of").type == pa.date32()
    recorded = schema.field("recorded_at").type
    assert pa.types.is_timestamp(recorded) and recorded.tz == "UTC"
    assert schema.field("value").type == pa.float64()
    assert schema.field("number_start").type == pa.int64()
    assert schema.field("quote").type == pa.string()
    rows = {row["claim_id"]: row for row in claims.to_pylist()}
    first = rows[ledger.loc[0, "claim_id"]]
    assert first["period_end"] == date(2025, 11, 30) and first["number_start"] == 25
    assert first["recorded_at"] == datetime(2026, 1, 2, 8, 0, tzinfo=timezone.utc)
    last = rows[ledger.loc[3, "claim_id"]]
    assert last["quote"] is None and last["period_start"] is None and last["number_start"] is None
    observations = pq.read_schema(exported / "parquet" / "observations.parquet")
    assert observations.field("is_revised").type == pa.bool_()
    assert observations.field("n_citations").type == pa.int64()
    checks = pq.read_schema(exported / "parquet" / "checks.parquet")
    assert checks.field("difference_km2").type == pa.float64()
