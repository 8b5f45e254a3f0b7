"""The map sources end to end: deepstate against a real local HTTP server, geojson and table
on files written in the test and on the real exports in ../shared/data (read in place)."""

from __future__ import annotations

import csv
import json
from datetime import datetime, timezone
from pathlib import Path

import pytest

from tracker.ledger import read_claims
from tracker.pipeline import run_ingest
from tracker.sources import load_sources

SHARED_DATA = Path(__file__).resolve().parents[1].parent / "shared" / "data"
NOW = datetime(2026, 1, 5, 12, 0, tzinfo=timezone.utc)
FAST = ('[settings]\ncontact = "t@example.org"\nper_host_delay_s = 0\nretries = 0\n'
        'allow_private_hosts = true\n\n')  # the test server is on loopback


def box(lon0, lat0, lon1, lat1):
    return [[lon0, lat0, 0], [lon1, lat0, 0], [lon1, lat1, 0], [lon0, lat1, 0], [lon0, lat0, 0]]


def snapshot(occupied_east: float) -> bytes:
    """A tiny DeepState map: occupied area grows eastwards with ``occupied_east``."""
    def feature(coords, key, fill):
        return {"type": "Feature", "geometry": {"type": "Polygon", "coordinates": [coords]},
                "properties": {"name": f"u /// e /// geoJSON.{key}\n", "fill": fill}}
    return json.dumps({"type": "FeatureCollection", "features": [
        feature(box(37, 47, occupied_east, 48), "status.occupied", "#a52714"),
        feature(box(33, 45, 34, 46), "territories.crimea", "#880e4f"),
        feature(box(30, 62, 33, 65), "territories.karelia", "#ff5252"),
        {"type": "Feature", "geometry": {"type": "Point", "coordinates": [36, 48, 0]}, "properties": {}},
    ]}).encode()


def stamp(text: str) -> int:
    return int(datetime.fromisoformat(text).replace(tzinfo=timezone.utc).timestamp())


SNAPS = {stamp("2025-10-31T20:00"): 38.0, stamp("2025-11-30T20:00"): 38.1}


def serve_deepstate(httpserver, snaps=SNAPS, list_status=200):
    if list_status == 200:
        httpserver.expect_request("/api/history/public").respond_with_json(
            [{"id": sid, "status": True} for sid in sorted(snaps)])
    else:
        httpserver.expect_request("/api/history/public").respond_with_data("no", status=list_status)
    for sid, east in snaps.items():
        httpserver.expect_request(f"/api/history/{sid}/geojson").respond_with_data(
            snapshot(east), content_type="application/json")
        httpserver.expect_request(f"/api/history/{sid}/areas").respond_with_json(
            [{"hash": "#a52714", "area": 7000.0, "percent": "1.1", "type": "occupied_after_24_02_2022"},
             {"hash": "#880e4f", "area": 12000.0, "percent": "2.0", "type": "occupied_to_24_02_2022"}])


def write_sources(folder: Path, body: str) -> Path:
    path = folder / "sources.toml"
    path.write_text(FAST + body, encoding="utf-8")
    return path


def ingest(folder: Path, sources: Path):
    return run_ingest(load_sources(sources), folder / "data", NOW)


def geojson_requests(httpserver) -> list[str]:
    return [request.path for request, _ in httpserver.log if request.path.endswith("/geojson")]


def test_deepstate_lists_fetches_measures_and_second_run_fetches_nothing(tmp_path, httpserver):
    serve_deepstate(httpserver)
    sources = write_sources(tmp_path, '[[source]]\nid = "ds"\nkind = "deepstate"\n'
                                      f'base_url = "{httpserver.url_for("/api/history")}"\n')
    first = ingest(tmp_path, sources)
    assert first.outcomes[0].ok, first.outcomes[0].error
    assert len(geojson_requests(httpserver)) == 2
    sidecars = [json.loads(p.read_text()) for p in (tmp_path / "data" / "raw" / "ds").glob("*.meta.json")]
    # the two /areas answers are the same bytes: stored once, the second id kept as an alias
    assert sorted(s["content_type"] for s in sidecars) == ["application/geo+json"] * 2 + ["application/json"]
    claims = read_claims(tmp_path / "data" / "processed" / "claims.csv")
    computed = claims[claims["method"] == "computed"]
    stock = computed[(computed["metric"] == "area_controlled_km2")
                     & computed["definition"].str.startswith("occupied_total")]
    assert sorted(stock["as_of"]) == ["2025-10-31", "2025-11-30"]
    row = stock.sort_values("as_of").iloc[0]
    assert "DeepState snapshot" in row["quote"] and "spherical" in row["quote"]
    assert row["url"].endswith(f"/api/history/{min(SNAPS)}/geojson")
    assert len(row["snapshot_sha256"]) == 64 and row["attribution"] == "DeepState"
    assert "603,700" in computed[computed["metric"] == "share_controlled_pct"].iloc[0]["definition"]
    # Karelia (satire) is not in the occupied total: box 37..38 x 47..48 plus Crimea's box
    assert 15_000 < row["value"] < 20_000
    [gain] = computed[computed["metric"] == "area_gained_km2"].itertuples()
    assert (gain.period_start, gain.period_end) == ("2025-11-01", "2025-11-30")
    assert str(min(SNAPS)) in gain.quote and str(max(SNAPS)) in gain.quote
    assert 0 < gain.value < 1_000
    reported = claims[claims["method"] == "reported"]
    assert set(reported["value"]) == {19_000.0}

    before = (tmp_path / "data" / "processed" / "claims.csv").read_bytes()
    second = ingest(tmp_path, sources)
    assert second.outcomes[0].ok
    assert len(geojson_requests(httpserver)) == 2  # nothing new fetched
    assert not second.ledger_changed
    assert (tmp_path / "data" / "processed" / "claims.csv").read_bytes() == before


def test_deepstate_new_snapshot_on_the_list_is_the_only_one_fetched(tmp_path, httpserver):
    serve_deepstate(httpserver)
    sources = write_sources(tmp_path, '[[source]]\nid = "ds"\nkind = "deepstate"\n'
                                      f'base_url = "{httpserver.url_for("/api/history")}"\n')
    ingest(tmp_path, sources)
    httpserver.clear()
    newer = {**SNAPS, stamp("2025-12-31T21:00"): 38.2}
    serve_deepstate(httpserver, newer)
    result = ingest(tmp_path, sources)
    assert result.outcomes[0].ok
    assert geojson_requests(httpserver) == [f"/api/history/{stamp('2025-12-31T21:00')}/geojson"]
    claims = read_claims(tmp_path / "data" / "processed" / "claims.csv")
    assert "2025-12-31" in set(claims["period_end"].dropna())


def test_deepstate_list_401_is_a_recorded_failure_and_stored_data_stays(tmp_path, httpserver):
    serve_deepstate(httpserver)
    sources = write_sources(tmp_path, '[[source]]\nid = "ds"\nkind = "deepstate"\n'
                                      f'base_url = "{httpserver.url_for("/api/history")}"\n')
    ingest(tmp_path, sources)
    ledger = (tmp_path / "data" / "processed" / "claims.csv").read_bytes()
    httpserver.clear()
    serve_deepstate(httpserver, list_status=401)
    result = ingest(tmp_path, sources)
    [outcome] = result.outcomes
    assert not outcome.ok and "401" in outcome.error and "mirror" in outcome.error
    assert result.exit_code == 1
    with (tmp_path / "data" / "state" / "source_health.csv").open() as handle:
        [health] = list(csv.DictReader(handle))
    assert health["status"] == "failed" and "401" in health["error"]
    assert (tmp_path / "data" / "processed" / "claims.csv").read_bytes() == ledger


def test_deepstate_truncated_snapshot_is_rejected_and_not_stored(tmp_path, httpserver):
    sid = min(SNAPS)
    httpserver.expect_request("/api/history/public").respond_with_json([{"id": sid}])
    httpserver.expect_request(f"/api/history/{sid}/geojson").respond_with_data(snapshot(38)[:-40])
    sources = write_sources(tmp_path, '[[source]]\nid = "ds"\nkind = "deepstate"\nareas_url = ""\n'
                                      f'base_url = "{httpserver.url_for("/api/history")}"\n')
    result = ingest(tmp_path, sources)
    assert result.outcomes[0].ok
    [(origin, reason)] = result.rejected
    assert origin.endswith(f"/{sid}/geojson") and "ds: snapshot" in reason and "truncated" in reason
    assert not list((tmp_path / "data" / "raw" / "ds").glob("*.meta.json")) if (tmp_path / "data" / "raw" / "ds").exists() else True


def test_deepstate_mirror_with_its_own_url_pattern(tmp_path, httpserver):
    sid = min(SNAPS)
    httpserver.expect_request("/mirror/index.json").respond_with_json([sid])
    httpserver.expect_request(f"/mirror/geojsons/{sid}.geojson").respond_with_data(snapshot(38))
    sources = write_sources(tmp_path, '[[source]]\nid = "ds"\nkind = "deepstate"\nareas_url = ""\n'
                                      f'list_url = "{httpserver.url_for("/mirror/index.json")}"\n'
                                      f'snapshot_url = "{httpserver.url_for("/mirror/geojsons")}/{{id}}.geojson"\n')
    result = ingest(tmp_path, sources)
    assert result.outcomes[0].ok and result.claims_new == 3


# --- geojson ----------------------------------------------------------------------------------


def test_geojson_source_on_a_synthetic_map_with_null_geometry(tmp_path):
    features = [{"type": "Feature", "properties": {"day": "2025-10-19T16:26:00", "kind": "zone"},
                 "geometry": {"type": "Polygon", "coordinates": [box(34.4, 31.3, 34.5, 31.4)]}},
                {"type": "Feature", "properties": {"day": "2025-10-19", "kind": "zone"}, "geometry": None},
                {"type": "Feature", "properties": {"day": "2025-10-19", "kind": "other"},
                 "geometry": {"type": "Polygon", "coordinates": [box(34.2, 31.2, 34.3, 31.3)]}}]
    (tmp_path / "zone.geojson").write_text(json.dumps({"type": "FeatureCollection", "features": features}))
    sources = write_sources(tmp_path, '[[source]]\nid = "zone"\nkind = "geojson"\npath = "zone.geojson"\n'
                                      'actor = "Israel"\nterritory = "Gaza Strip"\nconflict = "israel-gaza"\n'
                                      'date_property = "day"\nwhere = { kind = "zone" }\n'
                                      'denominator_km2 = 365\ndata_producer = "Gaza Maps"\n')
    result = ingest(tmp_path, sources)
    assert result.outcomes[0].ok and result.exit_code == 0
    claims = read_claims(tmp_path / "data" / "processed" / "claims.csv").set_index("metric")
    area = claims.loc["area_controlled_km2"]
    assert 90 < area["value"] < 110 and area["as_of"] == "2025-10-19"
    assert "1 null geometry skipped" in area["quote"]
    assert claims.loc["share_controlled_pct", "value"] == pytest.approx(area["value"] / 365 * 100, rel=1e-4)
    assert "geodesic" in area["definition"] and "365" in claims.loc["share_controlled_pct", "definition"]


@pytest.mark.parametrize("geometry, words", [
    ({"type": "Polygon", "coordinates": [[[34.4, 31.3], [34.5, 31.3], [34.5, 31.4], [34.4, 31.4]]]}, "not closed"),
    ({"type": "Polygon", "coordinates": [[[3440000, 3130000], [3450000, 3130000], [3450000, 3140000], [3440000, 3130000]]]}, "outside lon"),
])
def test_geojson_bad_feature_withholds_the_figure_and_names_source_and_feature(tmp_path, geometry, words):
    features = [{"type": "Feature", "properties": {"OBJECTID": 7}, "geometry": geometry},
                {"type": "Feature", "properties": {"OBJECTID": 8},
                 "geometry": {"type": "Polygon", "coordinates": [box(34.2, 31.2, 34.3, 31.3)]}}]
    (tmp_path / "m.geojson").write_text(json.dumps({"type": "FeatureCollection", "features": features}))
    sources = write_sources(tmp_path, '[[source]]\nid = "zone"\nkind = "geojson"\npath = "m.geojson"\n'
                                      'actor = "Israel"\nas_of = "2025-10-19"\n')
    result = ingest(tmp_path, sources)
    [(origin, reason)] = result.rejected
    assert origin.endswith("#feature-0") and "zone:" in reason and "OBJECTID=7" in reason and words in reason
    claims = read_claims(tmp_path / "data" / "processed" / "claims.csv")
    assert claims.empty  # the other feature alone would be too small an area


def test_geojson_truncated_and_empty_files_fail_the_source_with_its_name(tmp_path):
    (tmp_path / "cut.geojson").write_bytes(json.dumps({"type": "FeatureCollection", "features": [
        {"type": "Feature", "properties": {}, "geometry": {"type": "Polygon", "coordinates": [box(30, 46, 31, 47)]}}
    ]}).encode()[:-30])
    (tmp_path / "empty.geojson").write_text('{"type": "FeatureCollection", "features": []}')
    sources = write_sources(tmp_path,
                            '[[source]]\nid = "cut"\nkind = "geojson"\npath = "cut.geojson"\nactor = "Russia"\nas_of = "2025-01-01"\n\n'
                            '[[source]]\nid = "empty"\nkind = "geojson"\npath = "empty.geojson"\nactor = "Russia"\nas_of = "2025-01-01"\n')
    result = ingest(tmp_path, sources)
    cut, empty = result.outcomes
    assert not cut.ok and "cut" in cut.error and "truncated" in cut.error
    assert not empty.ok and "no polygon feature" in empty.error


def test_geojson_50_mb_file_is_capped_with_a_message_or_measured_when_allowed(tmp_path):
    """50 MB of valid GeoJSON: 20 boxes whose edges carry ~2.4 million vertices in all."""
    import math

    from tracker import geo

    path = tmp_path / "big.geojson"
    steps = 25_000
    with path.open("w", encoding="utf-8") as handle:
        handle.write('{"type": "FeatureCollection", "features": [')
        for number in range(20):
            lon0, lat0 = 30 + number * 0.5, 46.0
            ts = [k / steps for k in range(steps)]
            ring = ([(lon0 + 0.4 * t, lat0) for t in ts] + [(lon0 + 0.4, lat0 + 0.4 * t) for t in ts]
                    + [(lon0 + 0.4 - 0.4 * t, lat0 + 0.4) for t in ts] + [(lon0, lat0 + 0.4 - 0.4 * t) for t in ts]
                    + [(lon0, lat0)])
            coords = ",".join(f"[{x:.7f},{y:.7f},0]" for x, y in ring)
            handle.write(("," if number else "") + '{"type":"Feature","properties":{"n":%d},'
                         '"geometry":{"type":"Polygon","coordinates":[[%s]]}}' % (number, coords))
        handle.write("]}")
    assert path.stat().st_size > 50_000_000
    sources = write_sources(tmp_path, '[[source]]\nid = "big"\nkind = "geojson"\npath = "big.geojson"\n'
                                      'actor = "Russia"\nas_of = "2025-01-01"\n')
    result = ingest(tmp_path, sources)
    [outcome] = result.outcomes
    assert not outcome.ok and "big" in outcome.error and "cap" in outcome.error

    sources.write_text(sources.read_text().replace('as_of = "2025-01-01"', 'as_of = "2025-01-01"\nmax_bytes = 80000000\narea_method = "spherical"'))
    result = ingest(tmp_path, sources)
    assert result.outcomes[0].ok, result.outcomes[0].error
    [row] = read_claims(tmp_path / "data" / "processed" / "claims.csv").itertuples()
    one_box = geo.SPHERE_RADIUS_M ** 2 / 1e6 * math.radians(0.4) * (
        math.sin(math.radians(46.4)) - math.sin(math.radians(46.0)))
    assert row.value == pytest.approx(20 * one_box, rel=1e-6)


# --- real exports in ../shared/data, read in place ------------------------------------------

needs_shared = pytest.mark.skipif(not SHARED_DATA.exists(), reason="../shared/data is absent")


@needs_shared
def test_isw_export_loads_with_null_geometries_skipped_and_counted(tmp_path):
    sources = write_sources(tmp_path, '[[source]]\nid = "isw"\nkind = "geojson"\n'
                                      f'path = "{SHARED_DATA / "2024-07-18.geojson"}"\n'
                                      'allow_outside = true\n'  # the shared data lies outside the temp project
                                      'actor = "Russia"\nterritory = "Ukraine"\ndata_producer = "ISW"\n'
                                      'date_property = "date"\nwhere = { layer_type = "ukraine_control_map" }\n'
                                      'denominator_km2 = 603628\n')
    result = ingest(tmp_path, sources)
    assert result.outcomes[0].ok, result.outcomes[0].error
    claims = read_claims(tmp_path / "data" / "processed" / "claims.csv").set_index("metric")
    area = claims.loc["area_controlled_km2"]
    assert area["as_of"] == "2024-07-18" and "3 null geometries skipped" in area["quote"]
    # the file's own area_km2 values sum to 108,301.32 km²; ours is the repaired union
    assert area["value"] == pytest.approx(108_301.32, rel=0.002)
    assert "geometry_repaired" in area["flags"] and area["data_producer"] == "ISW"


@needs_shared
def test_isw_arcgis_export_with_epoch_milliseconds(tmp_path):
    sources = write_sources(tmp_path, '[[source]]\nid = "isw22"\nkind = "geojson"\n'
                                      f'path = "{SHARED_DATA / "20220403_RussianAssessedCoTinUkraine.geojson"}"\n'
                                      'allow_outside = true\n'  # the shared data lies outside the temp project
                                      'actor = "Russia"\nterritory = "Ukraine"\ndata_producer = "ISW"\n'
                                      'date_property = "datetime"\n')
    result = ingest(tmp_path, sources)
    assert result.outcomes[0].ok, result.outcomes[0].error
    [row] = read_claims(tmp_path / "data" / "processed" / "claims.csv").itertuples()
    assert row.as_of == "2022-04-03" and row.value == pytest.approx(103_641, rel=0.001)


@needs_shared
def test_gaza_zone_is_about_194_5_km2_and_53_pct_of_the_strip(tmp_path):
    sources = write_sources(tmp_path, '[[source]]\nid = "gaza"\nkind = "geojson"\n'
                                      f'path = "{SHARED_DATA / "IDF_zone_191025.geojson"}"\n'
                                      'allow_outside = true\n'  # the shared data lies outside the temp project
                                      'actor = "Israel"\nterritory = "Gaza Strip"\nconflict = "israel-gaza"\n'
                                      'as_of = "2025-10-19"\ndenominator_km2 = 365\ndata_producer = "Gaza Maps"\n')
    result = ingest(tmp_path, sources)
    assert result.outcomes[0].ok, result.outcomes[0].error
    claims = read_claims(tmp_path / "data" / "processed" / "claims.csv").set_index("metric")
    assert claims.loc["area_controlled_km2", "value"] == pytest.approx(194.5, abs=0.1)
    assert claims.loc["share_controlled_pct", "value"] == pytest.approx(53.3, abs=0.1)


@needs_shared
def test_table_source_reads_the_isw_daily_series(tmp_path):
    sources = write_sources(tmp_path, '[[source]]\nid = "isw-daily"\nkind = "table"\n'
                                      f'path = "{SHARED_DATA / "daily_areas.json"}"\n'
                                      'allow_outside = true\n'  # the shared data lies outside the temp project
                                      'metric = "area_controlled_km2"\nactor = "Russia"\nterritory = "Ukraine"\n'
                                      'data_producer = "ISW"\ncolumns = { value = "areaKm2", date = "date" }\n'
                                      'where = { layerType = "ukraine_control_map" }\n')
    result = ingest(tmp_path, sources)
    assert result.outcomes[0].ok, result.outcomes[0].error
    claims = read_claims(tmp_path / "data" / "processed" / "claims.csv")
    assert len(claims) > 600 and set(claims["method"]) == {"reported"}
    day = claims[claims["as_of"] == "2024-07-18"]
    assert list(day["value"]) == [108301.31]


def test_table_source_csv_with_a_bad_row_rejects_only_that_row(tmp_path):
    (tmp_path / "series.csv").write_text("month_start,month_end,gain,who\n"
                                         "2025-10-01,2025-10-31,461,ISW\n"
                                         "2025-11-01,2025-11-30,about 500,ISW\n"
                                         "2025-12-01,not a date,300,ISW\n", encoding="utf-8")
    sources = write_sources(tmp_path, '[[source]]\nid = "gains"\nkind = "table"\npath = "series.csv"\n'
                                      'metric = "area_gained_km2"\nactor = "Russia"\nterritory = "Ukraine"\n'
                                      'columns = { value = "gain", period_start = "month_start", period_end = "month_end" }\n')
    result = ingest(tmp_path, sources)
    reasons = sorted(reason for _, reason in result.rejected)
    assert len(reasons) == 2 and "gains: row 3: gain: 'about 500' is not a number" in reasons[0]
    assert "month_end" in reasons[1]
    [row] = read_claims(tmp_path / "data" / "processed" / "claims.csv").itertuples()
    assert (row.value, row.period_start, row.period_end) == (461.0, "2025-10-01", "2025-10-31")


def test_bad_map_options_are_configuration_errors(tmp_path):
    from tracker.config import ConfigError

    sources = write_sources(tmp_path, '[[source]]\nid = "x"\nkind = "geojson"\npath = "a"\nurl = "https://example.org/b"\nactor = "R"\n')
    with pytest.raises(ConfigError, match="exactly one of 'path' or 'url'"):
        load_sources(sources)
    sources = write_sources(tmp_path, '[[source]]\nid = "x"\nkind = "deepstate"\narea_method = "planar"\n')
    with pytest.raises(ConfigError, match="area_method"):
        load_sources(sources)


def test_snapshot_id_is_the_last_unix_time_in_the_origin():
    from tracker.sources.deepstate import snapshot_id

    mirror = ("https://raw.githubusercontent.com/o/r/df633a1700680411949934a4345f1af263327377/"
              "geojsons/1648989208.geojson")
    assert snapshot_id(mirror) == 1648989208
    assert snapshot_id("http://127.0.0.1:8765/api/history/1754251105/areas") == 1754251105
    assert snapshot_id("https://deepstatemap.live/api/history/last") is None
    assert snapshot_id("path/123456789012/x") is None


def test_geojson_bad_feature_outside_the_mapping_does_not_withhold_the_figure(tmp_path):
    features = [{"type": "Feature", "properties": {"layer": "arrows"},
                 "geometry": {"type": "Polygon", "coordinates": [[[1, 2], [3, 4]]]}},
                {"type": "Feature", "properties": {"layer": "control"},
                 "geometry": {"type": "Polygon", "coordinates": [box(34.2, 31.2, 34.3, 31.3)]}}]
    (tmp_path / "m.geojson").write_text(json.dumps({"type": "FeatureCollection", "features": features}))
    sources = write_sources(tmp_path, '[[source]]\nid = "m"\nkind = "geojson"\npath = "m.geojson"\n'
                                      'actor = "Israel"\nas_of = "2025-10-19"\nwhere = { layer = "control" }\n')
    result = ingest(tmp_path, sources)
    assert result.rejected == [] and result.claims_new == 1


@needs_shared
def test_deepstate_source_on_the_real_snapshots_reproduces_the_published_areas(tmp_path, httpserver):
    """The five real snapshots served as the API would; the claims agree with area_history.csv."""
    ids = sorted(int(p.stem) for p in SHARED_DATA.glob("*.geojson") if p.stem.isdigit())
    httpserver.expect_request("/api/history/public").respond_with_json([{"id": i} for i in ids])
    for sid in ids:
        httpserver.expect_request(f"/api/history/{sid}/geojson").respond_with_data(
            (SHARED_DATA / f"{sid}.geojson").read_bytes(), content_type="application/json")
    sources = write_sources(tmp_path, '[[source]]\nid = "ds"\nkind = "deepstate"\nareas_url = ""\n'
                                      f'base_url = "{httpserver.url_for("/api/history")}"\n')
    result = ingest(tmp_path, sources)
    assert result.outcomes[0].ok and result.rejected == []
    published: dict[tuple[int, str], float] = {}  # (snapshot id, category) -> km²
    with (SHARED_DATA / "area_history.csv").open(encoding="utf-8", newline="") as handle:
        for row in csv.DictReader(handle):
            moment = datetime.strptime(row["time_index"], "%Y-%m-%d %H:%M:%S UTC")
            published[(stamp(moment.isoformat()), row["area_type"])] = float(row["area"])
    claims = read_claims(tmp_path / "data" / "processed" / "claims.csv")
    claims["sid"] = claims["quote"].str.extract(r"snapshot (\d+)", expand=False).astype(int)
    after = claims[claims["definition"].str.startswith("occupied_after_24_02_2022")]
    assert sorted(after["sid"]) == ids
    for row in after.itertuples():
        theirs = published[(row.sid, "occupied_after_24_02_2022")]
        assert abs(row.value - theirs) / theirs * 100 < 0.01
    total = claims[(claims["metric"] == "area_controlled_km2")
                   & claims["definition"].str.startswith("occupied_total")].set_index("sid")
    expected = published[(1754251105, "occupied_after_24_02_2022")] + published[(1754251105, "occupied_to_24_02_2022")]
    assert total.loc[1754251105, "value"] == pytest.approx(expected, rel=1e-5)  # union: overlaps once
    assert total.loc[1754251105, "as_of"] == "2025-08-03"
    assert "geometry_repaired" in total.loc[1648989208, "flags"]
