"""Shared by the map sources: computed claims from measured areas, options, messages."""

from __future__ import annotations

from typing import Any

from tracker import geo
from tracker.model import Claim


def check_method(options: dict[str, Any], default: str) -> str | None:
    method = options.get("area_method", default)
    if method not in geo.AREA_METHODS:
        return f"key 'area_method' must be one of {', '.join(geo.AREA_METHODS)} (got {method!r})"
    return None


def check_denominator(options: dict[str, Any]) -> str | None:
    value = options.get("denominator_km2")
    if value is None:
        return None
    if isinstance(value, bool) or not isinstance(value, (int, float)) or value <= 0:
        return f"key 'denominator_km2' must be a positive number of km² (got {value!r})"
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
