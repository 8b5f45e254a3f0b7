"""The extractor builds what a document needs, when it needs it: no lexicon at import, one
language's lexicon when one is asked for, each pattern compiled on its first use. And what
is built late reads the same as what was built early: the quick first-letter reading agrees
with `re`'s parser, a pattern's stand-ins before its speed-ups are built find what the
speed-ups find, a lazy pattern is the compiled one.

The checks of what is built run in a fresh interpreter: in this one, other tests have built
lexicons already."""

from __future__ import annotations

import json
import re
import subprocess
import sys
import textwrap

from hypothesis import given, settings
from hypothesis import strategies as st

from tracker.extract import lexicon as L
from tracker.extract.lazyre import LazyPattern, lazy_compile


def _fresh(code: str) -> dict:
    """Run `code` in a new interpreter; it prints one JSON value, returned here."""
    done = subprocess.run([sys.executable, "-c", textwrap.dedent(code)], capture_output=True, text=True,
                          timeout=300)
    assert done.returncode == 0, done.stderr
    return json.loads(done.stdout.strip().splitlines()[-1])


def test_importing_the_extractor_builds_no_lexicon_and_compiles_no_table():
    state = _fresh("""
        import json
        import tracker.extract
        from tracker.extract import lexicon as L
        tables = [L.TERRITORIES_ALL, L.SOURCES_ALL, L.SOURCES_CASED, L.OFFICIALS_RE, L.SOURCES_FULL,
                  L.TERRITORIES[0][0], L.SOURCES[0][0]]
        print(json.dumps({"built": L.built_languages(),
                          "compiled": [t.is_compiled for t in tables],
                          "texts": ["pattern" in vars(t) for t in tables]}))
    """)
    assert state["built"] == []
    assert state["compiled"] == [False] * 7
    assert state["texts"] == [False] * 7  # not even put together (their word boundaries parse them)


def test_asking_for_one_language_builds_that_one_only():
    state = _fresh("""
        import json
        from tracker.extract import lexicon as L
        fr = L.lexicon_for("fr")
        before = sorted(vars(fr))
        fr.months, fr.stopwords
        print(json.dumps({"built": L.built_languages(), "unknown_is_en": L.lexicon_for("xx") is L.lexicon_for("en"),
                          "after_en": L.built_languages(), "attrs": before}))
    """)
    assert state["built"] == ["fr"]
    assert state["unknown_is_en"] and state["after_en"] == ["fr", "en"]
    # Only plain data at construction: no pattern attribute is built before it is read.
    assert not set(state["attrs"]) & set(L.Lexicon.attribute_names())


def test_reading_one_english_document_builds_english_only():
    state = _fresh("""
        import json
        from tracker.extract import extract, guess_language, lexicon as L
        from tracker.model import Document
        guess = guess_language("Die russischen Truppen haben im November rund 500 Quadratkilometer erobert.")
        after_guess = L.built_languages()
        claims = extract(Document(text="Moscow's troops took about 40 square kilometres last week, analysts said.",
                                  published="2025-12-01", language="en"))
        print(json.dumps({"guess": guess, "after_guess": after_guess, "built": L.built_languages(),
                          "claims": [[c.metric, c.value] for c in claims],
                          "sources_compiled": L.SOURCES_ALL.is_compiled}))
    """)
    assert state["guess"] == "de" and state["after_guess"] == []  # stopwords come without a Lexicon
    assert state["built"] == ["en"]
    assert state["claims"] == [["area_gained_km2", 40.0]]
    assert state["sources_compiled"] is False  # the scan reads the lower-cased twin alone


def test_a_lexicon_built_late_is_the_lexicon_built_at_once():
    # Every attribute, read in any order, is what build_all gives.
    for code in L.LANGUAGES:
        whole = L.Lexicon(code, L._module(code)).build_all()
        late = L.Lexicon(code, L._module(code))
        for name in reversed(L.Lexicon.attribute_names()):
            assert _text(getattr(late, name)) == _text(getattr(whole, name)), (code, name)


def _text(value):
    """What an attribute says, patterns as their text and flags."""
    if isinstance(value, (LazyPattern, re.Pattern)):
        return ("re", value.pattern, value.flags)
    if isinstance(value, L.LowPattern):
        return ("low", _text(value.ci), _text(value.cs), _text(value.bare))
    if isinstance(value, (list, tuple)):
        return [_text(v) for v in value]
    if isinstance(value, dict):
        return sorted((k, _text(v)) for k, v in value.items())
    if value is None or isinstance(value, (str, int, float, bool)):
        return value
    return type(value).__name__


# --- the quick first-letter reading is the parser's

def test_the_quick_reading_agrees_with_the_parser_on_every_lexicon_pattern():
    state = _fresh("""
        import json
        from tracker.extract import lexicon as L
        seen, differ = [], []
        quick = L._quick_first_chars
        def check(pattern):
            got = quick(pattern)
            if got != L._parsed_first_chars(pattern):
                differ.append(pattern[:200])
            seen.append(len(pattern))
            return got
        L._quick_first_chars = check
        L.warm_up()
        import tracker.extract.engine, tracker.extract.periods, tracker.extract.attribution
        for module in (tracker.extract.engine, tracker.extract.periods, tracker.extract.attribution):
            for value in list(vars(module).values()):
                if isinstance(value, (L.LowPattern, L.LazyPattern)):
                    L._compile_all(value)
        print(json.dumps({"seen": len(seen), "chars": sum(seen), "differ": differ}))
    """)
    assert state["differ"] == []
    assert state["seen"] > 300 and state["chars"] > 50_000


_PIECES = st.sampled_from(["a", "b", "kyiv", "Moscow", "é", "д", " ", "'", "-", "\\s", "\\s+", "\\d", "\\w", "\\b",
                           "\\.", "[ab]", "[^x]", "[a-z]", "[\\d-]", ".", "^", "$", "x?", "y*", "z+", "q{2}",
                           "r{0,2}", "s??", "t*?", "u?+", "(?=a)", "(?!b)", "(?<=c)", "(?<![\\w'])", "(?-i:M)",
                           "(?i:n)", "(?>o)"])


@st.composite
def _patterns(draw):
    names = [0]

    def seq(level):
        items = []
        for _ in range(draw(st.integers(0, 3))):
            if level < 2 and draw(st.integers(0, 3)) == 0:
                inner = alt(level + 1)
                kind = draw(st.sampled_from(["(", "(?:", "(?P<g{}>", "(?="]))
                if "{}" in kind:
                    names[0] += 1
                    kind = kind.format(names[0])
                items.append(kind + inner + ")" + draw(st.sampled_from(["", "", "?", "*", "+", "{0,1}"])))
            else:
                items.append(draw(_PIECES))
        return "".join(items)

    def alt(level):
        return "|".join(seq(level) for _ in range(draw(st.integers(1, 3))))

    return alt(0)


@settings(max_examples=400, deadline=None)
@given(_patterns())
def test_the_quick_reading_agrees_with_the_parser_on_generated_patterns(pattern):
    try:
        re.compile(pattern, L._FLAGS)
    except re.error:
        return  # a pattern that does not compile has no gate to agree on
    assert L._quick_first_chars(pattern) == L._parsed_first_chars(pattern), pattern


def test_the_gate_is_unchanged_by_the_quick_reading():
    for pattern in (r"(?<![\w'’])(?:seized|captured|took)\s+", r"(?:the\s+)?(?P<a>russia|moscow)|kyiv",
                    r"\d+\s*km", r"(?:a|one)[\s-]third", r"(?:x|)y?"):
        chars = L._parsed_first_chars(pattern)
        assert L._quick_first_chars(pattern) == chars


# --- a pattern reads the same before and after its speed-ups are built

_WORDS = ["russia", "the kremlin", "moscow's", "kyiv", "Kyiv", "KYIV", "İstanbul", "a", "third", "seized", "of",
          "ukraine", "l'ukraine", "d’ukraine", "said", "in", "november"]
_GAPS = [" ", "  ", ", ", ". ", "-", "'", "’", "", "\n"]


def _twins():
    """(fresh, upgraded) pairs: the same patterns, one with its stand-ins, one upgraded."""
    def make():
        en = L.Lexicon("en", L._module("en"))
        return [en.actor_all_fast, en.periods_plain_fast, en.speech_fast, en.fraction_fast,
                L.LowPattern(L.TERRITORIES_ALL, L._lazy_low(L._TERRITORY_BODY,
                                                            lambda: L._wb_names_low(L._TERRITORY_BODY))),
                L._fast(lazy_compile(r"(?<![\w'’])(?P<city>kyiv|moscow)(?P<s>'s|’s)?(?![\w])", re.I))]
    return list(zip(make(), [p.upgrade() for p in make()]))


_TWINS = _twins()


def _upgraded(lp: L.LowPattern) -> bool:
    try:
        object.__getattribute__(lp, "_pre")
    except AttributeError:
        return False
    return True


def _read(match):
    return None if match is None else (match.span(), match.lastgroup, match.group(0))


@settings(max_examples=150, deadline=None)
@given(st.lists(st.tuples(st.sampled_from(_WORDS), st.sampled_from(_GAPS)), min_size=1, max_size=25),
       st.integers(0, 30), st.integers(0, 200))
def test_stand_ins_read_what_the_speed_ups_read(pieces, pos, endpos):
    text = "".join(w + g for w, g in pieces)
    for fresh, upgraded in _TWINS:
        fresh._uses = 0  # stays on its stand-ins for this example
        assert not _upgraded(fresh) and _upgraded(upgraded)
        for method in ("finditer", "search", "match"):
            for args in ((text,), (text, pos, endpos)):
                got, want = getattr(fresh, method)(*args), getattr(upgraded, method)(*args)
                if method == "finditer":
                    assert [_read(m) for m in got] == [_read(m) for m in want], (method, args)
                else:
                    assert _read(got) == _read(want), (method, args)
        assert _read(fresh.fullmatch(text)) == _read(upgraded.fullmatch(text))
        low = text.lower()
        assert [_read(m) for m in fresh.finditer_low(text, low)] == [_read(m) for m in upgraded.finditer_low(text, low)]
        assert _read(fresh.search_low(text, low)) == _read(upgraded.search_low(text, low))


def test_a_pattern_is_upgraded_after_enough_uses():
    lp = L._fast(lazy_compile(r"(?<![\w'’])(?P<city>kyiv|moscow)(?![\w])", re.I))
    text = "Troops near Kyiv and Moscow, " * 3
    lp.search(text)
    assert not _upgraded(lp)
    for _ in range(L._UPGRADE_AFTER):
        lp.search(text)
    assert _upgraded(lp) and lp._bare is lp.bare and lp._pre is lp.pre and lp.pre is not None


# --- a lazy pattern is the compiled pattern

def test_a_lazy_pattern_compiles_on_first_use_and_then_is_re():
    lazy = lazy_compile(lambda: r"(?P<n>\d+)\s*km", re.I)
    assert not lazy.is_compiled
    assert lazy.pattern == r"(?P<n>\d+)\s*km" and not lazy.is_compiled
    assert lazy.flags == re.compile(lazy.pattern, re.I).flags and not lazy.is_compiled
    assert lazy.search("about 40 KM").group("n") == "40"
    assert lazy.is_compiled and lazy.compiled == re.compile(r"(?P<n>\d+)\s*km", re.I)
    assert lazy.groupindex == {"n": 1} and lazy.groups == 1
    assert lazy.sub("#", "1 km, 2 km") == "#, #"
    assert "compiled" in repr(lazy)


def test_a_lazy_patterns_flags_are_the_compiled_ones():
    for text, flags in ((r"abc", 0), (r"abc", re.I), (r"(?i)abc", 0), (r"(?s:.)", re.M), (r"\w", re.ASCII)):
        assert lazy_compile(text, flags).flags == re.compile(text, flags).flags, (text, flags)
