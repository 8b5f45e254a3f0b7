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
