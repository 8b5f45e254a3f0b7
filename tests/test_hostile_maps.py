"""Hostile maps: coordinates that are not numbers, self-intersections that are costly to
repair, DeepState snapshot ids that cannot be snapshots, and damaged DeepState state. Runs go
through the real CLI (DeepState against a local HTTP server); geometry through tracker.geo."""

from __future__ import annotations

import json
from datetime import datetime, timezone
from pathlib import Path

import numpy as np
import pytest
import shapely
from click.testing import CliRunner

from tracker import geo
from tracker.cli import cli
from conftest import csv_table as table, ledger_rows as claims

NOW = "2026-01-05T12:00:00Z"
NOW_S = int(datetime(2026, 1, 5, 12, tzinfo=timezone.utc).timestamp())
SETTINGS = ('[settings]\ncontact = "t@example.org"\nper_host_delay_s = 0\nretries = 0\n'
            'allow_private_hosts = true\n\n')  # the test server is on loopback


def box(lon0, lat0, lon1, lat1):
    return [[lon0, lat0], [lon1, lat0], [lon1, lat1], [lon0, lat1], [lon0, lat0]]


def run(folder: Path, *args: str):
    return CliRunner(env={"TRACKER_NOW": NOW}).invoke(cli, list(args))


def ingest(folder: Path, body: str):
    (folder / "sources.toml").write_text(SETTINGS + body, encoding="utf-8")
    return run(folder, "ingest", "--sources", str(folder / "sources.toml"),
               "--data-dir", str(folder / "data"))




def quarantine(folder: Path) -> list[dict[str, str]]:
    return table(folder / "data" / "processed" / "quarantine.csv")


# --- coordinates must be JSON numbers -------------------------------------------------------

GOOD = [30, 46]
BAD_POSITIONS = {  # raw JSON of a position, what the message shows
    "true": ("[31, true]", "true"),
    "text": ('[31, "46.5"]', '"46.5"'),
    "null": ("[31, null]", "null"),
    "nested": ("[[31], 46]", "[[31], 46]"),
    "one value": ("[31]", "[31]"),
    "NaN": ("[31, NaN]", "non-finite"),
    "Infinity": ("[31, Infinity]", "non-finite"),
    "1e400": ("[31, 1e400]", "non-finite"),
    "huge integer": ("[31, 1" + "0" * 400 + "]", "too large"),
    "object": ('{"lon": 31, "lat": 46}', "position 1"),
}


def map_with_position(raw_position: str) -> str:
    ring = f"[[30, 46], {raw_position}, [31, 47], [30, 47], [30, 46]]"
    return ('{"type": "FeatureCollection", "features": [{"type": "Feature", '
            '"properties": {"name": "bad one"}, "geometry": {"type": "Polygon", '
            f'"coordinates": [{ring}]}}}}]}}')


@pytest.mark.parametrize("name", sorted(BAD_POSITIONS))
def test_a_coordinate_that_is_no_number_withholds_the_map_and_names_the_feature(tmp_path, name):
    raw, shown = BAD_POSITIONS[name]
    (tmp_path / "m.geojson").write_text(map_with_position(raw), encoding="utf-8")
    result = ingest(tmp_path, '[[source]]\nid = "m"\nkind = "geojson"\npath = "m.geojson"\n'
                              'actor = "Russia"\nas_of = "2025-10-19"\n')
    assert result.exit_code == 3, result.output  # quarantined, not a silent wrong area
    assert claims(tmp_path) == []
    [row] = quarantine(tmp_path)
    assert "feature #0 (bad one)" in row["reason"] and shown in row["reason"], row["reason"]


@pytest.mark.parametrize("coordinates", ["false", "0", '""', "[true]", "[0]", '["ring"]'])
def test_coordinates_that_are_no_list_are_unmeasurable_not_empty(coordinates):
    for kind in ("Polygon", "MultiPolygon"):
        payload = ('{"type": "FeatureCollection", "features": [{"type": "Feature", "properties": '
                   f'{{"name": "bad one"}}, "geometry": {{"type": "{kind}", "coordinates": {coordinates}}}}}]}}')
        scan = geo.measure_map(payload.encode(), "spherical").scan
        assert scan.features == [] and scan.skipped_empty == 0, (kind, coordinates)
        [problem] = scan.problems
        assert "bad one" in str(problem)


def test_numbers_written_as_integers_floats_and_with_z_are_still_read():
    ring = [[30, 46.0, 0], [31.0, 46, 12.5], [31, 47], [30, 47], [30, 46]]
    payload = json.dumps({"type": "FeatureCollection", "features": [
        {"type": "Feature", "properties": {}, "geometry": {"type": "Polygon", "coordinates": [ring]}}]})
    measured = geo.measure_map(payload.encode(), "spherical")
    assert measured.scan.problems == [] and measured.categories["all"].area_km2 > 8_000


# --- self-intersections: near-linear repair, a cap past which nothing is repaired ------------


def star(n: int, step: int) -> np.ndarray:
    """A star polygon {n/step}: every edge crosses 2(step-1) others, n(step-1) in all."""
    angles = np.arange(n) * step * 2 * np.pi / n
    ring = np.column_stack([31 + np.cos(angles), 48 + np.sin(angles)])
    return np.vstack([ring, ring[:1]])


def looped_circle(n: int) -> np.ndarray:
    """A circle whose boundary makes a small loop every fourth vertex (n/4 self-crossings)."""
    angles = np.linspace(0, 2 * np.pi, n, endpoint=False)
    radius = 1 + 0.05 * np.sin(angles * n / 4)
    angles = angles - (np.arange(n) % 4 == 2) * 3 * 2 * np.pi / n
    ring = np.column_stack([31 + radius * np.cos(angles), 48 + 0.7 * radius * np.sin(angles)])
    return np.vstack([ring, ring[:1]])


def one_feature(ring: np.ndarray, name: str = "tangle") -> bytes:
    return json.dumps({"type": "FeatureCollection", "features": [{"type": "Feature",
        "properties": {"name": name}, "geometry": {"type": "Polygon", "coordinates": [ring.tolist()]}}]}).encode()


@pytest.mark.parametrize("n, step", [(101, 3), (200, 7), (1001, 2)])
def test_crossings_are_counted_exactly(n, step):
    assert geo.count_crossings([[star(n, step)]], 10**9) == n * (step - 1)


def test_a_simple_ring_and_a_bow_tie_have_zero_and_one_crossing():
    assert geo.count_crossings([[np.asarray(box(30, 46, 31, 47), float)]], 10) == 0
    bowtie = np.asarray([[30, 46], [31, 47], [31, 46], [30, 47], [30, 46]], float)
    assert geo.count_crossings([[bowtie]], 10) == 1


def test_a_ring_of_many_small_loops_is_repaired_to_the_area_drawn():
    # 4,000 vertices, 1,000 loops: the old repair was quadratic here. The area drawn is the
    # disk plus every loop, as GEOS's edge-by-edge rebuild ('linework') also finds.
    ring = looped_circle(4000)
    measured = geo.measure_map(one_feature(ring), "spherical")
    [feature] = measured.scan.features
    assert "Self-intersection" in feature.repaired
    rebuilt = shapely.MultiPolygon([shapely.Polygon(p[0], p[1:]) for p in feature.polygons])
    reference = shapely.make_valid(shapely.Polygon(ring), method="linework")
    assert rebuilt.area == pytest.approx(reference.area, rel=1e-9)
    assert measured.union_km2["all"] == pytest.approx(measured.categories["all"].area_km2, rel=1e-9)


def test_overlapping_parts_of_one_feature_count_once():
    parts = [[box(30, 46, 32, 48)], [box(31, 47, 33, 49)]]
    payload = json.dumps({"type": "FeatureCollection", "features": [{"type": "Feature",
        "properties": {}, "geometry": {"type": "MultiPolygon", "coordinates": parts}}]}).encode()
    union = geo.measure_map(payload, "geodesic").categories["all"].area_km2
    apart = json.dumps({"type": "FeatureCollection", "features": [
        {"type": "Feature", "properties": {}, "geometry": {"type": "Polygon", "coordinates": p}}
        for p in parts]}).encode()
    assert union == pytest.approx(geo.measure_map(apart, "geodesic").union_km2["all"], rel=1e-9)


def test_overlapping_features_are_unioned_like_union_all():
    features = [{"type": "Feature", "properties": {}, "geometry": {"type": "Polygon",
                 "coordinates": [box(30 + i * 0.5, 46, 31 + i * 0.5, 47)]}} for i in range(7)]
    measured = geo.measure_map(json.dumps({"type": "FeatureCollection", "features": features}).encode(),
                               "spherical")
    expected = geo.polygon_areas_m2([geo._shapely_polygons(shapely.union_all(
        [geo._to_shapely(f.polygons) for f in measured.scan.features]))], "spherical")[0] / 1e6
    assert measured.union_km2["all"] == pytest.approx(expected, rel=1e-12)
    assert measured.union_km2["all"] < measured.categories["all"].area_km2  # overlaps counted once


def test_a_feature_with_too_many_crossings_is_named_not_repaired(tmp_path):
    ring = star(400, 199)  # 78,800 crossings: the old repair would run for many minutes
    measured = geo.measure_map(one_feature(ring, "star"), "spherical")
    [problem] = measured.scan.problems
    assert "star" in str(problem) and "50,000" in str(problem) and "crossings" in str(problem)
    (tmp_path / "m.geojson").write_bytes(one_feature(ring, "star"))
    result = ingest(tmp_path, '[[source]]\nid = "m"\nkind = "geojson"\npath = "m.geojson"\n'
                              'actor = "Russia"\nas_of = "2025-10-19"\n')
    assert result.exit_code == 3 and claims(tmp_path) == []
    assert "feature #0 (star)" in quarantine(tmp_path)[0]["reason"]


def comb(n: int) -> np.ndarray:
    """n long parallel edges, each box overlapping every other's, none crossing another."""
    step = 0.5 / n
    points = [[30.0 + lon, 46.0 + lat + 2 * i * step] for i in range(n // 2) for lon, lat in ((0, 0), (1, 1))]
    # back down the west side, touching every tooth's foot without crossing an edge
    return np.asarray(points + [[30.0, 46.0 + n * step]] + points[:1])


def test_tangled_long_edges_stop_the_count_early():
    # Almost no crossings, but n²/2 pairs of overlapping boxes: the candidate budget ends
    # the count, and the answer is "over the limit" rather than minutes of counting.
    assert geo.count_crossings([[comb(400)]], 50_000) == 0
    assert geo.count_crossings([[comb(4000)]], 50_000) == 50_001


# --- DeepState: snapshot ids outside 2022..now+1 day, damaged state -------------------------

GOOD_ID = int(datetime(2025, 11, 30, 20, tzinfo=timezone.utc).timestamp())
BAD_IDS = [1, 1_640_995_199, NOW_S + 2 * 86_400, 99_999_999_999, 10**20]


def deepstate_map() -> bytes:
    feature = {"type": "Feature", "geometry": {"type": "Polygon", "coordinates": [box(37, 47, 38, 48)]},
               "properties": {"name": "u /// e /// geoJSON.status.occupied", "fill": "#a52714"}}
    return json.dumps({"type": "FeatureCollection", "features": [feature]}).encode()


def serve(httpserver, ids) -> None:
    httpserver.expect_request("/api/history/public").respond_with_json([{"id": i} for i in ids])
    for sid in ids:
        httpserver.expect_request(f"/api/history/{sid}/geojson").respond_with_data(
            deepstate_map(), content_type="application/json")


def deepstate_source(httpserver) -> str:
    return ('[[source]]\nid = "ds"\nkind = "deepstate"\nareas_url = ""\n'
            f'base_url = "{httpserver.url_for("/api/history")}"\n')


def geojson_requests(httpserver) -> list[str]:
    return [request.path for request, _ in httpserver.log if request.path.endswith("/geojson")]


def test_implausible_snapshot_ids_are_rejected_by_id_never_fetched_or_kept(tmp_path, httpserver):
    serve(httpserver, [GOOD_ID, *BAD_IDS])
    for _ in range(2):  # the second run is not failed by anything the first one kept
        result = ingest(tmp_path, deepstate_source(httpserver))
        assert result.exit_code == 3 and "1 source(s), 0 failed" in result.output, result.output
    assert geojson_requests(httpserver) == [f"/api/history/{GOOD_ID}/geojson"]
    reasons = [row["reason"] for row in quarantine(tmp_path)]
    for sid in BAD_IDS:
        assert sum(f"snapshot id {sid} " in reason for reason in reasons) == 1, (sid, reasons)
    assert {row["as_of"] for row in claims(tmp_path) if row["as_of"]} == {"2025-11-30"}
    state = " ".join(p.read_text() for p in (tmp_path / "data" / "state").glob("*.json"))
    assert not any(str(sid) in state for sid in BAD_IDS if sid > 10**9)


def test_a_stored_snapshot_with_an_impossible_id_gives_no_figure(tmp_path, httpserver):
    from tracker.store import RawStore

    serve(httpserver, [GOOD_ID])
    # What an older version kept: a payload whose URL names snapshot 99999999999 (year 5138).
    RawStore(tmp_path / "data").put("ds", deepstate_map() + b" ",
                                    origin=httpserver.url_for("/api/history/99999999999/geojson"),
                                    content_type="application/geo+json", retrieved_at="2025-01-01T00:00:00Z")
    result = ingest(tmp_path, deepstate_source(httpserver))
    assert "1 source(s), 0 failed" in result.output, result.output
    assert any("stored snapshot id 99999999999" in row["reason"] for row in quarantine(tmp_path))
    assert {row["as_of"] for row in claims(tmp_path) if row["as_of"]} == {"2025-11-30"}


@pytest.mark.parametrize("aliases, areas", [
    ("not json at all", "{broken"),
    ('{"a": 1}', "[]"),
    (f'[["application/geo+json", {10**20}, "{"a" * 64}"], [1, 2], "x"]',
     '{"key": "1:' + geo.GEO_VERSION + ':spherical", "snapshots": []}'),
    ('[["application/geo+json", 1, "zz"]]',
     '{"key": "1:' + geo.GEO_VERSION + ':spherical", "snapshots": {"SHA": {"problems": 5}}}'),
])
def test_damaged_deepstate_state_is_rebuilt_not_fatal(tmp_path, httpserver, aliases, areas):
    serve(httpserver, [GOOD_ID])
    first = ingest(tmp_path, deepstate_source(httpserver))
    assert first.exit_code == 0, first.output
    state = tmp_path / "data" / "state"
    [raw] = [p for p in (tmp_path / "data" / "raw" / "ds").iterdir() if not p.name.endswith(".meta.json")]
    (state / "deepstate_aliases_ds.json").write_text(aliases, encoding="utf-8")
    (state / "map_areas_ds.json").write_text(areas.replace("SHA", raw.stem), encoding="utf-8")
    second = ingest(tmp_path, deepstate_source(httpserver))
    assert second.exit_code == 0, second.output
    assert json.loads((state / "deepstate_aliases_ds.json").read_text()) == []
    cache = json.loads((state / "map_areas_ds.json").read_text())
    assert isinstance(cache["snapshots"], dict) and len(cache["snapshots"]) == 1
    assert {row["as_of"] for row in claims(tmp_path) if row["as_of"]} == {"2025-11-30"}


def test_snapshot_ids_from_the_start_of_2022_to_a_day_ahead_are_plausible():
    from tracker.sources.deepstate import plausible_id

    now = datetime(2026, 1, 5, 12, tzinfo=timezone.utc)
    assert plausible_id(1_640_995_200, now) and plausible_id(NOW_S + 86_400, now)
    assert not plausible_id(1_640_995_199, now) and not plausible_id(NOW_S + 86_401, now)
