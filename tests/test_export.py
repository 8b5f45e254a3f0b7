"""The analyst CSV: every claim column, spreadsheet-safe text, numbers left as numbers."""

from __future__ import annotations

import csv

import pandas as pd
import pytest

from tracker.export import export_claims, neutralise_formula
from tracker.model import CLAIM_COLUMNS, Claim


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
    assert tuple(records[0]) == CLAIM_COLUMNS
    assert [r[0] for r in records[1:]] == ["a1", "b2", "c3"]
    frame = pd.read_csv(path)
    assert tuple(frame.columns) == CLAIM_COLUMNS
    assert len(frame) == 3


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
