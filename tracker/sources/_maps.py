"""Shared by the map sources: computed claims from measured areas, options, messages."""

from __future__ import annotations

import math
from typing import Any

from tracker import geo
from tracker.model import Claim


def check_method(options: dict[str, Any], default: str) -> str | None:
    method = options.get("area_method", default)
    if not isinstance(method, str) or method not in geo.AREA_METHODS:
        return f"key 'area_method' must be one of {', '.join(geo.AREA_METHODS)} (got {method!r})"
    return None


# No territory is larger than the Earth's surface; inf would store a 0 % share.
EARTH_SURFACE_KM2 = 510_072_000.0


def check_denominator(options: dict[str, Any]) -> str | None:
    """'denominator_km2', when given, must be a finite area above 0 km²."""
    value = options.get("denominator_km2")
    if value is None:
        return None
    if (isinstance(value, bool) or not isinstance(value, (int, float)) or not math.isfinite(value)
            or not 0 < value <= EARTH_SURFACE_KM2):
        return (f"key 'denominator_km2' must be a finite area above 0 and at most "
                f"{EARTH_SURFACE_KM2:,.0f} km² (got {value!r})")
    return None


def method_text(method: str) -> str:
    if method == "spherical":
        return "spherical area (R = 6,378,137 m, DeepState's method)"
    return "geodesic area on the WGS84 ellipsoid (rhumb-line edges)"


def computed_claim(**fields: Any) -> Claim:
    """A claim computed from map geometry; the caller names value, time and lineage."""
    claim = Claim(method="computed", qualifier="exact", extractor_version=geo.GEO_VERSION,
                  **fields)
    return claim
