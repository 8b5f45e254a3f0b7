"""Sentence splitting and the language guess: pure string work, linear in the input."""

from __future__ import annotations

import re

from tracker.extract.lazyre import LazyPattern
from tracker.extract.lexicon import LANGUAGES, month_names, stopwords_for

# Words after which a full stop does not end a sentence.
_ABBREVIATIONS = frozenset(
    "sq sq.km jan feb mar apr jun jul aug sep sept oct nov dec gen lt col maj sgt st mr mrs ms dr "
    "prof no nos vs ca approx est etc u.s u.k u.n e.g i.e z.b bzw ggf inkl kv тис млн р ст ім "
    "км кв п.п н.п gov rep sen".split())

# A boundary: sentence-final punctuation (optionally closed by a quote or bracket) and
# whitespace, or a line break. The classes are disjoint, so the scan is linear.
_UNIT_ABBREVIATIONS = frozenset("km кв.км км sq.km".split())
_CAPITAL_WORD = re.compile(r"[\"'“‘«(]?[A-ZÀ-ÖØ-ÞА-ЯІЇЄҐ][a-zà-ÿа-яіїєґ'’]")
_BOUNDARY = re.compile(r"[.!?…][\"'”’»)\]]?[ \t\u00a0]+(?=[\"'“‘«(\[]?[A-ZÀ-ÖØ-ÞА-ЯІЇЄҐ0-9])|\s*[\r\n]+\s*")
_WORD_BEFORE = re.compile(r"([\w.]{1,12})\.$")
_CONTROL = re.compile(r"[\x00-\x08\x0b\x0c\x0e-\x1f\x7f]")
# "am 6. August", "den 6. august": a day's ordinal stop before a month name ends no sentence.
_DAY_BEFORE = re.compile(r"(?<![\d.,])\d{1,2}\.$")
# (Compiled on first use: it needs the month names of every language.)
_MONTH_AFTER = LazyPattern(lambda: r"(?:" + "|".join(sorted({m for code in LANGUAGES for m in month_names(code)
                                                             if len(m) > 3}, key=len, reverse=True)) + r")(?!\w)", re.I)


def clean(text: str) -> str:
    """Control characters become spaces, so offsets stay those of the original text."""
    return _CONTROL.sub(" ", text)


# Where a boundary can start: a stop, or a line break (the run of white space around it).
_BOUNDARY_AT = re.compile(r"[.!?…\r\n]")


def boundaries(text: str) -> list[re.Match]:
    """The matches `_BOUNDARY.finditer(text)` gives, found by trying the pattern only where
    one can start: at a stop, or at the start of the white space around a line break (the
    scan itself would try every position). A boundary never ends inside white space, so a
    run of it is always read from its start."""
    found = []
    end = 0
    match = _BOUNDARY.match
    for c in _BOUNDARY_AT.finditer(text):
        pos = c.start()
        if pos < end:
            continue
        if text[pos] in "\r\n":
            while pos > end and text[pos - 1].isspace():
                pos -= 1
        m = match(text, pos)
        if m is not None:
            found.append(m)
            end = m.end()
    return found


def split_sentences(text: str) -> list[tuple[int, int]]:
    """(start, end) spans of sentences in `text`, stripped of surrounding whitespace."""
    spans: list[tuple[int, int]] = []
    start = 0
    for m in boundaries(text):
        g, ms = m.group(0), m.start()
        if g[0].isspace():
            cut = ms
        else:
            cut = ms + 1
            wm = _WORD_BEFORE.search(text, max(0, cut - 14), cut)
            if wm and wm.group(1).lower().rstrip(".") in _ABBREVIATIONS:
                # A unit closes a sentence when a capitalised word follows ("505 кв. км. Загалом").
                if not (wm.group(1).lower().rstrip(".") in _UNIT_ABBREVIATIONS and
                        _CAPITAL_WORD.match(text, m.end())):
                    continue
            if _DAY_BEFORE.search(text, max(0, cut - 4), cut) and _MONTH_AFTER.match(text, m.end()):
                continue
            # A single capital before the stop is an initial ("U. Yee"), not an end.
            if cut >= 2 and text[cut - 2].isupper() and (cut < 3 or not text[cut - 3].isalpha()):
                continue
            # Keep a closing quote or bracket with the sentence it closes.
            cut = ms + len(g.rstrip())
        _add(text, start, cut, spans)
        start = m.end()
    _add(text, start, len(text), spans)
    return spans


def _add(text: str, start: int, end: int, spans: list[tuple[int, int]]) -> None:
    while start < end and text[start].isspace():
        start += 1
    while end > start and text[end - 1].isspace():
        end -= 1
    if end > start:
        spans.append((start, end))


_WORD = re.compile(r"[^\W\d_]{1,20}", re.UNICODE)


def guess_language(text: str, sample: int = 20000) -> str:
    """The most likely of the six languages by stopword counts over a sample; `en` on ties.

    Cyrillic letters decide Ukrainian at once; otherwise each language scores the share of
    its stopwords among the words of the sample.
    """
    head = text[:sample]
    cyr = sum(1 for c in head if "\u0400" <= c <= "\u04ff")
    if cyr > max(20, len(head) // 10):
        return "uk"
    counts = {code: 0 for code in LANGUAGES}
    words = [w.lower() for w in _WORD.findall(head)]
    if not words:
        return "en"
    stopwords = [(code, stopwords_for(code)) for code in LANGUAGES]  # no Lexicon is built
    for w in words:
        for code, stops in stopwords:
            if w in stops:
                counts[code] += 1
    best = max(LANGUAGES, key=lambda c: (counts[c], c == "en"))
    return best if counts[best] > 0 else "en"
