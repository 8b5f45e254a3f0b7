"""The current view: active readings with people's decisions applied (tracker/view.py),
on hand-made ledger frames: a decision applies to the place a figure was read, so it
outlives a re-reading of that place."""

from __future__ import annotations

import pandas as pd

from tracker.model import claim_id
from tracker.review.log import Decision
from tracker.schemas import normalise_claims_frame
from tracker.view import charted, current_view, reading_fields


def reading(value: float, territory: str = "Ukraine", status: str = "active", **extra) -> dict:
    row = {"conflict": "russia-ukraine", "metric": "area_gained_km2", "value": value,
           "qualifier": "approx", "actor": "Russia", "territory": territory,
           "period_start": "2025-11-01", "period_end": "2025-11-30", "method": "reported",
           "source_id": "wire", "snapshot_sha256": "a" * 64, "number_start": 40,
           "number_end": 43, "status": status, "url": "https://example.org/s", **extra}
    row["claim_id"] = claim_id(row)
    return row


def ledger(*rows: dict) -> pd.DataFrame:
    return normalise_claims_frame(pd.DataFrame(list(rows)))


def decide(row: dict, action: str, frame: pd.DataFrame, **extra) -> Decision:
    shown = frame.set_index("claim_id").loc[row["claim_id"]].to_dict()
    shown["claim_id"] = row["claim_id"]
    return Decision(action=action, claim_id=row["claim_id"],
                    location_id=frame.loc[frame["claim_id"] == row["claim_id"], "location_id"].iloc[0],
                    reviewer="ana", at="2026-01-05T10:00:00Z", reading=reading_fields(shown), **extra)


def test_without_decisions_every_active_reading_is_unreviewed_and_history_is_left_out():
    old, new = reading(500, status="superseded"), reading(505)
    view = current_view(ledger(old, new))
    assert list(view["value"]) == [505] and list(view["review_status"]) == ["unreviewed"]


def test_confirm_correct_and_reject():
    first, second, third = reading(500), reading(610, number_start=90, number_end=93), \
        reading(720, number_start=150, number_end=153)
    frame = ledger(first, second, third)
    decisions = [decide(first, "confirm", frame),
                 decide(second, "correct", frame, fields={"value": 616.0}),
                 decide(third, "reject", frame, reason="a district, not the front")]
    view = current_view(frame, decisions).set_index("claim_id")
    assert view.loc[first["claim_id"], "review_status"] == "confirmed"
    assert view.loc[second["claim_id"], ["review_status", "value"]].tolist() == ["corrected", 616.0]
    assert view.loc[third["claim_id"], ["review_status", "review_reason"]].tolist() == [
        "rejected", "a district, not the front"]
    assert set(view["reviewed_by"]) == {"ana"}
    assert sorted(charted(view.reset_index())["value"]) == [500, 616]


def test_the_last_decision_on_a_figure_wins():
    first = reading(500)
    frame = ledger(first)
    decisions = [decide(first, "reject", frame, reason="no"), decide(first, "confirm", frame)]
    assert list(current_view(frame, decisions)["review_status"]) == ["confirmed"]


def test_a_correction_outlives_a_re_reading_and_an_agreeing_one_is_marked():
    misread = reading(500, territory="Donetsk oblast")
    frame = ledger(misread)
    correction = decide(misread, "correct", frame, fields={"territory": "Ukraine"})
    # A newer extractor reads the same place differently, but still wrongly.
    still_wrong = reading(500, territory="Kharkiv oblast")
    later = ledger({**misread, "status": "superseded"}, still_wrong)
    view = current_view(later, [correction])
    assert view[["territory", "review_status"]].values.tolist() == [["Ukraine", "corrected"]]
    assert "extractor_agrees" not in view["flags"].iloc[0]
    # And one that reads it as the reviewer did: marked so.
    right = reading(500, territory="Ukraine")
    agreeing = current_view(ledger({**misread, "status": "superseded"}, right), [correction])
    assert agreeing["flags"].iloc[0] == "extractor_agrees"


def test_a_confirmed_reading_stands_when_a_re_reading_differs():
    confirmed = reading(500)
    frame = ledger(confirmed)
    decision = decide(confirmed, "confirm", frame)
    changed = reading(800)
    view = current_view(ledger({**confirmed, "status": "superseded"}, changed), [decision])
    assert view["value"].tolist() == [500] and view["flags"].tolist() == ["reextraction_differs"]


def test_a_decision_on_a_retracted_figure_shows_nothing():
    gone = reading(500)
    frame = ledger(gone)
    view = current_view(ledger({**gone, "status": "retracted"}), [decide(gone, "confirm", frame)])
    assert view.empty


def test_reviewed_only_keeps_checked_and_curated_figures():
    unchecked, checked = reading(500), reading(610, number_start=90, number_end=93)
    curated = reading(701, method="curated", number_start=None, number_end=None)
    frame = ledger(unchecked, checked, curated)
    view = current_view(frame, [decide(checked, "confirm", frame)])
    assert sorted(charted(view, reviewed_only=True)["value"]) == [610, 701]


def test_one_number_stating_several_figures_keeps_a_decision_per_figure():
    """"About 75 % of Donetsk, Zaporizhzhia and Kherson": one place, three readings."""
    donetsk, zaporizhzhia, kherson = (reading(75, territory=t) for t in
                                      ("Donetsk oblast", "Zaporizhzhia oblast", "Kherson oblast"))
    frame = ledger(donetsk, zaporizhzhia, kherson)
    assert frame["location_id"].nunique() == 1
    decisions = [decide(donetsk, "confirm", frame),
                 decide(zaporizhzhia, "reject", frame, reason="the sentence lists plans"),
                 decide(kherson, "correct", frame, fields={"value": 70.0})]
    view = current_view(frame, decisions).set_index("territory")
    assert view["review_status"].to_dict() == {"Donetsk oblast": "confirmed",
                                              "Zaporizhzhia oblast": "rejected",
                                              "Kherson oblast": "corrected"}
    assert view.at["Kherson oblast", "value"] == 70 and view.at["Donetsk oblast", "value"] == 75
    # Deciding on one never lands on another.
    only_one = current_view(frame, decisions[1:2]).set_index("territory")["review_status"]
    assert only_one.to_dict() == {"Donetsk oblast": "unreviewed", "Zaporizhzhia oblast": "rejected",
                                  "Kherson oblast": "unreviewed"}
