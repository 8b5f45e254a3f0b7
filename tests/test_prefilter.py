"""The literal-prefix prefilter: which prefixes a pattern's matches start with, and that a
prefiltered scan finds exactly what `re` finds."""

from __future__ import annotations

import re

from hypothesis import given, settings
from hypothesis import strategies as st

from tracker.extract.lexicon import LANGUAGES, SOURCES_FAST, TERRITORIES_FAST, LowPattern, _fast, lexicon_for
from tracker.extract.prefilter import WHITE_SPACE, Prefilter, literal_prefixes, prefilter_for


def test_prefixes_of_an_alternation_behind_a_lookbehind():
    # "russian" starts with "russia": the shorter prefix marks its starts already.
    assert literal_prefixes(r"(?<![\w'’])(?:russia(?:n|ns)?|moscow)") == {"russia", "moscow"}


def test_an_optional_opening_gives_both_starts():
    assert literal_prefixes(r"(?:the-)?enemy") == {"the-enem", "enemy"}  # capped at 8


def test_white_space_ends_a_prefix():
    # "\s+" may be several characters of many kinds: the prefix takes the first and stops.
    assert literal_prefixes(r"(?:a|one)\s+third") == {w + c for w in ("a", "one") for c in WHITE_SPACE}
    assert literal_prefixes(r"two[\s-]thirds") == {"two-thir"} | {"two" + c for c in WHITE_SPACE}
    assert literal_prefixes(r"(?:the\s+)?enemy") == {"enemy"} | {"the" + c for c in WHITE_SPACE}
    assert literal_prefixes(r"a thing") == {"a "}


def test_white_space_is_what_backslash_s_matches():
    matched = [chr(c) for c in range(0x110000) if re.fullmatch(r"\s", chr(c))]
    assert sorted(WHITE_SPACE) == matched


def test_prefixes_are_capped():
    assert literal_prefixes(r"institute\s+for") == {"institut"}


def test_no_prefixes_where_a_match_can_start_anywhere_or_be_empty():
    assert literal_prefixes(r"\w+ing") is None
    assert literal_prefixes(r"(?:km)?") is None
    assert literal_prefixes(r"[^x]y") is None
    assert literal_prefixes(r"(?i:abc)") is None  # either case: no literal
    assert prefilter_for(re.compile("abc", re.I)) is None


def test_starts_are_ordered_and_unique():
    # Prefixes end in another order than they start: "abc" at 1 ends after "b" at 2.
    pre = Prefilter(frozenset({"abc", "b", "ca"}))
    assert pre.starts("xabcab b") == [1, 2, 3, 5, 7]


def _scan(lp: LowPattern, low: str) -> list[tuple[int, int]]:
    matches = lp._named(low, lp.bare.finditer(low)) if lp.bare is not None else lp.cs.finditer(low)
    return [m.span() for m in matches]


def _prefiltered_patterns() -> list[LowPattern]:
    found = [SOURCES_FAST, TERRITORIES_FAST]
    for code in LANGUAGES:
        lex = lexicon_for(code).build_all(compile_patterns=True)  # built on first read otherwise
        for value in vars(lex).values():
            values = value if isinstance(value, list) else [value]
            for item in values:
                if isinstance(item, tuple):
                    item = item[-1]
                if isinstance(item, LowPattern) and item.pre is not None:
                    found.append(item)
    return found


PATTERNS = _prefiltered_patterns()
WORDS = ["russia", "russian", "the", "kremlin", "a", "third", "two", "thirds", "half", "of", "isw", "institute",
         "for", "study", "war", "said", "according", "to", "in", "november", "since", "1", "24", "km²", "%",
         "donetsk", "oblast", "région", "україни", "захопили", "l'isw", "d’après", "selon", "laut", "about", "more",
         "than", "up", "de", "la", "ukrainian", "kyiv's", "moscow’s", "seized", "took", "village", "villages",
         # Phrases with a shorter entry inside them ("kremlin" in "the kremlin"): a scan must not
         # report the inner one as a match of its own.
         "the kremlin", "two thirds", "institute for the study of war", "more than", "according to"]
GAPS = [" ", "  ", "\u00a0", "\t", "\n", "-", ", ", ". ", "(", ")", "'", "’", "", "\u202f"]


def test_the_lexicons_give_prefilters_to_their_big_patterns():
    assert len(PATTERNS) > 50
    assert SOURCES_FAST.pre is not None and TERRITORIES_FAST.pre is not None
    assert lexicon_for("en").actor_all_fast.pre is not None


@settings(max_examples=200, deadline=None)
@given(st.lists(st.tuples(st.sampled_from(WORDS), st.sampled_from(GAPS)), min_size=10, max_size=60))
def test_a_prefiltered_scan_finds_what_re_finds(pieces):
    low = "".join(w + g for w, g in pieces)
    for lp in PATTERNS:
        assert [m.span() for m in lp._prefiltered(low)] == _scan(lp, low), lp.cs.pattern[:80]
        first = lp._first(low)
        scanned = _scan(lp, low)
        assert (first.span() if first else None) == (scanned[0] if scanned else None)


def test_the_public_methods_take_the_prefilter_on_long_strings_only():
    # Upgraded at once: a new pattern scans without its prefilter for its first uses.
    lp = _fast(re.compile(r"(?<![\w'’])(?:moscow|kyiv)(?![\w])", re.I)).upgrade()
    assert lp.pre is not None
    long_text = "Troops near Kyiv and Moscow. " * 4
    assert [m.span() for m in lp.finditer(long_text)] == [m.span() for m in lp.ci.finditer(long_text)]
    assert lp.search(long_text).span() == lp.ci.search(long_text).span()
    assert lp.search("in Kyiv").span() == (3, 7)
    # A window of a long string (pos, endpos) is read by `re` as before.
    assert lp.search(long_text, 10, 20).span() == lp.ci.search(long_text, 10, 20).span()


CUE_WORDS = ["seized", "captured", "took", "taken", "control", "of", "retook", "lost", "hold", "held", "advanced",
             "pris", "le", "contrôle", "erobert", "veroverd", "захопили", "russia", "the", "a", "km²", "since"]


@settings(max_examples=100, deadline=None)
@given(st.lists(st.tuples(st.sampled_from(CUE_WORDS), st.sampled_from(GAPS)), min_size=10, max_size=60))
def test_cue_positions_are_those_of_the_scan(pieces):
    low = "".join(w + g for w, g in pieces)
    for code in LANGUAGES:
        lex = lexicon_for(code)
        if lex.cue_starts is not None:
            assert lex.cue_positions(low) == [m.start() for m in lex.cue_starts.finditer(low)], code


BOUNDARY_PIECES = [".", "!", "?", "…", " ", "  ", "\t", "\n", "\r\n", "\u00a0", "A", "b", "7", "\"", "”", "(", "[",
                   "»", "’", "Б", " \n ", ". ", ".\n", "km", "sq", "6"]


@settings(max_examples=300, deadline=None)
@given(st.lists(st.sampled_from(BOUNDARY_PIECES), max_size=60))
def test_sentence_boundaries_are_those_of_the_scan(pieces):
    from tracker.extract.text import _BOUNDARY, boundaries
    text = "".join(pieces)
    assert [m.span() for m in boundaries(text)] == [m.span() for m in _BOUNDARY.finditer(text)]
