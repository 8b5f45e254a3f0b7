"""The ledger keeps history: readings are superseded or retracted, never removed.

Pure planning (tracker/history.py) on hand-made rows, then whole ingests on real files in a
temp folder: a curated row edited, deleted and restored, a source removed from
sources.toml and put back, a source that fails, and `tracker history`."""

from __future__ import annotations

import json
from pathlib import Path

import pandas as pd
from click.testing import CliRunner

from conftest import curated_row, write_curated
from tracker.cli import cli
from tracker.history import Reading, StoredRow, plan_history
from tracker.ledger import read_claims

# --- planning ---------------------------------------------------------------------------


def row(claim: str, location: str, status: str = "active", source: str = "s",
        sha: str = "d1") -> StoredRow:
    return StoredRow(claim, location, status, source, sha)


def test_a_reading_read_the_same_way_changes_nothing():
    plan = plan_history([row("a", "L1"), row("b", "L2")], [Reading("a", "L1", "s")],
                        read_documents={("s", "d1")})
    # b was in the document read, and nothing is read at its place any more.
    assert plan.unchanged == 1 and plan.added == [] and plan.superseded == {"b": ""}


def test_a_changed_reading_supersedes_the_one_at_its_place_only():
    stored = [row("a", "L1"), row("b", "L2"), row("c", "L3", sha="d2")]
    plan = plan_history(stored, [Reading("a2", "L1", "s"), Reading("b", "L2", "s")],
                        read_documents={("s", "d1")})
    assert plan.added == ["a2"] and plan.superseded == {"a": "a2"} and plan.unchanged == 1
    assert "c" not in plan.superseded  # another document, not read in this batch


def test_rows_outside_the_batch_are_left_alone():
    plan = plan_history([row("a", "L1")], [Reading("x", "L9", "other")])
    assert plan.added == ["x"] and not plan.changes_statuses


def test_a_whole_source_retracts_what_it_no_longer_holds_and_a_return_reactivates():
    stored = [row("a", "K1", source="cur"), row("b", "K2", source="cur"),
              row("c", "K3", status="retracted", source="cur")]
    plan = plan_history(stored, [Reading("a", "K1", "cur"), Reading("c", "K3", "cur")],
                        whole_sources={"cur"})
    assert plan.retracted == ["b"] and plan.reactivated == ["c"] and plan.unchanged == 1
    assert plan.status_updates() == {"b": ("retracted", ""), "c": ("active", "")}


def test_sources_gone_from_the_configuration_are_retracted():
    stored = [row("a", "L1", source="kept"), row("b", "L2", source="gone"),
              row("c", "L3", status="superseded", source="gone")]
    plan = plan_history(stored, [], known_sources={"kept"})
    assert plan.retracted == ["b"]  # c keeps the status it has
    assert plan_history(stored, []).is_empty  # without a configuration, nothing is retracted


def test_one_citation_read_twice_in_a_batch_is_one_reading():
    plan = plan_history([], [Reading("a", "L1", "s"), Reading("a", "L1", "s")])
    assert plan.added == ["a"]


# --- whole runs -------------------------------------------------------------------------

NOW = "2026-02-0{day}T00:00:00Z"


def ingest(project: Path, day: int = 1, *extra: str):
    return CliRunner().invoke(cli, ["ingest", "--sources", str(project / "sources.toml"),
                                    "--data-dir", str(project / "data"), *extra],
                              env={"TRACKER_NOW": NOW.format(day=day)})


def ledger(project: Path) -> pd.DataFrame:
    return read_claims(project / "data" / "processed" / "claims.csv")


def observations(project: Path) -> pd.DataFrame:
    return pd.read_csv(project / "data" / "processed" / "observations.csv", dtype=str,
                       keep_default_na=False)


def test_an_edited_curated_row_supersedes_its_figure_without_conflicting_copies(project: Path):
    assert ingest(project).exit_code == 0
    first = ledger(project)
    gain = first[first["metric"] == "area_gained_km2"].iloc[0]
    figures = project / "inputs" / "figures.csv"
    write_curated(figures, [curated_row(value="703"),
                            curated_row(metric="share_controlled_pct", value="19.3",
                                        period_start="", period_end="", as_of="2025-11-30")])
    result = ingest(project, 2)
    assert result.exit_code == 0, result.output
    assert "1 new claim(s), 1 superseded" in result.output
    after = ledger(project).set_index("claim_id")
    assert len(after) == 3  # the old reading is kept...
    old = after.loc[gain["claim_id"]]
    assert old["status"] == "superseded" and old["status_at"] == NOW.format(day=2)
    newer = after.loc[old["superseded_by"]]
    assert newer["value"] == 703 and newer["status"] == "active"
    assert newer["location_id"] == old["location_id"] and newer["recorded_at"] == NOW.format(day=2)
    # ...but only the correction is a current figure: no conflict between a row and its edit.
    table = observations(project)
    gains = table[table["metric"] == "area_gained_km2"]
    assert list(gains["value"]) == ["703"] and "conflicting_copies" not in ";".join(table["flags"])
    # The same file again: nothing changes.
    before = (project / "data" / "processed" / "claims.csv").read_bytes()
    assert ingest(project, 3).exit_code == 0
    assert (project / "data" / "processed" / "claims.csv").read_bytes() == before
    # tracker history: both readings of the row, oldest first, with what happened to them.
    shown = CliRunner().invoke(cli, ["history", newer.name, "--data-dir", str(project / "data"),
                                     "--format", "json"])
    assert shown.exit_code == 0, shown.output
    [figure] = json.loads(shown.stdout)
    assert [(r["value"], r["status"]) for r in figure["readings"]] == [(701.0, "superseded"),
                                                                      (703.0, "active")]


def test_a_deleted_row_is_retracted_and_comes_back_when_restored(project: Path):
    assert ingest(project).exit_code == 0
    figures = project / "inputs" / "figures.csv"
    original = figures.read_bytes()
    write_curated(figures, [curated_row()])
    result = ingest(project, 2)
    assert "1 retracted" in result.output
    claims = ledger(project)
    share = claims[claims["metric"] == "share_controlled_pct"].iloc[0]
    assert share["status"] == "retracted" and len(claims) == 2
    assert "share_controlled_pct" not in set(observations(project)["metric"])
    figures.write_bytes(original)
    result = ingest(project, 3)
    assert "1 active again" in result.output
    assert set(ledger(project)["status"]) == {"active"}


def test_a_row_the_schema_refuses_keeps_the_figure_it_replaced(project: Path):
    assert ingest(project).exit_code == 0
    write_curated(project / "inputs" / "figures.csv",
                  [curated_row(), curated_row(metric="share_controlled_pct", value="190.3",
                                              period_start="", period_end="", as_of="2025-11-30")])
    result = ingest(project, 2)
    assert result.exit_code == 3  # the bad row is quarantined...
    assert set(ledger(project)["status"]) == {"active"}  # ...and 19.3 % stays current


def test_a_source_removed_from_the_configuration_is_retracted_and_a_failing_one_is_not(project: Path):
    assert ingest(project).exit_code == 0
    config = project / "sources.toml"
    original = config.read_text(encoding="utf-8")
    (project / "inputs" / "figures.csv").rename(project / "inputs" / "moved.csv")
    failing = ingest(project, 2)
    assert failing.exit_code == 1  # the source fails: its figures stay current
    assert set(ledger(project)["status"]) == {"active"}
    (project / "inputs" / "moved.csv").rename(project / "inputs" / "figures.csv")
    config.write_text(original.split("[[source]]")[0]
                      + '[[source]]\nid = "other"\nkind = "curated"\npath = "inputs/other.csv"\n',
                      encoding="utf-8")
    write_curated(project / "inputs" / "other.csv", [curated_row(url="https://example.org/b",
                                                                 value="650")])
    removed = ingest(project, 3)
    assert removed.exit_code == 0, removed.output
    claims = ledger(project)
    assert set(claims.loc[claims["source_id"] == "figures", "status"]) == {"retracted"}
    assert set(observations(project)["claim_ids"].str.split(";").explode()) <= set(
        claims.loc[claims["source_id"] == "other", "claim_id"])
    config.write_text(original, encoding="utf-8")
    back = ingest(project, 4)
    assert "2 active again" in back.output
    claims = ledger(project)
    assert set(claims.loc[claims["source_id"] == "figures", "status"]) == {"active"}
    assert set(claims.loc[claims["source_id"] == "other", "status"]) == {"retracted"}


def test_history_refuses_a_malformed_or_unknown_id(project: Path):
    assert ingest(project).exit_code == 0
    for identifier, message in (("12ab", "not an id"), ("0123456789abcdef", "no claim, location")):
        result = CliRunner().invoke(cli, ["history", identifier, "--data-dir", str(project / "data")])
        assert result.exit_code == 2 and message in result.stderr


def test_a_location_is_where_a_figure_was_read_not_what_it_says():
    from tracker.model import location_id

    text = {"method": "reported", "source_id": "wire", "snapshot_sha256": "a" * 64,
            "number_start": 40, "number_end": 43, "value": 505.0, "actor": "Russia"}
    assert location_id(text) == location_id({**text, "value": 507.0, "actor": "Ukraine"})
    assert location_id(text) != location_id({**text, "number_start": 41})
    assert location_id(text) != location_id({**text, "snapshot_sha256": "b" * 64})
    # Without offsets the quote stands for the place; pandas' NA is as missing as None.
    quoted = {**text, "number_start": None, "quote": "took 505 km2"}
    assert location_id(quoted) == location_id({**quoted, "number_start": pd.NA})
    row = {"method": "curated", "source_id": "figures", "metric": "area_gained_km2",
           "actor": "Russia", "period_start": "2025-11-01", "period_end": "2025-11-30",
           "url": "https://example.org/a", "value": 505.0}
    assert location_id(row) == location_id({**row, "value": 507.0})
    assert location_id(row) != location_id({**row, "period_end": "2025-11-29"})


def test_where_one_number_states_several_figures_the_new_reading_is_named():
    stored = [row("donetsk", "L"), row("kherson", "L")]
    plan = plan_history(stored, [Reading("donetsk", "L", "s"), Reading("zaporizhzhia", "L", "s")],
                        read_documents={("s", "d1")})
    assert plan.superseded == {"kherson": "zaporizhzhia"} and plan.unchanged == 1
