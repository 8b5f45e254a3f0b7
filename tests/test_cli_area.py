"""`tracker area` on real DeepState snapshots sets its figures beside DeepState's own series."""

from __future__ import annotations

import csv
import json
from datetime import datetime, timezone
from pathlib import Path

import pytest
from click.testing import CliRunner

from tracker.cli import cli

DATA = Path(__file__).resolve().parents[1].parent / "shared" / "data"
pytestmark = pytest.mark.skipif(not (DATA / "area_history.csv").exists(),
                                reason="../shared/data is absent")


def published(snapshot_id: int) -> dict[str, float]:
    stamp = datetime.fromtimestamp(snapshot_id, timezone.utc).strftime("%Y-%m-%d %H:%M:%S UTC")
    with (DATA / "area_history.csv").open(encoding="utf-8") as handle:
        return {row["area_type"]: float(row["area"]) for row in csv.DictReader(handle)
                if row["time_index"] == stamp}


@pytest.mark.parametrize("snapshot_id", [1648989208, 1754251105])
def test_default_grouping_matches_deepstates_published_areas(snapshot_id: int):
    result = CliRunner().invoke(cli, ["area", str(DATA / f"{snapshot_id}.geojson"),
                                      "--method", "spherical", "--format", "json"])
    assert result.exit_code == 0, result.output
    ours = {row["category"]: row["area_km2"] for row in json.loads(result.stdout)}
    reference = published(snapshot_id)
    assert reference, "snapshot missing from area_history.csv"
    for category in ("occupied_after_24_02_2022", "occupied_to_24_02_2022", "unspecified", "liberated"):
        assert ours[category] == pytest.approx(reference[category], rel=1e-4), category


def test_ukraine_only_leaves_out_transnistria_in_spring_2022():
    result = CliRunner().invoke(cli, ["area", str(DATA / "1648989208.geojson"), "--ukraine-only",
                                      "--format", "json"])
    ours = {row["category"]: row["area_km2"] for row in json.loads(result.stdout)}
    gap_km2 = published(1648989208)["occupied_to_24_02_2022"] - ours["occupied_to_24_02_2022"]
    assert 3000 < gap_km2 < 4000  # Transnistria, about 3,500 km²


@pytest.mark.parametrize("name, where, expected_km2, rel", [
    # SOURCES.md: recomputed 194.51 km², 53.3 % of the Strip
    ("IDF_zone_191025.geojson", [], 194.51, 1e-4),
    # SOURCES.md: 103,641 km² (ellipsoidal)
    ("20220403_RussianAssessedCoTinUkraine.geojson", [], 103_641, 1e-4),
    # the file's own area_km2 values sum to 108,301.32 km²; ours is the repaired union
    ("2024-07-18.geojson", ["--where", "layer_type=ukraine_control_map"], 108_301.32, 0.002),
])
def test_other_maps_are_measured_as_what_they_are_not_as_deepstate_colours(name, where, expected_km2, rel):
    """Until issue 16 the default --as-published classed every map by DeepState's colours:
    these maps have no DeepState fill, so all went to other_territories and the counted
    total was 0 km²."""
    result = CliRunner().invoke(cli, ["area", str(DATA / name), "--format", "json", *where])
    assert result.exit_code == 0, result.output
    rows = {row["category"]: row for row in json.loads(result.stdout)}
    assert "other_territories" not in rows
    assert rows["all_union"]["area_km2"] == pytest.approx(expected_km2, rel=rel)
    assert rows["all_union"]["method"] == "geodesic" and rows["all_union"]["counted"] is True
