"""The analyst CSV: every claim and review column, spreadsheet-safe text, numbers left as numbers."""

from __future__ import annotations

import csv

import pandas as pd
import pytest

from tracker.export import export_claims, neutralise_formula
from tracker.model import Claim
from tracker.view import VIEW_COLUMNS


def claim_row(**fields: object) -> dict[str, object]:
    row = Claim(conflict="russia-ukraine", metric="area_gained_km2", actor="Russia",
                territory="Ukraine").to_dict()
    row.update(fields)
    return row


@pytest.fixture
def claims() -> pd.DataFrame:
    return pd.DataFrame([
        claim_row(claim_id="b2", value=701, period_start="2025-11-01", period_end="2025-11-30",
                  quote="Moscow's troops captured 701 square kilometres", publisher="Insider Paper"),
        claim_row(claim_id="a1", metric="net_area_gained_km2", value=-37, value_original=-37,
                  period_start="2026-02-01", period_end="2026-02-28",
                  quote="=HYPERLINK(\"http://evil.example\")", attribution="-Black Bird Group"),
        claim_row(claim_id="c3", metric="share_controlled_pct", value=19.25, as_of="2026-01-01",
                  quote="Росія окупує 19,25% території", publisher="@online.ua"),
    ])


def test_csv_has_every_claim_column_in_order_and_rows_by_claim_id(claims, tmp_path):
    [path] = export_claims(claims, tmp_path)
    assert path == tmp_path / "claims.csv"
    with path.open(encoding="utf-8", newline="") as stream:
        records = list(csv.reader(stream))
    # The claim columns, then the review columns; ledger rows with no decision are unreviewed.
    assert tuple(records[0]) == VIEW_COLUMNS
    assert [r[0] for r in records[1:]] == ["a1", "b2", "c3"]
    frame = pd.read_csv(path, keep_default_na=False)
    assert tuple(frame.columns) == VIEW_COLUMNS
    assert len(frame) == 3
    assert set(frame["review_status"]) == {"unreviewed"} and set(frame["status"]) == {"active"}


def test_text_that_looks_like_a_formula_reads_back_with_an_apostrophe(claims, tmp_path):
    [path] = export_claims(claims, tmp_path)
    frame = pd.read_csv(path, dtype=str, keep_default_na=False).set_index("claim_id")
    assert frame.loc["a1", "quote"] == "'=HYPERLINK(\"http://evil.example\")"
    assert frame.loc["a1", "attribution"] == "'-Black Bird Group"
    assert frame.loc["c3", "publisher"] == "'@online.ua"
    assert frame.loc["c3", "quote"] == "Росія окупує 19,25% території"
    assert frame.loc["b2", "quote"] == "Moscow's troops captured 701 square kilometres"


def test_negative_and_decimal_values_stay_numbers(claims, tmp_path):
    [path] = export_claims(claims, tmp_path)
    frame = pd.read_csv(path).set_index("claim_id")
    assert pd.api.types.is_numeric_dtype(frame["value"])
    assert frame.loc["a1", "value"] == -37
    assert frame.loc["a1", "value_original"] == -37
    assert frame.loc["c3", "value"] == 19.25
    with path.open(encoding="utf-8", newline="") as stream:
        raw = {r["claim_id"]: r for r in csv.DictReader(stream)}
    assert raw["a1"]["value"] == "-37"  # no apostrophe, no ".0"
    assert raw["b2"]["value"] == "701"
    assert raw["b2"]["value_min"] == ""


def test_export_replaces_the_file_and_keeps_it_on_failure(claims, tmp_path):
    [path] = export_claims(claims, tmp_path)
    before = path.read_bytes()

    class Unprintable:
        def __str__(self) -> str:
            raise RuntimeError("cannot render")

    broken = claims.assign(quote=[Unprintable()] * len(claims))
    with pytest.raises(RuntimeError):
        export_claims(broken, tmp_path)
    assert path.read_bytes() == before
    assert sorted(p.name for p in tmp_path.iterdir()) == ["claims.csv"]


def test_export_is_independent_of_row_order(claims, tmp_path):
    export_claims(claims, tmp_path / "a")
    export_claims(claims.iloc[::-1], tmp_path / "b")
    assert (tmp_path / "a" / "claims.csv").read_bytes() == (tmp_path / "b" / "claims.csv").read_bytes()


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("=1+1", "'=1+1"),
        ("+7 km2", "'+7 km2"),
        ("-37", "'-37"),
        ("@SUM(A1)", "'@SUM(A1)"),
        ("\t=1", "'\t=1"),
        ("\r=1", "'\r=1"),
        ("Russia", "Russia"),
        ("", ""),
        ("a=b", "a=b"),
    ],
)
def test_neutralise_formula(text, expected):
    assert neutralise_formula(text) == expected


# --- export_all: observations, checks, datapackage.json, Parquet, SQLite ------------------

import datetime as _dt  # noqa: E402
import json  # noqa: E402
import sqlite3  # noqa: E402

from click.testing import CliRunner  # noqa: E402

from tracker.cli import cli  # noqa: E402
from tracker.export import export_all  # noqa: E402
from tracker.ledger import write_claims  # noqa: E402

from conftest import as_stored  # noqa: E402

CHECKS = pd.DataFrame([
    {"check_id": "0" * 16, "claim_id": "b2", "metric": "area_gained_km2", "actor": "Russia",
     "territory": "Ukraine", "time": "2025-11-01/2025-11-30", "reported_value": "701",
     "computed_value": "689.5", "computed_claim_id": "", "difference_km2": "11.5",
     "difference_pct": "1.67", "status": "ok", "detail": "=within tolerance"},
])


def _conforms(text: str, field: dict) -> bool:
    """Does one CSV cell read as the field's Frictionless type?"""
    if text == "":
        return True  # missingValues: [""]
    kind = field["type"]
    try:
        if kind == "number":
            float(text)
        elif kind == "integer":
            int(text)
        elif kind == "date":
            _dt.date.fromisoformat(text)
        elif kind == "datetime":
            _dt.datetime.strptime(text, "%Y-%m-%dT%H:%M:%SZ")
        elif kind == "boolean":
            return text in field["trueValues"] + field["falseValues"]
    except ValueError:
        return False
    return kind in ("string", "number", "integer", "date", "datetime", "boolean")


def test_every_csv_column_is_described_with_the_right_type(claims, tmp_path):
    export_all(claims, tmp_path, checks=CHECKS)
    package = json.loads((tmp_path / "datapackage.json").read_text(encoding="utf-8"))
    assert package["profile"] == "tabular-data-package"
    assert {r["name"] for r in package["resources"]} == {"claims", "observations", "checks", "history"}
    for resource in package["resources"]:
        fields = resource["schema"]["fields"]
        with (tmp_path / resource["path"]).open(encoding="utf-8", newline="") as stream:
            rows = list(csv.reader(stream))
        assert rows[0] == [f["name"] for f in fields], resource["name"]
        assert len(rows) > 1
        for field in fields:
            assert field["description"].strip(), field["name"]
        for row in rows[1:]:
            assert len(row) == len(fields)
            for cell, field in zip(row, fields):
                assert _conforms(cell, field), (resource["name"], field["name"], cell)
        by_name = {f["name"]: f for f in fields}
        if "value" in by_name:
            assert by_name["value"]["type"] == "number"
            assert by_name["value"]["unit"] == "see metric suffix"
    observations = next(r for r in package["resources"] if r["name"] == "observations")
    types = {f["name"]: f["type"] for f in observations["schema"]["fields"]}
    assert types["n_citations"] == "integer" and types["is_revised"] == "boolean"
    assert types["period_start"] == "date"
    assert {"title": "Insider Paper"} in package["sources"]


def test_exported_csvs_load_with_pandas_and_keep_formulas_as_text(claims, tmp_path):
    export_all(claims, tmp_path, checks=CHECKS)
    claims_out = pd.read_csv(tmp_path / "claims.csv", dtype={"quote": str}, keep_default_na=False)
    assert claims_out.set_index("claim_id").loc["a1", "quote"].startswith("'=")
    observations = pd.read_csv(tmp_path / "observations.csv")
    assert observations["n_citations"].sum() == len(claims)
    assert observations["is_revised"].dtype == bool
    checks = pd.read_csv(tmp_path / "checks.csv", keep_default_na=False)
    assert checks.loc[0, "detail"] == "'=within tolerance"
    assert checks.loc[0, "difference_km2"] == 11.5


def test_checks_csv_is_only_written_when_checks_exist(claims, tmp_path):
    written = export_all(claims, tmp_path)
    assert sorted(p.name for p in written) == ["claims.csv", "datapackage.json", "history.csv",
                                               "observations.csv"]
    assert not (tmp_path / "checks.csv").exists()


def test_exports_are_byte_identical_whatever_the_row_order(claims, tmp_path):
    export_all(claims, tmp_path / "a", checks=CHECKS)
    export_all(claims.iloc[::-1], tmp_path / "b", checks=CHECKS)
    for name in ("claims.csv", "observations.csv", "checks.csv", "history.csv", "datapackage.json"):
        assert (tmp_path / "a" / name).read_bytes() == (tmp_path / "b" / name).read_bytes(), name


def test_sqlite_holds_typed_tables_with_text_as_stored(claims, tmp_path):
    export_all(claims, tmp_path, checks=CHECKS, sqlite=True)
    with sqlite3.connect(tmp_path / "territorial_figures.sqlite") as connection:
        quote = connection.execute("SELECT quote FROM claims WHERE claim_id = 'a1'").fetchone()[0]
        value = connection.execute("SELECT value FROM claims WHERE claim_id = 'a1'").fetchone()[0]
        total = connection.execute("SELECT SUM(n_citations) FROM observations").fetchone()[0]
        checks = connection.execute("SELECT COUNT(*) FROM checks").fetchone()[0]
    connection.close()
    assert quote == '=HYPERLINK("http://evil.example")'  # SQL tools get the text as stored
    assert value == -37.0 and total == 3 and checks == 1


def test_parquet_round_trips_with_types(claims, tmp_path):
    pytest.importorskip("pyarrow")
    export_all(claims, tmp_path, parquet=True)
    frame = pd.read_parquet(tmp_path / "parquet" / "observations.parquet")
    assert frame["n_citations"].sum() == 3
    assert frame["value"].dtype == "float64"
    assert pd.read_parquet(tmp_path / "parquet" / "claims.parquet")["claim_id"].tolist() == ["a1", "b2", "c3"]


def test_cli_export_reads_checks_when_present(claims, tmp_path):
    data = tmp_path / "data"
    stored = as_stored(claims)
    write_claims(data / "processed" / "claims.csv", stored)
    out = tmp_path / "export"
    result = CliRunner().invoke(cli, ["export", "--data-dir", str(data), "--out", str(out), "--sqlite"])
    assert result.exit_code == 0, result.output
    assert not (out / "checks.csv").exists()
    CHECKS.assign(claim_id=stored["claim_id"].iloc[0]).to_csv(data / "processed" / "checks.csv", index=False)
    result = CliRunner().invoke(cli, ["export", "--data-dir", str(data), "--out", str(out)])
    assert result.exit_code == 0, result.output
    assert (out / "checks.csv").exists()
    package = json.loads((out / "datapackage.json").read_text(encoding="utf-8"))
    assert [r["name"] for r in package["resources"]] == ["claims", "observations", "checks", "history"]
