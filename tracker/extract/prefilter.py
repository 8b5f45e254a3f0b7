"""Where a pattern can match: the literal prefixes every match of a regular expression starts
with, found in one pass by an Aho-Corasick automaton.

Python's `re` tries a pattern that opens with a look-around or a large alternation at every
position of a text, at tens of nanoseconds a position. When every match of a pattern begins
with one of a known set of literal strings ("russia", "moscow", "the "...), one pass of the
automaton (compiled code) finds where those strings occur, and the pattern is tried there alone. The
matches are those a scan would find: a match can only start where one of its prefixes is
written, and the candidates are tried left to right, each after the end of the last match.
"""

from __future__ import annotations

import re

try:  # the parser of `re` is private: where it has moved, patterns are scanned by `re` alone
    from re import _constants as C  # noqa: N812 - the parser's opcodes
    from re import _parser
except ImportError:  # pragma: no cover - the Pythons this project runs on have both
    C = _parser = None

MAX_PREFIX = 8  # characters of a prefix worth knowing (measured: longer ones skip no more)
MAX_CLASS = 6  # a character class of more members than this starts no literal


class _Unknown(Exception):
    """A match could start with something that is not a literal (\\w, a wide class, ...)."""


# What "\\s" matches in a str pattern: the characters `str.isspace` accepts (a test keeps the
# two the same). A prefix ends after its white space: the text behind it varies too much.
WHITE_SPACE = ("\t\n\x0b\x0c\r\x1c\x1d\x1e\x1f \x85\xa0\u1680\u2000\u2001\u2002\u2003\u2004\u2005\u2006"
               "\u2007\u2008\u2009\u200a\u2028\u2029\u202f\u205f\u3000")
_SPACE_CATEGORIES = (C.CATEGORY_SPACE, C.CATEGORY_UNI_SPACE) if C is not None else ()


def _class_members(items) -> set[tuple[str, bool]]:
    """(character, whole) for each member of a character class; white space ends a prefix."""
    chars: set[str] = set()
    spaces: set[str] = set()
    for op, av in items:
        if op is C.LITERAL:
            (spaces if chr(av).isspace() else chars).add(chr(av))
        elif op is C.RANGE and av[1] - av[0] < MAX_CLASS:
            for code in range(av[0], av[1] + 1):
                (spaces if chr(code).isspace() else chars).add(chr(code))
        elif op is C.CATEGORY and av in _SPACE_CATEGORIES:
            spaces.update(WHITE_SPACE)
        else:
            raise _Unknown
    if len(chars) > MAX_CLASS:
        raise _Unknown
    return {(c, True) for c in chars} | {(c, False) for c in spaces}


def _heads(items: list, i: int = 0) -> set[tuple[str, bool]]:
    """(prefix, whole) pairs such that every match of `items[i:]` starts with one prefix;
    `whole` says the prefix is all that `items[i:]` matched, so what follows may extend it."""
    if i >= len(items):
        return {("", True)}
    op, av = items[i]
    if op in (C.ASSERT, C.ASSERT_NOT, C.AT):
        return _heads(items, i + 1)  # zero-width: the match is tried where the text starts
    if op is C.LITERAL:
        first = {(chr(av), not chr(av).isspace())}
    elif op is C.IN:
        first = _class_members(av)
    elif op is C.SUBPATTERN:
        if av[1] & re.IGNORECASE:
            raise _Unknown  # "(?i:...)": its literals stand for either case
        first = _heads(list(av[3]))
    elif op is C.BRANCH:
        first = set()
        for branch in av[1]:
            first |= _heads(list(branch))
    elif op in (C.MAX_REPEAT, C.MIN_REPEAT):
        low, high, body = av
        inner = _heads(list(body))
        if high == 1:
            first = inner | ({("", True)} if low == 0 else set())
        else:
            # Repeated: the first round's prefix is known, not where the rounds end.
            first = {(h, False) for h, _w in inner if h}
            if low == 0 or any(not h for h, _w in inner):
                first.add(("", True))
    else:
        raise _Unknown
    out: set[tuple[str, bool]] = set()
    rest: set[tuple[str, bool]] | None = None
    rest_unknown = False
    for head, whole in first:
        if not whole or len(head) >= MAX_PREFIX:
            if not head:
                raise _Unknown
            out.add((head[:MAX_PREFIX], False))
            continue
        if rest is None and not rest_unknown:
            try:
                rest = _heads(items, i + 1)
            except _Unknown:
                rest_unknown = True
        if rest_unknown:
            if not head:
                raise _Unknown
            out.add((head, False))
            continue
        for tail, tail_whole in rest:
            joined = head + tail
            out.add((joined[:MAX_PREFIX], tail_whole and len(joined) <= MAX_PREFIX))
    return out


def literal_prefixes(pattern: str) -> frozenset[str] | None:
    """The literal prefixes every match of the case-sensitive `pattern` starts with, or None
    when a match could start otherwise (or be empty)."""
    if _parser is None:
        return None
    try:
        heads = _heads(list(_parser.parse(pattern)))
    except (_Unknown, RecursionError, re.error, TypeError, ValueError, AttributeError):
        return None
    prefixes = {h for h, _w in heads}
    if not prefixes or "" in prefixes:
        return None
    # "russia" already marks every start "russian" would: the longer one only adds hits. In
    # sorted order the strings a prefix starts follow it, so one pass drops them.
    kept: list[str] = []
    for prefix in sorted(prefixes):
        if not kept or not prefix.startswith(kept[-1]):
            kept.append(prefix)
    return frozenset(kept)


class Prefilter:
    """The start offsets at which any of a set of literal prefixes is written."""

    __slots__ = ("automaton",)

    def __init__(self, prefixes: frozenset[str]) -> None:
        from ahocorasick_rs import AhoCorasick, Implementation  # imported by the first prefilter built

        # A DFA: the fastest scan, at a build cost paid once per pattern, when it is built.
        self.automaton = AhoCorasick(sorted(prefixes), implementation=Implementation.DFA)

    def starts(self, text: str) -> list[int]:
        """Offsets (in characters) in `text` where a prefix starts, in order, each once."""
        # No two prefixes start alike (`literal_prefixes` drops one that extends another), so
        # the starts are distinct; they come in the order the prefixes end.
        starts = [start for _i, start, _end in self.automaton.find_matches_as_indexes(text, overlapping=True)]
        starts.sort()
        return starts


def prefilter_for(pattern: re.Pattern) -> Prefilter | None:
    """A prefilter for a case-sensitive compiled pattern whose matches all start with known
    literal prefixes, else None. Even a one-letter prefix pays: the automaton's pass costs
    less than `re` trying the pattern at every position."""
    if pattern.flags & re.IGNORECASE:
        return None
    prefixes = literal_prefixes(pattern.pattern)
    return None if prefixes is None else Prefilter(prefixes)
