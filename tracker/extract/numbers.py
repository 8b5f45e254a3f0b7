"""Numerals as reporters write them, found with one linear scan per sentence.

Handles digit groups with locale separators (`1,246`, `68.050`, `4 500`), decimal commas
(`18,08`), scale words (`1.5 million`, `100 duizend`, `116 тис 165`), number words in the six
languages (`seven`, `tausend`, `vijf`, `сім`) and word fractions (`a third`, `two-thirds`,
`l'ensemble`), plus the range forms `53-58` and `between X and Y`.

Every pattern is a flat alternation or a bounded repetition of disjoint character classes,
so matching is linear in the input; digit runs longer than `MAX_DIGITS` are ignored.

Rarer typesetting (thin or figure spaces and Swiss apostrophes as group marks, invisible
characters inside a figure) is read on a rewritten copy of the sentence, only when one of
those characters stands in or after a number; offsets are mapped back to the original. A
figure whose grouping is broken or mixed ("4 50", "4'500.000") gives no numeral.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field

from tracker.extract.lazyre import lazy_compile
from tracker.extract.lexicon import lexicon_for

MAX_DIGITS = 15  # longer digit runs are identifiers or junk, never a reported figure

# A digit group: either thousands-grouped (1-3 digits then groups of exactly 3) or a plain
# run, each optionally followed by a short decimal part. The separators and digits are
# disjoint classes, so the repetition cannot backtrack catastrophically.
# The first digit comes first in the pattern (the boundary is checked behind it), so `re`
# skips to digits with its quick character scan instead of trying every position.
_NUM = (
    r"(?P<num>\d(?<![\w.,/]\d)"
    r"(?:\d{0,2}(?:(?:,|\.|[ \u00a0\u202f])\d{3}){1,4}(?:[.,]\d{1,6})?(?![\d])"
    r"|\d{0,%d}(?:[.,]\d{1,6})?(?![\d])))" % (MAX_DIGITS - 1)
)
NUM_RE = lazy_compile(_NUM)

# Ordinal or alphanumeric suffixes that make a digit run something other than a quantity.
_ORDINAL_AFTER = lazy_compile(r"(?:st|nd|rd|th|er|e|ème|eme|te|de|ste|-?й|-?го|-?th)\b", re.I)


@dataclass
class Numeral:
    """A number found in a sentence, with offsets relative to that sentence."""

    start: int
    end: int
    value: float
    text: str
    in_words: bool = False
    fraction: bool = False  # a word fraction: value is a percentage (a third -> 33.3)
    fraction_original: float | None = None  # the fraction as a number (a third -> 0.333)
    vague: bool = False  # "most of": a lower bound with no numeral
    range_min: float | None = None
    range_max: float | None = None
    extras: dict = field(default_factory=dict)

    @property
    def is_range(self) -> bool:
        return self.range_min is not None and self.range_max is not None


def parse_digits(raw: str, language: str) -> float | None:
    """Read one digit token (no words) in the conventions of `language`.

    `1,246` is a thousand-grouped number in English; `68.050` is one in the continental
    languages; a comma followed by other than three digits is a decimal comma; a space or
    no-break space always groups thousands.
    """
    s = raw.replace("\u00a0", " ").replace("\u202f", " ")
    if len(s) > 40:
        return None
    s = s.replace(" ", "")
    if not s:
        return None
    has_comma, has_dot = "," in s, "." in s
    try:
        if has_comma and has_dot:
            # The separator that comes last is the decimal mark.
            if s.rfind(",") > s.rfind("."):
                return float(s.replace(".", "").replace(",", "."))
            return float(s.replace(",", ""))
        if has_comma:
            parts = s.split(",")
            grouped = all(len(p) == 3 for p in parts[1:]) and 1 <= len(parts[0]) <= 3
            if grouped and (language == "en" or len(parts) > 2) and parts[0] != "0":
                return float(s.replace(",", ""))
            if len(parts) == 2:
                return float(parts[0] + "." + parts[1])
            return None
        if has_dot:
            parts = s.split(".")
            grouped = all(len(p) == 3 for p in parts[1:]) and 1 <= len(parts[0]) <= 3
            if grouped and (language != "en" or len(parts) > 2) and parts[0] != "0":
                return float(s.replace(".", ""))
            if len(parts) == 2:
                return float(s)
            return None
        return float(s)
    except ValueError:
        return None


def _has_space_group(raw: str) -> bool:
    return any(c in raw for c in " \u00a0\u202f")


def find_numerals(sentence: str, language: str) -> list[Numeral]:
    """All numerals of a sentence, in order, non-overlapping.

    A sentence whose numbers are written with a rare separator (thin space, apostrophe...)
    or hold an invisible character is read through a rewritten copy (`_find_remapped`);
    the common case pays one failed search for that."""
    if _RARE_IN_NUMBER.search(sentence) is not None:
        return _find_remapped(sentence, language)
    return _find_plain(sentence, language)


def _find_plain(sentence: str, language: str) -> list[Numeral]:
    """`find_numerals` for a sentence whose separators are the ones `NUM_RE` knows."""
    lex = lexicon_for(language)
    found: list[Numeral] = []
    last_end = 0
    for m in NUM_RE.finditer(sentence):
        raw = m.group("num")
        start, end = m.start("num"), m.end("num")
        if start < last_end:
            continue  # already read as the tail of "116 тис 165"
        # Space-grouped thousands are a continental habit; in English a space between
        # two numbers ("in 2024 400 ...") separates them.
        if _has_space_group(raw) and language == "en" and " " in raw:
            first = raw.split(" ")[0]
            value = parse_digits(first, language)
            if value is None:
                continue
            end = start + len(first)
            raw = first
        else:
            value = parse_digits(raw, language)
        if value is None:
            continue
        tail = sentence[end:end + 4]
        if _ORDINAL_AFTER.match(tail) and not tail[:1].isspace():
            continue  # 425th, 1er, 3-го
        if start > 0 and sentence[start - 1].isalpha():
            continue  # M23
        if start > 1 and sentence[start - 1] == "-" and sentence[start - 2].isalpha():
            continue  # Su-34, COVID-19
        num = Numeral(start, end, value, raw)
        # Scale words: 1.5 million, 100 duizend, 116 тис 165.
        sm = lex.scale_re.match(sentence, end)
        if sm:
            scale = lex.scales[sm.group("scale").lower().rstrip(".")]
            num.value = value * scale
            num.end = sm.end()
            num.text = sentence[start:num.end]
            num.in_words = True
            rest = _TRAILING_GROUP.match(sentence, num.end)
            if rest and scale == 1000 and len(rest.group(1)) == 3:
                num.value += float(rest.group(1))
                num.end = rest.end(1)
                num.text = sentence[start:num.end]
        found.append(num)
        last_end = num.end
    # Fractions, then number words. Digits win where they overlap.
    taken = [(n.start, n.end) for n in found]
    for m in lex.fraction_fast.finditer(sentence):
        s, e = m.span()
        if any(a < e and s < b for a, b in taken):
            continue
        key = m.lastgroup or ""
        pct = lex.fraction_value(key)
        if pct is None:
            continue
        num = Numeral(s, e, pct, sentence[s:e], in_words=True, fraction=True)
        if key.startswith("most"):
            num.vague = True
            num.fraction_original = None
        else:
            num.fraction_original = round(pct / 100.0, 4 if pct < 20 else 3)
        found.append(num)
        taken.append((s, e))
    # Words: numbers and fractions. Digits win where the two overlap.
    for m in lex.word_number_fast.finditer(sentence):
        s, e = m.span("w")
        if any(a < e and s < b for a, b in taken):
            continue
        word = m.group("w").lower()
        value = lex.word_value(word)
        if value is None:
            continue
        num = Numeral(s, e, value, sentence[s:e], in_words=True)
        sm = lex.scale_re.match(sentence, e)
        if sm:
            num.value = value * lex.scales[sm.group("scale").lower().rstrip(".")]
            num.end = sm.end()
            num.text = sentence[s:num.end]
        found.append(num)
        taken.append((s, num.end))
    found.sort(key=lambda n: n.start)
    return _join_ranges(sentence, found, lex)


_TRAILING_GROUP = lazy_compile(r"[ \u00a0](\d{3})(?!\d)")
_HYPHEN_GAP = lazy_compile(r"\s?[-\u2013\u2014]\s?")
_HYPHEN_RANGE = lazy_compile(r"\s?[-\u2013\u2014]\s?$")


def _join_ranges(sentence: str, nums: list[Numeral], lex) -> list[Numeral]:
    """Merge `53-58` and `between 1,150 and 1,300` into one ranged numeral."""
    out: list[Numeral] = []
    i = 0
    while i < len(nums):
        n = nums[i]
        if i + 1 < len(nums) and not n.fraction and not nums[i + 1].fraction:
            nxt = nums[i + 1]
            gap = sentence[n.end:nxt.start]
            before = sentence[max(0, n.start - 12):n.start]
            is_hyphen = bool(_HYPHEN_GAP.fullmatch(gap)) and not n.in_words
            is_between = bool(lex.range_and_re.fullmatch(gap)) and bool(lex.range_open_re.search(before))
            # "100 to 120 square kilometres": two figures of one size, not a year or a day
            is_bare = not is_between and bool(lex.range_bare_re.fullmatch(gap)) and not n.in_words and \
                not (1900 <= n.value <= 2100) and n.value >= nxt.value / 3
            if (is_hyphen or is_between or is_bare) and nxt.value > n.value:
                merged = Numeral(n.start, nxt.end, nxt.value, sentence[n.start:nxt.end],
                                 in_words=n.in_words or nxt.in_words,
                                 range_min=n.value, range_max=nxt.value)
                if is_between:
                    ob = lex.range_open_re.search(before)
                    merged.extras["range_open"] = before[ob.start():]
                out.append(merged)
                i += 2
                continue
        out.append(n)
        i += 1
    return out



# Numbers as other typesetting writes them. Invisible characters (zero-width space and
# joiners, word joiner, soft hyphen, BOM, direction marks) come from copying and from
# publishing systems and are dropped; the typographic spaces (thin, figure, hair...) and
# the apostrophes of Swiss style (4'500, 4’500) group thousands in every language.
_INVISIBLE = ("\u00ad\u034f\u180e\u200b\u200c\u200d\u200e\u200f\u202a\u202b\u202c\u202d\u202e"
              "\u2060\u2061\u2062\u2063\u2064\u2066\u2067\u2068\u2069\ufeff")
_RARE_SPACE = "\u2000\u2001\u2002\u2003\u2004\u2005\u2006\u2007\u2008\u2009\u200a\u205f"
_RARE_GROUP = _RARE_SPACE + "'\u2019\u02bc"
_GROUP_MARK = "\u202f"  # a rare group mark becomes this in the copy: a group in every language
_SPECIAL = _INVISIBLE + _RARE_GROUP + "\u00a0\u202f"
# A run of such characters inside a number (after a digit or a separator, before a digit), or
# one right after a number that opens with a character the copy changes (an apostrophe after
# a number, "M23's", is left alone). Each branch opens with its character class, so `re`
# skips to candidates with its quick scan.
_RARE_IN_NUMBER = lazy_compile("[%s](?<=[\\d.,].)[%s]*(?=\\d)|[%s](?<=\\d.)[%s]*" % (
    _SPECIAL, _SPECIAL, _INVISIBLE + _RARE_SPACE + "\u202f", _SPECIAL))
# A comma or full stop before three digits: a second kind of group mark in one number.
_DOT_GROUP = lazy_compile(r"[.,]\d{3}(?!\d)")


@dataclass
class _Copy:
    """A sentence rewritten for `NUM_RE`, with the way back to the original offsets."""

    text: str
    origin: list[int]  # origin[i]: offset in the sentence of the copy's character i (and one past)
    gaps: list[tuple[int, int]]  # spans of the copy that stand between two digits


def _rewrite_run(sentence: str, start: int, end: int) -> tuple[list[int], str]:
    """The offsets kept of one run of special characters and what they become in the copy.

    Invisible characters go. Inside a number a lone rare group mark after a digit becomes
    `_GROUP_MARK`; after one, a lone typographic space becomes a no-break space (the space
    that scale words such as `тис` or `million` are read after)."""
    kept = [i for i in range(start, end) if sentence[i] not in _INVISIBLE]
    if len(kept) != 1:
        return kept, "".join(sentence[i] for i in kept)
    char = sentence[kept[0]]
    inside = end < len(sentence) and sentence[end].isdecimal()
    if inside and char in _RARE_GROUP and sentence[start - 1].isdecimal():
        return kept, _GROUP_MARK
    if not inside and (char in _RARE_SPACE or char == "\u202f"):
        return kept, "\u00a0"
    return kept, char


def _rewrite(sentence: str) -> _Copy:
    """The sentence with every run of special characters in or after a number rewritten by
    `_rewrite_run`; the gaps are the runs left standing between two digits."""
    parts: list[str] = []
    origin: list[int] = []
    gaps: list[tuple[int, int]] = []
    pos = 0
    for m in _RARE_IN_NUMBER.finditer(sentence):
        parts.append(sentence[pos:m.start()])
        origin.extend(range(pos, m.start()))
        kept, written = _rewrite_run(sentence, m.start(), m.end())
        at = len(origin)
        parts.append(written)
        origin.extend(kept)
        between_digits = sentence[m.start() - 1].isdecimal() and m.end() < len(sentence) and \
            sentence[m.end()].isdecimal()
        if kept and between_digits:
            gaps.append((at, len(origin)))
        pos = m.end()
    parts.append(sentence[pos:])
    origin.extend(range(pos, len(sentence) + 1))
    return _Copy("".join(parts), origin, gaps)


def _ambiguous(num: Numeral, copy: _Copy) -> bool:
    """A numeral that stops or starts at a group mark was not read whole ("4 50", "2024 400");
    one that mixes a space or apostrophe group with a comma or stop group ("4'500.000",
    "1,234 567") could be read two ways. Neither is a figure anyone can cite."""
    for start, end in copy.gaps:
        if num.end == start or num.start == end:
            return True
        if num.start < start and end < num.end and _DOT_GROUP.search(copy.text, num.start, num.end):
            return True
    return False


def _find_remapped(sentence: str, language: str) -> list[Numeral]:
    """`find_numerals` read on the rewritten copy; offsets and text point at the original.

    A numeral ends where the copy's next character starts, so the invisible characters
    dropped right after its last digit belong to it and the unit is read after them."""
    copy = _rewrite(sentence)
    if copy.text == sentence and not copy.gaps:
        return _find_plain(sentence, language)
    found: list[Numeral] = []
    for num in _find_plain(copy.text, language):
        if _ambiguous(num, copy):
            continue
        num.start = copy.origin[num.start]
        num.end = copy.origin[num.end]
        num.text = sentence[num.start:num.end]
        found.append(num)
    return found
