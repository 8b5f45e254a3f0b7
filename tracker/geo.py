"""Polygon areas of control maps: parsing, checking, measuring, classifying. Pure.

Nothing here reads the disk, the network or the clock: callers hand in the bytes of a
GeoJSON, KML or KMZ document (`load_map`; tracker/mapformats.py reads the last two) and get
areas back, with every feature that could not be measured named and explained rather than
silently dropped or mis-measured.

Two area methods, recorded with every figure:
- ``spherical``: the classic GeoJSON/turf ring-area formula (Chamberlain & Duquette) on a
  sphere of radius 6,378,137 m. DeepStateMap computes its published areas this way, so it
  is the method that reproduces them; vectorised with numpy over all rings at once.
- ``geodesic``: the true area on the WGS84 ellipsoid (pyproj/GeographicLib), the reference;
  it reads about 0.03-0.06 % above the spherical figure at Ukraine's latitudes.
"""

from __future__ import annotations

import itertools
import json
import re
from dataclasses import dataclass, field
from datetime import datetime, timezone
from typing import Any, Callable, Iterable

import numpy as np

GEO_VERSION = "geo-1"
SPHERE_RADIUS_M = 6_378_137.0
AREA_METHODS: tuple[str, ...] = ("spherical", "geodesic")
# Longest edge (degrees) measured without densifying; ~1 km, far below map precision.
RHUMB_STEP_DEG = 0.01

# Territory sizes for shares and plausibility checks, with who uses them.
DENOMINATORS_KM2: dict[str, float] = {
    "deepstate": 603_700.0,   # DeepStateMap: Ukraine including Crimea
    "afp": 603_628.0,         # AFP/ISW work
    "gaza": 365.0,            # the Gaza Strip
}

# DeepState's category names, as its /areas endpoint spells them.
OCCUPIED_AFTER = "occupied_after_24_02_2022"
OCCUPIED_BEFORE = "occupied_to_24_02_2022"
GREY_ZONE = "unspecified"
LIBERATED = "liberated"
OTHER = "other_territories"  # satire, non-Ukrainian areas, Russian soil: never counted
DEEPSTATE_CATEGORIES: tuple[str, ...] = (OCCUPIED_AFTER, OCCUPIED_BEFORE, GREY_ZONE, LIBERATED)
OCCUPIED_CATEGORIES: tuple[str, ...] = (OCCUPIED_AFTER, OCCUPIED_BEFORE)


class GeoError(ValueError):
    """A whole document is unusable (not JSON, not GeoJSON); the message says why."""


@dataclass
class MapFeature:
    """One polygonal feature, checked: polygons as lists of (n, 2) lon/lat rings."""

    index: int
    label: str
    properties: dict[str, Any]
    polygons: list[list[np.ndarray]]
    repaired: str = ""  # why the geometry was repaired, when it was

    @property
    def vertices(self) -> int:
        return sum(len(ring) for polygon in self.polygons for ring in polygon)


@dataclass
class FeatureProblem:
    index: int
    label: str
    reason: str
    properties: dict[str, Any] = field(default_factory=dict)

    def __str__(self) -> str:
        return f"feature #{self.index} ({self.label}): {self.reason}"


@dataclass
class FeatureScan:
    """What a FeatureCollection held: measurable features, skipped ones, problems."""

    features: list[MapFeature] = field(default_factory=list)
    problems: list[FeatureProblem] = field(default_factory=list)
    skipped_points: int = 0      # Point/MultiPoint/LineString layers: labels, units, arrows
    skipped_null: int = 0        # "geometry": null
    skipped_empty: int = 0       # polygonal type with no coordinates
    total: int = 0

    @property
    def vertices(self) -> int:
        return sum(f.vertices for f in self.features)

    def skipped_summary(self) -> str:
        return (f"{self.skipped_points} point/line feature(s), {self.skipped_null} null "
                f"geometr{'y' if self.skipped_null == 1 else 'ies'}, {self.skipped_empty} empty "
                "geometr" + ("y" if self.skipped_empty == 1 else "ies") + " skipped")


@dataclass(frozen=True)
class CategoryArea:
    category: str
    area_km2: float
    features: int
    vertices: int


# --- reading -------------------------------------------------------------------------------


def load_collection(payload: bytes) -> dict[str, Any]:
    """Parse GeoJSON bytes into a FeatureCollection dict (a bare Feature is wrapped)."""
    try:
        document = json.loads(payload)
    except UnicodeDecodeError as error:
        raise GeoError(f"not UTF-8 text (byte {error.start})") from None
    except json.JSONDecodeError as error:
        ending = payload.rstrip()[-1:]
        cut = error.pos >= len(payload.rstrip()) - 1 or ending not in (b"}", b"]")
        hint = " (truncated?)" if cut else ""
        raise GeoError(f"not valid JSON at byte {error.pos}: {error.msg}{hint}") from None
    if isinstance(document, dict) and isinstance(document.get("error"), dict):
        raise GeoError(arcgis_error_text(document["error"]))
    if isinstance(document, dict) and isinstance(document.get("map"), dict):
        document = document["map"]  # /api/history/last wraps the collection
    if isinstance(document, dict) and document.get("type") == "Feature":
        document = {"type": "FeatureCollection", "features": [document]}
    if not isinstance(document, dict) or document.get("type") != "FeatureCollection":
        kind = document.get("type") if isinstance(document, dict) else type(document).__name__
        raise GeoError(f"not a GeoJSON FeatureCollection (type {kind!r})")
    if not isinstance(document.get("features"), list):
        raise GeoError("FeatureCollection has no 'features' list")
    return document


def arcgis_error_text(error: dict[str, Any]) -> str:
    """ArcGIS reports a failed query inside a 200 answer: {"error": {"code", "message", "details"}}."""
    code = error.get("code")
    message = str(error.get("message") or "no message")[:200]
    details = error.get("details")
    extra = "; ".join(str(d)[:200] for d in details[:3]) if isinstance(details, list) else ""
    return (f"the server answered with an error instead of a map (ArcGIS error {code}: {message}"
            + (f"; {extra}" if extra else "") + ")")


def load_map(payload: bytes) -> dict[str, Any]:
    """A FeatureCollection dict from GeoJSON, KML or KMZ bytes, the format told by content."""
    return load_map_format(payload)[0]


def load_map_format(payload: bytes) -> tuple[dict[str, Any], str]:
    """(FeatureCollection, 'geojson' | 'kml' | 'kmz') of a map's bytes."""
    from tracker import mapformats  # it imports GeoError from here

    collection, kind = mapformats.map_collection(payload)
    return (collection if collection is not None else load_collection(payload)), kind


# ArcGIS's default and most common maximum page sizes ("maxRecordCount").
_ARCGIS_PAGE_SIZES = frozenset({1000, 2000})


def truncation_problem(collection: dict[str, Any]) -> tuple[str, bool]:
    """(why the map may be cut short, whether that is certain), or ('', False).

    An ArcGIS query answers at most one page of features and says so with
    exceededTransferLimit (top level in f=json, under "properties" in f=geojson): the rest
    of the map is missing and its area would be too small. A file whose OBJECTID features
    number exactly a default page size is probably such a page, saved without the flag.
    """
    flags = [collection.get("exceededTransferLimit")]
    if isinstance(collection.get("properties"), dict):
        flags.append(collection["properties"].get("exceededTransferLimit"))
    features = collection.get("features") or []
    if any(flag is True or flag == "true" for flag in flags):
        return (f"ArcGIS cut the answer short (exceededTransferLimit: true after {len(features):,} "
                "feature(s)): the map is incomplete and its area would be too small; query "
                "page by page (resultOffset, resultRecordCount) or narrow the 'where'"), True
    if (len(features) in _ARCGIS_PAGE_SIZES and isinstance(features[0], dict)
            and isinstance(features[0].get("properties"), dict)
            and "OBJECTID" in features[0]["properties"]):
        return (f"exactly {len(features):,} ArcGIS features, a default page size: the export "
                "may be cut short, making the area too small"), False
    return "", False


def feature_matches(properties: dict[str, Any], where: dict[str, Any]) -> bool:
    """Whether a feature's properties satisfy every condition of ``where``.

    ``where`` maps a property to a wanted value or a list of alternatives. A value matches
    when equal, or when both read the same as text ("3" matches 3, "true" matches true), so
    values typed on a command line match numbers and booleans in a file. A missing property
    matches nothing.
    """
    for key, wanted in where.items():
        if key not in properties:
            return False
        allowed = wanted if isinstance(wanted, list) else [wanted]
        if _as_text(properties[key]) not in {_as_text(a) for a in allowed}:
            return False
    return True


def _as_text(value: Any) -> str:
    """A property value as text for matching: JSON spellings of true, false and null, and
    1.0 as 1 (so true never matches 1, as Python's == would have it)."""
    if isinstance(value, bool):
        return "true" if value else "false"
    if value is None:
        return "null"
    if isinstance(value, float) and value.is_integer():
        return str(int(value))
    return str(value).strip()


def feature_label(properties: dict[str, Any], index: int) -> str:
    """A short human name for messages: the English part of a DeepState name, or an id."""
    name = properties.get("name")
    if isinstance(name, str) and name.strip():
        parts = [p.strip() for p in name.replace("\xa0", " ").split("///")]
        text = parts[1] if len(parts) >= 3 and parts[1] else parts[0]
        return text[:60]
    for key in ("OBJECTID", "id", "Block", "layer_type"):
        if key in properties and properties[key] not in (None, ""):
            return f"{key}={properties[key]}"
    return f"#{index}"


def scan_features(collection: dict[str, Any]) -> FeatureScan:
    """Check every feature; keep the polygonal ones, count the rest, explain the bad ones."""
    scan = FeatureScan()
    for index, feature in enumerate(collection.get("features", [])):
        scan.total += 1
        if not isinstance(feature, dict):
            scan.problems.append(FeatureProblem(index, f"#{index}", "not a GeoJSON Feature object"))
            continue
        properties = feature.get("properties") if isinstance(feature.get("properties"), dict) else {}
        label = feature_label(properties, index)
        geometry = feature.get("geometry")
        if geometry is None:
            scan.skipped_null += 1
            continue
        try:
            polygons, skipped = _polygons(geometry)
        except GeoError as error:
            scan.problems.append(FeatureProblem(index, label, str(error), properties))
            continue
        if not polygons:
            if skipped == "points":
                scan.skipped_points += 1
            else:
                scan.skipped_empty += 1
            continue
        item = MapFeature(index=index, label=label, properties=properties, polygons=polygons)
        problem = _validate_topology(item)
        if problem:
            scan.problems.append(FeatureProblem(index, label, problem, properties))
            continue
        scan.features.append(item)
    return scan


_NON_AREAL = frozenset({"Point", "MultiPoint", "LineString", "MultiLineString"})


def _polygons(geometry: Any) -> tuple[list[list[np.ndarray]], str]:
    """Polygons of a geometry as lists of rings; ('', 'points') when it has no area."""
    if not isinstance(geometry, dict):
        raise GeoError("geometry is not an object")
    kind = geometry.get("type")
    if kind in _NON_AREAL:
        return [], "points"
    if kind == "GeometryCollection":
        members = geometry.get("geometries")
        if not isinstance(members, list):
            raise GeoError("GeometryCollection without a 'geometries' list")
        polygons: list[list[np.ndarray]] = []
        for number, member in enumerate(members):
            if member is None:
                continue
            try:
                found, _ = _polygons(member)
            except GeoError as error:
                raise GeoError(f"member {number}: {error}") from None
            polygons.extend(found)
        return polygons, "points" if members and not polygons else "empty"
    coordinates = geometry.get("coordinates")
    if kind not in ("Polygon", "MultiPolygon"):
        raise GeoError(f"unknown geometry type {kind!r}")
    if coordinates is None or coordinates == []:
        return [], "empty"
    # false, 0 or "" are not an empty geometry but a broken one: _polygon names it.
    if kind == "Polygon":
        return [_polygon(coordinates, "")], ""
    if not isinstance(coordinates, list):
        raise GeoError(f"MultiPolygon coordinates are not a list (got {_shown(coordinates)})")
    return [_polygon(p, f"polygon {n}, ") for n, p in enumerate(coordinates) if p != []], ""


def _polygon(rings: Any, where: str) -> list[np.ndarray]:
    if not isinstance(rings, list) or not rings:
        raise GeoError(f"{where}polygon has no rings")
    return [_ring(ring, f"{where}ring {n}") for n, ring in enumerate(rings)]


_NUMBER_TYPES = frozenset({int, float})


def _ring(ring: Any, where: str) -> np.ndarray:
    """A checked (n, 2) lon/lat array; a third (z) or fourth value is dropped.

    Every coordinate must be a JSON number: numpy would read true as 1 and "12.5" as 12.5
    and measure a shape nobody drew.
    """
    if not isinstance(ring, list):
        raise GeoError(f"{where}: not a list of positions")
    if not _positions_are_numbers(ring):
        for number, position in enumerate(ring):
            if (not isinstance(position, list) or len(position) < 2
                    or not all(type(v) in _NUMBER_TYPES for v in position)):
                raise GeoError(f"{where}: position {number} is not [lon, lat] numbers "
                               f"(got {_shown(position)})")
    try:
        array = np.asarray(ring, dtype=float)
    except ValueError:  # ragged: mixed 2-D and 3-D positions
        array = None
    except OverflowError:  # an integer of hundreds of digits
        raise GeoError(f"{where}: a coordinate is too large to be a number") from None
    if array is None or array.ndim != 2:
        try:
            array = np.asarray([p[:2] for p in ring], dtype=float)
        except OverflowError:
            raise GeoError(f"{where}: a coordinate is too large to be a number") from None
    array = array[:, :2]
    if len(array) < 4:
        raise GeoError(f"{where}: {len(array)} position(s); a ring needs at least 4")
    if not np.isfinite(array).all():
        raise GeoError(f"{where}: non-finite coordinate")
    lon, lat = array[:, 0], array[:, 1]
    if (np.abs(lon) > 180).any() or (np.abs(lat) > 90).any():
        bad = int(np.argmax((np.abs(lon) > 180) | (np.abs(lat) > 90)))
        raise GeoError(f"{where}: position {bad} ({lon[bad]:g}, {lat[bad]:g}) is outside "
                       "lon -180..180 / lat -90..90 (projected coordinates, or lat/lon swapped?)")
    if (np.abs(np.diff(lon)) > 180).any():
        # The ring formula would wrap the long way round the globe: a wrong area, not a small one.
        raise GeoError(f"{where}: an edge crosses the antimeridian (lon jumps by more than 180°); "
                       "split the polygon at ±180°")
    if not np.array_equal(array[0], array[-1]):
        raise GeoError(f"{where}: not closed (first position differs from last)")
    return array


def _positions_are_numbers(ring: list[Any]) -> bool:
    """Whether every position is a list of two or more ints or floats (bool is no number).

    One pass of C-level type() calls: the per-value loop in Python would cost seconds on
    a national map.
    """
    if not ring or set(map(type, ring)) != {list}:
        return not ring
    if min(map(len, ring)) < 2:
        return False
    return set(map(type, itertools.chain.from_iterable(ring))) <= _NUMBER_TYPES


def _shown(value: Any) -> str:
    """A value as the file wrote it (true, "12.5"), cut short for a message."""
    try:
        text = json.dumps(value, allow_nan=True)
    except (TypeError, ValueError):
        text = repr(value)
    return text if len(text) <= 40 else text[:37] + "..."


def _validate_topology(feature: MapFeature) -> str:
    """Repair invalid polygons with GEOS make_valid; '' when fine, else why it is unusable.

    The ring-area formula is only right for simple rings: a bow-tie ring would be measured
    as the difference of its lobes. GEOS rebuilds such geometry into valid polygons whose
    area is the area actually drawn; the repair is recorded with the feature.

    The "structure" method unions the shells and takes the holes away: each lobe of a
    bow-tie stays, parts that overlap count once. The default "linework" method nodes all
    edges into one arrangement and keeps faces by parity, which takes seconds on a ring of
    16,000 vertices with a few thousand small loops (quadratic growth), and drops the
    overlap of two parts as if it were a hole. Either way the work grows with the number of
    edge crossings, so a feature with more than MAX_REPAIR_CROSSINGS is not repaired.
    """
    import shapely

    geometry = _to_shapely(feature.polygons)
    if shapely.is_valid(geometry):
        return ""
    reason = shapely.is_valid_reason(geometry)
    crossings = count_crossings(feature.polygons, MAX_REPAIR_CROSSINGS)
    if crossings > MAX_REPAIR_CROSSINGS:
        return (f"invalid geometry ({reason}) not repaired: its {feature.vertices:,} vertices make "
                f"more than {MAX_REPAIR_CROSSINGS:,} edge crossings (or edges too tangled to count "
                "them), more than any drawn map; redraw or simplify the feature")
    fixed = shapely.make_valid(geometry, method="structure")
    polygons = _shapely_polygons(fixed)
    if not polygons:
        return f"invalid geometry ({reason}) with no area left after repair"
    feature.polygons = polygons
    feature.repaired = reason
    return ""


# Crossings between the edges of one feature that are still repaired. Real maps with
# errors have a few (a bow-tie where two vertices were swapped, a sliver); repairing costs
# 30-50 µs per crossing, so 50,000 is one to three seconds. A star polygon of n vertices
# has about n²/4 crossings: one of 300 vertices took 9 minutes with the old repair.
MAX_REPAIR_CROSSINGS = 50_000
# Pairs of edges whose bounding boxes overlap, examined per query (bounds memory), and
# per vertex in all (bounds time when edges are long and tangled but seldom cross).
_PAIRS_PER_QUERY = 1_000_000
_PAIRS_PER_VERTEX = 200


def count_crossings(polygons: list[list[np.ndarray]], limit: int) -> int:
    """Proper crossings between the edges of all rings of `polygons`, counted up to just
    past `limit` (limit + 1 as soon as there are more, or too many candidate pairs).

    Candidates are edge pairs whose boxes overlap (an STR tree), tested with orientation
    signs in numpy; edges that only touch at a vertex do not count. The edges are queried
    in batches sized so that each batch yields about _PAIRS_PER_QUERY candidates.
    """
    import shapely

    rings = [ring for polygon in polygons for ring in polygon]
    start = np.concatenate([ring[:-1] for ring in rings])
    end = np.concatenate([ring[1:] for ring in rings])
    boxes = shapely.box(np.minimum(start[:, 0], end[:, 0]), np.minimum(start[:, 1], end[:, 1]),
                        np.maximum(start[:, 0], end[:, 0]), np.maximum(start[:, 1], end[:, 1]))
    tree = shapely.STRtree(boxes)
    budget = _PAIRS_PER_VERTEX * len(boxes) + _PAIRS_PER_QUERY
    crossings = examined = 0
    batch, first = 16, 0
    while first < len(boxes):
        left, right = tree.query(boxes[first:first + batch])
        left = left + first
        examined += len(left)
        once = left < right  # each pair once; an edge never crosses itself
        crossings += _proper_crossings(start, end, left[once], right[once])
        if crossings > limit or examined > budget:
            return limit + 1
        first += batch
        per_edge = max(1.0, len(left) / batch)
        batch = int(min(65_536, max(1, _PAIRS_PER_QUERY / per_edge)))
    return crossings


def _proper_crossings(start: np.ndarray, end: np.ndarray, a: np.ndarray, b: np.ndarray) -> int:
    """How many of the edge pairs (a[i], b[i]) cross at a point inside both edges."""
    def side(p: np.ndarray, q: np.ndarray, r: np.ndarray) -> np.ndarray:
        return np.sign((q[:, 0] - p[:, 0]) * (r[:, 1] - p[:, 1])
                       - (q[:, 1] - p[:, 1]) * (r[:, 0] - p[:, 0]))

    p1, p2, q1, q2 = start[a], end[a], start[b], end[b]
    return int(((side(p1, p2, q1) * side(p1, p2, q2) < 0)
                & (side(q1, q2, p1) * side(q1, q2, p2) < 0)).sum())


def _to_shapely(polygons: list[list[np.ndarray]]) -> Any:
    import shapely

    parts = [shapely.Polygon(rings[0], rings[1:]) for rings in polygons]
    return parts[0] if len(parts) == 1 else shapely.MultiPolygon(parts)


def _shapely_polygons(geometry: Any) -> list[list[np.ndarray]]:
    """Rings of the polygonal parts of any shapely geometry (lines and points dropped)."""
    import shapely

    found: list[list[np.ndarray]] = []
    for part in shapely.get_parts(geometry):
        kind = part.geom_type
        if kind == "Polygon" and not part.is_empty:
            rings = [np.asarray(part.exterior.coords)[:, :2]]
            rings += [np.asarray(hole.coords)[:, :2] for hole in part.interiors]
            found.append(rings)
        elif kind in ("MultiPolygon", "GeometryCollection"):
            found.extend(_shapely_polygons(part))
    return found


# --- measuring -----------------------------------------------------------------------------


def spherical_ring_areas_m2(coords: np.ndarray, offsets: np.ndarray) -> np.ndarray:
    """Signed spherical areas of many rings stored back to back, in one vectorised pass.

    ``coords`` is (N, 2) lon/lat in degrees; ring ``r`` is ``coords[offsets[r]:offsets[r+1]]``.
    Per ring: R^2/2 * sum_i (lon[i+1] - lon[i-1]) * sin(lat[i]), the formula of
    @mapbox/geojson-area and turf (positive for clockwise rings). Whether a ring repeats its
    first position at the end does not change the result.
    """
    offsets = np.asarray(offsets, dtype=np.int64)
    lengths = np.diff(offsets)
    if len(coords) == 0:
        return np.zeros(len(lengths))
    ring_of = np.repeat(np.arange(len(lengths)), lengths)
    start = offsets[:-1][ring_of]
    size = lengths[ring_of]
    local = np.arange(len(coords)) - start
    middle = start + (local + 1) % size
    upper = start + (local + 2) % size
    lon = np.radians(coords[:, 0])
    lat = np.radians(coords[:, 1])
    terms = (lon[upper] - lon) * np.sin(lat[middle])
    areas = np.bincount(ring_of, weights=terms, minlength=len(lengths))
    areas[lengths < 3] = 0.0  # the formula is undefined below three positions
    return areas * SPHERE_RADIUS_M * SPHERE_RADIUS_M / 2.0


_GEOD = None


def geodesic_ring_area_m2(ring: np.ndarray) -> float:
    """Unsigned area of one ring on the WGS84 ellipsoid (GeographicLib via pyproj).

    Taking the absolute value per ring, then shell minus holes, is what orienting the
    polygon correctly (shell counter-clockwise, holes clockwise) achieves.
    """
    global _GEOD
    if _GEOD is None:
        from pyproj import Geod

        _GEOD = Geod(ellps="WGS84")
    dense = densify_rhumb(ring)
    area, _ = _GEOD.polygon_area_perimeter(dense[:, 0], dense[:, 1])
    return abs(float(area))


def densify_rhumb(ring: np.ndarray, step_deg: float = RHUMB_STEP_DEG) -> np.ndarray:
    """Insert points along edges longer than ``step_deg`` so that they follow rhumb lines.

    Web maps (Leaflet, Google My Maps) draw an edge as a straight line in Web Mercator,
    i.e. a rhumb line; a geodesic edge between the same two vertices bulges towards the pole
    and, on the long edges of coarse polygons, changes the area by whole percent. Measuring
    the drawn shape means following the rhumb line: interpolate linearly in (lon, Mercator y).
    """
    lon, lat = ring[:, 0], ring[:, 1]
    span = np.maximum(np.abs(np.diff(lon)), np.abs(np.diff(lat)))
    pieces = np.maximum(np.ceil(span / step_deg).astype(np.int64), 1)
    if int(pieces.max(initial=1)) == 1:
        return ring
    y = np.log(np.tan(np.pi / 4 + np.radians(np.clip(lat, -89.9, 89.9)) / 2))
    segment = np.repeat(np.arange(len(pieces)), pieces)
    first = np.concatenate([[0], np.cumsum(pieces)[:-1]])
    fraction = (np.arange(int(pieces.sum())) - first[segment]) / pieces[segment]
    new_lon = lon[segment] + (lon[segment + 1] - lon[segment]) * fraction
    new_y = y[segment] + (y[segment + 1] - y[segment]) * fraction
    new_lat = np.degrees(2 * np.arctan(np.exp(new_y)) - np.pi / 2)
    # Original vertices keep their exact latitude (no round trip through Mercator).
    new_lat[first] = lat[:-1]
    return np.column_stack([np.append(new_lon, lon[-1]), np.append(new_lat, lat[-1])])


def polygon_areas_m2(polygons_by_feature: list[list[list[np.ndarray]]], method: str) -> np.ndarray:
    """Area of each entry (a list of polygons): |shell| - sum |holes|, summed over polygons."""
    if method not in AREA_METHODS:
        raise ValueError(f"unknown area method {method!r}; use one of {', '.join(AREA_METHODS)}")
    rings: list[np.ndarray] = []
    owner: list[int] = []
    is_hole: list[bool] = []
    for number, polygons in enumerate(polygons_by_feature):
        for polygon in polygons:
            for position, ring in enumerate(polygon):
                rings.append(ring)
                owner.append(number)
                is_hole.append(position > 0)
    if not rings:
        return np.zeros(len(polygons_by_feature))
    if method == "spherical":
        offsets = np.concatenate([[0], np.cumsum([len(r) for r in rings])])
        unsigned = np.abs(spherical_ring_areas_m2(np.concatenate(rings), offsets))
    else:
        unsigned = np.array([geodesic_ring_area_m2(r) for r in rings])
    signed = np.where(np.asarray(is_hole), -unsigned, unsigned)
    return np.bincount(np.asarray(owner), weights=signed, minlength=len(polygons_by_feature))


def feature_areas_km2(features: list[MapFeature], method: str) -> np.ndarray:
    return polygon_areas_m2([f.polygons for f in features], method) / 1e6


def union_area_km2(features: list[MapFeature], method: str) -> float:
    """Area of the union of the features' polygons: overlaps counted once.

    The features are as scan_features leaves them, each valid (its parts never overlap),
    so one feature is its own union.
    """
    if not features:
        return 0.0
    if len(features) == 1:
        return float(polygon_areas_m2([features[0].polygons], method)[0] / 1e6)
    merged = _pairwise_union([_to_shapely(f.polygons) for f in features])
    return float(polygon_areas_m2([_shapely_polygons(merged)], method)[0] / 1e6)


def _pairwise_union(geometries: list[Any]) -> Any:
    """Union of whole features, two at a time in a balanced tree.

    shapely.union_all would split every feature into its polygons and merge those: a
    repaired feature of 8,000 small parts took 15 s, against 0.02 s this way, with the
    same area on every reference map.
    """
    import shapely

    level = np.asarray(geometries, dtype=object)
    while len(level) > 1:
        paired = shapely.union(level[0:len(level) - 1:2], level[1::2])
        level = np.concatenate([paired, level[-1:]]) if len(level) % 2 else paired
    return level[0]


def measure_categories(features: list[MapFeature], categories: list[str],
                       method: str) -> dict[str, CategoryArea]:
    """Sum of feature areas per category (DeepState's own way: no union inside a category)."""
    areas = feature_areas_km2(features, method)
    totals: dict[str, list[float]] = {}
    for feature, category, area in zip(features, categories, areas):
        entry = totals.setdefault(category, [0.0, 0, 0])
        entry[0] += float(area)
        entry[1] += 1
        entry[2] += feature.vertices
    return {name: CategoryArea(name, float(v[0]), int(v[1]), int(v[2]))
            for name, v in totals.items()}


def share_pct(area_km2: float, denominator_km2: float) -> float:
    if denominator_km2 <= 0:
        raise ValueError("a denominator must be a positive area in km²")
    return area_km2 / denominator_km2 * 100.0


# --- DeepState categories ------------------------------------------------------------------

_SATIRE_OR_FOREIGN_KEYS = frozenset({
    "transnistria", "abkhazia", "tskhinvali-district", "karelia", "prussia", "kuril", "estonia",
    "latvia", "petsamo", "salla", "pechorsky-district", "ichkeria", "moscow",
})
_KEY = re.compile(r"geoJSON\.([A-Za-z0-9_.\-]+)")
# Colours DeepState uses outside Ukraine's borders: #ff5252 satire and foreign occupied
# areas; #01579b Ukrainian-held Kursk oblast; #bdbdbd the grey zone on Russian soil. Its
# /areas endpoint files all three under other_territories whatever the name says.
_OUTSIDE_UKRAINE_FILLS = frozenset({"#ff5252", "#01579b", "#bdbdbd"})
_FILL_CATEGORY = {
    "#a52714": OCCUPIED_AFTER,
    "#880e4f": OCCUPIED_BEFORE,
    "#000000": OCCUPIED_BEFORE,  # Crimea and ORDLO in spring 2022
    "#bcaaa4": GREY_ZONE,
    "#0f9d58": LIBERATED,
    "#0288d1": LIBERATED,
}
# Names of the years before machine keys (2022-2023), Ukrainian and English, lower case.
_FOREIGN_NAMES = ("придністров", "transnistria", "абхаз", "abkhazia", "цхінвал", "tskhinval",
                  "karelia", "prussia", "kuril", "estonia", "latvia", "petsamo", "salla",
                  "pechorsky", "ichkeria")


def deepstate_key(properties: dict[str, Any]) -> str:
    """The machine key after the last '///' of a DeepState name ('' before mid-2022)."""
    name = properties.get("name")
    if not isinstance(name, str):
        return ""
    match = _KEY.search(name.replace("\xa0", " ").split("///")[-1])
    return match.group(1) if match else ""


def deepstate_category(properties: dict[str, Any], *, as_published: bool = False) -> str:
    """DeepState category of a polygon: one of DEEPSTATE_CATEGORIES, or OTHER (never counted).

    The machine key decides when present (2022 onwards), the fill colour otherwise. With
    ``as_published`` the rules are DeepState's own colour grouping, which until 2022-05-29
    counted Transnistria (#880e4f then) as occupied Ukraine: use it only to reproduce the
    published series, never for figures.
    """
    fill = str(properties.get("fill") or "").strip().lower()
    if fill in _OUTSIDE_UKRAINE_FILLS:
        return OTHER
    key = deepstate_key(properties)
    if as_published:
        return _FILL_CATEGORY.get(fill, OTHER)
    if key:
        if key.startswith("territories."):
            place = key.split(".", 1)[1]
            if place in ("crimea", "ordlo", "tuzla"):
                return OCCUPIED_BEFORE
            return OTHER  # satire and foreign occupied areas, known or new
        if key == "status.occupied":
            return OCCUPIED_AFTER
        if key == "status.unknown":
            return GREY_ZONE
        if key.startswith("status.dismissed") or key == "zmiinyi_island":
            return LIBERATED
    name = str(properties.get("name") or "").lower()
    if any(word in name for word in _FOREIGN_NAMES):
        return OTHER
    return _FILL_CATEGORY.get(fill, OTHER)


# Words of DeepState's Ukrainian polygon names before it added machine keys (spring 2022):
# "occupied", "liberated", ORDLO, Crimea, "in question".
_DEEPSTATE_OLD_NAMES = ("окуповано", "звільнено", "ордло", "крим", "під питанням")


def looks_like_deepstate(features: Iterable[MapFeature]) -> bool:
    """True when the features are DeepState's: a geoJSON.* machine key in a name, or (the
    2022 maps without keys) one of its class colours on a polygon with its Ukrainian names.

    A fill colour alone proves nothing: DeepState's palette is Google My Maps' default one,
    so any My Maps export (AMK, KML converted by togeojson) carries #a52714 and the like, and
    an ArcGIS or KML attribute may be called "fill". Classing such a map by colour would
    measure its polygons as other_territories and its total as 0 km².
    """
    features = list(features)
    if any(deepstate_key(f.properties) for f in features):
        return True
    return any(str(f.properties.get("fill") or "").strip().lower() in _FILL_CATEGORY
               and any(word in str(f.properties.get("name") or "").lower()
                       for word in _DEEPSTATE_OLD_NAMES)
               for f in features)


# --- time series ---------------------------------------------------------------------------


@dataclass(frozen=True)
class MonthlyGain:
    month: str            # YYYY-MM
    period_start: str     # YYYY-MM-DD
    period_end: str       # YYYY-MM-DD, last day of the month
    start_id: int         # snapshot nearest the month's first instant
    end_id: int           # snapshot nearest the next month's first instant
    change_km2: float     # net change of the area between them (may be negative)


def snapshot_date(snapshot_id: int) -> str:
    """UTC date of a DeepState snapshot id (Unix seconds)."""
    return datetime.fromtimestamp(int(snapshot_id), tz=timezone.utc).strftime("%Y-%m-%d")


def monthly_gains(areas: dict[int, float], max_gap_days: float = 3.0) -> list[MonthlyGain]:
    """Net monthly change from the snapshot nearest each month boundary.

    ``areas`` maps snapshot id (Unix seconds) to an area. A month is reported only when both
    its boundaries have a snapshot within ``max_gap_days``, and the two snapshots differ.
    """
    if len(areas) < 2:
        return []
    ids = np.array(sorted(areas), dtype=np.int64)
    first = datetime.fromtimestamp(int(ids[0]), tz=timezone.utc)
    last = datetime.fromtimestamp(int(ids[-1]), tz=timezone.utc)
    gains: list[MonthlyGain] = []
    year, month = first.year, first.month
    while (year, month) <= (last.year, last.month):
        start = datetime(year, month, 1, tzinfo=timezone.utc)
        next_year, next_month = (year + 1, 1) if month == 12 else (year, month + 1)
        end = datetime(next_year, next_month, 1, tzinfo=timezone.utc)
        a = _nearest(ids, start.timestamp(), max_gap_days)
        b = _nearest(ids, end.timestamp(), max_gap_days)
        if a is not None and b is not None and a != b:
            last_day = (end.timestamp() - 86400)
            gains.append(MonthlyGain(
                month=f"{year:04d}-{month:02d}", period_start=start.strftime("%Y-%m-%d"),
                period_end=datetime.fromtimestamp(last_day, tz=timezone.utc).strftime("%Y-%m-%d"),
                start_id=a, end_id=b, change_km2=round(areas[b] - areas[a], 6)))
        year, month = next_year, next_month
    return gains


def _nearest(ids: np.ndarray, moment: float, max_gap_days: float) -> int | None:
    position = int(np.argmin(np.abs(ids - moment)))
    if abs(ids[position] - moment) > max_gap_days * 86400:
        return None
    return int(ids[position])


# --- one call for a whole map --------------------------------------------------------------


@dataclass
class MapAreas:
    """Per-category areas of one map, how they were measured, and what was left out."""

    method: str
    categories: dict[str, CategoryArea]
    union_km2: dict[str, float]
    scan: FeatureScan
    deepstate: bool
    format: str = "geojson"      # geojson, kml or kmz
    selected: int = 0            # polygon features measured (those matching ``where``)
    left_out: int = 0            # polygon features ``where`` left out
    problems: list[FeatureProblem] = field(default_factory=list)  # unmeasurable, selected ones
    truncated: str = ""          # why the map may be cut short (truncation_problem), or ''
    truncated_for_sure: bool = False


def measure_map(payload: bytes, method: str | None = None, *,
                classify: Callable[[dict[str, Any]], str] | None = None,
                unions: dict[str, tuple[str, ...]] | None = None,
                where: dict[str, Any] | None = None, as_published: bool = False) -> MapAreas:
    """Parse, check and measure a GeoJSON, KML or KMZ map.

    Maps that look like DeepState's (looks_like_deepstate) are classified into its
    categories by default; other maps put every polygon in the category 'all'. ``where``
    (property -> value or list of values, see feature_matches) selects the features to
    measure; the unmeasurable features it leaves out are not counted as problems.
    ``unions`` names unions to measure (name -> categories); by default the occupied total
    of a DeepState map, or 'all'. Without a ``method``, DeepState maps are measured as
    DeepState does (spherical) and other maps on the ellipsoid (geodesic). ``as_published``
    groups a DeepState map as DeepState's own series does (deepstate_category); it changes
    nothing on other maps, and an explicit ``classify`` overrides it."""
    collection, kind = load_map_format(payload)
    scan = scan_features(collection)
    deepstate = looks_like_deepstate(scan.features)
    where = where or {}
    selected = [f for f in scan.features if feature_matches(f.properties, where)]
    problems = [p for p in scan.problems if feature_matches(p.properties, where)]
    if method is None:
        method = "spherical" if deepstate else "geodesic"
    if classify is None:
        if deepstate:
            classify = lambda properties: deepstate_category(properties, as_published=as_published)  # noqa: E731
        else:
            classify = lambda properties: "all"  # noqa: E731
    categories = [classify(f.properties) for f in selected]
    if unions is None:
        unions = {"occupied_total": OCCUPIED_CATEGORIES} if deepstate else {"all": ("all",)}
    union_km2 = {name: union_area_km2([f for f, c in zip(selected, categories) if c in members],
                                      method)
                 for name, members in unions.items()}
    truncated, certain = truncation_problem(collection)
    return MapAreas(method=method, categories=measure_categories(selected, categories, method),
                    union_km2=union_km2, scan=scan, deepstate=deepstate, format=kind,
                    selected=len(selected), left_out=len(scan.features) - len(selected),
                    problems=problems, truncated=truncated, truncated_for_sure=certain)


