"""Per-language lexicons compiled once at import.

Each language module (`en`, `fr`, `de`, `nl`, `no`, `uk`) declares plain data: number words,
fractions, qualifier cues, verb classes (gain, loss, hold...), period phrases, units,
speech verbs and stopwords. `common` holds what is shared across languages: canonical
actor and territory names and known producers of figures. This module turns the data into
precompiled regular expressions, one `Lexicon` per language.

Adding a language is adding a module with the same names and listing it in `_MODULES`.
"""

from __future__ import annotations

import re
from types import ModuleType

from tracker.extract.lexicon import common, de, en, fr, nl, no, uk
from tracker.extract.prefilter import prefilter_for

_MODULES: dict[str, ModuleType] = {"en": en, "fr": fr, "de": de, "nl": nl, "no": no, "uk": uk}
LANGUAGES: tuple[str, ...] = tuple(_MODULES)

_FLAGS = re.IGNORECASE | re.UNICODE


def _alt(items) -> str:
    """A longest-first alternation of regex fragments (fragments may contain regex)."""
    items = sorted(set(items), key=lambda p: (p.count("\\s"), len(p)), reverse=True)
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


def _gate(pattern: str) -> str:
    """A one-character lookahead of the letters `pattern` can start with, so the engine
    gives up at once at other positions ("" when the set cannot be told)."""
    try:
        from re import _parser
        chars = _first_chars(_parser.parse(pattern, _FLAGS))
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
_UPPER = re.compile(r"(?<!\\)[A-ZÀ-ÖØ-ÞА-ЯІЇЄҐ]")


def _gate_low(pattern: str) -> str:
    gate = _gate(pattern)
    if not gate:
        return ""
    chars = sorted({c for c in gate[4:-2].replace("\\", "") if not c.isupper()})
    return "(?=[" + "".join(re.escape(c) for c in chars) + "])" if chars else ""


def _low(body: str, full: str) -> re.Pattern | None:
    """`full` compiled case-sensitively when `body` (what it wraps) has no case-sensitive part."""
    if "(?-i" in body or _UPPER.search(body.replace("(?P<", "(?<")):
        return None
    return re.compile(full, re.UNICODE)


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


class LowPattern:
    """A case-insensitive pattern with, when possible, a case-sensitive twin for lower-cased
    text: `finditer` and `search` take the original string and give the same spans and
    groups' spans (group texts come from the lower-cased string; callers that need the
    written text slice the original). A whole long string is scanned through the twin's
    prefilter when it has one: the pattern is tried only where one of its literal prefixes
    is written (see `prefilter`)."""

    __slots__ = ("ci", "cs", "bare", "pre")

    def __init__(self, ci: re.Pattern, cs: re.Pattern | None) -> None:
        if cs is not None and cs.pattern.startswith(("(?<", "\\b", "(?:\\b")):
            # A pattern that opens with a look-behind gets no quick first-letter test from
            # `re`: the one-character lookahead of the letters it can start with gives it one.
            gate = _gate_low(cs.pattern)
            if gate:
                cs = re.compile(gate + cs.pattern, cs.flags)
        self.ci, self.cs = ci, cs
        # Named groups cost `re` its quick first-letter test of each branch: the same pattern
        # without them finds the same matches about twice as fast; the named one then runs
        # only where a match starts, to tell which entry it was.
        self.bare = None
        if cs is not None and "(?P<" in cs.pattern and "(?P=" not in cs.pattern:
            self.bare = re.compile(re.sub(r"\(\?P<\w+>", "(?:", cs.pattern), re.UNICODE)
        # A pattern opening with a literal is already scanned fast by `re` itself.
        self.pre = prefilter_for(cs) if cs is not None and cs.pattern.startswith(("(?=", "(?<", "(?!", "\\b")) else None

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
                if self.pre is not None and not pos and endpos >= len(low) >= _PREFILTER_MIN:
                    return self._prefiltered(low)
                if self.bare is not None:
                    return self._named(low, self.bare.finditer(low, pos, endpos))
                return self.cs.finditer(low, pos, endpos)
        return self.ci.finditer(text, pos, endpos)

    def finditer_low(self, text: str, low: str):
        """`finditer` when the caller has lower-cased `text` already."""
        if self.cs is not None and len(low) == len(text):
            if self.pre is not None and len(low) >= _PREFILTER_MIN:
                return self._prefiltered(low)
            if self.bare is not None:
                return self._named(low, self.bare.finditer(low))
            return self.cs.finditer(low)
        return self.ci.finditer(text)

    def search_low(self, text: str, low: str):
        """`search` when the caller has lower-cased `text` already."""
        cs = self.cs
        if cs is not None and len(low) == len(text):
            if self.pre is not None and len(low) >= _PREFILTER_MIN:
                return self._first(low)
            bare = self.bare
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
                if self.bare is not None:
                    return self.bare.fullmatch(low) is not None and self.cs.fullmatch(low) or None
                return self.cs.fullmatch(low)
        return self.ci.fullmatch(text)

    def search(self, text: str, pos: int = 0, endpos: int = 2 ** 62):
        cs = self.cs
        if cs is not None:
            last = _LAST_LOWERED  # the sentence's copy, without a call when it is cached
            low = last[1] if last[0] is text else _lowered(text)
            if low is not None:
                if self.pre is not None and not pos and endpos >= len(low) >= _PREFILTER_MIN:
                    return self._first(low)
                bare = self.bare
                if bare is not None:
                    m = bare.search(low, pos, endpos)
                    return None if m is None else cs.match(low, m.start(), endpos)
                return cs.search(low, pos, endpos)
        return self.ci.search(text, pos, endpos)


def _dispatched(lp: LowPattern, parts: list[str]) -> None:
    """Give `lp` (a word-start lookbehind then the alternation of `parts`) a bare twin that
    groups the entries by the letter they start with, keeping their order within a letter:
    at any position only the entries that can start there are tried, and the first of them
    that matches is the one the plain alternation would have taken."""
    marker = r"(?<![\w'’])(?:"
    if lp.bare is None:
        return
    pat = lp.bare.pattern
    i = pat.find(marker)
    bare_parts = [re.sub(r"\(\?P<\w+>", "(?:", q) for q in parts]
    if i < 0 or pat[i + len(marker):] != "|".join(bare_parts) + ")":
        return
    try:
        from re import _parser
        sets = [_first_chars(_parser.parse(q, re.UNICODE)) for q in bare_parts]
    except Exception:  # noqa: BLE001 - private parser API: keep the plain twin
        return
    if not sets or any(c is None or "" in c for c in sets):
        return
    groups = ["(?=%s)(?:%s)" % (re.escape(ch), "|".join(q for q, c in zip(bare_parts, sets) if ch in c))
              for ch in sorted(set().union(*sets))]
    lp.bare = re.compile(pat[:i] + r"(?<![\w'’])(?:" + "|".join(groups) + ")", re.UNICODE)


def _fast(ci: re.Pattern) -> LowPattern:
    """`ci` with its case-sensitive twin when its text allows one."""
    body = re.sub(r"^\(\?=\[[^\]]*\]\)", "", ci.pattern).replace("[lLdD]", "")
    return LowPattern(ci, _low(body, ci.pattern))


def _wb(pattern: str) -> str:
    return _gate(pattern) + r"(?<![\w'’])(?:" + pattern + r")(?![\w])"


def _wb_names(pattern: str) -> str:
    """Word boundaries for proper names, which may follow an elided article: "l'ISW",
    "de l'Ukraine", "d'Israël"."""
    return _gate(pattern) + r"(?<![\w])(?:(?<=\b[lLdD]['’])|(?<!['’]))(?:" + pattern + r")(?![\w])"


class Lexicon:
    """Compiled cues of one language (plus the shared ones)."""

    def __init__(self, code: str, mod: ModuleType) -> None:
        self.code = code
        self.mod = mod
        self.word_numbers: dict[str, float] = {k.lower(): v for k, v in mod.WORD_NUMBERS.items()}
        self.scales: dict[str, float] = {k.lower().rstrip("."): v for k, v in mod.SCALES.items()}
        # Tens and units written as one number ("thirty-eight", "achtunddreißig"), from the
        # language's own tens and unit words; tried before the single words.
        tens = {w: v for w, v in self.word_numbers.items() if v in range(20, 100, 10) and " " not in w}
        units = {w: v for w, v in self.word_numbers.items() if v in range(1, 10) and " " not in w}
        template = getattr(mod, "COMPOUND_NUMBER", "")
        self._tens, self._units = tens, units
        self._compound_re = re.compile(
            template.replace("{tens}", "(?P<t>" + _words(tens) + ")").replace("{units}", "(?P<u>" + _words(units) + ")"),
            _FLAGS) if template and tens and units else None
        compound = template.replace("{tens}", "(?:" + _words(tens) + ")").replace(
            "{units}", "(?:" + _words(units) + ")") + "|" if self._compound_re is not None else ""
        self._word_number_body = compound + _words(self.word_numbers)
        self.word_number_re = re.compile(
            r"(?<![\w'’-])(?P<w>" + self._word_number_body + r")(?![\w])", _FLAGS)
        self.scale_re = re.compile(
            r"[ \u00a0]?(?P<scale>" + _words(mod.SCALES) + r")(?![\w])\.?", _FLAGS)
        # Fractions: one named group per entry so the match says which fraction it was.
        self._fraction_values: dict[str, float] = {}
        parts = []
        for i, (pattern, pct) in enumerate(mod.FRACTIONS):
            name = ("most%d" if pct < 0 else "f%d") % i
            self._fraction_values[name] = abs(pct)
            parts.append("(?P<%s>%s)" % (name, pattern))
        self.fraction_re = re.compile(r"(?<![\w-])(?:" + "|".join(parts) + r")(?![\w])", _FLAGS)
        fraction_parts = list(parts)
        self.range_open_re = re.compile(_wb(_alt(mod.RANGE_OPEN)) + r"\s*$", _FLAGS)
        self.range_and_re = re.compile(r"\s*(?:" + _alt(mod.RANGE_AND) + r")\s*", _FLAGS)
        self.range_bare_re = re.compile(r"\s+(?:" + _alt(getattr(mod, "RANGE_BARE", [])) + r")\s+", _FLAGS)
        # Qualifier cues sit immediately before the numeral.
        self.qualifiers: dict[str, str] = {k.lower(): v for k, v in mod.QUALIFIERS.items()}
        self.qualifier_re = re.compile(
            _wb("(?P<q>" + _words(self.qualifiers) + ")") + r"[\s\u00a0]*$", _FLAGS)
        # Verb classes (gain, loss, hold...), before and after the numeral.
        self.cue_classes: list[tuple[str, re.Pattern]] = []
        self.cue_classes_fast: list[tuple[str, LowPattern]] = []
        for cls, items in mod.CUES.items():
            self.cue_classes.append((cls, re.compile(_wb(_alt(items)), _FLAGS)))
            self.cue_classes_fast.append((cls, LowPattern(self.cue_classes[-1][1],
                                                          _low(_alt(items), _wb_low(_alt(items))))))
        # Where any cue starts: one zero-width scan over the lower-cased sentence; each class
        # is then tried only at those positions (see engine.find_cues).
        cue_union = "|".join(_alt(items) for items in mod.CUES.values())
        self.cue_starts = _low(cue_union, r"(?<![\w'’])(?=" + _gate_low(cue_union) + r"(?:" + cue_union + r")(?![\w]))")
        self.cue_classes_cs = [(cls, p.cs) for cls, p in self.cue_classes_fast]
        if any(p is None for _c, p in self.cue_classes_cs):
            self.cue_starts = None
        # The scan's zero-width matches lie where one of the cues' prefixes is written.
        self._cue_prefilter = prefilter_for(re.compile(cue_union, re.UNICODE)) if self.cue_starts is not None else None
        # Which classes can start with a given (lower-case) letter, in class order: the
        # classes gated on other letters cannot match there.
        gates = []
        for _cls, items in mod.CUES.items():
            gate = _gate_low(_alt(items))
            gates.append(None if not gate else set(re.compile("[" + gate[4:-2] + "]").findall(
                "".join(chr(c) for c in range(0x500)) + "".join(chr(c) for c in range(0x2000, 0x2100)))))
        letters = set().union(*(g for g in gates if g is not None))
        self.cue_classes_by_char: dict = {c: tuple(i for i, g in enumerate(gates) if g is None or c in g)
                                          for c in letters}
        self.cue_classes_all = tuple(range(len(gates)))  # any other letter: every class
        self.post_cue_classes: list[tuple[str, re.Pattern]] = []
        for cls, items in mod.POST_CUES.items():
            self.post_cue_classes.append((cls, re.compile(_wb(_alt(items)), _FLAGS)))
        self.distract_after_re = re.compile(r"^\W{0,3}(?:" + _alt(mod.DISTRACT_AFTER) + ")", _FLAGS)
        self.distract_before_re = re.compile("(?:" + _alt(mod.DISTRACT_BEFORE) + r")\W{0,3}$", _FLAGS)
        self.change_by_re = re.compile("(?:" + _alt(getattr(mod, "CHANGE_BY", [])) + r")\W{0,3}$", _FLAGS)
        self.count_distract_before_re = re.compile(
            "(?:" + _alt(getattr(mod, "COUNT_DISTRACT_BEFORE", [])) + r")$", _FLAGS)
        # Units.
        self.area_units = [(re.compile(p, _FLAGS), factor, kind) for p, factor, kind in mod.AREA_UNITS]
        self.percent_re = re.compile(r"^[\s\u00a0]*(?:" + _alt(mod.PERCENT) + r")(?![\w])", _FLAGS)
        self.permille_re = re.compile(r"^[\s\u00a0]*(?:" + _alt(mod.PERMILLE) + r")(?![\w])", _FLAGS)
        self.linear_re = re.compile(r"^[\s\u00a0]*-?(?:" + _alt(mod.LINEAR_UNITS) + r")(?![\w²2])", _FLAGS)
        self.per_day_re = re.compile(r"^[\s\u00a0,]*(?:" + _alt(mod.PER_DAY) + r")(?![\w])", _FLAGS)
        self.settlement_re = re.compile(
            r"^[\s\u00a0]*(?:(?:" + _alt(mod.COUNT_FILLERS) + r")\s+){0,3}(?P<noun>" + _alt(mod.SETTLEMENT_NOUNS) + r")(?![\w])", _FLAGS)
        self.settlement_any_re = re.compile(_wb("(?P<noun>" + _alt(mod.SETTLEMENT_NOUNS) + ")"), _FLAGS)
        self.admin_unit_re = re.compile(
            r"^[\s\u00a0]*(?:(?:" + _alt(mod.COUNT_FILLERS) + r")\s+){0,3}(?P<noun>" + _alt(mod.ADMIN_UNIT_NOUNS) + r")(?![\w])", _FLAGS)
        # One test of whether any unit follows a numeral at all: most numerals (years,
        # counts of people) have none, and then no unit pattern is tried one by one.
        unit_parts = [p for p, _f, _k in mod.AREA_UNITS] + [u.pattern for u in (
            self.percent_re, self.permille_re, self.settlement_re, self.admin_unit_re, self.linear_re)]
        self.unit_any_re = re.compile("|".join("(?:%s)" % re.sub(r"\(\?P<\w+>", "(?:", p) for p in unit_parts), _FLAGS)
        self.of_total_re = re.compile(r"^\s*(?:" + _alt(mod.OF_THE) + r")\s*(?:[\w'’-]+\s+){0,3}$", _FLAGS)
        # Time.
        self.months: dict[str, int] = {k.lower(): v for k, v in mod.MONTHS.items()}
        self.month_alt = _words(self.months)
        # A period phrase starts at a word start ("Myanmar's" holds no "mar's").
        self.periods = [(re.compile(r"(?<![\w'’])(?:" + p.replace("{M}", "(?:" + self.month_alt + ")") + ")", _FLAGS), kind)
                        for p, kind in mod.PERIODS]
        # Which period patterns cannot match without a month name (the month is not inside
        # an optional alternative): a sentence without a month skips them.
        self.period_needs_month = [("{M}" in p and "|(?P<m>{M}))" not in p) for p, _k in mod.PERIODS]
        self.month_any_re = re.compile(_wb(self.month_alt), _FLAGS)
        # Period patterns scanned together: group k<i> says which entry matched and the
        # entry's own groups are renamed g<i>_<name>. At one position the earlier entry wins.
        self.period_kinds = [kind for _p, kind in mod.PERIODS]
        parts = []
        self.period_groups: list[list[tuple[str, str]]] = []  # (combined name, own name)
        for i, (p, _kind) in enumerate(mod.PERIODS):
            self.period_groups.append([("g%d_%s" % (i, g), g) for g in re.findall(r"\(\?P<(\w+)>", p)])
            body = re.sub(r"\(\?P<(\w+)>", lambda m, i=i: "(?P<g%d_%s>" % (i, m.group(1)),
                          p.replace("{M}", "(?:" + self.month_alt + ")"))
            parts.append("(?P<k%d>%s)" % (i, body))
        # The entries split by whether they need a month name: a sentence without one scans
        # only the others.
        month_parts = [q for q, need in zip(parts, self.period_needs_month) if need]
        plain_parts = [q for q, need in zip(parts, self.period_needs_month) if not need]
        self.periods_month_re = re.compile(_gate("|".join(month_parts)) + r"(?<![\w'’])(?:" + ("|".join(month_parts) or "(?!x)x") + ")", _FLAGS)
        self.periods_plain_re = re.compile(_gate("|".join(plain_parts)) + r"(?<![\w'’])(?:" + ("|".join(plain_parts) or "(?!x)x") + ")", _FLAGS)
        body_m, body_p = "|".join(month_parts) or "(?!x)x", "|".join(plain_parts) or "(?!x)x"
        self.periods_month_fast = LowPattern(self.periods_month_re, _low(
            body_m, _gate_low("|".join(month_parts)) + r"(?<![\w'’])(?:" + body_m + ")"))
        self.periods_plain_fast = LowPattern(self.periods_plain_re, _low(
            body_p, _gate_low("|".join(plain_parts)) + r"(?<![\w'’])(?:" + body_p + ")"))
        _dispatched(self.periods_plain_fast, plain_parts)  # (the month entries gained nothing)
        self.month_any_fast = LowPattern(self.month_any_re if hasattr(self, "month_any_re") else
                                         re.compile(_wb(self.month_alt), _FLAGS),
                                         _low(self.month_alt, _wb_low(self.month_alt)))
        self.speech_re = re.compile(_wb(_alt(mod.SPEECH_VERBS)), _FLAGS)
        self.according_re = re.compile(_wb(_alt(mod.ACCORDING_TO)), _FLAGS)
        self.analysis_re = re.compile(_wb(_alt(mod.ANALYSIS_WORDS)), _FLAGS)
        self.precisely_re = re.compile(_wb(_alt(mod.PRECISELY)) + r"\W*$", _FLAGS)
        self.anaphora_re = re.compile(_wb(_alt(mod.TERRITORY_ANAPHORA)), _FLAGS)
        # An unnamed source right before a speech verb: up to three lower-case words and a
        # head noun ("analysts and war bloggers", "the army"), then at most two words.
        self.generic_source_re = re.compile(
            r"(?<![\w'’])(?P<np>(?:(?-i:[a-zà-ÿа-яіїєґ][\w'’-]*)\s+){0,3}?(?:(?-i:[A-ZА-ЯІЇЄҐ][\w'’-]*)\s+)?(?P<head>" + _alt(getattr(mod, "GENERIC_SOURCES", [])) +
            r"))\s+(?:[\w'’]+\s+){0,2}$", _FLAGS)
        # An unnamed source right after "according to": determiner, up to two words, a head
        # noun, up to two words ("d'un cartographe anonyme", "Western officials").
        self.source_nouns = {k.lower(): v for k, v in getattr(mod, "SOURCE_NOUNS", {}).items()}
        self.source_adjectives = {k.lower(): v for k, v in getattr(mod, "SOURCE_ADJECTIVES", {}).items()}
        word = r"[^\W\d_][\w'’-]*"
        self.unnamed_source_re = re.compile(
            r"\s*(?:(?:" + _alt(getattr(mod, "SOURCE_BRIDGE", [])) + r")(?:(?<=['’])|(?![\w]))\s*)?"
            r"(?:(?:" + _alt(getattr(mod, "SOURCE_DETERMINERS", [])) + r")(?:\s+|(?<=['’])))?"
            r"(?<![\w])(?P<pre>(?:" + word + r"\s+){0,2}?)(?P<head>" + _words(self.source_nouns) + r")(?![\w])(?:['’]s)?"
            r"(?P<post>(?:\s+" + word + r"){0,2})", _FLAGS)
        self.post_qualifiers = {k.lower(): v for k, v in getattr(mod, "POST_QUALIFIERS", {}).items()}
        self.post_qualifier_re = re.compile(r"^[\s\u00a0]*(?P<q>" + _words(self.post_qualifiers) + r")(?![\w])", _FLAGS)
        self.same_figure_re = re.compile(_wb(_alt(getattr(mod, "SAME_FIGURE", []))), _FLAGS)
        self.outlet_calc_re = re.compile(_wb(_alt(getattr(mod, "OUTLET_CALC", []))), _FLAGS)
        self.weekdays: dict[str, int] = {k.lower(): v for k, v in getattr(mod, "WEEKDAYS", {}).items()}
        self.weekday_re = re.compile(_wb(_words(self.weekdays)), _FLAGS)
        self.weekday_fast = _fast(self.weekday_re)
        self.speaker_pronoun_re = re.compile(_wb(_alt(getattr(mod, "SPEAKER_PRONOUNS", []))), _FLAGS)
        self.country_anaphora_re = re.compile(
            r"^\s*(?:(?:of|de|d['’]|der|van|av|з|i|in|en|dans)\s+)?" + _wb(_alt(getattr(mod, "COUNTRY_ANAPHORA", []))), _FLAGS)
        self.actor_pronoun_re = re.compile(_wb(_alt(mod.SPEAKER_SIDE)), _FLAGS)
        self.actors = [(re.compile(_wb(p), _FLAGS), canon) for p, canon in mod.ACTORS + common.ACTORS]
        # One scan for all actor names; the group number says which entry matched.
        # The word boundaries are written once around the alternation, so a position inside
        # a word fails at the first test instead of once per entry.
        self.actor_all_re = re.compile(
            _wb("|".join("(?P<a%d>%s)" % (i, p) for i, (p, _c) in enumerate(mod.ACTORS + common.ACTORS))), _FLAGS)
        actor_body = "|".join("(?P<a%d>%s)" % (i, p) for i, (p, _c) in enumerate(mod.ACTORS + common.ACTORS))
        self.actor_all_fast = LowPattern(self.actor_all_re, _low(actor_body, _wb_low(actor_body)))
        self.stopwords = frozenset(w.lower() for w in mod.STOPWORDS)
        # Read through their lower-cased twins (the callers use spans, or group texts only
        # case-insensitively).
        for name in ("distract_after_re", "distract_before_re", "change_by_re", "count_distract_before_re",
                     "anaphora_re", "country_anaphora_re", "outlet_calc_re", "qualifier_re", "of_total_re",
                     "precisely_re"):
            setattr(self, name, _fast(getattr(self, name)))
        self.post_cue_classes = [(cls, _fast(p)) for cls, p in self.post_cue_classes]
        # Twins over the lower-cased sentence where only the spans are read.
        self.speech_fast = LowPattern(self.speech_re, _low(_alt(mod.SPEECH_VERBS), _wb_low(_alt(mod.SPEECH_VERBS))))
        self.according_fast = LowPattern(self.according_re, _low(_alt(mod.ACCORDING_TO), _wb_low(_alt(mod.ACCORDING_TO))))
        self.analysis_fast = LowPattern(self.analysis_re, _low(_alt(mod.ANALYSIS_WORDS), _wb_low(_alt(mod.ANALYSIS_WORDS))))
        self.fraction_fast = LowPattern(self.fraction_re, _low(
            "|".join(fraction_parts), r"(?<![\w-])(?:" + "|".join(fraction_parts) + r")(?![\w])"))
        words = self._word_number_body
        self.word_number_fast = LowPattern(self.word_number_re, _low(
            words, r"(?<![\w'’-])(?P<w>" + words + r")(?![\w])"))
        nouns = _alt(mod.SETTLEMENT_NOUNS)
        self.settlement_any_fast = LowPattern(self.settlement_any_re, _low(nouns, _wb_low("(?P<noun>" + nouns + ")")))

    def cue_positions(self, low: str) -> list[int]:
        """Where a cue starts in the lower-cased sentence `low`: the offsets at which
        `cue_starts` matches, as its scan finds them (needs `cue_starts`)."""
        starts = self.cue_starts
        if self._cue_prefilter is not None and len(low) >= _PREFILTER_MIN:
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


_CACHE: dict[str, Lexicon] = {code: Lexicon(code, mod) for code, mod in _MODULES.items()}

TERRITORIES = [(re.compile(_wb(p), _FLAGS), canon, level) for p, canon, level in common.TERRITORIES]
SOURCES = [(re.compile(_wb(p), _FLAGS), canon, kind) for p, canon, kind in common.SOURCES]
# All sources in one scan (group s<i> says which entry matched), and one full-match test.
SOURCES_ALL = re.compile(_wb_names("|".join(
    "(?P<s%d>%s)" % (i, p) for i, (p, _c, _k) in enumerate(common.SOURCES))), _FLAGS)
# The lower-cased twin leaves out the entries that are case-sensitive ("UN said", "ООН"),
# scanned apart by SOURCES_CASED.
_SOURCE_CASED = {i for i, (p, _c, _k) in enumerate(common.SOURCES) if "(?-i" in p}
_SOURCES_LOW_BODY = "|".join("(?P<s%d>%s)" % (i, "(?!x)x" if i in _SOURCE_CASED else p)
                             for i, (p, _c, _k) in enumerate(common.SOURCES))
SOURCES_FAST = LowPattern(SOURCES_ALL, _low(_SOURCES_LOW_BODY, _wb_names_low(_SOURCES_LOW_BODY)))
SOURCES_CASED = re.compile(_wb_names("|".join("(?P<s%d>%s)" % (i, p) for i, (p, _c, _k) in enumerate(common.SOURCES)
                                              if i in _SOURCE_CASED) or "(?!x)x"), _FLAGS)
_SOURCES_FULL_LOW = "|".join("(?:%s)" % p for i, (p, _c, _k) in enumerate(common.SOURCES) if i not in _SOURCE_CASED)
_SOURCES_FULL_CASED = re.compile("|".join("(?:%s)" % p for i, (p, _c, _k) in enumerate(common.SOURCES)
                                           if i in _SOURCE_CASED) or "(?!x)x", _FLAGS)
SOURCES_FULL_FAST = LowPattern(re.compile("(?:" + _SOURCES_FULL_LOW + ")", _FLAGS),
                               _low(_SOURCES_FULL_LOW, "(?:" + _SOURCES_FULL_LOW + ")"))


def is_source_name(text: str) -> bool:
    """Is `text` as a whole the name of a known source (SOURCES_FULL.fullmatch)?"""
    return SOURCES_FULL_FAST.fullmatch(text) is not None or _SOURCES_FULL_CASED.fullmatch(text) is not None


SOURCES_FULL = re.compile("(?:" + "|".join("(?:%s)" % p for p, _c, _k in common.SOURCES) + ")", _FLAGS)
TERRITORIES_ALL = re.compile(_wb_names("|".join(
    "(?P<t%d>%s)" % (i, p) for i, (p, _c, _l) in enumerate(common.TERRITORIES))), _FLAGS)
_TERRITORY_BODY = "|".join("(?P<t%d>%s)" % (i, p) for i, (p, _c, _l) in enumerate(common.TERRITORIES))
TERRITORIES_FAST = LowPattern(TERRITORIES_ALL, _low(_TERRITORY_BODY, _wb_names_low(_TERRITORY_BODY)))
_TOWN_BODY = "|".join("(?P<w%d>%s)" % (i, p) for i, (p, _c, _r) in enumerate(common.TOWNS))
TOWNS = [(canon, region) for _p, canon, region in common.TOWNS]
TOWNS_FAST = LowPattern(re.compile(_wb_names(_TOWN_BODY), _FLAGS), _low(_TOWN_BODY, _wb_names_low(_TOWN_BODY)))
# Where a town name can stand for the area around it: right after "around", "near", "rond"...
# Scanning for these few words first spares a scan for every town name.
_NEAR_BODY = r"(?:" + common.NEAR_TOWN + r")\s+(?:the\s+(?:town|city)\s+of\s+)?"
NEAR_TOWN_THEN_NAME = LowPattern(re.compile(r"(?<![\w'’])(?:" + _NEAR_BODY + ")", _FLAGS),
                                 _low(_NEAR_BODY, _gate_low(_NEAR_BODY) + r"(?<![\w'’])(?:" + _NEAR_BODY + ")"))
FOCUS_BEFORE = _fast(re.compile(r"(?<![\w])(?:" + common.FOCUS_BEFORE + r")\s+(?:[\w'’-]+\s+){0,4}$", _FLAGS))
_OFFICIAL_NAMES_ALL = re.compile("|".join("(?P<o%d>%s)" % (i, p) for i, (p, _n) in enumerate(common.OFFICIAL_NAMES)),
                                 _FLAGS)
_OFFICIAL_CANON = [name for _p, name in common.OFFICIAL_NAMES]


# The same names without their optional first word, read on lower-cased text: a quick test
# that spares the full one for every other capitalised run.
_OFFICIAL_STEMS = re.compile("|".join("(?:%s)" % p.replace("(?:[\\w'’]+\\s+)?", "", 1)
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


OFFICIALS_RE = re.compile(_wb("|".join("(?P<o%d>%s)" % (i, p) for i, (p, _s) in enumerate(common.OFFICIALS))), _FLAGS)
OFFICIAL_SIDES = [side for _p, side in common.OFFICIALS]
TITLE_WORDS = frozenset(w.lower() for w in common.TITLE_WORDS)
ORG_WORDS = frozenset(w.lower() for w in common.ORG_WORDS)


def lexicon_for(language: str | None) -> Lexicon:
    """The lexicon of `language`, English when unknown."""
    return _CACHE.get((language or "en").lower()[:2], _CACHE["en"])
