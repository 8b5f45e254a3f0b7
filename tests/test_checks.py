"""Reconciliation of reported and computed figures, impossible values, and the two commands."""

from __future__ import annotations

import json
from pathlib import Path

import pandas as pd
import pytest
from click.testing import CliRunner

from tracker.checks import CHECK_COLUMNS, build_checks, write_checks
from tracker.cli import cli
from tracker.ledger import write_claims
from tracker.model import Claim, claim_id
from tracker.schemas import CheckSchema, normalise_claims_frame

SHARED_DATA = Path(__file__).resolve().parents[1].parent / "shared" / "data"


def claim(**fields) -> dict:
    base = dict(conflict="russia-ukraine", actor="Russia", territory="Ukraine",
                attribution="AFP analysis of ISW data", url="https://example.org/a", method="reported")
    base.update(fields)
    record = Claim(**base).to_dict()
    record["claim_id"] = claim_id(record)
    return record


def computed(**fields) -> dict:
    fields.setdefault("attribution", "DeepState")
    fields.setdefault("definition", "occupied_total: union")
    fields.setdefault("url", "https://deepstatemap.live/api/history/1/geojson")
    return claim(method="computed", **fields)


def frame(*records) -> pd.DataFrame:
    return normalise_claims_frame(pd.DataFrame.from_records(list(records)))


def by_claim(checks: pd.DataFrame) -> dict[str, dict]:
    return {row["claim_id"]: row for row in checks.to_dict("records")}


def test_stock_within_tolerance_and_gain_exceeding_it():
    stock = claim(metric="area_controlled_km2", value=114_500.0, as_of="2025-08-05")
    gain = claim(metric="area_gained_km2", value=701.0, period_start="2025-11-01", period_end="2025-11-30")
    checks = build_checks(frame(
        stock, gain,
        computed(metric="area_controlled_km2", value=114_273.1, as_of="2025-08-03"),
        computed(metric="area_controlled_km2", value=70_304.2, as_of="2025-08-03",
                 definition="occupied_after_24_02_2022: since 2022 only"),
        computed(metric="area_controlled_km2", value=100_000.0, as_of="2025-07-20"),  # too far
        computed(metric="area_gained_km2", value=505.0, period_start="2025-11-01", period_end="2025-11-30"),
    ), tolerance_pct=5.0)
    CheckSchema.validate(checks)
    rows = by_claim(checks)
    s = rows[stock["claim_id"]]
    assert s["status"] == "ok" and s["computed_value"] == 114_273.1  # the headline, not the category
    assert s["difference_km2"] == pytest.approx(226.9) and s["difference_pct"] == pytest.approx(0.199, abs=1e-3)
    g = rows[gain["claim_id"]]
    assert g["status"] == "exceeds_tolerance" and g["difference_km2"] == pytest.approx(196.0)
    assert g["difference_pct"] == pytest.approx(38.812, abs=1e-3)


def test_the_figures_own_producer_is_preferred():
    isw = claim(metric="area_controlled_km2", value=108_301.3, as_of="2024-07-18", data_producer="ISW")
    rows = by_claim(build_checks(frame(
        isw,
        computed(metric="area_controlled_km2", value=109_318.0, as_of="2024-07-17", data_producer="DeepState"),
        computed(metric="area_controlled_km2", value=108_354.7, as_of="2024-07-18", data_producer="ISW",
                 attribution="ISW"),
    )))
    assert rows[isw["claim_id"]]["computed_value"] == 108_354.7


def test_no_computed_figure_and_range_compared_by_its_bounds():
    alone = claim(metric="share_controlled_pct", value=19.0, as_of="2024-01-01")
    ranged = claim(metric="area_gained_km2", value=None, value_min=400.0, value_max=600.0,
                   qualifier="range", period_start="2025-11-01", period_end="2025-11-30")
    checks = by_claim(build_checks(frame(
        alone, ranged,
        computed(metric="area_gained_km2", value=590.0, period_start="2025-11-01", period_end="2025-11-30"),
    )))
    assert checks[alone["claim_id"]]["status"] == "no_computed"
    assert pd.isna(checks[alone["claim_id"]]["computed_value"])
    assert checks[ranged["claim_id"]]["status"] == "ok" and "range" in checks[ranged["claim_id"]]["detail"]


@pytest.mark.parametrize("record, words", [
    (dict(metric="area_controlled_km2", value=700_000.0, as_of="2025-01-01"), "larger than Ukraine"),
    (dict(metric="area_controlled_km2", value=400.0, as_of="2025-10-19", territory="Gaza Strip",
          actor="Israel", conflict="israel-gaza"), "larger than Gaza Strip"),
    (dict(metric="share_controlled_pct", value=130.0, as_of="2025-01-01"), "share above 100"),
])
def test_impossible_values(record, words):
    row = claim(**record)
    [check] = build_checks(frame(row)).to_dict("records")
    assert check["status"] == "impossible" and words in check["detail"]


def test_a_stock_that_falls_while_gains_are_positive_is_impossible():
    before = claim(metric="area_controlled_km2", value=114_000.0, as_of="2025-10-31")
    after = claim(metric="area_controlled_km2", value=113_500.0, as_of="2025-11-30")
    gain = claim(metric="area_gained_km2", value=505.0, period_start="2025-11-01", period_end="2025-11-30")
    rows = by_claim(build_checks(frame(before, after, gain)))
    assert rows[after["claim_id"]]["status"] == "impossible"
    assert "falls from 114000" in rows[after["claim_id"]]["detail"]
    assert rows[before["claim_id"]]["status"] == "no_computed"
    # without the positive gain the fall is only a revision or a retreat, not impossible
    rows = by_claim(build_checks(frame(before, after)))
    assert rows[after["claim_id"]]["status"] == "no_computed"


def test_write_checks_is_deterministic_and_validated(tmp_path):
    claims = frame(claim(metric="area_controlled_km2", value=114_500.0, as_of="2025-08-05"),
                   computed(metric="area_controlled_km2", value=114_273.1, as_of="2025-08-03"))
    assert write_checks(claims, tmp_path) is True
    path = tmp_path / "processed" / "checks.csv"
    first = path.read_bytes()
    assert first.decode().splitlines()[0] == ",".join(CHECK_COLUMNS)
    assert write_checks(claims.iloc[::-1], tmp_path) is False
    assert path.read_bytes() == first


def test_empty_ledger_gives_an_empty_checks_table(tmp_path):
    empty = normalise_claims_frame(pd.DataFrame(columns=["claim_id"]))
    assert list(build_checks(empty).columns) == list(CHECK_COLUMNS)
    write_checks(empty, tmp_path)
    assert (tmp_path / "processed" / "checks.csv").read_text().strip() == ",".join(CHECK_COLUMNS)


# --- commands --------------------------------------------------------------------------------


def test_check_command_writes_and_summarises(tmp_path):
    claims = frame(claim(metric="area_controlled_km2", value=150_000.0, as_of="2025-08-05"),
                   computed(metric="area_controlled_km2", value=114_273.1, as_of="2025-08-03"))
    write_claims(tmp_path / "processed" / "claims.csv", claims)
    result = CliRunner().invoke(cli, ["check", "--data-dir", str(tmp_path)])
    assert result.exit_code == 0, result.output
    assert "exceeds_tolerance" in result.stdout and "+31.3 %" in result.stdout
    assert "1 exceeds_tolerance" in result.stderr
    assert (tmp_path / "processed" / "checks.csv").exists()


def write_map(path: Path, features: list) -> Path:
    path.write_text(json.dumps({"type": "FeatureCollection", "features": features}), encoding="utf-8")
    return path


def poly(lon0, lat0, lon1, lat1, **properties):
    return {"type": "Feature", "properties": properties, "geometry": {"type": "Polygon", "coordinates": [
        [[lon0, lat0], [lon1, lat0], [lon1, lat1], [lon0, lat1], [lon0, lat0]]]}}


def test_area_command_json_on_a_deepstate_style_map(tmp_path):
    path = write_map(tmp_path / "m.geojson", [
        poly(37, 47, 38, 48, name="a /// b /// geoJSON.status.occupied", fill="#a52714"),
        poly(33, 45, 34, 46, name="a /// b /// geoJSON.territories.crimea", fill="#880e4f"),
        poly(30, 62, 33, 65, name="a /// b /// geoJSON.territories.kuril", fill="#ff5252"),
        {"type": "Feature", "properties": {}, "geometry": None},
    ])
    result = CliRunner().invoke(cli, ["area", str(path), "--method", "spherical", "--format", "json"])
    assert result.exit_code == 0, result.output
    rows = {row["category"]: row for row in json.loads(result.stdout)}
    assert set(rows) >= {"occupied_after_24_02_2022", "occupied_to_24_02_2022", "unspecified",
                         "liberated", "other_territories", "occupied_total"}
    for row in rows.values():
        assert set(row) >= {"category", "area_km2", "share_pct", "denominator_km2", "method", "features"}
        assert row["method"] == "spherical" and row["denominator_km2"] == 603_700
    assert rows["other_territories"]["counted"] is False
    total = rows["occupied_after_24_02_2022"]["area_km2"] + rows["occupied_to_24_02_2022"]["area_km2"]
    assert rows["occupied_total"]["area_km2"] == pytest.approx(total, rel=1e-6)
    assert rows["occupied_total"]["share_pct"] == pytest.approx(total / 603_700 * 100, abs=1e-3)
    assert "1 null geometry" in result.stderr
    # without --method a DeepState map is measured the way DeepState measures it
    default = CliRunner().invoke(cli, ["area", str(path), "--format", "json"])
    assert {row["method"] for row in json.loads(default.stdout)} == {"spherical"}


def test_area_command_table_and_errors(tmp_path):
    path = write_map(tmp_path / "zone.geojson", [poly(34.4, 31.3, 34.5, 31.4)])
    result = CliRunner().invoke(cli, ["area", str(path), "--denominator", "365"])
    assert result.exit_code == 0 and "all" in result.stdout and "method: geodesic" in result.stdout
    (tmp_path / "cut.geojson").write_text('{"type": "FeatureCollection", "features": [{"type"')
    result = CliRunner().invoke(cli, ["area", str(tmp_path / "cut.geojson")])
    assert result.exit_code == 2 and "cut.geojson" in result.stderr and "truncated" in result.stderr
    bad = write_map(tmp_path / "bad.geojson", [poly(34.4, 31.3, 34.5, 31.4),
                                               {"type": "Feature", "properties": {"OBJECTID": 3},
                                                "geometry": {"type": "Polygon", "coordinates": [[[1, 2], [3, 4]]]}}])
    result = CliRunner().invoke(cli, ["area", str(bad)])
    assert result.exit_code == 1 and "feature #1 (OBJECTID=3)" in result.stderr


@pytest.mark.skipif(not SHARED_DATA.exists(), reason="../shared/data is absent")
def test_area_command_on_the_gaza_zone(tmp_path):
    result = CliRunner().invoke(cli, ["area", str(SHARED_DATA / "IDF_zone_191025.geojson"),
                                      "--denominator", "365", "--format", "json"])
    assert result.exit_code == 0
    [row, _union] = json.loads(result.stdout)
    assert row["area_km2"] == pytest.approx(194.5, abs=0.1) and row["share_pct"] == pytest.approx(53.3, abs=0.1)
