"""tracker.geo on synthetic maps written in the test: areas, categories, malformed input."""

from __future__ import annotations

import json
import math

import numpy as np
import pytest

from tracker import geo

R = geo.SPHERE_RADIUS_M
WGS84_A, WGS84_F = 6_378_137.0, 1 / 298.257223563


def box(lon0: float, lat0: float, lon1: float, lat1: float) -> list[list[float]]:
    return [[lon0, lat0], [lon1, lat0], [lon1, lat1], [lon0, lat1], [lon0, lat0]]


def sphere_box_km2(lon0, lat0, lon1, lat1) -> float:
    """Exact area of a lon/lat box on the sphere of radius R."""
    return R * R * math.radians(lon1 - lon0) * (math.sin(math.radians(lat1)) - math.sin(math.radians(lat0))) / 1e6


def ellipsoid_box_km2(lon0, lat0, lon1, lat1) -> float:
    """Exact area of a lon/lat box on WGS84 (edges along meridians and parallels)."""
    e2 = WGS84_F * (2 - WGS84_F)
    e = math.sqrt(e2)
    b2 = (WGS84_A * (1 - WGS84_F)) ** 2

    def q(phi: float) -> float:
        s = math.sin(math.radians(phi))
        return s / (1 - e2 * s * s) + math.log((1 + e * s) / (1 - e * s)) / (2 * e)

    return b2 * math.radians(lon1 - lon0) / 2 * (q(lat1) - q(lat0)) / 1e6


def feature(coords, **properties) -> dict:
    return {"type": "Feature", "properties": properties,
            "geometry": {"type": "Polygon", "coordinates": coords} if coords is not None else None}


def collection(*features) -> bytes:
    return json.dumps({"type": "FeatureCollection", "features": list(features)}).encode()


def ds_name(key: str, english: str = "x") -> str:
    return f"Укр /// {english}\xa0/// geoJSON.{key}\n"


# --- areas -------------------------------------------------------------------------------------


def test_spherical_area_of_a_box_is_exact():
    payload = collection(feature([box(30, 46, 31, 47)]))
    measured = geo.measure_map(payload, "spherical")
    assert measured.categories["all"].area_km2 == pytest.approx(sphere_box_km2(30, 46, 31, 47), rel=1e-9)


def test_geodesic_area_of_a_box_matches_the_closed_form_on_the_ellipsoid():
    payload = collection(feature([box(30, 46, 32, 48)]))
    measured = geo.measure_map(payload, "geodesic")
    expected = ellipsoid_box_km2(30, 46, 32, 48)
    assert measured.categories["all"].area_km2 == pytest.approx(expected, rel=2e-5)
    # and the ellipsoid reads a little more than DeepState's sphere at these latitudes
    assert 1.0001 < expected / sphere_box_km2(30, 46, 32, 48) < 1.001


def test_orientation_closure_and_vectorisation_do_not_change_the_area():
    ring = np.array(box(30, 46, 31, 47), dtype=float)
    clockwise = ring[::-1]
    unclosed = ring[:-1]
    coords = np.concatenate([ring, clockwise, unclosed])
    offsets = np.array([0, 5, 10, 14])
    areas = geo.spherical_ring_areas_m2(coords, offsets)
    assert abs(areas[0]) == pytest.approx(abs(areas[1]))
    assert areas[0] == pytest.approx(-areas[1])
    assert areas[2] == pytest.approx(areas[0])
    single = geo.spherical_ring_areas_m2(ring, np.array([0, 5]))[0]
    assert single == pytest.approx(areas[0], rel=1e-12)


def test_a_hole_is_subtracted_and_multipolygons_add_up():
    outer, hole = box(30, 46, 32, 48), box(30.5, 46.5, 31, 47)[::-1]
    multi = {"type": "Feature", "properties": {}, "geometry": {
        "type": "MultiPolygon", "coordinates": [[outer, hole], [box(33, 46, 34, 47)]]}}
    measured = geo.measure_map(collection(multi), "spherical")
    expected = sphere_box_km2(30, 46, 32, 48) - sphere_box_km2(30.5, 46.5, 31, 47) + sphere_box_km2(33, 46, 34, 47)
    assert measured.categories["all"].area_km2 == pytest.approx(expected, rel=1e-9)


def test_union_counts_overlaps_once():
    payload = collection(feature([box(30, 46, 31, 47)]), feature([box(30.5, 46, 31.5, 47)]))
    measured = geo.measure_map(payload, "spherical")
    assert measured.categories["all"].area_km2 == pytest.approx(2 * sphere_box_km2(30, 46, 31, 47), rel=1e-9)
    assert measured.union_km2["all"] == pytest.approx(sphere_box_km2(30, 46, 31.5, 47), rel=1e-6)


def test_share_against_a_named_denominator():
    assert geo.share_pct(194.5, 365.0) == pytest.approx(53.2877, abs=1e-3)
    with pytest.raises(ValueError):
        geo.share_pct(1.0, 0.0)


# --- DeepState categories ---------------------------------------------------------------------


def deepstate_map() -> bytes:
    return collection(
        feature([box(37, 47, 38, 48)], name=ds_name("status.occupied", "Occupied"), fill="#a52714"),
        feature([box(33, 45, 34, 46)], name=ds_name("territories.crimea"), fill="#880e4f"),
        feature([box(38, 48, 38.5, 48.5)], name=ds_name("status.unknown"), fill="#bcaaa4"),
        feature([box(35, 50, 36, 51)], name=ds_name("status.dismissed_at {{at:02.07}}"), fill="#0f9d58"),
        feature([box(30, 62, 33, 65)], name=ds_name("territories.karelia"), fill="#ff5252"),
        feature([box(35, 51.2, 35.2, 51.4)], name=ds_name("status.dismissed"), fill="#01579b"),
        # spring 2022: no key, colours only, Transnistria in the pre-2022 colour
        feature([box(29, 46.5, 29.5, 47.5)], name="Придністров'я", fill="#880e4f"),
        feature([box(36, 47, 36.5, 47.5)], name="Окуповано", fill="#a52714"),
        {"type": "Feature", "properties": {"name": "unit"}, "geometry": {"type": "Point", "coordinates": [36, 48, 0]}},
        feature(None, name="nothing"),
    )


def test_deepstate_categories_from_keys_and_colours_satire_never_counted():
    measured = geo.measure_map(deepstate_map(), "spherical")
    assert measured.deepstate
    cats = measured.categories
    assert cats[geo.OCCUPIED_AFTER].features == 2
    assert cats[geo.OCCUPIED_AFTER].area_km2 == pytest.approx(
        sphere_box_km2(37, 47, 38, 48) + sphere_box_km2(36, 47, 36.5, 47.5), rel=1e-9)
    assert cats[geo.OCCUPIED_BEFORE].area_km2 == pytest.approx(sphere_box_km2(33, 45, 34, 46), rel=1e-9)
    assert cats[geo.GREY_ZONE].features == 1 and cats[geo.LIBERATED].features == 1
    # Karelia (satire), Ukrainian-held Kursk and Transnistria are other_territories
    assert cats[geo.OTHER].features == 3
    assert measured.union_km2["occupied_total"] == pytest.approx(
        cats[geo.OCCUPIED_AFTER].area_km2 + cats[geo.OCCUPIED_BEFORE].area_km2, rel=1e-6)
    assert measured.scan.skipped_points == 1 and measured.scan.skipped_null == 1


def test_as_published_reproduces_deepstates_colour_grouping():
    published = geo.measure_map(deepstate_map(), "spherical", classify=lambda p: geo.deepstate_category(
        p, as_published=True))
    ours = geo.measure_map(deepstate_map(), "spherical")
    transnistria = sphere_box_km2(29, 46.5, 29.5, 47.5)
    assert published.categories[geo.OCCUPIED_BEFORE].area_km2 == pytest.approx(
        ours.categories[geo.OCCUPIED_BEFORE].area_km2 + transnistria, rel=1e-9)


def test_key_after_the_last_separator_even_across_lines():
    assert geo.deepstate_key({"name": "Окуповано\n///\nOccupied\n///\ngeoJSON.status.occupied\n"}) == "status.occupied"
    assert geo.deepstate_key({"name": "Окуповано"}) == ""


# --- monthly gains -----------------------------------------------------------------------------


def stamp(text: str) -> int:
    from datetime import datetime, timezone

    return int(datetime.fromisoformat(text).replace(tzinfo=timezone.utc).timestamp())


def test_monthly_gain_from_snapshots_nearest_the_boundaries():
    areas = {stamp("2025-10-31T20:00"): 100.0, stamp("2025-11-15T20:00"): 300.0,
             stamp("2025-11-30T21:00"): 800.0, stamp("2025-12-01T09:00"): 900.0}
    gains = geo.monthly_gains(areas)
    november = [g for g in gains if g.month == "2025-11"]
    assert len(november) == 1
    gain = november[0]
    assert (gain.start_id, gain.end_id) == (stamp("2025-10-31T20:00"), stamp("2025-11-30T21:00"))
    assert gain.change_km2 == 700.0
    assert (gain.period_start, gain.period_end) == ("2025-11-01", "2025-11-30")


def test_no_gain_when_a_boundary_has_no_snapshot_nearby():
    areas = {stamp("2025-11-10T00:00"): 1.0, stamp("2025-12-01T00:00"): 2.0}
    assert geo.monthly_gains(areas) == []


# --- malformed input: a clear message naming the feature, never a wrong area -----------------


def measure_one(geometry) -> geo.MapAreas:
    payload = json.dumps({"type": "FeatureCollection", "features": [
        {"type": "Feature", "properties": {"name": "bad one"}, "geometry": geometry}]}).encode()
    return geo.measure_map(payload, "spherical")


@pytest.mark.parametrize("coords, words", [
    ([[[30, 46], [31, 46], [31, 47], [30, 47]]], "not closed"),
    ([[[30, 46], [31, 46], [30, 46]]], "at least 4"),
    ([[[30, 46], [181, 46], [31, 47], [30, 46]]], "outside lon"),
    ([[[30, 46], [31, 95], [31, 47], [30, 46]]], "outside lon"),
    ([[[30, 46], ["a", 46], [31, 47], [30, 46]]], "position 1"),
    ([[[30, 46], [31], [31, 47], [30, 46]]], "position 1"),
    ([[[30, 46], [31, float("nan")], [31, 47], [30, 46]]], "non-finite"),
    ("nonsense", "polygon has no rings"),
    ([[[179, 60], [-179, 60], [-179, 61], [179, 61], [179, 60]]], "antimeridian"),
])
def test_malformed_rings_are_named_and_not_measured(coords, words):
    measured = measure_one({"type": "Polygon", "coordinates": coords})
    assert measured.scan.features == []
    [problem] = measured.scan.problems
    assert words in str(problem) and "bad one" in str(problem)
    assert measured.categories == {}


def test_three_d_coordinates_lose_their_z_and_keep_their_area():
    ring = [[lon, lat, 125.0] for lon, lat in box(30, 46, 31, 47)]
    measured = measure_one({"type": "Polygon", "coordinates": [ring]})
    assert measured.categories["all"].area_km2 == pytest.approx(sphere_box_km2(30, 46, 31, 47), rel=1e-9)


def test_self_intersecting_ring_is_repaired_not_mismeasured():
    # A bow-tie: the signed ring formula would give 0 (its lobes cancel); the area drawn
    # is two triangles of a quarter of the box each.
    bowtie = [[30, 46], [31, 47], [31, 46], [30, 47], [30, 46]]
    measured = measure_one({"type": "Polygon", "coordinates": [bowtie]})
    [item] = measured.scan.features
    assert "Self-intersection" in item.repaired
    assert measured.categories["all"].area_km2 == pytest.approx(
        sphere_box_km2(30, 46, 31, 47) / 2, rel=0.01)


def test_empty_collections_and_geometries_are_counted_not_measured():
    assert geo.measure_map(collection(), "spherical").categories == {}
    measured = geo.measure_map(collection(
        {"type": "Feature", "properties": {}, "geometry": {"type": "Polygon", "coordinates": []}},
        {"type": "Feature", "properties": {}, "geometry": {"type": "GeometryCollection", "geometries": []}},
    ), "spherical")
    assert measured.scan.skipped_empty == 2 and measured.scan.problems == []


@pytest.mark.parametrize("payload, words", [
    (collection(feature([box(30, 46, 31, 47)]))[:-25], "truncated"),
    (b"\xff\xfe not text", "UTF-8"),
    (b'{"type": "Topology"}', "not a GeoJSON FeatureCollection"),
    (b'{"type": "FeatureCollection"}', "no 'features' list"),
])
def test_unusable_documents_raise_a_clear_error(payload, words):
    with pytest.raises(geo.GeoError, match=words):
        geo.load_collection(payload)


def test_unknown_method_is_refused():
    with pytest.raises(ValueError, match="unknown area method"):
        geo.polygon_areas_m2([[[np.array(box(30, 46, 31, 47), dtype=float)]]], "planar")


# --- properties ----------------------------------------------------------------------------

from hypothesis import given, settings  # noqa: E402
from hypothesis import strategies as st  # noqa: E402

lons = st.floats(min_value=-170, max_value=169, allow_nan=False)
lats = st.floats(min_value=-80, max_value=79, allow_nan=False)
sizes = st.floats(min_value=0.001, max_value=1.0, allow_nan=False)


@settings(max_examples=60, deadline=None)
@given(st.lists(st.tuples(lons, lats, sizes, sizes), min_size=1, max_size=8))
def test_vectorised_spherical_equals_the_closed_form_for_any_boxes(cells):
    rings = [np.array(box(x, y, x + w, y + h), dtype=float) for x, y, w, h in cells]
    offsets = np.concatenate([[0], np.cumsum([len(r) for r in rings])])
    areas = np.abs(geo.spherical_ring_areas_m2(np.concatenate(rings), offsets)) / 1e6
    expected = [sphere_box_km2(x, y, x + w, y + h) for x, y, w, h in cells]
    assert np.allclose(areas, expected, rtol=1e-7, atol=1e-9)


@settings(max_examples=30, deadline=None)
@given(st.lists(st.tuples(st.floats(30, 31), st.floats(46, 47), sizes, sizes), min_size=1, max_size=5))
def test_union_never_exceeds_the_sum_nor_falls_below_the_largest(cells):
    payload = collection(*[feature([box(x, y, x + w, y + h)]) for x, y, w, h in cells])
    measured = geo.measure_map(payload, "spherical")
    total = measured.categories["all"].area_km2
    largest = max(sphere_box_km2(x, y, x + w, y + h) for x, y, w, h in cells)
    assert largest * (1 - 1e-6) <= measured.union_km2["all"] <= total * (1 + 1e-6)
