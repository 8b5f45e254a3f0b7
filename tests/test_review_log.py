"""The review log (tracker/review/log.py) on a real temp disk: what it refuses to write,
and lines damaged by a crash or a hand edit reported and skipped, the rest kept."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from tracker.review.log import LOG_PATH, Decision, ReviewError, append_decision, read_decisions

CLAIM, PLACE = "0123456789abcdef", "fedcba9876543210"


def decision(**changes) -> Decision:
    fields = dict(action="confirm", claim_id=CLAIM, location_id=PLACE, reviewer="ana",
                  at="2026-01-05T10:00:00Z", reading={"value": 505.0, "as_of": ""})
    fields.update(changes)
    return Decision(**fields)


@pytest.mark.parametrize("changes, message", [
    ({"action": "approve"}, "unknown action"),
    ({"claim_id": "12"}, "16-hex"),
    ({"reviewer": "a\nb"}, "reviewer"),
    ({"at": "2026-01-05 10:00"}, "UTC time"),
    ({"action": "correct"}, "at least one field"),
    ({"action": "correct", "fields": {"quote": "x"}}, "not a field a review can set"),
    ({"action": "correct", "fields": {"value": "abc"}}, "not a number"),
    ({"action": "correct", "fields": {"as_of": "April"}}, "not a date"),
    ({"action": "correct", "fields": {"actor": "Rus\nsia"}}, "line break"),
    ({"action": "reject"}, "needs a reason"),
    ({"reason": 5}, "must be text"),
])
def test_what_cannot_be_a_decision_is_refused_and_nothing_written(tmp_path: Path, changes, message):
    with pytest.raises(ReviewError, match=message):
        append_decision(tmp_path, decision(**changes))
    assert not (tmp_path / LOG_PATH).exists()


def test_damaged_lines_are_named_and_skipped_and_a_new_line_never_glues_onto_one(tmp_path: Path):
    first = append_decision(tmp_path, decision())
    log = tmp_path / LOG_PATH
    hand_edited = json.loads(decision().as_line())
    hand_edited["reason"] = 5
    with log.open("ab") as handle:
        handle.write(json.dumps(hand_edited).encode() + b"\n")
        handle.write(b'{"action": "confirm", "claim_id": "01234')  # cut short by a crash
    second = append_decision(tmp_path, decision(action="reject", reason="not a territory figure"))
    found, problems = read_decisions(tmp_path)
    assert [d.decision_id for d in found] == [first.decision_id, second.decision_id]
    assert [p.split(": damaged")[0] for p in problems] == [f"{log}:2", f"{log}:3"]
    assert log.read_bytes().count(b"\n") == 4  # the new decision has a line of its own


def test_a_decision_id_hashes_the_decision(tmp_path: Path):
    one = append_decision(tmp_path, decision())
    other = append_decision(tmp_path, decision(at="2026-01-05T10:00:01Z"))
    assert len(one.decision_id) == 16 and one.decision_id != other.decision_id
