"""Observations: citations of one figure grouped; revisions linked; disagreeing copies flagged."""

from __future__ import annotations

import pandas as pd
import pytest

from tracker.model import CLAIM_COLUMNS, Claim
from tracker.observations import (
    OBSERVATION_COLUMNS,
    build_observations,
    merge_observations,
    observation_slot_keys,
    observations_csv_bytes,
    slot_keys,
    write_observations,
)
from tracker.schemas import ObservationSchema, normalise_claims_frame

AFP = "AFP analysis of ISW data"


def claim(claim_id: str, **fields: object) -> dict[str, object]:
    row = Claim(claim_id=claim_id, conflict="russia-ukraine", metric="area_gained_km2",
                actor="Russia", territory="Ukraine", attribution=AFP, method="reported",
                period_start="2024-11-01", period_end="2024-11-30",
                url=f"https://example.org/{claim_id}", publisher=f"Paper {claim_id}").to_dict()
    row.update(fields)
    return row


def frame(*rows: dict[str, object]) -> pd.DataFrame:
    return pd.DataFrame(list(rows), columns=list(CLAIM_COLUMNS))


def by_value(observations: pd.DataFrame) -> dict[float, pd.Series]:
    return {row["value"]: row for _, row in observations.iterrows()}


def test_relays_of_one_figure_are_one_observation_with_every_citation():
    # Text read back from CSV: "68050" and "68050.0" are the same number, as are 19.3/19.30.
    obs = build_observations(frame(
        claim("c2", value="68050.0", published_at="2024-12-02", publisher="Euro"),
        claim("c1", value="68050", published_at="2024-12-03", publisher="Arab News"),
        claim("c3", value=68050, published_at="2024-12-02", publisher="Arab News", qualifier="approx"),
        claim("s1", metric="share_controlled_pct", value="19.3", as_of="2025-11-30",
              period_start=None, period_end=None),
        claim("s2", metric="share_controlled_pct", value="19.30", as_of="2025-11-30",
              period_start=None, period_end=None),
    ))
    assert len(obs) == 2
    gains = obs[obs["metric"] == "area_gained_km2"].iloc[0]
    assert gains["n_citations"] == 3
    assert gains["claim_ids"] == "c1;c2;c3"
    assert gains["publishers"] == "Arab News; Euro"
    assert gains["first_published_at"] == "2024-12-02"
    assert gains["last_published_at"] == "2024-12-03"
    assert gains["qualifier"] == "exact"  # the hedge most citations give
    assert obs.loc[obs["metric"] == "share_controlled_pct", "n_citations"].item() == 2
    assert gains["flags"] == ""


def test_different_producers_actors_or_methods_are_different_observations():
    obs = build_observations(frame(
        claim("a", value=725),
        claim("b", value=725, attribution="DeepState"),
        claim("c", value=725, territory="Donetsk oblast"),
        claim("d", value=725, method="computed"),
    ))
    assert len(obs) == 4
    assert obs["observation_id"].is_unique


def test_a_later_release_with_another_value_is_a_revision_of_the_first():
    obs = build_observations(frame(
        claim("old", value=143, published_at="2025-04-02"),
        claim("new", value=150, published_at="2025-05-09"),
        claim("newer", value=151, published_at="2025-07-01"),
    ))
    rows = by_value(obs)
    first, second, third = rows[143], rows[150], rows[151]
    assert first["revision_of"] == "" and first["revision_number"] == 0
    assert bool(first["is_revised"]) and first["superseded_by"] == second["observation_id"]
    assert second["revision_of"] == first["observation_id"] and second["revision_number"] == 1
    assert second["superseded_by"] == third["observation_id"]
    assert third["revision_of"] == first["observation_id"] and third["revision_number"] == 2
    assert not bool(third["is_revised"])
    assert "revised" in first["flags"] and "revision" in third["flags"]
    assert all(row["conflicts_with"] == "" for row in rows.values())


def test_copies_of_one_story_that_disagree_are_flagged_not_revisions():
    obs = build_observations(frame(
        claim("mt", value=68500, period_start="2022-02-24", published_at="2024-12-02"),
        claim("eu", value=68050, period_start="2022-02-24", published_at="2024-12-03"),
    ))
    rows = by_value(obs)
    assert rows[68500]["conflicts_with"] == rows[68050]["observation_id"]
    assert rows[68050]["conflicts_with"] == rows[68500]["observation_id"]
    assert all("conflicting_copies" in row["flags"] for row in rows.values())
    assert all(row["revision_of"] == "" and not row["is_revised"] for row in rows.values())


def test_undated_copies_that_disagree_cannot_be_ordered_and_are_flagged():
    obs = build_observations(frame(
        claim("ua", metric="share_controlled_pct", value=19.25, as_of="2026-01-01",
              period_start=None, period_end=None, attribution="DeepState"),
        claim("pl", metric="share_controlled_pct", value=19.24, as_of="2026-01-01",
              period_start=None, period_end=None, attribution="DeepState"),
    ))
    assert list(obs["flags"]) == ["conflicting_copies", "conflicting_copies"]


def test_a_full_month_after_a_partial_first_release_revises_it():
    obs = build_observations(frame(
        claim("p", value=478, period_start="2024-10-01", period_end="2024-10-27"),
        claim("f", value=610, period_start="2024-10-01", period_end="2024-10-31",
              published_at="2024-12-02"),
        # Flagged partial by the curator although it ends on the 30th of a 31-day month.
        claim("p2", value=465, period_start="2024-12-01", period_end="2024-12-30",
              flags="partial_period"),
        claim("f2", value=476, period_start="2024-12-01", period_end="2024-12-31"),
    ))
    rows = by_value(obs)
    assert bool(rows[478]["is_partial"]) and bool(rows[465]["is_partial"])
    assert not bool(rows[610]["is_partial"])
    assert rows[610]["revision_of"] == rows[478]["observation_id"]
    assert rows[478]["superseded_by"] == rows[610]["observation_id"]
    assert rows[476]["revision_of"] == rows[465]["observation_id"]
    assert rows[465]["flags"] == "partial_period;revised"
    assert rows[476]["flags"] == "revision"


def test_a_partial_period_is_not_confused_with_a_revision_of_the_full_month():
    obs = build_observations(frame(
        claim("full", value=701, published_at="2025-12-01"),
        # Published after the whole month: a figure for the first half, not a release of it.
        claim("half", value=300, period_start="2024-11-01", period_end="2024-11-15",
              published_at="2025-12-05"),
        # Another month entirely.
        claim("dec", value=244, period_start="2024-12-01", period_end="2024-12-31"),
    ))
    assert set(obs["revision_of"]) == {""}
    assert set(obs["superseded_by"]) == {""}
    assert list(obs.loc[obs["is_partial"], "value"]) == [300]


def test_a_cumulative_figure_from_a_mid_month_start_is_not_partial():
    obs = build_observations(frame(claim("x", value=68050, period_start="2022-02-24")))
    assert not bool(obs["is_partial"].item())


def test_output_is_independent_of_row_order_and_valid():
    rows = frame(
        claim("a", value=610, period_start="2024-10-01", period_end="2024-10-31"),
        claim("b", value=478, period_start="2024-10-01", period_end="2024-10-27"),
        claim("c", value=725), claim("d", value=725), claim("e", value=730, attribution="DeepState"),
    )
    first = build_observations(rows)
    second = build_observations(rows.iloc[::-1])
    pd.testing.assert_frame_equal(first, second)
    assert tuple(first.columns) == OBSERVATION_COLUMNS
    ObservationSchema.validate(first, lazy=True)


def test_empty_ledger_gives_an_empty_table_with_the_columns():
    obs = build_observations(pd.DataFrame(columns=list(CLAIM_COLUMNS)))
    assert obs.empty and tuple(obs.columns) == OBSERVATION_COLUMNS


def test_write_observations_is_deterministic_and_skips_unchanged_bytes(tmp_path):
    rows = frame(claim("a", value=725), claim("b", value=725, quote="=725 km2"))
    assert write_observations(rows, tmp_path) is True
    path = tmp_path / "processed" / "observations.csv"
    before = path.read_bytes()
    assert write_observations(rows.iloc[::-1], tmp_path) is False
    assert path.read_bytes() == before
    table = pd.read_csv(path, dtype=str, keep_default_na=False)
    assert tuple(table.columns) == OBSERVATION_COLUMNS
    assert table["n_citations"].tolist() == ["2"]
    assert table["is_revised"].tolist() == ["false"]


def test_schema_rejects_a_miscounted_observation():
    obs = build_observations(frame(claim("a", value=725), claim("b", value=725)))
    broken = obs.assign(n_citations=3)
    with pytest.raises(Exception, match="n_citations"):
        ObservationSchema.validate(broken, lazy=True)


def test_thousands_of_disagreeing_copies_are_flagged_without_listing_every_pair():
    # A broken source can state thousands of values for one period on one day: each is
    # flagged, and conflicts_with names at most ten others (memory must not grow as n²).
    rows = [claim(f"c{i:05d}", value=100 + i, published_at="2025-12-01") for i in range(3000)]
    obs = build_observations(frame(*rows))
    assert len(obs) == 3000
    assert (obs["flags"] == "conflicting_copies").all()
    listed = obs["conflicts_with"].str.split(";").map(len)
    assert listed.max() == 10 and listed.min() == 10


def test_a_month_and_its_month_to_date_figures_share_a_slot_key():
    claims = normalise_claims_frame(frame(
        claim("full", value=610),
        claim("to-date", value=478, period_end="2024-11-27"),
        claim("late", value=300, period_start="2024-11-12"),
        claim("other-producer", value=610, attribution="DeepState"),
        claim("computed", value=610, method="computed"),
        claim("december", value=244, period_start="2024-12-01", period_end="2024-12-31"),
        claim("since-invasion", value=68050, period_start="2022-02-24"),
        claim("stock", metric="area_controlled_km2", value=113000, period_start=None,
              period_end=None, as_of="2024-11-30"),
    ))
    keys = dict(zip(claims["claim_id"], slot_keys(claims)))
    assert keys["full"] == keys["to-date"] == keys["late"]
    assert len({keys[c] for c in ("full", "other-producer", "computed", "december",
                                  "since-invasion", "stock")}) == 6
    assert keys["full"].endswith("\x1f2024-11")
    assert keys["since-invasion"].endswith("\x1f2022-02-24/2024-11-30@")
    assert keys["stock"].endswith("\x1f/@2024-11-30")
    observations = build_observations(claims)
    by_claim = dict(zip(observations["claim_ids"], observation_slot_keys(observations)))
    assert all(by_claim[claim_id] == key for claim_id, key in keys.items())


def test_merge_observations_recomputes_only_the_touched_slots():
    before = frame(
        claim("old", value=143, published_at="2025-04-02"),
        claim("dec", value=244, period_start="2024-12-01", period_end="2024-12-31",
              published_at="2025-01-02"),
    )
    # A revision of November arrives; December is untouched.
    after = frame(*before.to_dict("records"), claim("new", value=150, published_at="2025-05-09"))
    touched = set(slot_keys(normalise_claims_frame(after).iloc[[2]]))
    fresh = build_observations(after[slot_keys(normalise_claims_frame(after)).isin(touched)])
    assert len(fresh) == 2
    merged = merge_observations(build_observations(before), fresh, touched)
    whole = build_observations(after)
    assert observations_csv_bytes(merged) == observations_csv_bytes(whole)
    pd.testing.assert_frame_equal(merged, whole)
    assert merged.loc[merged["value"] == 150, "revision_of"].item() == \
        merged.loc[merged["value"] == 143, "observation_id"].item()
    # Removing the only claim of a slot removes its observation.
    gone = set(slot_keys(normalise_claims_frame(after).iloc[[1]]))
    emptied = merge_observations(whole, build_observations(after.iloc[0:0]), gone)
    assert observations_csv_bytes(emptied) == observations_csv_bytes(build_observations(after.iloc[[0, 2]]))
    # Fresh rows from outside the given slots would be counted twice: refused.
    with pytest.raises(ValueError, match="outside the given slots"):
        merge_observations(whole, build_observations(after), gone)
