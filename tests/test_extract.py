"""Tests of the claim extractor: numbers, units, periods, qualifiers, distractors,
attribution, the seed article, robustness and speed.

Example sentences are written for these tests; the seed article is read from ../shared
(skipped when absent).
"""

from __future__ import annotations

import time
from datetime import date
from pathlib import Path

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from tracker.extract import EXTRACTOR_VERSION, extract, guess_language
from tracker.extract import periods as P
from tracker.extract.engine import extract_document
from tracker.extract.lexicon import lexicon_for
from tracker.extract.numbers import find_numerals, parse_digits
from tracker.extract.units import conversion_consistent
from tracker.model import Document

SHARED = Path(__file__).resolve().parents[1].parent / "shared"
SEED = SHARED / "seeds" / "000_f9064b7e8a2e325d.txt"


def run(text: str, published: str | None = "2025-12-03", language: str | None = "en", **kw):
    """The engine itself, so a bug raises here instead of being swallowed by extract()."""
    return extract_document(Document(text=text, published=published, language=language, **kw), "test")


def one(text: str, **kw):
    claims = run(text, **kw)
    assert len(claims) == 1, [(c.metric, c.value) for c in claims]
    return claims[0]


# ------------------------------------------------------------------ seed article

@pytest.fixture(scope="module")
def seed_text() -> str:
    if not SEED.exists():
        pytest.skip(f"seed article not found at {SEED} (../shared is absent)")
    return SEED.read_text(encoding="utf-8")


def test_seed_article_gives_exactly_two_claims(seed_text: str) -> None:
    claims = extract(Document(text=seed_text, published="2025-12-03", language="en"))
    assert len(claims) == 2, [(c.metric, c.value, c.quote[:60]) for c in claims]
    gain, share = claims
    assert (gain.metric, gain.value, gain.qualifier, gain.qualifier_text) == ("area_gained_km2", 701, "approx", "about")
    assert (gain.actor, gain.territory) == ("Russia", "Ukraine")
    assert (gain.period_start, gain.period_end, gain.as_of) == ("2025-11-01", "2025-11-30", None)
    assert (gain.alt_value_original, gain.alt_unit_original) == (270, "sq miles")
    assert gain.attribution == "AFP analysis of ISW data"
    assert (gain.analyst, gain.data_producer) == ("AFP", "ISW")
    assert seed_text[gain.number_start:gain.number_end] == "701"
    assert (share.metric, share.value, share.actor, share.territory) == ("share_controlled_pct", 19.3, "Russia", "Ukraine")
    assert share.as_of in ("2025-11-30", "2025-12-03")
    assert share.period_start is None and share.period_end is None
    assert share.attribution == "AFP analysis of ISW data"
    assert gain.extractor_version == EXTRACTOR_VERSION


def test_seed_article_without_date_flags_the_period(seed_text: str) -> None:
    # The claims still come out, but an unresolvable month is flagged, not guessed.
    claims = extract(Document(text=seed_text, published=None, language="en"))
    assert [c.metric for c in claims] == ["area_gained_km2", "share_controlled_pct"]
    gain = claims[0]
    assert "period_unresolved" in gain.flags
    assert gain.period_start is None and gain.period_end is None


# ------------------------------------------------------------------ numbers

@pytest.mark.parametrize("raw,lang,value", [
    ("1,246", "en", 1246.0), ("68.050", "fr", 68050.0), ("4 500", "no", 4500.0),
    ("18,08", "fr", 18.08), ("0,75", "de", 0.75), ("19.3", "en", 19.3), ("1,000,000", "en", 1e6),
    ("1.234,5", "de", 1234.5),
])
def test_parse_digits_reads_locale_formats(raw: str, lang: str, value: float) -> None:
    assert parse_digits(raw, lang) == value


@pytest.mark.parametrize("sentence,lang,expected", [
    ("about 1.5 million people", "en", 1.5e6),
    ("116 тис 165 осіб", "uk", 116165.0),
    ("ruim 100 duizend vierkante kilometer", "nl", 100000.0),
    ("seven villages", "en", 7.0), ("tausend Quadratkilometer", "de", 1000.0),
    ("vijf dorpen", "nl", 5.0), ("сім сіл", "uk", 7.0),
])
def test_scale_and_number_words(sentence: str, lang: str, expected: float) -> None:
    assert find_numerals(sentence, lang)[0].value == expected


@pytest.mark.parametrize("sentence,lang,pct", [
    ("a third of it", "en", 33.3), ("two-thirds of the area", "en", 66.7), ("a fifth of the land", "en", 20.0),
    ("half of the town", "en", 50.0), ("the whole of the district", "en", 100.0),
    ("un tiers du pays", "fr", 33.3), ("een zesde van het land", "nl", 16.7),
])
def test_word_fractions_become_percent(sentence: str, lang: str, pct: float) -> None:
    num = find_numerals(sentence, lang)[0]
    assert num.fraction and num.value == pct


@pytest.mark.parametrize("sentence,lang,lo,hi", [
    ("53-58% of it", "en", 53, 58), ("between 1,150 and 1,300 square kilometres", "en", 1150, 1300),
    ("zwischen 1.150 und 1.300 Quadratkilometer", "de", 1150, 1300),
    ("mellom tre og fem promille", "no", 3, 5),
])
def test_ranges(sentence: str, lang: str, lo: float, hi: float) -> None:
    num = find_numerals(sentence, lang)[0]
    assert (num.range_min, num.range_max) == (lo, hi)


# ------------------------------------------------------------------ units and conversions

def test_parenthesised_conversion_is_one_claim() -> None:
    c = one("Russian troops captured 300 square kilometres (116 square miles) in May.")
    assert (c.value, c.alt_value_original, c.alt_unit_original) == (300, 116, "square miles")
    assert "unit_mismatch" not in c.flags


def test_miles_first_takes_the_km2_figure() -> None:
    c = one("Russian forces took about 50 square miles (129 sq km) in May.")
    assert (c.value, c.value_original, c.unit_original) == (129, 50, "square miles")


def test_miles_only_are_converted() -> None:
    assert one("Russian forces took 100 square miles in May.").value == 259.0


def test_wrong_conversion_is_flagged() -> None:
    c = one("Russian forces seized 900 sq km (100 sq miles) in May.")
    assert "unit_mismatch" in c.flags
    assert not conversion_consistent(900, 100, 2.589988)
    assert conversion_consistent(6000, 2400, 2.589988)  # rounding to two figures is fine


def test_square_metres_and_per_day_rates() -> None:
    c = one("Israel has taken over 3,000 square metres of land in May, UN observers said.",
            conflict="israel-lebanon")
    assert c.value == pytest.approx(0.003)
    rate = run("Russian forces captured 600 square kilometres in May, an average of 20 square kilometres per day.")
    assert [x.metric for x in rate] == ["area_gained_km2", "area_gained_per_day_km2"]


def test_elided_unit_in_an_enumeration() -> None:
    claims = run("Russian forces seized 500 square kilometres in May, 400 in April and 300 in March.")
    assert [(c.value, c.period_start) for c in claims] == [
        (500, "2025-05-01"), (400, "2025-04-01"), (300, "2025-03-01")]


# ------------------------------------------------------------------ periods

def ctx(published: str, **kw) -> P.TimeContext:
    ref, prec = P.parse_published(published)
    return P.TimeContext(ref=ref, ref_precision=prec, **kw)


def phrase(text: str, lang: str = "en") -> P.Phrase:
    found = P.find_phrases(text, lexicon_for(lang))
    assert found, text
    return found[0]


def test_month_before_and_after_publication_month() -> None:
    lex = lexicon_for("en")
    r = P.resolve(phrase("in November"), ctx("2025-12-03"), lex, stock=False)
    assert (r.period_start, r.period_end) == (date(2025, 11, 1), date(2025, 11, 30))
    # A month after the publication month lies in the previous year.
    r = P.resolve(phrase("in November"), ctx("2025-02-10"), lex, stock=False)
    assert r.period_start == date(2024, 11, 1)


def test_last_month_since_start_of_year_and_invasion() -> None:
    lex = lexicon_for("en")
    r = P.resolve(phrase("last month"), ctx("2025-01-05"), lex, stock=False)
    assert (r.period_start, r.period_end) == (date(2024, 12, 1), date(2024, 12, 31))
    r = P.resolve(phrase("since the start of the year"), ctx("2025-06-10"), lex, stock=False)
    assert (r.period_start, r.period_end) == (date(2025, 1, 1), date(2025, 6, 10))
    r = P.resolve(phrase("since the invasion"), ctx("2025-06-10"), lex, stock=False)
    assert r.period_start == date(2022, 2, 24)


def test_cut_off_and_date_range() -> None:
    lex = lexicon_for("en")
    r = P.resolve(phrase("by October 27"), ctx("2025-11-02"), lex, stock=True)
    assert r.as_of == date(2025, 10, 27)
    r = P.resolve(phrase("from July 1 to July 30"), ctx("2024-08-02"), lex, stock=False)
    assert (r.period_start, r.period_end) == (date(2024, 7, 1), date(2024, 7, 30))


def test_unresolved_without_publication_date() -> None:
    r = P.resolve(phrase("in November"), ctx(None), lexicon_for("en"), stock=False)
    assert r.unresolved and r.period_start is None


def test_now_uses_the_analysis_cut_off() -> None:
    claims = run("Russian forces seized 400 square kilometres in November and now control 19% of Ukraine.",
                 published="2025-12-02")
    assert claims[1].as_of == "2025-11-30"
    claims = run("Russian forces now control 19% of Ukraine.", published="2025-12-17")
    assert claims[0].as_of == "2025-12-17"


# ------------------------------------------------------------------ qualifiers in several languages

@pytest.mark.parametrize("text,lang,qualifier,cue", [
    ("Russian forces captured nearly 400 square kilometres in May.", "en", "at_most", "nearly"),
    ("Russian forces captured more than 400 square kilometres in May.", "en", "at_least", "more than"),
    ("Russische Truppen eroberten im Mai gut 400 Quadratkilometer.", "de", "at_least", "gut"),
    ("Russische troepen veroverden in mei ruim 400 vierkante kilometer.", "nl", "at_least", "ruim"),
    ("L'armée russe a pris environ 400 km² en mai.", "fr", "approx", "environ"),
    ("Russiske styrker har tatt omkring 400 kvadratkilometer i mai.", "no", "approx", "omkring"),
    ("Російські війська захопили близько 400 кв. км у травні.", "uk", "approx", "близько"),
])
def test_qualifiers(text: str, lang: str, qualifier: str, cue: str) -> None:
    c = one(text, language=lang)
    assert (c.qualifier, c.qualifier_text, c.actor, c.value) == (qualifier, cue, "Russia", 400)


# ------------------------------------------------------------------ distractors

@pytest.mark.parametrize("text", [
    "Russian troops were 7 km from the city, advancing 15 meters per day.",
    "More than 20,000 people were killed and 77% of the population displaced.",
    "The region, covering nearly 30,000 square kilometres, is larger than Belgium.",
    "The zone is roughly the size of 400 square kilometres of farmland, officials said.",
    "The EU will raise €90bn, which would cover two-thirds of Ukraine's financing needs.",
    "Talks lasted five hours in 2025, and the front is 1,000 km long.",
    "Nearly 90% of the gains were in Donetsk, six times more than in 2023.",
    "Officials said 12,000 square kilometres of farmland had been damaged.",
])
def test_distractors_give_no_claim(text: str) -> None:
    assert run(text) == []


def test_restatements_are_one_claim() -> None:
    claims = run("Russia now controls roughly a fifth of Ukraine. The president put it at about 20 percent.")
    assert len(claims) == 1 and claims[0].value == 20


# ------------------------------------------------------------------ actors, territory, attribution

def test_both_sides_in_one_sentence() -> None:
    claims = run("On the eastern axis Russia captured 10 sq km but lost 20 sq km, while Ukrainian "
                 "troops regained 30 sq km in May.")
    assert [(c.metric, c.actor, c.value) for c in claims] == [
        ("area_gained_km2", "Russia", 10), ("area_lost_km2", "Russia", 20), ("area_gained_km2", "Ukraine", 30)]


def test_region_territory_and_one_claim_per_listed_region() -> None:
    claims = run("Russia holds around 70 percent of the Donetsk, Zaporizhzhia and Kherson regions.")
    assert [c.territory for c in claims] == ["Donetsk oblast", "Zaporizhzhia oblast", "Kherson oblast"]


def test_attribution_chain_and_inheritance() -> None:
    text = ("Russian forces captured 300 square kilometres in May, AFP worked out from "
            "maps of the Institute for the Study of War. They now hold 19% of Ukraine.")
    claims = run(text, published="2025-06-02")
    assert [c.attribution for c in claims] == ["AFP analysis of ISW data"] * 2
    assert (claims[0].analyst, claims[0].data_producer) == ("AFP", "ISW")


def test_official_is_the_source_not_the_relay() -> None:
    c = one("Ukraine's commander-in-chief, General Oleksandr Syrskyi, said on Monday that his troops "
            "now control 900 square kilometres of the Kursk region, Reuters reported.", published="2024-08-13")
    assert c.attribution.startswith("Oleksandr Syrskyi")
    assert (c.actor, c.territory, c.metric) == ("Ukraine", "Kursk oblast (Russia)", "area_controlled_km2")


def test_default_attribution_is_a_fallback() -> None:
    c = one("Russian forces captured 300 square kilometres in May.", default_attribution="DeepState")
    assert c.attribution == "DeepState"


def test_conflict_guess_and_copy_of_document_fields() -> None:
    c = one("Israeli forces now control 60 percent of the Gaza Strip.", url="https://example.org/a",
            publisher="Example", source_id="s1")
    assert (c.conflict, c.actor, c.territory) == ("israel-gaza", "Israel", "Gaza Strip")
    assert (c.url, c.publisher, c.source_id, c.claim_id) == ("https://example.org/a", "Example", "s1", "")


@pytest.mark.parametrize("text,lang", [
    ("The army said Russian forces had captured several villages near the town.", "en"),
    ("Die russische Armee ist in der Ukraine weiter vorgerückt, teilte das Ministerium mit.", "de"),
    ("L'armée russe a encore progressé dans l'est de l'Ukraine, selon le ministère.", "fr"),
    ("Het Russische leger is verder opgerukt in het oosten van Oekraïne.", "nl"),
    ("Russiske styrker har rykket fram i det østlige Ukraina, ifølge forsvaret.", "no"),
    ("Російські війська просунулися на сході України.", "uk"),
])
def test_language_guess(text: str, lang: str) -> None:
    assert guess_language(text) == lang


# ------------------------------------------------------------------ robustness and speed

@settings(max_examples=300, deadline=None)
@given(st.text(max_size=400))
def test_fuzz_never_raises(text: str) -> None:
    # Any string, including control characters and mixed scripts, must come back as a list.
    assert isinstance(extract_document(Document(text=text, published="2025-01-01"), "t"), list)
    assert isinstance(extract(Document(text=text, language=None)), list)


@settings(max_examples=100, deadline=None)
@given(st.lists(st.sampled_from(["Russia", "seized", "captured", " ", "12", "1,5", "%", "km²", "(", ")",
                                 "sq km", "about", "in November", "\x00", "Україна", "٣", "of Ukraine",
                                 ".", "between", "and", "-", "a third"]), max_size=60))
def test_fuzz_near_miss_sentences(parts: list[str]) -> None:
    text = " ".join(parts)
    for c in extract_document(Document(text=text, published="2025-01-01"), "t"):
        assert text[c.number_start:c.number_end]  # offsets always point into the text


def test_ten_megabytes_of_digits_is_fast() -> None:
    text = "7" * 10_000_000
    t0 = time.perf_counter()
    assert extract(Document(text=text, published="2025-01-01", language="en")) == []
    assert time.perf_counter() - t0 < 5.0


def test_long_repetitive_text_is_linear() -> None:
    text = ("1,000,000 " * 50_000) + ("(((" * 20_000) + ("sq " * 20_000)
    t0 = time.perf_counter()
    extract(Document(text=text, published="2025-01-01", language="en"))
    assert time.perf_counter() - t0 < 5.0
