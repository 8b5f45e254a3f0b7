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

_MODULES: dict[str, ModuleType] = {"en": en, "fr": fr, "de": de, "nl": nl, "no": no, "uk": uk}
LANGUAGES: tuple[str, ...] = tuple(_MODULES)

_FLAGS = re.IGNORECASE | re.UNICODE


def _alt(items) -> str:
    """A longest-first alternation of regex fragments (fragments may contain regex)."""
    items = sorted(set(items), key=lambda p: (p.count("\\s"), len(p)), reverse=True)
    return "|".join(items) if items else "(?!x)x"


def _words(items) -> str:
    """A longest-first alternation of literal phrases, spaces matching any whitespace."""
    frags = [re.escape(w).replace(r"\ ", r"\s+") for w in items]
    return _alt(frags)


def _wb(pattern: str) -> str:
    return r"(?<![\w'’])(?:" + pattern + r")(?![\w])"


class Lexicon:
    """Compiled cues of one language (plus the shared ones)."""

    def __init__(self, code: str, mod: ModuleType) -> None:
        self.code = code
        self.mod = mod
        self.word_numbers: dict[str, float] = {k.lower(): v for k, v in mod.WORD_NUMBERS.items()}
        self.scales: dict[str, float] = {k.lower().rstrip("."): v for k, v in mod.SCALES.items()}
        self.word_number_re = re.compile(
            r"(?<![\w'’-])(?P<w>" + _words(self.word_numbers) + r")(?![\w])", _FLAGS)
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
        self.range_open_re = re.compile(_wb(_alt(mod.RANGE_OPEN)) + r"\s*$", _FLAGS)
        self.range_and_re = re.compile(r"\s*(?:" + _alt(mod.RANGE_AND) + r")\s*", _FLAGS)
        # Qualifier cues sit immediately before the numeral.
        self.qualifiers: dict[str, str] = {k.lower(): v for k, v in mod.QUALIFIERS.items()}
        self.qualifier_re = re.compile(
            _wb("(?P<q>" + _words(self.qualifiers) + ")") + r"[\s\u00a0]*$", _FLAGS)
        # Verb classes (gain, loss, hold...), before and after the numeral.
        self.cue_classes: list[tuple[str, re.Pattern]] = []
        for cls, items in mod.CUES.items():
            self.cue_classes.append((cls, re.compile(_wb(_alt(items)), _FLAGS)))
        self.post_cue_classes: list[tuple[str, re.Pattern]] = []
        for cls, items in mod.POST_CUES.items():
            self.post_cue_classes.append((cls, re.compile(_wb(_alt(items)), _FLAGS)))
        self.distract_after_re = re.compile(r"^\W{0,3}(?:" + _alt(mod.DISTRACT_AFTER) + ")", _FLAGS)
        self.distract_before_re = re.compile("(?:" + _alt(mod.DISTRACT_BEFORE) + r")\W{0,3}$", _FLAGS)
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
        self.of_total_re = re.compile(r"^\s*(?:" + _alt(mod.OF_THE) + r")\s*(?:[\w'’-]+\s+){0,3}$", _FLAGS)
        # Time.
        self.months: dict[str, int] = {k.lower(): v for k, v in mod.MONTHS.items()}
        self.month_alt = _words(self.months)
        self.periods = [(re.compile(p.replace("{M}", "(?:" + self.month_alt + ")"), _FLAGS), kind)
                        for p, kind in mod.PERIODS]
        self.speech_re = re.compile(_wb(_alt(mod.SPEECH_VERBS)), _FLAGS)
        self.according_re = re.compile(_wb(_alt(mod.ACCORDING_TO)), _FLAGS)
        self.analysis_re = re.compile(_wb(_alt(mod.ANALYSIS_WORDS)), _FLAGS)
        self.precisely_re = re.compile(_wb(_alt(mod.PRECISELY)) + r"\W*$", _FLAGS)
        self.anaphora_re = re.compile(_wb(_alt(mod.TERRITORY_ANAPHORA)), _FLAGS)
        self.actor_pronoun_re = re.compile(_wb(_alt(mod.SPEAKER_SIDE)), _FLAGS)
        self.actors = [(re.compile(_wb(p), _FLAGS), canon) for p, canon in mod.ACTORS + common.ACTORS]
        # One scan for all actor names; the group number says which entry matched.
        self.actor_all_re = re.compile(
            "|".join("(?P<a%d>%s)" % (i, pat.pattern) for i, (pat, _c) in enumerate(self.actors)), _FLAGS)
        self.stopwords = frozenset(w.lower() for w in mod.STOPWORDS)

    def word_value(self, word: str) -> float | None:
        return self.word_numbers.get(re.sub(r"\s+", " ", word.lower()))

    def fraction_value(self, group: str) -> float | None:
        return self._fraction_values.get(group)


_CACHE: dict[str, Lexicon] = {code: Lexicon(code, mod) for code, mod in _MODULES.items()}

TERRITORIES = [(re.compile(_wb(p), _FLAGS), canon, level) for p, canon, level in common.TERRITORIES]
SOURCES = [(re.compile(_wb(p), _FLAGS), canon, kind) for p, canon, kind in common.SOURCES]
TITLE_WORDS = frozenset(w.lower() for w in common.TITLE_WORDS)
ORG_WORDS = frozenset(w.lower() for w in common.ORG_WORDS)


def lexicon_for(language: str | None) -> Lexicon:
    """The lexicon of `language`, English when unknown."""
    return _CACHE.get((language or "en").lower()[:2], _CACHE["en"])
