"""Hostile numbers: group separators other than the usual ones, and invisible characters
inside a figure. Each figure is read whole, with offsets that point at the characters as
written, or not read at all; none is read as its last group ("4 500" as 500).

The sentences are written for these tests.
"""

from __future__ import annotations

import json

import pytest
from click.testing import CliRunner

from tracker.cli import cli
from tracker.extract.engine import extract_document
from tracker.extract.numbers import find_numerals
from tracker.model import Document

# One sentence per language, the figure written as 4{sep}500.
SENTENCES = {
    "en": "Russian troops took 4{sep}500 square kilometres of Ukrainian land during October, the ISW said.",
    "fr": "Selon l'ISW, les forces russes ont conquis 4{sep}500 km² de territoire ukrainien en octobre.",
    "de": "Nach Angaben des ISW eroberten russische Truppen im Oktober 4{sep}500 Quadratkilometer ukrainisches Gebiet.",
    "nl": "Volgens het ISW veroverden Russische troepen in oktober 4{sep}500 vierkante kilometer Oekraïens grondgebied.",
    "no": "Ifølge ISW erobret russiske styrker 4{sep}500 kvadratkilometer ukrainsk territorium i oktober.",
    "uk": "За даними ISW, у жовтні російські війська захопили 4{sep}500 кв. км української території.",
}

# Group separators seen in print.
GROUP_SEPARATORS = {
    "thin space": "\u2009",
    "narrow no-break space": "\u202f",
    "figure space": "\u2007",
    "no-break space": "\u00a0",
    "punctuation space": "\u2008",
    "hair space": "\u200a",
    "apostrophe": "'",
    "right single quote": "\u2019",
    "modifier apostrophe": "\u02bc",
}

# Characters that show nothing, found inside copied figures.
INVISIBLES = {
    "zero-width space": "\u200b",
    "zero-width non-joiner": "\u200c",
    "zero-width joiner": "\u200d",
    "word joiner": "\u2060",
    "soft hyphen": "\u00ad",
    "byte order mark": "\ufeff",
    "left-to-right mark": "\u200e",
}


def claims(text: str, language: str | None):
    """The engine itself, so a bug raises here instead of being swallowed."""
    return extract_document(Document(text=text, published="2025-11-05", language=language), "test")


def figure_span(text: str) -> tuple[int, int]:
    """Offsets of the figure 4...500 as written in `text`."""
    start = text.index("4")
    return start, text.index("500", start) + 3


def assert_one_figure_of_4500(text: str, language: str):
    """One claim of 4,500 whose offsets cover the figure as written; returns the claim."""
    found = claims(text, language)
    assert [c.value for c in found] == [4500.0]
    assert (found[0].number_start, found[0].number_end) == figure_span(text)
    return found[0]


@pytest.mark.parametrize("language", sorted(SENTENCES))
@pytest.mark.parametrize("name", sorted(GROUP_SEPARATORS))
def test_a_printed_group_separator_groups_thousands(language: str, name: str) -> None:
    text = SENTENCES[language].format(sep=GROUP_SEPARATORS[name])
    assert assert_one_figure_of_4500(text, language).quote == text


@pytest.mark.parametrize("language", sorted(SENTENCES))
@pytest.mark.parametrize("name", sorted(INVISIBLES))
def test_an_invisible_character_inside_a_figure_is_ignored(language: str, name: str) -> None:
    text = SENTENCES[language].format(sep=INVISIBLES[name])
    assert_one_figure_of_4500(text, language)
    start, end = figure_span(text)
    assert text[start:end] == "4" + INVISIBLES[name] + "500"


@pytest.mark.parametrize("name", sorted(GROUP_SEPARATORS))
def test_the_language_is_guessed_the_same_with_a_rare_separator(name: str) -> None:
    text = SENTENCES["de"].format(sep=GROUP_SEPARATORS[name])
    assert [c.value for c in claims(text, None)] == [4500.0]


def test_the_command_line_reads_a_thin_space_group() -> None:
    text = "Russian forces seized 4\u2009500 km² of Ukrainian territory in November, according to ISW."
    result = CliRunner().invoke(cli, ["extract", "-", "--published", "2025-12-01", "--format", "jsonl"],
                                input=text)
    assert result.exit_code == 0, result.output
    rows = [json.loads(line) for line in result.output.splitlines() if line.strip()]
    assert [r["value"] for r in rows] == [4500.0]
    assert text[rows[0]["number_start"]:rows[0]["number_end"]] == "4\u2009500"


@pytest.mark.parametrize("text, value", [
    ("Russian troops took 4\u200b\u200b500 square kilometres of Ukrainian land in October, the ISW said.", 4500.0),
    ("Russian troops took 45\u200b00 square kilometres of Ukrainian land in October, the ISW said.", 4500.0),
    ("Russian troops took 4,\u200b500 square kilometres of Ukrainian land in October, the ISW said.", 4500.0),
    ("Russian troops took 4\u00a0\u200b500 square kilometres of Ukrainian land in October, the ISW said.", 4500.0),
    ("Russian troops took 1\u2009234\u2009567 square kilometres of Ukrainian land in October, the ISW said.",
     1234567.0),
    ("Russian troops took 1'234'567 square kilometres of Ukrainian land in October, the ISW said.", 1234567.0),
    ("Russian troops took 1.5\u200b million square kilometres of Ukrainian land in October, the ISW said.",
     1500000.0),
])
def test_hostile_figures_in_english(text: str, value: float) -> None:
    assert [c.value for c in claims(text, "en")] == [value]


@pytest.mark.parametrize("text, language, value", [
    ("Russische Truppen eroberten im Oktober 4'500.5 Quadratkilometer Gebiet, so das ISW.", "de", 4500.5),
    ("Russische Truppen eroberten im Oktober 4’500,5 Quadratkilometer Gebiet, so das ISW.", "de", 4500.5),
    ("Selon l'ISW, les forces russes ont conquis 4\u2009500,5 km² en octobre.", "fr", 4500.5),
])
def test_a_decimal_part_after_a_rare_group(text: str, language: str, value: float) -> None:
    assert [c.value for c in claims(text, language)] == [value]


def test_an_invisible_character_after_a_figure_lets_the_unit_be_read() -> None:
    text = "Russian troops took 4500\u200b square kilometres of Ukrainian land in October, the ISW said."
    found = claims(text, "en")
    assert [c.value for c in found] == [4500.0]
    # The dropped character belongs to the figure, so the unit is read right after it.
    assert text[found[0].number_start:found[0].number_end] == "4500\u200b"


def test_a_thin_space_before_a_scale_word() -> None:
    text = "За даними ISW, у жовтні російські війська захопили 116\u2009тис 165 кв. км території."
    assert [c.value for c in claims(text, "uk")] == [116165.0]


def test_a_range_with_thin_space_groups() -> None:
    text = "Russian troops took 4\u2009500\u20135\u2009000 square kilometres of Ukrainian land in October, the ISW said."
    found = claims(text, "en")
    assert [(c.value_min, c.value_max) for c in found] == [(4500.0, 5000.0)]
    assert text[found[0].number_start:found[0].number_end] == "4\u2009500\u20135\u2009000"


def test_offsets_of_a_second_figure_after_dropped_characters() -> None:
    text = ("Russian troops took 4\u200b500 square kilometres in October and 1\u2060200 square kilometres "
            "in November, the ISW said.")
    found = claims(text, "en")
    assert [c.value for c in found] == [4500.0, 1200.0]
    assert [text[c.number_start:c.number_end] for c in found] == ["4\u200b500", "1\u2060200"]


# Figures that cannot be read one way only: no claim, and above all not the last group.
AMBIGUOUS = [
    ("Russian troops took 4\u200950 square kilometres of Ukrainian land in October, the ISW said.", "en"),
    ("Russian troops took 4'50 square kilometres of Ukrainian land in October, the ISW said.", "en"),
    ("Russian troops took 4\u00a050 square kilometres of Ukrainian land in October, the ISW said.", "en"),
    ("Russian troops took 4\u2009\u2009500 square kilometres of Ukrainian land in October, the ISW said.", "en"),
    ("In 2024\u2009400 square kilometres of Ukrainian land were taken by Russian troops, the ISW said.", "en"),
    ("Russian troops took 1,234\u00a0567 square kilometres of Ukrainian land in October, the ISW said.", "en"),
    ("Russische Truppen eroberten im Oktober 4'500.000 Quadratkilometer Gebiet, so das ISW.", "de"),
    ("Selon l'ISW, les forces russes ont conquis 4\u2009500.000 km² en octobre.", "fr"),
]


@pytest.mark.parametrize("text, language", AMBIGUOUS)
def test_an_ambiguous_figure_gives_no_claim(text: str, language: str) -> None:
    assert claims(text, language) == []


@pytest.mark.parametrize("text, language", AMBIGUOUS)
def test_an_ambiguous_figure_gives_no_numeral_next_to_its_gap(text: str, language: str) -> None:
    sentence = text
    values = [n.value for n in find_numerals(sentence, language)]
    assert 50.0 not in values and 500.0 not in values and 400.0 not in values and 567.0 not in values


def test_an_apostrophe_after_a_figure_is_left_alone() -> None:
    # "M23's" is a name with an apostrophe, not a group: read as without the rewrite.
    sentence = "The M23's fighters took 300 square kilometres around Goma in January."
    assert [n.value for n in find_numerals(sentence, "en")] == [300.0]
