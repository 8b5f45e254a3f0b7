""""The past seven days" and its kin in the six languages: a flow from a week before the
publication date to that date (the conventions' "past week")."""

from __future__ import annotations

import pytest

from tracker.extract import extract
from tracker.model import Document

WEEKS = [
    ("en", "In the past seven days Russian forces took 64 square kilometres, analysts at DeepState said."),
    ("fr", "Selon DeepState, les troupes russes ont pris 64 kilomètres carrés au cours de la semaine écoulée."),
    ("fr", "Selon DeepState, les troupes russes ont pris 64 kilomètres carrés ces sept derniers jours."),
    ("de", "In den vergangenen sieben Tagen eroberten russische Truppen 64 Quadratkilometer, so DeepState."),
    ("nl", "Volgens DeepState veroverden Russische troepen de voorbije week 64 vierkante kilometer."),
    ("no", "Ifølge DeepState har russiske styrker tatt 64 kvadratkilometer de siste sju dagene."),
    ("uk", "За останні сім днів російські війська захопили 64 кв. км, повідомляє DeepState."),
]


@pytest.mark.parametrize(("language", "text"), WEEKS)
def test_the_past_seven_days_ends_on_publication_and_starts_a_week_before(language: str, text: str):
    claims = extract(Document(doc_id="w", text=text, published="2025-03-12", language=language))
    assert [(c.metric, c.value, c.actor) for c in claims] == [("area_gained_km2", 64.0, "Russia")]
    assert (claims[0].period_start, claims[0].period_end) == ("2025-03-05", "2025-03-12")
