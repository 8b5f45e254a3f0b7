"""Per-language lexicons, each built the first time it is asked for.

Each language module (`en`, `fr`, `de`, `nl`, `no`, `uk`) declares plain data: number words,
fractions, qualifier cues, verb classes (gain, loss, hold...), period phrases, units,
speech verbs and stopwords. `common` holds what is shared across languages: canonical
actor and territory names and known producers of figures. This module turns the data into
regular expressions, one `Lexicon` per language.

Nothing is compiled at import: the patterns of six languages cost seconds to compile, and a
process reading one short document needs a few of one language's. `lexicon_for(code)` builds
that language's `Lexicon` (and imports its module) on the first request; each of its patterns
is put together on the first read of the attribute holding it and compiled on its first use
(`tracker.extract.lazyre`). The module-level tables (territories, sources, officials) are
compiled on first use too. `warm_up()` builds and compiles everything at once.

Adding a language is adding a module with the same names and listing it in `LANGUAGES`.
"""

from __future__ import annotations

import functools
import importlib
import itertools
import re
from types import ModuleType

from tracker.extract.lazyre import LazyPattern
from tracker.extract.lexicon import common
from tracker.extract.prefilter import prefilter_for

LANGUAGES: tuple[str, ...] = ("en", "fr", "de", "nl", "no", "uk")

_FLAGS = re.IGNORECASE | re.UNICODE


def _alt(items) -> str:
    """A longest-first alternation of regex fragments (fragments may contain regex)."""
    # The fragment itself breaks ties: a set's order changes with the hash seed of each process.
    items = sorted(set(items), key=lambda p: (p.count("\\s"), len(p), p), reverse=True)
    return "|".join(items) if items else "(?!x)x"


def _words(items) -> str:
    """An alternation of literal phrases, spaces matching any whitespace, written as a
    prefix tree ("jun(?:e)?") so the engine tests each letter once instead of once per
    phrase. Greedy optional branches keep the longest phrase first."""
    words = sorted({re.sub(r"\s+", " ", w.lower()) for w in items if w})
    if not words:
        return "(?!x)x"
    trie: dict = {}
    for w in words:
        node = trie
        for ch in w:
            node = node.setdefault(ch, {})
        node[""] = {}
    return _trie_regex(trie)


def _trie_regex(node: dict) -> str:
    end = "" in node
    branches = []
    for ch in sorted(k for k in node if k):
        token = r"\s+" if ch == " " else re.escape(ch)
        branches.append(token + _trie_regex(node[ch]))
    if not branches:
        return ""
    body = branches[0] if len(branches) == 1 else "(?:" + "|".join(branches) + ")"
    if end:
        return "(?:" + body + ")?"
    return body


def _first_chars(parsed) -> set | None:
    """Characters a parsed pattern can start with (lower case; "" when it can match empty),
    None when that cannot be told (classes like \\w, negated sets)."""
    from re import _constants as C  # noqa: N814 - the parser's opcodes
    out: set = set()
    for op, av in parsed:
        if op in (C.AT, C.ASSERT, C.ASSERT_NOT):
            continue
        if op is C.LITERAL:
            out.add(chr(av).lower())
            return out
        if op is C.IN:
            for o, a in av:
                if o is C.LITERAL:
                    out.add(chr(a).lower())
                elif o is C.RANGE and a[1] - a[0] <= 300:
                    out.update(chr(x).lower() for x in range(a[0], a[1] + 1))
                elif o is C.CATEGORY and a is C.CATEGORY_DIGIT:
                    out.update("0123456789")
                else:
                    return None
            return out
        if op is C.BRANCH:
            empty = False
            for branch in av[1]:
                f = _first_chars(branch)
                if f is None:
                    return None
                empty = empty or "" in f
                out |= f - {""}
            if not empty:
                return out
            continue
        if op is C.SUBPATTERN:
            f = _first_chars(av[3])
            if f is None:
                return None
            out |= f - {""}
            if "" in f:
                continue
            return out
        if op in (C.MAX_REPEAT, C.MIN_REPEAT):
            lo, _hi, body = av
            f = _first_chars(body)
            if f is None:
                return None
            out |= f - {""}
            if lo == 0 or "" in f:
                continue
            return out
        return None
    out.add("")
    return out


def _parsed_first_chars(pattern: str) -> set | None:
    """`_first_chars` of `pattern` as `re`'s parser reads it (the reference)."""
    from re import _parser
    return _first_chars(_parser.parse(pattern, _FLAGS))


class _Undecided(Exception):
    """The quick reading cannot tell: the parser's reading decides."""


# One token of a pattern: an escape, a character class, a group opening (named, lookaround,
# non-capturing, scoped flags, other), a back-reference, a closing, a bar, a quantifier, a
# run of plain characters, any other character.
_TOKEN = LazyPattern(r"\\.|\[\^?\]?(?:\\.|[^\]\\])*\]|\(\?P<\w+>|\(\?P=\w+\)|\(\?<?[=!]|\(\?[aiLmsu-]*:|\(\?|\(|"
                      r"[)|?*+{]|[^\\\[\]()|?*+{}.^$]+|.", re.DOTALL)
_ZERO_WIDTH = frozenset(("\\b", "\\B", "\\A", "\\Z", "^", "$"))
_LOOKAROUND = ("(?=", "(?!", "(?<=", "(?<!")
_SPECIAL = frozenset("\\[](){}|?*+.^$")
_GROUP_NAME = LazyPattern(r"\(\?P<(\w+)>")


def _quick_first_chars(pattern: str) -> set | None:
    """`_parsed_first_chars(pattern)` without parsing the whole pattern: the characters its
    matches can start with ("" when it can match empty), None when that cannot be told.

    Most lexicon patterns are alternations whose branches open with a literal letter or a
    group: the start of each branch decides, read from the pattern's tokens (one linear
    scan), and the rest of the branch is skipped. A top-level branch the quick reading
    cannot tell is given to the parser alone; a pattern with constructs that change how it
    is tokenized or parsed as a whole goes to the parser whole. The result is the parser's:
    an alternation's first characters are the union of its branches' (the parser's
    rewriting of common prefixes and one-character branches keeps them); the tests check
    the two agree on every pattern of the lexicons and on generated patterns."""
    tokens = _TOKEN.findall(pattern)
    kinds = set(tokens)
    names = _GROUP_NAME.findall(pattern)
    # Constructs whose meaning the token scan does not follow: global or verbose flags,
    # comments, atomic groups, conditionals, back-references; duplicate group names.
    if "(?" in kinds or len(names) != len(set(names)) or \
            any(t.startswith("(?P=") or (t.startswith("(?") and t.endswith(":") and "x" in t) for t in kinds):
        return _parsed_first_chars(pattern)
    # The structure in one pass: where each group closes, where its branches divide.
    close: dict[int, int] = {}
    bars: dict[int, list[int]] = {-1: []}
    stack = [-1]
    for i, t in enumerate(tokens):
        c = t[0]
        if c == "(":
            stack.append(i)
            bars[i] = []
            if len(stack) > 100:
                return _parsed_first_chars(pattern)
        elif t == ")":
            if len(stack) == 1:
                return _parsed_first_chars(pattern)
            close[stack.pop()] = i
        elif t == "|":
            bars[stack[-1]].append(i)
    if len(stack) != 1:
        return _parsed_first_chars(pattern)
    out: set = set()
    empty = False
    offsets = None
    for b_start, b_end in _branches(bars[-1], -1, len(tokens)):
        try:
            f = _quick_seq(tokens, close, bars, b_start, b_end)
        except _Undecided:
            if offsets is None:
                offsets = [0, *itertools.accumulate(map(len, tokens))]
            try:
                f = _parsed_first_chars(pattern[offsets[b_start]:offsets[b_end]])
            except Exception:  # noqa: BLE001 - a branch that does not stand alone: the whole decides
                return _parsed_first_chars(pattern)
        if f is None:
            return None
        empty = empty or "" in f
        out |= f - {""}
    if empty:
        out.add("")
    return out


def _branches(bars: list[int], open_at: int, close_at: int):
    """(start, end) token ranges of the branches of a group opened at `open_at`."""
    start = open_at + 1
    for bar in bars:
        yield start, bar
        start = bar + 1
    yield start, close_at


def _quick_seq(tokens: list[str], close: dict, bars: dict, i: int, end: int) -> set | None:
    """First characters of the sequence tokens[i:end], as `_first_chars` reads it."""
    out: set = set()
    while i < end:
        t = tokens[i]
        if t in _ZERO_WIDTH or t.startswith(_LOOKAROUND):
            if t[0] == "(":
                i = close[i]
            if i + 1 < end and tokens[i + 1] in ("?", "*", "+", "{"):
                raise _Undecided
            i += 1
            continue
        if t == "(" or t == "(?:" or t.startswith("(?P<"):
            shut = close[i]
            f: set | None = set()
            empty = False
            for b_start, b_end in _branches(bars[i], i, shut):
                g = _quick_seq(tokens, close, bars, b_start, b_end)
                if g is None:
                    f = None
                    break
                empty = empty or "" in g
                f |= g - {""}
            if f is not None and empty:
                f.add("")
            i = shut
        elif t[0] not in _SPECIAL:
            if len(t) > 1:  # a run of plain characters: a repeat after it takes only its last
                return out | {t[0].lower()}
            f = {t.lower()}
        else:
            raise _Undecided  # classes, escapes, scoped flags, any character...
        nxt = tokens[i + 1] if i + 1 < end else ""
        if nxt in ("?", "*", "+"):
            if i + 2 < end and tokens[i + 2] in ("?", "+", "{"):
                raise _Undecided  # lazy or possessive repeats
            low = 1 if nxt == "+" else 0
            i += 1
        elif nxt == "{":
            raise _Undecided
        else:
            low = 1
        if f is None:
            return None
        out |= f - {""}
        if low == 0 or "" in f:
            i += 1
            continue
        return out
    out.add("")
    return out


@functools.lru_cache(maxsize=None)
def _gate(pattern: str) -> str:
    """A one-character lookahead of the letters `pattern` can start with, so the engine
    gives up at once at other positions ("" when the set cannot be told)."""
    try:
        chars = _quick_first_chars(pattern)
    except Exception:  # noqa: BLE001 - private parser API: no gate rather than no lexicon
        return ""
    if not chars or "" in chars or len(chars) > 60:
        return ""
    both = sorted(chars | {c.upper() for c in chars})
    return "(?=[" + "".join(re.escape(c) for c in both) + "])"


# Case-insensitive alternations are slow in `re`: a branch that starts with a case-folded
# literal gets no quick first-letter test. Patterns without case-sensitive parts are also
# compiled case-sensitively to run over the lower-cased sentence (same length, same offsets;
# `lower_for` falls back to the case-insensitive pattern when lower-casing changes the length).
_UPPER = LazyPattern(r"(?<!\\)[A-ZÀ-ÖØ-ÞА-ЯІЇЄҐ]")


def _gate_low(pattern: str) -> str:
    gate = _gate(pattern)
    if not gate:
        return ""
    chars = sorted({c for c in gate[4:-2].replace("\\", "") if not c.isupper()})
    return "(?=[" + "".join(re.escape(c) for c in chars) + "])" if chars else ""


def _low(body: str, full: str) -> LazyPattern | None:
    """`full` compiled case-sensitively (on first use) when `body` (what it wraps) has no
    case-sensitive part."""
    if "(?-i" in body or _UPPER.search(body.replace("(?P<", "(?<")):
        return None
    return LazyPattern(full, re.UNICODE)


def _wb_low(pattern: str) -> str:
    return _gate_low(pattern) + r"(?<![\w'’])(?:" + pattern + r")(?![\w])"


def _wb_names_low(pattern: str) -> str:
    return _gate_low(pattern) + r"(?<![\w])(?:(?<=\b[ld]['’])|(?<!['’]))(?:" + pattern + r")(?![\w])"


_LAST_LOWERED: tuple = ("", "")  # (text, its lower-cased copy or None) of the last long string
_SHORT = 120  # windows shorter than this are lower-cased afresh, leaving the sentence's copy cached


def _lowered(text: str) -> str | None:
    """`text.lower()`, None when lower-casing changes the length (offsets would move). The
    copy of the last long string is reused: the patterns of a sentence run one after another
    over the same string object. One tuple is swapped whole, so a reader never sees the text
    of one string with the copy of another."""
    global _LAST_LOWERED
    last = _LAST_LOWERED
    if last[0] is text:
        return last[1]
    low = text.lower()
    n = len(text)
    if len(low) != n:
        low = None
    if n >= _SHORT:
        _LAST_LOWERED = (text, low)
    return low


_PREFILTER_MIN = 40  # strings shorter than this are scanned by `re` alone (setup would cost more)
# Uses of a pattern after which its speed-ups (bare twin, prefilter) are built: they cost more
# to build than a few scans gain, so a process that reads one short document never builds them.
_UPGRADE_AFTER = 64


class LowPattern:
    """A case-insensitive pattern with, when possible, a case-sensitive twin for lower-cased
    text: `finditer` and `search` take the original string and give the same spans and
    groups' spans (group texts come from the lower-cased string; callers that need the
    written text slice the original). A whole long string is scanned through the twin's
    prefilter when it has one: the pattern is tried only where one of its literal prefixes
    is written (see `prefilter`).

    Built as it is used: `cs` may be given as a function returning the twin (or None); the
    twin is put together on the first use and compiled on the first scan. The speed-ups,
    the bare twin and the prefilter, are built once the pattern has been used
    `_UPGRADE_AFTER` times: until then the named twin scans in place of the bare one (same
    spans: capturing changes no match) and no prefilter is used (same matches). Reading the
    attributes `bare` or `pre` builds them at once. `dispatch` (the entries of an
    alternation) gives the bare twin the per-letter grouping of `_dispatched`.

    Until it is upgraded the object is a `_BuildingLowPattern`, whose `__getattr__` builds
    what is missing; then it is a plain `LowPattern`, whose attribute reads pay no hook."""

    # `_bare` and `_pre` are what the scanning methods read: the stand-ins, then the real ones.
    __slots__ = ("ci", "cs", "bare", "pre", "_bare", "_pre", "_args", "_uses", "_has_bare")

    def __new__(cls, *args, **kwargs):
        return object.__new__(_BuildingLowPattern if cls is LowPattern else cls)

    def __init__(self, ci, cs, dispatch: list[str] | None = None) -> None:
        self._args = (ci, cs, dispatch)
        self._uses = 0

    def upgrade(self) -> "LowPattern":
        """Build the bare twin and the prefilter now and scan with them from here on."""
        pre = self.pre
        cs, bare = _ready(self.cs), _ready(self.bare)
        self.cs, self.bare = cs, bare
        self._bare, self._pre = bare, pre
        self.__class__ = LowPattern
        return self

    def _prefiltered(self, low: str) -> list:
        """Every match in `low`, left to right and without overlap, as a scan finds them.
        A candidate is tried with the bare twin (quicker) and read again with the named one
        only where it matches."""
        match = self.cs.match
        found = []
        end = 0
        if self.bare is None:
            for start in self.pre.starts(low):
                if start >= end:
                    m = match(low, start)
                    if m is not None:
                        found.append(m)
                        end = m.end()
            return found
        test = self.bare.match
        for start in self.pre.starts(low):
            if start >= end and test(low, start) is not None:
                m = match(low, start)
                found.append(m)
                end = m.end()
        return found

    def _first(self, low: str):
        """The leftmost match in `low`, as `search` finds it."""
        match = self.cs.match
        if self.bare is None:
            for start in self.pre.starts(low):
                m = match(low, start)
                if m is not None:
                    return m
            return None
        test = self.bare.match
        for start in self.pre.starts(low):
            if test(low, start) is not None:
                return match(low, start)
        return None

    def _named(self, low: str, matches):
        match = self.cs.match
        # A list, not a generator: the callers read every match, and a comprehension costs
        # less per item than resuming a generator.
        return [g for m in matches if (g := match(low, m.start())) is not None]

    def finditer(self, text: str, pos: int = 0, endpos: int = 2 ** 62):
        if self.cs is not None:
            last = _LAST_LOWERED  # the sentence's copy, without a call when it is cached
            low = last[1] if last[0] is text else _lowered(text)
            if low is not None:
                if not pos and endpos >= len(low) >= _PREFILTER_MIN and self._pre is not None:
                    return self._prefiltered(low)
                bare = self._bare
                if bare is not None:
                    return self._named(low, bare.finditer(low, pos, endpos))
                return self.cs.finditer(low, pos, endpos)
        return self.ci.finditer(text, pos, endpos)

    def finditer_low(self, text: str, low: str):
        """`finditer` when the caller has lower-cased `text` already."""
        if self.cs is not None and len(low) == len(text):
            if len(low) >= _PREFILTER_MIN and self._pre is not None:
                return self._prefiltered(low)
            bare = self._bare
            if bare is not None:
                return self._named(low, bare.finditer(low))
            return self.cs.finditer(low)
        return self.ci.finditer(text)

    def search_low(self, text: str, low: str):
        """`search` when the caller has lower-cased `text` already."""
        cs = self.cs
        if cs is not None and len(low) == len(text):
            if len(low) >= _PREFILTER_MIN and self._pre is not None:
                return self._first(low)
            bare = self._bare
            if bare is not None:
                m = bare.search(low)
                return None if m is None else cs.match(low, m.start())
            return cs.search(low)
        return self.ci.search(text)

    def match(self, text: str, pos: int = 0, endpos: int = 2 ** 62):
        if self.cs is not None:
            last = _LAST_LOWERED  # the sentence's copy, without a call when it is cached
            low = last[1] if last[0] is text else _lowered(text)
            if low is not None:
                return self.cs.match(low, pos, endpos)
        return self.ci.match(text, pos, endpos)

    def fullmatch(self, text: str):
        if self.cs is not None:
            last = _LAST_LOWERED  # the sentence's copy, without a call when it is cached
            low = last[1] if last[0] is text else _lowered(text)
            if low is not None:
                bare = self._bare
                if bare is not None:
                    return bare.fullmatch(low) is not None and self.cs.fullmatch(low) or None
                return self.cs.fullmatch(low)
        return self.ci.fullmatch(text)

    def search(self, text: str, pos: int = 0, endpos: int = 2 ** 62):
        cs = self.cs
        if cs is not None:
            last = _LAST_LOWERED  # the sentence's copy, without a call when it is cached
            low = last[1] if last[0] is text else _lowered(text)
            if low is not None:
                if not pos and endpos >= len(low) >= _PREFILTER_MIN and self._pre is not None:
                    return self._first(low)
                bare = self._bare
                if bare is not None:
                    m = bare.search(low, pos, endpos)
                    return None if m is None else cs.match(low, m.start(), endpos)
                return cs.search(low, pos, endpos)
        return self.ci.search(text, pos, endpos)


class _BuildingLowPattern(LowPattern):
    """A `LowPattern` not upgraded yet: what it lacks is built when it is read."""

    __slots__ = ()

    def __getattr__(self, name: str):
        # Only slots not filled yet arrive here.
        if name in ("ci", "cs", "_has_bare"):
            self._prepare()
        elif name == "bare":
            self._build_bare()
        elif name == "pre":
            cs = self.cs
            # A pattern opening with a literal is already scanned fast by `re` itself.
            self.pre = prefilter_for(cs) if cs is not None and cs.pattern.startswith(("(?=", "(?<", "(?!", "\\b")) \
                else None
        elif name in ("_bare", "_pre"):
            self._uses += 1
            if self._uses < _UPGRADE_AFTER:
                if name == "_pre":
                    return None
                return self.cs if self._has_bare else None
            self.upgrade()
        else:
            raise AttributeError(name)
        return object.__getattribute__(self, name)

    def _prepare(self) -> None:
        ci, cs, _dispatch = self._args
        if callable(cs):
            cs = cs()
        if cs is not None and cs.pattern.startswith(("(?<", "\\b", "(?:\\b")):
            # A pattern that opens with a look-behind gets no quick first-letter test from
            # `re`: the one-character lookahead of the letters it can start with gives it one.
            gate = _gate_low(cs.pattern)
            if gate:
                cs = LazyPattern(gate + cs.pattern, cs.flags)
        self._has_bare = cs is not None and "(?P<" in cs.pattern and "(?P=" not in cs.pattern
        self.ci, self.cs = ci, cs

    def _build_bare(self) -> None:
        # Named groups cost `re` its quick first-letter test of each branch: the same pattern
        # without them finds the same matches about twice as fast; the named one then runs
        # only where a match starts, to tell which entry it was.
        bare = None
        if self._has_bare:
            bare = LazyPattern(re.sub(r"\(\?P<\w+>", "(?:", self.cs.pattern), re.UNICODE)
            dispatch = self._args[2]
            if dispatch is not None:
                bare = _dispatched(bare, dispatch)
        self.bare = bare


def _ready(pattern):
    """`pattern` compiled (a LazyPattern's compiled pattern; None stays None)."""
    return pattern.compiled if isinstance(pattern, LazyPattern) else pattern


def _dispatched(bare: LazyPattern, parts: list[str]) -> LazyPattern:
    """A bare twin (a word-start lookbehind then the alternation of `parts`) that groups the
    entries by the letter they start with, keeping their order within a letter: at any
    position only the entries that can start there are tried, and the first of them that
    matches is the one the plain alternation would have taken. `bare` itself when its text
    is not of that form."""
    marker = r"(?<![\w'’])(?:"
    pat = bare.pattern
    i = pat.find(marker)
    bare_parts = [re.sub(r"\(\?P<\w+>", "(?:", q) for q in parts]
    if i < 0 or pat[i + len(marker):] != "|".join(bare_parts) + ")":
        return bare
    try:
        from re import _parser
        sets = [_first_chars(_parser.parse(q, re.UNICODE)) for q in bare_parts]
    except Exception:  # noqa: BLE001 - private parser API: keep the plain twin
        return bare
    if not sets or any(c is None or "" in c for c in sets):
        return bare
    groups = ["(?=%s)(?:%s)" % (re.escape(ch), "|".join(q for q, c in zip(bare_parts, sets) if ch in c))
              for ch in sorted(set().union(*sets))]
    return LazyPattern(pat[:i] + r"(?<![\w'’])(?:" + "|".join(groups) + ")", re.UNICODE)


def _twin_of(ci) -> LazyPattern | None:
    body = re.sub(r"^\(\?=\[[^\]]*\]\)", "", ci.pattern).replace("[lLdD]", "")
    return _low(body, ci.pattern)


def _fast(ci) -> LowPattern:
    """`ci` with its case-sensitive twin when its text allows one (both made on first use)."""
    return LowPattern(ci, functools.partial(_twin_of, ci))


def _wb(pattern: str) -> str:
    return _gate(pattern) + r"(?<![\w'’])(?:" + pattern + r")(?![\w])"


def _wb_names(pattern: str) -> str:
    """Word boundaries for proper names, which may follow an elided article: "l'ISW",
    "de l'Ukraine", "d'Israël"."""
    return _gate(pattern) + r"(?<![\w])(?:(?<=\b[lLdD]['’])|(?<!['’]))(?:" + pattern + r")(?![\w])"


class _built:
    """A `Lexicon` attribute computed the first time it is read, then kept in the instance
    (so later reads are plain attribute reads): `functools.cached_property` without its lock.
    Two threads reading it first at once both compute it, alike; one of the results stays."""

    def __init__(self, fn) -> None:
        self.fn = fn
        self.name = fn.__name__
        self.__doc__ = fn.__doc__

    def __set_name__(self, owner, name: str) -> None:
        self.name = name

    def __get__(self, obj, owner=None):
        if obj is None:
            return self
        value = self.fn(obj)
        obj.__dict__[self.name] = value
        return value


def _re(text: str, flags: int = _FLAGS) -> LazyPattern:
    """A lexicon pattern: compiled on its first use."""
    return LazyPattern(text, flags)


def _lazy_low(body: str, full) -> functools.partial:
    """The twin `_low(body, full())` of a LowPattern, put together when the LowPattern is
    first used (`full` is a function: building its text may parse patterns)."""
    return functools.partial(_low_later, body, full)


def _low_later(body: str, full) -> LazyPattern | None:
    return _low(body, full())


class Lexicon:
    """Cues of one language (plus the shared ones).

    Only plain data (word lists, month and weekday names, stopwords) is read in at
    construction; each pattern attribute is put together the first time it is read and
    compiled the first time it is used. `build_all()` builds every attribute."""

    def __init__(self, code: str, mod: ModuleType) -> None:
        self.code = code
        self.mod = mod
        self.word_numbers: dict[str, float] = {k.lower(): v for k, v in mod.WORD_NUMBERS.items()}
        self.scales: dict[str, float] = {k.lower().rstrip("."): v for k, v in mod.SCALES.items()}
        # Tens and units written as one number ("thirty-eight", "achtunddreißig"), from the
        # language's own tens and unit words; tried before the single words.
        self._tens = {w: v for w, v in self.word_numbers.items() if v in range(20, 100, 10) and " " not in w}
        self._units = {w: v for w, v in self.word_numbers.items() if v in range(1, 10) and " " not in w}
        # Fractions: one named group per entry so the match says which fraction it was.
        self._fraction_values: dict[str, float] = {}
        for i, (_pattern, pct) in enumerate(mod.FRACTIONS):
            self._fraction_values[("most%d" if pct < 0 else "f%d") % i] = abs(pct)
        self.qualifiers: dict[str, str] = {k.lower(): v for k, v in mod.QUALIFIERS.items()}
        self.months: dict[str, int] = month_names(code)
        self.period_kinds = [kind for _p, kind in mod.PERIODS]
        # Which period patterns cannot match without a month name (the month is not inside
        # an optional alternative): a sentence without a month skips them.
        self.period_needs_month = [("{M}" in p and "|(?P<m>{M}))" not in p) for p, _k in mod.PERIODS]
        self.source_nouns = {k.lower(): v for k, v in getattr(mod, "SOURCE_NOUNS", {}).items()}
        self.source_adjectives = {k.lower(): v for k, v in getattr(mod, "SOURCE_ADJECTIVES", {}).items()}
        self.post_qualifiers = {k.lower(): v for k, v in getattr(mod, "POST_QUALIFIERS", {}).items()}
        self.weekdays: dict[str, int] = {k.lower(): v for k, v in getattr(mod, "WEEKDAYS", {}).items()}
        self.stopwords = stopwords_for(code)
        self._cue_scans = 0  # long sentences scanned by `cue_positions` without the prefilter

    @classmethod
    def attribute_names(cls) -> list[str]:
        """The names of the attributes built on first read."""
        return [name for name, value in vars(cls).items() if isinstance(value, _built)]

    def build_all(self, compile_patterns: bool = False) -> "Lexicon":
        """Build every attribute now; with `compile_patterns`, compile every pattern too (and the
        prefilters), so that no later call pays for it."""
        for name in self.attribute_names():
            value = getattr(self, name)
            if compile_patterns:
                _compile_all(value)
        if compile_patterns:
            self._cue_scans = _UPGRADE_AFTER
        return self

    # --- numbers
    @_built
    def _compound_re(self):
        template = getattr(self.mod, "COMPOUND_NUMBER", "")
        tens, units = self._tens, self._units
        return _re(template.replace("{tens}", "(?P<t>" + _words(tens) + ")").replace(
            "{units}", "(?P<u>" + _words(units) + ")")) if template and tens and units else None

    @_built
    def _word_number_body(self) -> str:
        template = getattr(self.mod, "COMPOUND_NUMBER", "")
        compound = template.replace("{tens}", "(?:" + _words(self._tens) + ")").replace(
            "{units}", "(?:" + _words(self._units) + ")") + "|" if self._compound_re is not None else ""
        return compound + _words(self.word_numbers)

    @_built
    def word_number_re(self):
        return _re(r"(?<![\w'’-])(?P<w>" + self._word_number_body + r")(?![\w])")

    @_built
    def word_number_fast(self):
        words = self._word_number_body
        return LowPattern(self.word_number_re, _low(words, r"(?<![\w'’-])(?P<w>" + words + r")(?![\w])"))

    @_built
    def scale_re(self):
        return _re(r"[ \u00a0]?(?P<scale>" + _words(self.mod.SCALES) + r")(?![\w])\.?")

    @_built
    def _fraction_parts(self) -> list[str]:
        return ["(?P<%s>%s)" % (("most%d" if pct < 0 else "f%d") % i, pattern)
                for i, (pattern, pct) in enumerate(self.mod.FRACTIONS)]

    @_built
    def fraction_re(self):
        return _re(r"(?<![\w-])(?:" + "|".join(self._fraction_parts) + r")(?![\w])")

    @_built
    def fraction_fast(self):
        parts = self._fraction_parts
        return LowPattern(self.fraction_re, _low("|".join(parts), r"(?<![\w-])(?:" + "|".join(parts) + r")(?![\w])"))

    @_built
    def range_open_re(self):
        return _re(_wb(_alt(self.mod.RANGE_OPEN)) + r"\s*$")

    @_built
    def range_and_re(self):
        return _re(r"\s*(?:" + _alt(self.mod.RANGE_AND) + r")\s*")

    @_built
    def range_bare_re(self):
        return _re(r"\s+(?:" + _alt(getattr(self.mod, "RANGE_BARE", [])) + r")\s+")

    # --- qualifiers and cues
    @_built
    def qualifier_re(self):
        """Qualifier cues sit immediately before the numeral."""
        return _fast(_re(_wb("(?P<q>" + _words(self.qualifiers) + ")") + r"[\s\u00a0]*$"))

    @_built
    def cue_classes(self) -> list[tuple[str, LazyPattern]]:
        """Verb classes (gain, loss, hold...), before and after the numeral."""
        return [(cls, _re(_wb(_alt(items)))) for cls, items in self.mod.CUES.items()]

    @_built
    def cue_classes_fast(self) -> list[tuple[str, LowPattern]]:
        return [(cls, LowPattern(p, _lazy_low(_alt(items), functools.partial(_wb_low, _alt(items)))))
                for (cls, p), items in zip(self.cue_classes, self.mod.CUES.values())]

    @_built
    def cue_classes_cs(self) -> list:
        return [(cls, p.cs) for cls, p in self.cue_classes_fast]

    @_built
    def _cue_union(self) -> str:
        return "|".join(_alt(items) for items in self.mod.CUES.values())

    @_built
    def cue_starts(self):
        """Where any cue starts: one zero-width scan over the lower-cased sentence; each class
        is then tried only at those positions (see engine.find_cues). None when a class has
        no lower-cased twin."""
        if any(p is None for _c, p in self.cue_classes_cs):
            return None
        cue_union = self._cue_union
        return _low(cue_union, r"(?<![\w'’])(?=" + _gate_low(cue_union) + r"(?:" + cue_union + r")(?![\w]))")

    @_built
    def _cue_prefilter(self):
        """The scan's zero-width matches lie where one of the cues' prefixes is written."""
        return prefilter_for(LazyPattern(self._cue_union, re.UNICODE)) if self.cue_starts is not None else None

    @_built
    def cue_classes_by_char(self) -> dict:
        """Which classes can start with a given (lower-case) letter, in class order: the
        classes gated on other letters cannot match there."""
        gates = []
        probe = "".join(map(chr, range(0x500))) + "".join(map(chr, range(0x2000, 0x2100)))
        for _cls, items in self.mod.CUES.items():
            gate = _gate_low(_alt(items))
            gates.append(None if not gate else set(re.compile("[" + gate[4:-2] + "]").findall(probe)))
        letters = set().union(*(g for g in gates if g is not None))
        return {c: tuple(i for i, g in enumerate(gates) if g is None or c in g) for c in letters}

    @_built
    def cue_classes_all(self) -> tuple:
        return tuple(range(len(self.mod.CUES)))  # any other letter: every class

    @_built
    def post_cue_classes(self) -> list:
        return [(cls, _fast(_re(_wb(_alt(items))))) for cls, items in self.mod.POST_CUES.items()]

    @_built
    def distract_after_re(self):
        return _fast(_re(r"^\W{0,3}(?:" + _alt(self.mod.DISTRACT_AFTER) + ")"))

    @_built
    def distract_before_re(self):
        return _fast(_re("(?:" + _alt(self.mod.DISTRACT_BEFORE) + r")\W{0,3}$"))

    @_built
    def change_by_re(self):
        return _fast(_re("(?:" + _alt(getattr(self.mod, "CHANGE_BY", [])) + r")\W{0,3}$"))

    @_built
    def count_distract_before_re(self):
        return _fast(_re("(?:" + _alt(getattr(self.mod, "COUNT_DISTRACT_BEFORE", [])) + r")$"))

    # --- units
    @_built
    def area_units(self) -> list:
        return [(_re(p), factor, kind) for p, factor, kind in self.mod.AREA_UNITS]

    @_built
    def percent_re(self):
        return _re(r"^[\s\u00a0]*(?:" + _alt(self.mod.PERCENT) + r")(?![\w])")

    @_built
    def permille_re(self):
        return _re(r"^[\s\u00a0]*(?:" + _alt(self.mod.PERMILLE) + r")(?![\w])")

    @_built
    def linear_re(self):
        return _re(r"^[\s\u00a0]*-?(?:" + _alt(self.mod.LINEAR_UNITS) + r")(?![\w²2])")

    @_built
    def per_day_re(self):
        return _re(r"^[\s\u00a0,]*(?:" + _alt(self.mod.PER_DAY) + r")(?![\w])")

    @_built
    def settlement_re(self):
        return _re(r"^[\s\u00a0]*(?:(?:" + _alt(self.mod.COUNT_FILLERS) + r")\s+){0,3}(?P<noun>" +
                   _alt(self.mod.SETTLEMENT_NOUNS) + r")(?![\w])")

    @_built
    def settlement_any_re(self):
        return _re(_wb("(?P<noun>" + _alt(self.mod.SETTLEMENT_NOUNS) + ")"))

    @_built
    def settlement_any_fast(self):
        nouns = _alt(self.mod.SETTLEMENT_NOUNS)
        return LowPattern(self.settlement_any_re,
                          _lazy_low(nouns, functools.partial(_wb_low, "(?P<noun>" + nouns + ")")))

    @_built
    def admin_unit_re(self):
        return _re(r"^[\s\u00a0]*(?:(?:" + _alt(self.mod.COUNT_FILLERS) + r")\s+){0,3}(?P<noun>" +
                   _alt(self.mod.ADMIN_UNIT_NOUNS) + r")(?![\w])")

    @_built
    def unit_any_re(self):
        """One test of whether any unit follows a numeral at all: most numerals (years,
        counts of people) have none, and then no unit pattern is tried one by one."""
        unit_parts = [p for p, _f, _k in self.mod.AREA_UNITS] + [u.pattern for u in (
            self.percent_re, self.permille_re, self.settlement_re, self.admin_unit_re, self.linear_re)]
        return _re("|".join("(?:%s)" % re.sub(r"\(\?P<\w+>", "(?:", p) for p in unit_parts))

    @_built
    def of_total_re(self):
        return _fast(_re(r"^\s*(?:" + _alt(self.mod.OF_THE) + r")\s*(?:[\w'’-]+\s+){0,3}$"))

    # --- time
    @_built
    def month_alt(self) -> str:
        return _words(self.months)

    @_built
    def periods(self) -> list:
        """A period phrase starts at a word start ("Myanmar's" holds no "mar's")."""
        month = "(?:" + self.month_alt + ")"
        return [(_re(r"(?<![\w'’])(?:" + p.replace("{M}", month) + ")"), kind) for p, kind in self.mod.PERIODS]

    @_built
    def month_any_re(self):
        return _re(_wb(self.month_alt))

    @_built
    def month_any_fast(self):
        return LowPattern(self.month_any_re, _lazy_low(self.month_alt, functools.partial(_wb_low, self.month_alt)))

    @_built
    def _period_parts(self) -> list[str]:
        """Period patterns scanned together: group k<i> says which entry matched and the
        entry's own groups are renamed g<i>_<name>. At one position the earlier entry wins."""
        month = "(?:" + self.month_alt + ")"
        parts = []
        for i, (p, _kind) in enumerate(self.mod.PERIODS):
            body = re.sub(r"\(\?P<(\w+)>", lambda m, i=i: "(?P<g%d_%s>" % (i, m.group(1)), p.replace("{M}", month))
            parts.append("(?P<k%d>%s)" % (i, body))
        return parts

    @_built
    def period_groups(self) -> list[list[tuple[str, str]]]:
        """(combined name, own name) of each period entry's groups."""
        return [[("g%d_%s" % (i, g), g) for g in re.findall(r"\(\?P<(\w+)>", p)]
                for i, (p, _k) in enumerate(self.mod.PERIODS)]

    # The entries split by whether they need a month name: a sentence without one scans
    # only the others.
    @_built
    def _period_month_parts(self) -> list[str]:
        return [q for q, need in zip(self._period_parts, self.period_needs_month) if need]

    @_built
    def _period_plain_parts(self) -> list[str]:
        return [q for q, need in zip(self._period_parts, self.period_needs_month) if not need]

    @_built
    def periods_month_re(self):
        parts = self._period_month_parts
        return _re(_gate("|".join(parts)) + r"(?<![\w'’])(?:" + ("|".join(parts) or "(?!x)x") + ")")

    @_built
    def periods_plain_re(self):
        parts = self._period_plain_parts
        return _re(_gate("|".join(parts)) + r"(?<![\w'’])(?:" + ("|".join(parts) or "(?!x)x") + ")")

    @_built
    def periods_month_fast(self):
        parts = self._period_month_parts
        body = "|".join(parts) or "(?!x)x"
        return LowPattern(self.periods_month_re, _lazy_low(
            body, lambda: _gate_low("|".join(parts)) + r"(?<![\w'’])(?:" + body + ")"))

    @_built
    def periods_plain_fast(self):
        parts = self._period_plain_parts
        body = "|".join(parts) or "(?!x)x"
        return LowPattern(self.periods_plain_re, _lazy_low(
            body, lambda: _gate_low("|".join(parts)) + r"(?<![\w'’])(?:" + body + ")"),
            dispatch=parts)  # (the month entries gained nothing)

    @_built
    def weekday_re(self):
        return _re(_wb(_words(self.weekdays)))

    @_built
    def weekday_fast(self):
        return _fast(self.weekday_re)

    # --- attribution
    @_built
    def speech_re(self):
        return _re(_wb(_alt(self.mod.SPEECH_VERBS)))

    @_built
    def according_re(self):
        return _re(_wb(_alt(self.mod.ACCORDING_TO)))

    @_built
    def analysis_re(self):
        return _re(_wb(_alt(self.mod.ANALYSIS_WORDS)))

    # Twins over the lower-cased sentence where only the spans are read.
    @_built
    def speech_fast(self):
        alt = _alt(self.mod.SPEECH_VERBS)
        return LowPattern(self.speech_re, _lazy_low(alt, functools.partial(_wb_low, alt)))

    @_built
    def according_fast(self):
        alt = _alt(self.mod.ACCORDING_TO)
        return LowPattern(self.according_re, _lazy_low(alt, functools.partial(_wb_low, alt)))

    @_built
    def analysis_fast(self):
        alt = _alt(self.mod.ANALYSIS_WORDS)
        return LowPattern(self.analysis_re, _lazy_low(alt, functools.partial(_wb_low, alt)))

    @_built
    def precisely_re(self):
        return _fast(_re(_wb(_alt(self.mod.PRECISELY)) + r"\W*$"))

    @_built
    def anaphora_re(self):
        return _fast(_re(_wb(_alt(self.mod.TERRITORY_ANAPHORA))))

    @_built
    def generic_source_re(self):
        """An unnamed source right before a speech verb: up to three lower-case words and a
        head noun ("analysts and war bloggers", "the army"), then at most two words."""
        return _re(
            r"(?<![\w'’])(?P<np>(?:(?-i:[a-zà-ÿа-яіїєґ][\w'’-]*)\s+){0,3}?(?:(?-i:[A-ZА-ЯІЇЄҐ][\w'’-]*)\s+)?(?P<head>" +
            _alt(getattr(self.mod, "GENERIC_SOURCES", [])) + r"))\s+(?:[\w'’]+\s+){0,2}$")

    @_built
    def unnamed_source_re(self):
        """An unnamed source right after "according to": determiner, up to two words, a head
        noun, up to two words ("d'un cartographe anonyme", "Western officials")."""
        mod = self.mod
        word = r"[^\W\d_][\w'’-]*"
        return _re(
            r"\s*(?:(?:" + _alt(getattr(mod, "SOURCE_BRIDGE", [])) + r")(?:(?<=['’])|(?![\w]))\s*)?"
            r"(?:(?:" + _alt(getattr(mod, "SOURCE_DETERMINERS", [])) + r")(?:\s+|(?<=['’])))?"
            r"(?<![\w])(?P<pre>(?:" + word + r"\s+){0,2}?)(?P<head>" + _words(self.source_nouns) + r")(?![\w])(?:['’]s)?"
            r"(?P<post>(?:\s+" + word + r"){0,2})")

    @_built
    def post_qualifier_re(self):
        return _re(r"^[\s\u00a0]*(?P<q>" + _words(self.post_qualifiers) + r")(?![\w])")

    @_built
    def same_figure_re(self):
        return _re(_wb(_alt(getattr(self.mod, "SAME_FIGURE", []))))

    @_built
    def outlet_calc_re(self):
        return _fast(_re(_wb(_alt(getattr(self.mod, "OUTLET_CALC", [])))))

    @_built
    def speaker_pronoun_re(self):
        return _re(_wb(_alt(getattr(self.mod, "SPEAKER_PRONOUNS", []))))

    @_built
    def country_anaphora_re(self):
        return _fast(_re(r"^\s*(?:(?:of|de|d['’]|der|van|av|з|i|in|en|dans)\s+)?" +
                         _wb(_alt(getattr(self.mod, "COUNTRY_ANAPHORA", [])))))

    @_built
    def actor_pronoun_re(self):
        return _re(_wb(_alt(self.mod.SPEAKER_SIDE)))

    # --- actors
    @_built
    def actors(self) -> list:
        return [(LazyPattern(functools.partial(_wb, p), _FLAGS), canon) for p, canon in self.mod.ACTORS + common.ACTORS]

    @_built
    def _actor_body(self) -> str:
        return "|".join("(?P<a%d>%s)" % (i, p) for i, (p, _c) in enumerate(self.mod.ACTORS + common.ACTORS))

    @_built
    def actor_all_re(self):
        """One scan for all actor names; the group number says which entry matched. The word
        boundaries are written once around the alternation, so a position inside a word
        fails at the first test instead of once per entry."""
        return LazyPattern(functools.partial(_wb, self._actor_body), _FLAGS)

    @_built
    def actor_all_fast(self):
        body = self._actor_body
        return LowPattern(self.actor_all_re, _lazy_low(body, functools.partial(_wb_low, body)))

    def cue_positions(self, low: str) -> list[int]:
        """Where a cue starts in the lower-cased sentence `low`: the offsets at which
        `cue_starts` matches, as its scan finds them (needs `cue_starts`)."""
        starts = self.cue_starts
        if len(low) >= _PREFILTER_MIN:
            if self._cue_scans < _UPGRADE_AFTER:
                self._cue_scans += 1  # the prefilter is built once it has a few scans to spare
            elif self._cue_prefilter is not None:
                at = starts.match
                return [p for p in self._cue_prefilter.starts(low) if at(low, p) is not None]
        return [m.start() for m in starts.finditer(low)]

    def unnamed_source(self, text: str) -> str | None:
        """The English label of an unnamed source at the start of `text` (what follows
        "according to"), or None: "d'un cartographe anonyme" -> "anonymous cartographer"."""
        m = self.unnamed_source_re.match(text)
        if not m:
            return None
        head = self.source_nouns[re.sub(r"\s+", " ", m.group("head").lower())]
        words = []
        for w in m.group("pre").split():
            if self.source_adjectives:
                if w.lower() not in self.source_adjectives:
                    return None  # a word of the clause, not of the source's description
                words.append(self.source_adjectives[w.lower()])
            else:
                words.append(w)  # English: the description as written
        for w in m.group("post").split():
            if w.lower() not in self.source_adjectives:
                break
            words.append(self.source_adjectives[w.lower()])
        return " ".join(words + [head])

    def word_value(self, word: str) -> float | None:
        """The value of a number word or of tens and units written together."""
        value = self.word_numbers.get(re.sub(r"\s+", " ", word.lower()))
        if value is None and self._compound_re is not None:
            cm = self._compound_re.fullmatch(word)
            if cm:
                value = self._tens[cm.group("t").lower()] + self._units[cm.group("u").lower()]
        return value

    def fraction_value(self, group: str) -> float | None:
        return self._fraction_values.get(group)


def _compile_all(value) -> None:
    """Compile the patterns in `value` (a pattern, a LowPattern, or lists and tuples of them)."""
    if isinstance(value, LazyPattern):
        value.compiled  # noqa: B018 - the read compiles
    elif isinstance(value, LowPattern):
        value.upgrade()
        for part in (value.ci, value.cs, value.bare):
            _compile_all(part)
    elif isinstance(value, (list, tuple)):
        for item in value:
            _compile_all(item)


def _module(code: str) -> ModuleType:
    return importlib.import_module("tracker.extract.lexicon." + code)


@functools.lru_cache(maxsize=None)
def stopwords_for(code: str) -> frozenset[str]:
    """The stopwords of language `code` (lower case), without building its Lexicon."""
    return frozenset(w.lower() for w in _module(code).STOPWORDS)


@functools.lru_cache(maxsize=None)
def month_names(code: str) -> dict[str, int]:
    """Month names of language `code` (lower case) -> month number, without building its Lexicon."""
    return {k.lower(): v for k, v in _module(code).MONTHS.items()}


_CACHE: dict[str, Lexicon] = {}  # the lexicons built so far, by language code


def built_languages() -> tuple[str, ...]:
    """The languages whose Lexicon has been built in this process."""
    return tuple(_CACHE)


# The shared tables: each pattern is put together and compiled on its first use.
TERRITORIES = [(LazyPattern(functools.partial(_wb, p), _FLAGS), canon, level) for p, canon, level in common.TERRITORIES]
SOURCES = [(LazyPattern(functools.partial(_wb, p), _FLAGS), canon, kind) for p, canon, kind in common.SOURCES]
FULL_NAMES = common.FULL_NAMES
# All sources in one scan (group s<i> says which entry matched), and one full-match test.
SOURCES_ALL = LazyPattern(functools.partial(_wb_names, "|".join(
    "(?P<s%d>%s)" % (i, p) for i, (p, _c, _k) in enumerate(common.SOURCES))), _FLAGS)
# The lower-cased twin leaves out the entries that are case-sensitive ("UN said", "ООН"),
# scanned apart by SOURCES_CASED.
_SOURCE_CASED = {i for i, (p, _c, _k) in enumerate(common.SOURCES) if "(?-i" in p}
_SOURCES_LOW_BODY = "|".join("(?P<s%d>%s)" % (i, "(?!x)x" if i in _SOURCE_CASED else p)
                             for i, (p, _c, _k) in enumerate(common.SOURCES))
SOURCES_FAST = LowPattern(SOURCES_ALL,
                          _lazy_low(_SOURCES_LOW_BODY, functools.partial(_wb_names_low, _SOURCES_LOW_BODY)))
SOURCES_CASED = LazyPattern(functools.partial(_wb_names, "|".join(
    "(?P<s%d>%s)" % (i, p) for i, (p, _c, _k) in enumerate(common.SOURCES) if i in _SOURCE_CASED) or "(?!x)x"), _FLAGS)
_SOURCES_FULL_LOW = "|".join("(?:%s)" % p for i, (p, _c, _k) in enumerate(common.SOURCES) if i not in _SOURCE_CASED)
_SOURCES_FULL_CASED = LazyPattern("|".join("(?:%s)" % p for i, (p, _c, _k) in enumerate(common.SOURCES)
                                           if i in _SOURCE_CASED) or "(?!x)x", _FLAGS)
SOURCES_FULL_FAST = LowPattern(LazyPattern("(?:" + _SOURCES_FULL_LOW + ")", _FLAGS),
                               _low(_SOURCES_FULL_LOW, "(?:" + _SOURCES_FULL_LOW + ")"))


def is_source_name(text: str) -> bool:
    """Is `text` as a whole the name of a known source (SOURCES_FULL.fullmatch)?"""
    return SOURCES_FULL_FAST.fullmatch(text) is not None or _SOURCES_FULL_CASED.fullmatch(text) is not None


SOURCES_FULL = LazyPattern("(?:" + "|".join("(?:%s)" % p for p, _c, _k in common.SOURCES) + ")", _FLAGS)
TERRITORIES_ALL = LazyPattern(functools.partial(_wb_names, "|".join(
    "(?P<t%d>%s)" % (i, p) for i, (p, _c, _l) in enumerate(common.TERRITORIES))), _FLAGS)
_TERRITORY_BODY = "|".join("(?P<t%d>%s)" % (i, p) for i, (p, _c, _l) in enumerate(common.TERRITORIES))
TERRITORIES_FAST = LowPattern(TERRITORIES_ALL,
                              _lazy_low(_TERRITORY_BODY, functools.partial(_wb_names_low, _TERRITORY_BODY)))
_TOWN_BODY = "|".join("(?P<w%d>%s)" % (i, p) for i, (p, _c, _r) in enumerate(common.TOWNS))
TOWNS = [(canon, region) for _p, canon, region in common.TOWNS]
TOWNS_FAST = LowPattern(LazyPattern(functools.partial(_wb_names, _TOWN_BODY), _FLAGS),
                        _lazy_low(_TOWN_BODY, functools.partial(_wb_names_low, _TOWN_BODY)))
# Where a town name can stand for the area around it: right after "around", "near", "rond"...
# Scanning for these few words first spares a scan for every town name.
_NEAR_BODY = r"(?:" + common.NEAR_TOWN + r")\s+(?:the\s+(?:town|city)\s+of\s+)?"
NEAR_TOWN_THEN_NAME = LowPattern(LazyPattern(r"(?<![\w'’])(?:" + _NEAR_BODY + ")", _FLAGS),
                                 _lazy_low(_NEAR_BODY,
                                           lambda: _gate_low(_NEAR_BODY) + r"(?<![\w'’])(?:" + _NEAR_BODY + ")"))
FOCUS_BEFORE = _fast(LazyPattern(r"(?<![\w])(?:" + common.FOCUS_BEFORE + r")\s+(?:[\w'’-]+\s+){0,4}$", _FLAGS))
_OFFICIAL_NAMES_ALL = LazyPattern("|".join("(?P<o%d>%s)" % (i, p) for i, (p, _n) in enumerate(common.OFFICIAL_NAMES)),
                                 _FLAGS)
_OFFICIAL_CANON = [name for _p, name in common.OFFICIAL_NAMES]


# The same names without their optional first word, read on lower-cased text: a quick test
# that spares the full one for every other capitalised run.
_OFFICIAL_STEMS = LazyPattern("|".join("(?:%s)" % p.replace("(?:[\\w'’]+\\s+)?", "", 1)
                                      for p, _n in common.OFFICIAL_NAMES))


def may_name_official(text: str) -> bool:
    """Cheap test: does `text` hold the stem of an official's surname at all?"""
    return _OFFICIAL_STEMS.search(text.lower()) is not None


def canonical_person(name: str) -> str:
    """An official's name in the English spelling the tracker uses, else `name` unchanged."""
    if not may_name_official(name):
        return name
    m = _OFFICIAL_NAMES_ALL.fullmatch(name)
    return _OFFICIAL_CANON[int(m.lastgroup[1:])] if m else name


OFFICIALS_RE = LazyPattern(functools.partial(_wb, "|".join("(?P<o%d>%s)" % (i, p)
                                                           for i, (p, _s) in enumerate(common.OFFICIALS))), _FLAGS)
OFFICIAL_SIDES = [side for _p, side in common.OFFICIALS]
TITLE_WORDS = frozenset(w.lower() for w in common.TITLE_WORDS)
ORG_WORDS = frozenset(w.lower() for w in common.ORG_WORDS)


def lexicon_for(language: str | None) -> Lexicon:
    """The lexicon of `language`, English when unknown; built on the first request."""
    code = (language or "en").lower()[:2]
    lex = _CACHE.get(code)
    if lex is None:
        if code not in LANGUAGES:
            return lexicon_for("en")
        lex = _CACHE.setdefault(code, Lexicon(code, _module(code)))
    return lex


def warm_up(languages: tuple[str, ...] = LANGUAGES) -> None:
    """Build the lexicons of `languages` and compile every pattern of theirs and of the shared
    tables now (a long-running reader, or a benchmark that must not time the compiling)."""
    for code in languages:
        lexicon_for(code).build_all(compile_patterns=True)
    _compile_all([TERRITORIES, SOURCES, SOURCES_ALL, SOURCES_FAST, SOURCES_CASED, _SOURCES_FULL_CASED,
                  SOURCES_FULL_FAST, SOURCES_FULL, TERRITORIES_ALL, TERRITORIES_FAST, TOWNS_FAST,
                  NEAR_TOWN_THEN_NAME, FOCUS_BEFORE, _OFFICIAL_NAMES_ALL, _OFFICIAL_STEMS, OFFICIALS_RE])
