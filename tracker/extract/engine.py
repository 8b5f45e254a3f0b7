"""The grammar that turns sentences into claims.

For each sentence that holds a number:
1. numerals (numbers.py) and what each measures (units.py); a conversion in parentheses or
   after "or" joins its figure; a bare number in an enumeration ("379 in April") takes the
   unit of the figure before it;
2. distractors leave: linear units, comparisons ("44% less"), someone else's share ("of the
   population", "of November's gains"), total and comparison areas ("size of", "covering");
3. the governing cue: a passive or predicate right after the figure ("was in Russian hands"),
   else the nearest verb class to its left (gain, regain, loss, hold, net, evacuation...);
4. metric from the measure and the cue; actor from the subject of the cue (or the holder
   named inside a predicate, or the side of the official who speaks); territory from
   "of X"/"in X" after the figure (not past "with", "including", "while"), a fronted
   locative or compass point, an anaphor ("there", "the region"), or the conflict's
   country; time from the nearest phrase of the figure's own clause (periods.py), the
   statement day ("said on Tuesday") closing open periods; qualifier from the cue right
   before the number; attribution from the sentence, else carried over: a producer's or an
   analysis's for the sentences that follow, a person's only while speech is reported,
   otherwise the outlet behind the page (attribution.py).
Restatements of one figure in a document are merged at the end.

The work per document is linear: one pass over the sentences, bounded work per sentence
(at most MAX_NUMERALS figures, MAX_SENTENCE characters) and per claim.
"""

from __future__ import annotations

import functools
import re
from collections import Counter
from dataclasses import dataclass, field
from datetime import date

from tracker.extract import periods as P
from tracker.extract.attribution import Attribution, PeopleRegistry, find_attribution
from tracker.extract.lazyre import lazy_compile
from tracker.extract.lexicon import (FOCUS_BEFORE, NEAR_TOWN_THEN_NAME, OFFICIAL_SIDES, OFFICIALS_RE, TERRITORIES,
                                     TERRITORIES_ALL, TERRITORIES_FAST, TOWNS, TOWNS_FAST, Lexicon, LowPattern, _fast,
                                     lexicon_for)
from tracker.extract.numbers import Numeral, find_numerals
from tracker.extract.text import clean, guess_language, split_sentences
from tracker.extract.units import (Measure, conversion_consistent, is_conversion_gap,
                                   miles_to_km2, read_measure)
from tracker.model import Claim, Document, is_flow, may_be_dated_as_stock

MAX_SENTENCE = 5000  # longer "sentences" are markup or junk; read only their start
MAX_NUMERALS = 60  # per sentence

_HAS_NUMBERISH = lazy_compile(r"\d|%")
_DIGIT = lazy_compile(r"\d")
_SPACES = lazy_compile(r"\s+")


@functools.lru_cache(maxsize=None)
def _long_months(code: str) -> re.Pattern:
    """The month names of a language longer than three letters, as whole words."""
    names = sorted((mo for mo in lexicon_for(code).months if len(mo) > 3), key=len, reverse=True)
    return re.compile(r"\b(?:" + "|".join(re.escape(mo) for mo in names) + r")\b") if names else re.compile(r"(?!x)x")

CONFLICT_CUES = {
    "russia-ukraine": r"ukrain\w*|russ\w*|rusland\w*|kyiv|kiev|kremlin|moscow|moskau|moscou|moskou|moskva|donetsk|"
                      r"donbas\w*|україн\w*|росі\w*|oekraï\w*|ukraina\w*",
    "israel-gaza": r"gaza\w*|hamas|газ[аи]",
    "israel-lebanon": r"leban\w*|liban\w*|hezbollah|unifil|blue\s+line",
    "syria": r"syria\w*|syrie\w*|aleppo|idlib|hts|assad|golan|hama",
    "sudan": r"sudan\w*|soudan|rsf|darfur|khartoum|kordofan",
    "myanmar": r"myanmar|junta|townships?|arakan|rakhine|burma",
    "drc": r"congo|rdc|drc|m23|kivu|goma|rutshuru",
}
_CONFLICT_NAMES = list(CONFLICT_CUES)
_CONFLICT_ALL = lazy_compile(r"(?<!\w)(?:" + "|".join("(?P<k%d>%s)" % (i, CONFLICT_CUES[k]) for i, k in enumerate(_CONFLICT_NAMES))
                           + r")(?!\w)", re.I)
_CONFLICT_FAST = LowPattern(_CONFLICT_ALL, lazy_compile(_CONFLICT_ALL.pattern))

COUNTRY_OF_CONFLICT = {
    "russia-ukraine": "Ukraine", "israel-gaza": "Gaza Strip", "israel-lebanon": "Lebanon",
    "syria": "Syria", "sudan": "Sudan", "myanmar": "Myanmar", "drc": "DR Congo",
}
DEFAULT_ACTOR = {"russia-ukraine": "Russia", "israel-gaza": "Israel", "israel-lebanon": "Israel"}
OPPONENT = {
    "Russia": "Ukraine", "Ukraine": "Russia", "Myanmar junta": "Myanmar resistance forces",
    "Myanmar resistance forces": "Myanmar junta", "RSF": "SAF", "SAF": "RSF", "FARDC": "M23", "M23": "FARDC",
    "Syrian government forces": "HTS-led opposition", "HTS-led opposition": "Syrian government forces",
}
DEMONYM = {"Russia": "Russian", "Ukraine": "Ukrainian", "Israel": "Israeli", "Myanmar junta": "Myanmar",
           "SAF": "Sudanese", "Syrian government forces": "Syrian", "FARDC": "Congolese"}
PLACEHOLDERS = {
    "ENEMY": {"russia-ukraine": "Russia", "israel-gaza": "Hamas"},
    "ARMY": {"sudan": "SAF", "syria": "Syrian government forces", "myanmar": "Myanmar junta",
             "israel-gaza": "Israel", "israel-lebanon": "Israel", "drc": "FARDC"},
    "REGIME": {"myanmar": "Myanmar junta", "syria": "Syrian government forces"},
    "OPPOSITION": {"syria": "HTS-led opposition", "myanmar": "Myanmar resistance forces"},
    "REBELS": {"drc": "M23", "syria": "HTS-led opposition", "myanmar": "Myanmar resistance forces"},
}
_TERRITORY_NOUN = lazy_compile(
    r"^(?:'s|’s)?\s*(?:\w+\s+)?(?:territory|territories|land|soil|area|region|oblast|border|regions|"
    r"grondgebied|gebied|territoire|territorium|bodens?|gebiet\w*|territori\w*|земл\w*|земел\w*|територ\w*|"
    r"jord|areal|landet|sol|terres?|grond|ground)\b", re.I)
_OF_WORDS = lazy_compile(r"^\s*(?:of|de|du|des|d['’]|der|des|van|av|з|від|из|daarvan)\b", re.I)
_OF_PREVIOUSLY_HELD = lazy_compile(
    r"^\s*(?:of\s+)?(?:it|what|the\s+(?:land|territory|area|ground)\s+(?:\w+\s+){0,3}(?:seized|captured|grabbed|occupied|took|taken|controlled|held|had\s+occupied|first\s+occupied)|"
    r"(?:of\s+)?what\s+\w+\s+(?:had\s+)?(?:first\s+)?(?:seized|captured|occupied|took)|daarvan|davon|de\s+celui|dont)", re.I)
_OWN_TERRITORY = lazy_compile(r"^\s*(?:of|de|du|der|van|av)\s+(?:its|son|sa|ses|their|zijn|hun|sitt|seines|ihres)\b", re.I)
_CLAUSE_BREAK = lazy_compile(r";|:|\s[–—]\s")
_SEMICOLON = lazy_compile(r";")
_RELATIVE_HOLD = lazy_compile(r"^\s*(?:\w+\s+){0,4}(?:that|which|qui|die|dat|som)\s+(?:it|they|\w+)?\s*(?:\w+\s+)?(?:initially|first|originally|had)?\s*(?:controlled|held|occupied|seized|captured)", re.I)
_DIRECTION = lazy_compile(  # the lookahead: where such a name can start at all ("the", a capital)
    r"(?=[tA-ZÀ-ÖØ-ÞА-ЯІЇЄҐ])(?<!\w)(?:the\s+)?(?P<name>[A-ZÀ-ÖØ-ÞА-ЯІЇЄҐ][\w'’-]+)\s+(?P<kind>axis|direction|sector|front|district|area|напрямк\w*|напрям\w*|richting|Richtung|secteur)\b")
_OF_THEM = lazy_compile(r"^\s*(?:of\s+them|of\s+which|d['’]entre\s+eux|davon|daarvan|av\s+dem)\b", re.I)
_ANOTHER = lazy_compile(r"(?:another|a\s+further|weitere|encore|nog|ytterligere|ще)\s+$", re.I)
# ", some 125,000 km²" or "of Ukraine, an estimated 120,000 km²": the figure restated.
_APPOSITION = lazy_compile(
    r"^\s*(?:(?:of|de|du|der|van|av)\s+(?:the\s+|la\s+|le\s+|l['’]|die\s+|het\s+)?[\w'’-]+(?:\s+[\w'’-]+){0,2}\s*)?"
    r"(?:,|\(|,?\s*(?:or|soit|oder|of|eller|або|i\.e\.))\s*$", re.I)
_NOT_BARE_AFTER = lazy_compile(r"^\s*(?:[-–]\s*)?(?:years?|days?|months?|weeks?|hours?|times|people|ans|jahre|jaar|år|років|днів)\b", re.I)


@dataclass
class Mention:
    num: Numeral
    measure: Measure
    start: int
    end: int
    value: float | None = None
    value_original: float | None = None
    unit_original: str = ""
    alt_value: float | None = None
    alt_unit: str = ""
    value_min: float | None = None
    value_max: float | None = None
    qualifier: str = "exact"
    qualifier_text: str = ""
    qualifier_start: int = 0
    flags: set = field(default_factory=set)
    inherited: bool = False
    denominator: bool = False
    precise: bool = False
    held_end: int = -2  # end of "of the land X seized" after the figure: -1 none, -2 not read yet
    cue_class: str = ""  # class of the cue the rules found governing the figure (for the learned layer)


def _previously_held_end(sentence: str, m: Mention) -> int | None:
    """Where "of the land Ukraine captured" (a previously seized area) ends after the figure,
    read once per figure."""
    if m.held_end == -2:
        held = _OF_PREVIOUSLY_HELD.match(sentence[m.end:m.end + 120])
        m.held_end = m.end + held.end() if held else -1
    return None if m.held_end < 0 else m.held_end


@dataclass
class DocState:
    lex: Lexicon
    conflict: str
    time: P.TimeContext
    people: PeopleRegistry
    last_actor: str = ""
    last_territory: str = ""
    last_metric_class: str = ""
    prev_subject: str = ""  # first agentive actor of the sentence before the current one
    speaker_side: str = ""  # side of the official the current sentence's figures come from
    captors: bool = False  # an earlier sentence reports towns or villages being captured
    prev_attr: list = field(default_factory=list)  # index of the nearest earlier attribution
    subjects: list = field(default_factory=list)
    attributions: list = field(default_factory=list)


def guess_conflict(text: str) -> str:
    """The conflict most of the document's place and actor names point to."""
    sample = text[:50000]
    counts = dict.fromkeys(CONFLICT_CUES, 0)
    for m in _CONFLICT_FAST.finditer(sample):
        counts[_CONFLICT_NAMES[int(m.lastgroup[1:])]] += 1
    best = max(counts, key=lambda k: counts[k])
    return best if counts[best] else ""


# ---------------------------------------------------------------- mentions

def _normalise(m: Mention) -> None:
    """Fill the normalised value from the measure (km² for areas, percent for shares)."""
    meas, num = m.measure, m.num
    if num.is_range:
        lo, hi = num.range_min, num.range_max
        factor = meas.km2_per_unit if meas.kind == "area" else (0.1 if meas.kind == "permille" else 1.0)
        m.value = None
        m.value_min, m.value_max = round(lo * factor, 6), round(hi * factor, 6)
        m.value_original = None
        m.qualifier, m.qualifier_text = "range", num.extras.get("range_open", "")
        return
    if meas.kind == "area":
        m.value = miles_to_km2(num.value) if meas.unit_kind == "mi2" else round(num.value * meas.km2_per_unit, 6)
    elif meas.kind == "permille":
        m.value = round(num.value / 10.0, 6)
    else:
        m.value = num.value
    if num.fraction:
        m.value_original = num.fraction_original
    else:
        m.value_original = num.value
    m.unit_original = meas.unit_text


def build_mentions(sentence: str, lex: Lexicon) -> list[Mention]:
    nums = find_numerals(sentence, lex.code)[:MAX_NUMERALS]
    measures = [read_measure(sentence, n, lex) for n in nums]
    mentions: list[Mention] = []
    i = 0
    while i < len(nums):
        n, meas = nums[i], measures[i]
        m = Mention(n, meas, n.start, meas.end)
        _normalise(m)
        if meas.kind == "area" and i + 1 < len(nums) and measures[i + 1].kind in ("area", "linear"):
            alt_n, alt_meas = nums[i + 1], measures[i + 1]
            if is_conversion_gap(sentence[meas.end:alt_n.start]) and alt_meas.unit_kind != meas.unit_kind:
                m.end = alt_meas.end
                close = re.match(r"\s*\)", sentence[m.end:m.end + 4])
                if close:
                    m.end += close.end()
                if meas.unit_kind == "mi2" and alt_meas.unit_kind == "km2":
                    # Miles first, km² in parentheses: the km² figure is the value.
                    m.value = alt_n.value
                    m.alt_value, m.alt_unit = alt_n.value, alt_meas.unit_text
                else:
                    m.alt_value, m.alt_unit = alt_n.value, alt_meas.unit_text
                    if alt_meas.kind == "linear":
                        m.flags.add("unit_mismatch")  # "(1,500 miles)" for an area
                    elif m.value is not None and not conversion_consistent(
                            m.value, alt_n.value, alt_meas.km2_per_unit):
                        m.flags.add("unit_mismatch")
                if meas.unit_kind == "mi2" and alt_meas.unit_kind == "km2" and m.value_original:
                    if not conversion_consistent(alt_n.value, m.value_original, meas.km2_per_unit):
                        m.flags.add("unit_mismatch")
                mentions.append(m)
                i += 2
                continue
        mentions.append(m)
        i += 1
    _inherit_units(sentence, mentions, lex)
    # "around 58 percent of Syria's 185,180 square kilometres": the area is the whole the
    # share is of, no claim of its own.
    for share, whole in zip(mentions, mentions[1:]):
        if share.measure.kind in ("pct", "fraction") and whole.measure.kind == "area" and \
                _OF_WHOLE_AREA.fullmatch(sentence[share.end:whole.qualifier_start or whole.start]):
            whole.denominator = True
    return mentions


_OF_WHOLE_AREA = lazy_compile(r"\s*(?:of|de|du|des|von|van|av|з)\s+(?:the\s+|its\s+|their\s+|la\s+|le\s+|l['’]|der\s+|des\s+)?"
                            r"(?:[\w-]+(?:'s|’s)\s+)?(?:total\s+|entire\s+|whole\s+)?", re.I)


def _inherit_units(sentence: str, mentions: list[Mention], lex: Lexicon) -> None:
    """Bare numbers in enumerations and 'X of the Y unit' take the unit written nearby."""
    for idx, m in enumerate(mentions):
        if m.measure.kind != "none" or m.num.in_words and not m.num.value:
            continue
        v = m.num.value
        if 1900 <= v <= 2100 and float(v).is_integer() and not m.num.text[:1] == "0":
            continue  # a year
        after = sentence[m.end:m.end + 40]
        if _NOT_BARE_AFTER.match(after):
            continue
        nxt = mentions[idx + 1] if idx + 1 < len(mentions) else None
        measured = [o for o in mentions[:idx] if o.measure.kind != "none"]
        prev = measured[-1] if measured else None
        # "about 800 of the 1,376 square kilometers", "107 of Myanmar's 330 townships"
        if nxt and nxt.measure.kind in ("area", "settlements", "units", "pct") and \
                lex.of_total_re.match(sentence[m.end:nxt.start]):
            _adopt(m, nxt.measure)
            nxt.denominator = not _RELATIVE_HOLD.match(sentence[nxt.end:nxt.end + 80])
            continue
        # "Of the country's 330 townships, 198 are ...": the set is named first.
        if prev and prev.measure.kind in ("settlements", "units") and \
                _FRONTED_OF.search(sentence, max(0, prev.start - 40), prev.start) and \
                re.fullmatch(r"\s*,\s*", sentence[prev.end:m.start]):
            _adopt(m, prev.measure)
            prev.denominator = True
            continue
        # "nearly 5,000 square kilometres, more precisely 4,900"
        before = sentence[max(0, m.start - 30):m.start]
        if prev and prev.measure.kind in ("area", "pct") and lex.precisely_re.search(before):
            _adopt(m, prev.measure)
            m.precise = True
            continue
        # "48 townships and ... another 86"
        if prev and prev.measure.kind in ("settlements", "units", "area") and _ANOTHER.search(before):
            _adopt(m, prev.measure)
            continue
        # "507 square kilometres in May, 379 in April", "320 square kilometres ..., 130 of them"
        if prev and prev.measure.kind in ("area", "pct", "settlements", "units") and m.start - prev.end < 60:
            gap = sentence[prev.end:m.start]
            if _CLAUSE_BREAK.search(gap):
                continue
            time_follows = any(pat.match(after.lstrip()) for pat, kind in lex.periods
                               if kind in ("month", "year", "past_month", "last_month"))
            # "just under 14 square kilometres a day, down from 17 a day in January"
            rate_follows = prev.measure.per_day and lex.per_day_re.match(after)
            if time_follows or rate_follows or _OF_THEM.match(after):
                _adopt(m, prev.measure)
                continue
        # "four groups: 75 taken completely by ..., 98 still held by the regime": the noun
        # of the enumeration is written once, before the colon.
        for cls, pat in lex.post_cue_classes:
            if cls in ("gain", "hold") and pat.match(after.lstrip()):
                nouns = list(lex.settlement_any_re.finditer(sentence, 0, m.start))
                if nouns:
                    noun = nouns[-1].group("noun")
                    _adopt(m, Measure("settlements", noun, m.end, noun=noun))
                break


_FRONTED_OF = lazy_compile(r"(?:^|[,;:]\s*)(?:of|out\s+of|sur|von|van|av|з)\s+(?:the\s+|les\s+|den\s+|de\s+)?(?:[\w'’-]+\s+){0,3}$", re.I)


def _adopt(m: Mention, measure: Measure) -> None:
    shared = Measure(measure.kind, measure.unit_text, m.end, measure.km2_per_unit,
                     measure.unit_kind, measure.per_day, measure.noun)
    m.measure = shared
    m.inherited = True
    _normalise(m)
    m.unit_original = measure.unit_text


# ---------------------------------------------------------------- cues

@dataclass
class Cue:
    start: int
    end: int
    cls: str
    text: str
    post: bool = False


def find_cues(sentence: str, lex: Lexicon) -> list[Cue]:
    raw: list[Cue] = []
    low = sentence.lower()
    if lex.cue_starts is not None and len(low) == len(sentence):
        # Each class as its own left-to-right scan would find it, tried only where some cue
        # starts: a class's next match is its first match at a start past its last end.
        classes = lex.cue_classes_cs
        ends = [0] * len(classes)
        by_char, every = lex.cue_classes_by_char, lex.cue_classes_all
        for pos in lex.cue_positions(low):
            for i in by_char.get(low[pos:pos + 1], every):
                if pos < ends[i]:
                    continue
                cls, pat = classes[i]
                m = pat.match(low, pos)
                if m is not None and m.end() > pos:
                    ends[i] = m.end()
                    raw.append(Cue(pos, m.end(), cls, sentence[pos:m.end()]))
    else:
        for cls, pat in lex.cue_classes_fast:
            for m in pat.finditer_low(sentence, low):
                raw.append(Cue(m.start(), m.end(), cls, sentence[m.start():m.end()]))
    # Longest match wins where cues overlap ("taken back" over "taken").
    raw.sort(key=lambda c: (-(c.end - c.start), c.start))
    kept: list[Cue] = []
    for c in raw:
        if not any(k.start < c.end and c.start < k.end for k in kept):
            kept.append(c)
    kept.sort(key=lambda c: c.start)
    return kept


_POST_STOP = lazy_compile(
    r"\d|[;:]|,\s*(?:and|but|while|whereas|en|maar|og|men|und|aber|et|mais|і|й|та|але|а)\b|,(?=\s*\w+\s+(?:said|says|told))", re.I)
_COORDINATED = lazy_compile(
    r"^\s*(?:,|and|et|und|en|og|і|та|,\s*and)\s*(?!(?:up|down)\s+from|compared|against|after|than|from\b)(?:\w+\s+){0,2}$", re.I)
_RELATIVE_BEFORE = lazy_compile(r"(?:that|which|who|qui|que|die|dat|som|що|der)\s+(?:\w+\s+){0,2}$", re.I)
_CONJ_BREAK = lazy_compile(r",\s+(?:but|maar|aber|mais|men|але|while|whereas|terwijl|während|tandis)\b|;", re.I)
_BROUGHT = r"brought|brachten|brachte|gebracht|brakte|bracht"
_BRING = lazy_compile(r"br(?:ing|ings|inging)|put|placed|" + _BROUGHT, re.I)
_BRING_BEFORE = _fast(lazy_compile(r"(?<![\w'’])(?:" + _BROUGHT + r")(?![\w])[^.;:]*$", re.I))
_FROM_BEFORE = lazy_compile(r"(?:from|von|de|van|fra|від)\s+$", re.I)


_SAID_BEFORE = lazy_compile(
    r"\b(?:said|says|announced|told|reported|wrote|added|claimed|declared|sagte|erklärte|zei|meldde|sa|a\s+déclaré|"
    r"a\s+annoncé|заявив|заявила|повідомив|повідомила)\s+(?:\w+\s+){0,4}$", re.I)
# "has since lost a fifth of it": the adverb opens a period from the moment named before.
_SINCE_ADVERB = lazy_compile(r"\b(?:has|have|had|hat|heeft|har|a|ont)\s+(?:\w+\s+)?(?:since|seitdem|sindsdien|siden|depuis)\b", re.I)
# Phrases that date a statement or a state, not a span of fighting.
_NOT_A_PERIOD = frozenset({"now", "weekday", "date", "peak"})
_AND_CLAUSE = lazy_compile(r",\s*(?:and|а|і|та|et|und|en|og|while|whereas|alors\s+que|während|terwijl|mens)\b", re.I)
_CHANGE_TO = lazy_compile(
    r"\b(?:push(?:ed|es)?|rose|risen|rises|grew|grown|increased|climbed|jumped|went|raised|brought)\s+"
    r"(?:[\w'’]+\s+){0,3}up\s+to\s*$", re.I)
_LAST_MONTH_HINT = lazy_compile(r"\b(?:last|previous|past)\s+month\b|mois\s+dernier|vorigen?\s+monat|"
                              r"vorige\s+maand|forrige\s+måned|минулого\s+місяця|минулий\s+місяць", re.I)
_SO_FAR = lazy_compile(r"\b(?:so\s+far|since\s+then|to\s+date|bisher|depuis|sindsdien|hittil|відтоді)\b", re.I)
_SINCE_EVENT = _fast(lazy_compile(r"\b(?:since|seit|depuis|sinds|siden|від)\b[^.;,]{0,60}$", re.I))
_AFTER_EVENT = _fast(lazy_compile(r"\b(?:after|since|seit|nach|depuis|après|sinds|siden|etter|після|відколи)\b[^.;,]{0,80}$", re.I))
_WITH_BEFORE = lazy_compile(r"\b(?:with|avec|mit|met|med|з)\s+(?:[\w'’.-]+\s+){0,3}$", re.I)


def _mask_parentheses(text: str) -> str:
    """Blank out parenthetical asides so a predicate after them is still 'right after'."""
    if "(" not in text:
        return text
    out, depth = [], 0
    for ch in text:
        if ch == "(":
            depth += 1
        if depth:
            out.append(" ")
        else:
            out.append(ch)
        if ch == ")" and depth:
            depth -= 1
    return "".join(out)


def governing_cue(sentence: str, m: Mention, cues: list[Cue], mentions: list[Mention],
                  lex: Lexicon) -> Cue | None:
    """A predicate right after the figure, else the nearest cue before it."""
    raw = sentence[m.end:m.end + 110]
    window = _mask_parentheses(raw)
    # The predicate belongs to this figure only up to the next figure or clause break.
    stop = _POST_STOP.search(window)
    if stop:
        window = window[:stop.start()]
    post = None
    low_window = window.lower()
    for cls, pat in lex.post_cue_classes:
        pm = pat.search_low(window, low_window)
        masked = sum(1 for a, b in zip(raw[:pm.start()], window[:pm.start()]) if a != b) if pm else 0
        if pm and pm.start() - masked <= 45 and (post is None or pm.start() < post.start - m.end):
            if _RELATIVE_BEFORE.search(window[:pm.start()]):
                continue  # "land that had been held by Russian forces" describes the land
            post = Cue(m.end + pm.start(), m.end + pm.end(), cls, pm.group(0), post=True)
    held_end = _previously_held_end(sentence, m)
    if held_end is not None and post is not None and post.start < held_end:
        post = None  # "10 percent of the area it had seized": the verb is the denominator's
    left = [c for c in cues if c.end <= m.qualifier_start]
    if post is not None and post.cls == "hold_opp" and \
            not _WITH_BEFORE.search(sentence, max(0, m.qualifier_start - 40), m.qualifier_start):
        post = Cue(post.start, post.end, "hold", post.text, post=True)  # "Ukraine has 60 km² left"
    if post is not None:
        # "brought 45,426 km² under Moscow's control" is a gain, not a holding.
        if post.cls == "hold" and (left and _BRING.fullmatch(left[-1].text.strip()) or
                                   _BRING_BEFORE.search(sentence, max(0, m.qualifier_start - 60), m.qualifier_start)):
            return Cue(post.start, post.end, "gain", post.text, post=True)
        return post
    nxt_start = min([o.start for o in mentions if o.start > m.start] + [len(sentence)])
    verb_final = lex.code in ("de", "nl")
    reach = 60 if verb_final else 25
    right = [c for c in cues if c.start >= m.end and c.start - m.end <= reach and c.cls != "distract"
             and c.start < nxt_start and not _CONJ_BREAK.search(sentence[m.end:c.start])
             and (held_end is None or c.start >= held_end)]
    if left:
        nearest = left[-1]
        if right and nearest.cls != "outside" and (_CONJ_BREAK.search(sentence[nearest.end:m.start]) or verb_final and
                      right[0].start - m.end < m.start - nearest.end):
            return right[0]
        return nearest
    if right:
        return right[0]
    if _FROM_BEFORE.search(sentence[max(0, m.qualifier_start - 8):m.qualifier_start]):
        # "from 40.2% in early May, the army has lifted its share to 43%": the actor follows
        later = [c for c in cues if c.start >= m.end and c.cls != "distract" and c.start - m.end <= 80]
        if later:
            return later[0]
    return None


# ---------------------------------------------------------------- actors and places

def _actor_mentions(sentence: str, lex: Lexicon) -> list[tuple[int, int, str]]:
    return list(_actor_mentions_cached(sentence, lex.code))


@functools.lru_cache(maxsize=2048)
def _actor_mentions_cached(sentence: str, code: str) -> tuple:
    lex = lexicon_for(code)
    raw = []
    for am in lex.actor_all_fast.finditer(sentence):
        raw.append((am.start(), am.end(), lex.actors[int(am.lastgroup[1:])][1]))
    raw.sort(key=lambda t: (-(t[1] - t[0]), t[0]))
    kept: list[tuple[int, int, str]] = []
    for t in raw:
        if not any(k[0] < t[1] and t[0] < k[1] for k in kept):
            kept.append(t)
    kept.sort()
    return tuple(kept)


def _resolve_placeholder(canon: str, conflict: str, state: DocState) -> str:
    if canon in PLACEHOLDERS:
        resolved = PLACEHOLDERS[canon].get(conflict)
        if resolved:
            return resolved
        return state.last_actor or DEFAULT_ACTOR.get(conflict, "")
    return canon


_LOCATIVE_BEFORE = lazy_compile(
    r"(?:\b(?:in|into|inside|across|of|from|near|around|to|towards|against|on|op|à|en|dans|vers|im|in|nach|ins|gegen|van|naar|tegen|i|til|mot|fra|av|в|у|на|до|проти|з|із)\s+(?:the\s+|die\s+|der\s+|den\s+|de\s+|het\s+|la\s+|le\s+|les\s+|l['’])?(?:\w+\s+)?)$",
    re.I)


# The head noun of a source ("monitoring group", "Beobachtergruppe", "krant", "генштаб").
_SOURCE_HEAD = (r"(?:\w*(?:gruppe|group|groep|gruppa|gruppen)|monitor\w*|\w*beobacht\w*|observ\w*|analy\w*|officials?|"
                r"\w*beamt\w*|sources?|quellen|bronnen|kilder|джерел\w*|newspapers?|\w*zeitung|\w*krant|avis\w*|journal|"
                r"quotidien|médias?|media|\w*blog\w*|ministr\w*|\w*ministerium\w*|міністерств\w*|intelligence|"
                r"\w*geheimdienst\w*|inlichtingen\w*|etterretning\w*|розвідк\w*|\w*generalstab\w*|generale\s+staf|"
                r"генштаб\w*|état-major|authorities|\w*behörden?|autorités|autoriteiten|myndighet\w*|think[\s-]+tank|"
                r"\w*denkfabrik\w*|expert\w*|eksperter|експерт\w*|site|website|outlet|agency|\w*agentur|agence|"
                r"persbureau|\w*byrå\w*|агентств\w*|видання|моніторинг\w*|аналітик\w*|спостерігач\w*|institut\w*|"
                r"instituut|інститут\w*|"
                # "according to Ukrainian figures": the data's side, not the actor.
                r"angaben|daten|zahlen|schätzungen|data|figures|estimates|données|chiffres|estimations|gegevens|cijfers|"
                r"schattingen|tall|anslag|opplysninger|даних|даними|оцінками|оцінок)")
_SOURCE_HEAD_AFTER = lazy_compile(r"(?:['’]s)?\s+(?:[\w-]+\s+)?" + _SOURCE_HEAD + r"(?!\w)", re.I)
_SOURCE_HEAD_WORD = lazy_compile(r"(?<!\w)" + _SOURCE_HEAD + r"(?!\w)", re.I)
_ACCORDING_BEFORE = lazy_compile(
    r"(?<![\w'’])(?:according\s+to|citing|selon|d['’]après|laut|nach\s+angaben|nach|zufolge|volgens|ifølge|"
    r"за\s+даними|за\s+словами|за\s+оцінками|за\s+підрахунками)\s+(?P<gap>(?:[\w'’-]+\s+){0,3})$", re.I)


def _in_source_phrase(sentence: str, s: int, e: int) -> bool:
    """Is an actor mention part of the source named in an 'according to' adjunct? ("nach
    Angaben der ukrainischen Beobachtergruppe", "selon le groupe ukrainien", "according to
    Russian officials"): the demonym says whose source it is, not who took the ground."""
    am = _ACCORDING_BEFORE.search(sentence, max(0, s - 60), s)
    if am is None:
        return False
    return bool(_SOURCE_HEAD_AFTER.match(sentence, e, e + 50) or _SOURCE_HEAD_WORD.search(am.group("gap")))


_WITHDRAWAL_BEFORE = _fast(lazy_compile(
    r"\b(?:withdrawal|retreat|pullback|pull-out|abzug|rückzug|retrait|repli|terugtrekking|aftocht|tilbaketrekning\w*|"
    r"відступ\w*|виведенн\w*)\s+(?:of\s+|der\s+|des\s+|von\s+|du\s+|de\s+la\s+|des\s+|van\s+de\s+|av\s+)?(?:the\s+|les\s+|de\s+)?$", re.I))
_OF_BEFORE = lazy_compile(r"\b(?:of|de|du|des|van|av|von)\s+(?:the\s+|la\s+|le\s+|l['’]|de\s+)?$", re.I)
_INSIDE_NAME = lazy_compile(r"(?<=[a-z\s,])(?-i:[A-Z][a-z]+)\s+$")
_PLACE_NOUN_BEFORE = _fast(lazy_compile(r"\b(?:territoire|sol|terres|grondgebied|territorium|територі\w*)\s+$", re.I))
# A possessive name before a capitalised name: "the junta's Western Regional Military Command".
_POSSESSIVE_OF_NAME = lazy_compile(r"['’]s\s+(?-i:[A-Z])(?!\w*\s+(?:forces|troops|army))")


_LAST_WORD = lazy_compile(r"(\w+)\s+$")
# "Since the start of the year Russia has seized ...": a time noun, not a place.
_TIME_NOUNS = frozenset((
    "year", "month", "week", "day", "war", "invasion", "offensive", "jahres", "jahr", "monats", "krieges",
    "année", "mois", "semaine", "guerre", "jaar", "maand", "oorlog", "året", "måneden", "uken", "krigen",
    "року", "місяця", "тижня", "війни"))


def _ends_in_date_word(text: str, months: dict) -> bool:
    """Is the word between a preposition and a name a date ("In April Ukraine retook ...",
    "In 2023 Russia took ...")? Then the name starts the clause; it is no place."""
    m = _LAST_WORD.search(text)
    if not m:
        return False
    word = m.group(1).lower()
    return word.isdigit() or word in months or word in _TIME_NOUNS


def _agentive(sentence: str, actors: list, months: dict | None = None) -> list:
    """Actor mentions that can be subjects: not places ('in Ukraine', 'Ukrainian land') and
    not the side of a source ('according to the Ukrainian monitoring group')."""
    usable = []
    for i, (s, e, canon) in enumerate(actors):
        if _in_source_phrase(sentence, s, e):
            continue
        if canon not in PLACEHOLDERS and _TERRITORY_NOUN.match(sentence[e:e + 30]):
            continue  # "of Ukrainian territory", "Russia's neighbouring Kursk region"
        if _WITHDRAWAL_BEFORE.search(sentence, max(0, s - 45), s) or _PLACE_NOUN_BEFORE.search(sentence, max(0, s - 25), s):
            continue  # "after the withdrawal of Russian troops", "de territoire ukrainien": no agent
        if canon in PLACEHOLDERS and sentence[s:s + 1].isupper() and _INSIDE_NAME.search(sentence, max(0, s - 30), s):
            continue  # "Western Regional Military Command": a word of a name, no army
        if _POSSESSIVE_OF_NAME.match(sentence, e - 2) and _OF_BEFORE.search(sentence, max(0, s - 12), s):
            continue  # "the headquarters of the junta's Western Regional Military Command"
        loc = _LOCATIVE_BEFORE.search(sentence[max(0, s - 30):s])
        if loc and not re.match(r"\s*(?:forces|troops|army|armée|truppen|troepen|styrker|військ)", sentence[e:e + 12], re.I) \
                and not _ends_in_date_word(loc.group(0), months or {}):
            continue  # "in Oekraïne", "threatened Kyiv" is handled by nearness
        # A placeholder right after a demonym ("Russian army") is that demonym's.
        if canon in PLACEHOLDERS and i > 0 and actors[i - 1][1] >= s - 1 and actors[i - 1][2] not in PLACEHOLDERS:
            continue
        usable.append((s, e, canon))
    return usable


@functools.lru_cache(maxsize=2048)
def _agentive_cached(sentence: str, code: str) -> tuple:
    """`_agentive` of a sentence's actor mentions, read once per sentence of a document."""
    return tuple(_agentive(sentence, list(_actor_mentions_cached(sentence, code)), lexicon_for(code).months))


def find_actor(sentence: str, m: Mention, cue: Cue | None, actors: list, state: DocState) -> str:
    """The subject of the cue: an agent after 'by', a V2 subject, or the nearest name before."""
    lex = state.lex
    usable = list(_agentive_cached(sentence, lex.code)) if actors == _actor_mentions(sentence, lex) \
        else _agentive(sentence, actors, lex.months)

    def resolve(canon: str, pos: int) -> str:
        if canon in PLACEHOLDERS:
            resolved = PLACEHOLDERS[canon].get(state.conflict)
            if resolved:
                return resolved
            concrete = [a for a in usable if a[2] not in PLACEHOLDERS and a[1] <= pos]
            if concrete:
                return concrete[-1][2]
            return state.last_actor or DEFAULT_ACTOR.get(state.conflict, "")
        return canon

    if cue is not None and cue.post:
        tail = sentence[cue.start:cue.end + 40]
        agent = re.search(r"\b(?:by|par|von|door|av)\b|(?<=hands\s)of\b", tail, re.I)
        # "in Russische handen", "under Moscow's control": the holder named inside the
        # predicate, even after a preposition.
        inside = [a for a in actors if cue.start <= a[0] < cue.end]
        if inside:
            return resolve(inside[0][2], inside[0][0])
        if agent:
            nxt = [a for a in usable if a[0] >= cue.start + agent.end() and a[0] - cue.end < 40]
            if nxt:
                return resolve(nxt[0][2], nxt[0][0])
    if cue is not None and not cue.post:
        within = [a for a in usable if cue.start <= a[0] < cue.end]
        if within:
            return resolve(within[0][2], within[0][0])  # "окупанти мали": the cue names its subject
    anchor = min(cue.start, m.start) if cue is not None else m.start
    if cue is not None and not cue.post and cue.start < m.start:
        between = [a for a in usable if cue.end <= a[0] and a[1] <= m.qualifier_start]
        if between and lex.code in ("de", "nl", "no", "fr"):
            return resolve(between[0][2], between[0][0])
    before = [a for a in usable if a[1] <= anchor]
    if before:
        return resolve(before[-1][2], before[-1][0])
    if cue is not None and cue.start < m.start:
        between = [a for a in usable if cue.end <= a[0] and a[1] <= m.qualifier_start]
        if between:
            return resolve(between[0][2], between[0][0])
    if state.speaker_side and _GENERIC_FORCES.search(sentence):
        return state.speaker_side  # "he said soldiers had liberated ...": the speaker's side
    if state.prev_subject:
        return state.prev_subject
    if state.last_actor:
        return state.last_actor
    return DEFAULT_ACTOR.get(state.conflict, "")


_TERRITORY_ALL = TERRITORIES_ALL
_GENERIC_FORCES = lazy_compile(
    r"(?<!\w)(?:soldiers|troops|forces|fighters|units|our|we|soldats|troupes|nos|soldaten|truppen|unsere|troepen|onze|"
    r"soldater|styrker|våre|військові|війська|бійці|наші)(?!\w)", re.I)


def _official_side(name: str) -> str:
    om = OFFICIALS_RE.search(name or "")
    return OFFICIAL_SIDES[int(om.lastgroup[1:])] if om else ""


def _territories(text: str) -> list[tuple[int, int, str, int]]:
    """Territory names in `text` (start, end, canonical, level), in order."""
    return list(_territories_cached(text))


@functools.lru_cache(maxsize=4096)
def _territories_cached(text: str) -> tuple:
    out = []
    for tm in TERRITORIES_FAST.finditer(text):
        _pat, canon, level = TERRITORIES[int(tm.lastgroup[1:])]
        out.append((tm.start(), tm.end(), canon, level))
    directions = []
    for dm in _DIRECTION.finditer(text):
        name, kind = dm.group("name"), dm.group("kind").lower()
        if kind in ("district", "area"):
            continue
        label = "sector" if kind in ("sector", "secteur") else "direction"
        town = TOWNS_FAST.fullmatch(name)
        region = ""
        if town is not None:
            name, region = TOWNS[int(town.lastgroup[1:])]
        elif (oblast := TERRITORIES_FAST.fullmatch(name)) is not None and \
                TERRITORIES[int(oblast.lastgroup[1:])][1].endswith(" oblast"):
            # "на Запорізькому напрямку": the direction named after an oblast, in English.
            region = TERRITORIES[int(oblast.lastgroup[1:])][1]
            name = region[:-len(" oblast")]
        out.append((dm.start(), dm.end(), f"{name} {label}" + (f" ({region})" if region else ""), 3))
        directions.append((dm.start(), dm.end()))
    # Only the area around a town is a place a figure lies in ("40 km² around Pokrovsk"); a
    # town named otherwise is usually a landmark of the narrative.
    for near in NEAR_TOWN_THEN_NAME.finditer(text):
        wm = TOWNS_FAST.match(text, near.end())
        if wm is None or any(a <= wm.start() < b for a, b in directions):
            continue
        if not FOCUS_BEFORE.search(text, max(0, near.start() - 40), near.start()):
            canon, region = TOWNS[int(wm.lastgroup[1:])]
            out.append((wm.start(), wm.end(), f"{canon} area ({region})", 3))
    out.sort()
    return tuple(out)


def find_territory(sentence: str, m: Mention, state: DocState, prev_same: str | None) -> str:
    """The area the figure is measured within: 'of X' after it, the clause before it, or anaphora."""
    lex = state.lex
    # A place after "with", "including", "compared with"... is not where the figure lies
    # ("de Krim inbegrepen" is read on a longer window: the cue follows the name).
    wide = sentence[m.end:m.end + 110]
    cut = _TERRITORY_BREAK.search(wide)
    right = wide[:min(70, cut.start())] if cut else wide[:70]
    cut = _CLAUSE_BREAK.search(right)
    if cut:
        right = right[:cut.start()]
    for said in _SAID_AFTER_COMMA.finditer(right):
        if lex.speech_fast.match(right, said.end()):
            right = right[:said.start()]  # "..., said Syrskyi on Ukrainian television": not where it lies
            break
    nxt_num = _NEXT_FIGURE.search(right)
    if nxt_num and _OF_TOTAL_GAP.fullmatch(right[:nxt_num.start()]):
        # "about 800 of the 1,376 square kilometers of Kursk": read past the whole it is part of.
        wide = sentence[m.end:m.end + 110]
        tail = re.match(r"[\d.,\s\u00a0]+(?:\S+\s+){0,3}?(?=of\b|de\b|van\b|in\b|у\b|в\b)", wide[nxt_num.start():])
        after = nxt_num.start() + (tail.end() if tail else 0)
        nxt2 = _NEXT_FIGURE.search(wide, after)
        right = wide[:min(nxt2.start() if nxt2 else 110, 110)]
        cut = _TERRITORY_BREAK.search(right) or _CLAUSE_BREAK.search(right)
        if cut:
            right = right[:cut.start()]
    elif nxt_num:
        right = right[:nxt_num.start()]
    # "of the country" is the country at war.
    if lex.country_anaphora_re.match(right) and state.conflict in COUNTRY_OF_CONFLICT:
        return COUNTRY_OF_CONFLICT[state.conflict]
    # "about 70 percent of Pokrovsk", "mer enn en tredjedel av Bakhmut", "65% Бахмута": a share
    # of the town itself.
    if m.measure.kind in ("pct", "fraction", "permille"):
        om = _OF_TOWN.match(right) if lex.code != "uk" else _OF_TOWN_UK.match(right)
        wm = TOWNS_FAST.match(right, om.end()) if om else None
        if wm is not None and not _TOWN_PART_AFTER.match(right, wm.end()):
            return f"{TOWNS[int(wm.lastgroup[1:])][0]} (town)"
    left = sentence[:m.start]
    clause_left = left[_last_clause_start(left):]
    # "45 km² over the month, mostly in the Zaporizhzhia region": where most of it lies.
    terr_right = [t for t in _territories(right) if not FOCUS_BEFORE.search(right, max(0, t[0] - 40), t[0])]
    if terr_right:
        # Most specific first among those right after the figure.
        best = max(terr_right, key=lambda t: (t[3], -t[0]))
        if best[3] >= 2 or not any(t[3] >= 2 for t in terr_right):
            if best[3] == 1 and m.measure.kind not in ("pct", "fraction", "permille"):
                # "51 km² of Ukrainian land" along a named axis: the axis is the place; the
                # country is only the denominator of a share.
                specific = [t for t in _territories(clause_left) if t[3] >= 2]
                if specific:
                    return _with_context(specific[-1][2], state, sentence)
            return _with_context(best[2], state, sentence)
    if lex.anaphora_re.search(right[:30]):
        # "there", "the region": the nearest region named before in the sentence, else the
        # last one of the document.
        near = _territories(left)
        if any(t[3] >= 2 for t in near):
            # The last place named, or the most specific of its chain ("the Pokrovsk sector
            # of Donetsk Oblast").
            chain = [near[-1]]
            for a, b in zip(reversed(near[:-1]), reversed(near)):
                if not _OF_CHAIN.fullmatch(left[a[1]:b[0]]):
                    break
                chain.append(a)
            best = max(chain, key=lambda t: t[3])
            if best[3] >= 2:
                return _with_context(best[2], state, sentence)
        if state.last_territory:
            return state.last_territory
    if not terr_right and state.last_territory:
        am = None
        for am in lex.anaphora_re.finditer(clause_left):
            pass
        if am is not None and (len(am.group(0)) > 4 or "'" in am.group(0) or "’" in am.group(0)) and \
                not _territories(clause_left[am.end():]):
            return state.last_territory  # "she said the area won back contained 300 settlements"
    if prev_same:
        return prev_same
    if not terr_right and state.last_territory and _FOOTHOLD.search(clause_left):
        return state.last_territory  # "Ukraine's foothold covered 1,300 km²": in the region named before
    cm = _COMPASS_OPENING.match(sentence)
    if cm and cm.end() <= m.start:
        # "In the south, ..., Ukrainian troops took back 5.2 km²": the southern front.
        word = next(g for g in cm.groups() if g).lower()
        return f"{_COMPASS[word]} front"
    terr_left = [t for t in _territories(left) if t[3] >= 2 and _frames_figure(left, t)]
    if terr_left:
        return _with_context(terr_left[-1][2], state, sentence)
    if terr_right:
        return terr_right[0][2]
    return COUNTRY_OF_CONFLICT.get(state.conflict, "")


_OF_TOWN = lazy_compile(r"\s*(?:of|av|de|du|von|van|з|із)\s+(?:the\s+(?:town|city)\s+of\s+|la\s+ville\s+de\s+|"
                      r"der\s+stadt\s+|de\s+stad\s+|byen\s+)?", re.I)
_OF_TOWN_UK = lazy_compile(r"\s*(?:(?:з|із)\s+)?(?:міста\s+)?", re.I)
# "of the Pokrovsk district": a district or front named after the town, not the town.
_TOWN_PART_AFTER = lazy_compile(r"\s*(?:district|direction|sector|area|region|raion|oblast|axis|front|rayon|"
                              r"richtung|secteur|richting|retning|район\w*|напрям\w*)\b", re.I)
_FOOTHOLD = lazy_compile(r"\b(?:foothold|bridgehead|salient|pocket|incursion|brückenkopf\w*|tête\s+de\s+pont|bruggenhoofd|brohode|плацдарм\w*)\b", re.I)
_TERRITORY_BREAK = lazy_compile(
    r"\b(?:with|including|compared|against|than|avec|y\s+compris|contre|mit|einschließlich|gegenüber|met|inclusief|"
    r"tegenover|med|inkludert|mot|разом|порівняно|when|where|quand|lorsque|wenn|als|toen|da|коли|"
    r"while|whereas|tandis|während|terwijl|mens|тоді)\b|"
    r",\s*(?:and|et|und|en|og|і|та)\b|\b(?:and|et|und|en|og)\s+(?:the\s+whole|all|another|most|la\s+totalité|l['’]ensemble)\b|[,\s](?:de\s+|die\s+|la\s+|the\s+)?\w+\s+(?:inbegrepen|included|eingeschlossen|inclus|comprise?)\b",
    re.I)
# The next figure (a year such as "pre-2014" is no figure).
_NEXT_FIGURE = lazy_compile(r"(?<![\d-])(?!(?:19|20)\d\d(?!\d))\d")
_CLAUSE_START = lazy_compile(r"[;:]|,\s+(?:but|and|while|whereas|mais|et|aber|und|maar|en|men|og|але|та)\b|\s[–—]\s", re.I)


_OF_TOTAL_GAP = lazy_compile(r"\s*(?:of|out\s+of|de|sur|van|av|von|з)\s+(?:the\s+|les\s+|de\s+|die\s+|den\s+)?(?:[\w'’]+\s+)?", re.I)
_OF_CHAIN = lazy_compile(r"\s+(?:of|in|de|du|des|der|van|av|i|in)\s+(?:the\s+|la\s+|le\s+|het\s+)?|,\s+", re.I)


_COMPASS = {"south": "southern", "north": "northern", "east": "eastern", "west": "western",
            "sud": "southern", "nord": "northern", "est": "eastern", "ouest": "western",
            "süden": "southern", "norden": "northern", "osten": "eastern", "westen": "western",
            "zuiden": "southern", "noorden": "northern", "oosten": "eastern",
            "sør": "southern", "øst": "eastern", "vest": "western",
            "півдні": "southern", "півночі": "northern", "сході": "eastern", "заході": "western"}
_COMPASS_OPENING = lazy_compile(
    r"^\W*(?:in\s+the\s+(south|north|east|west)|dans\s+le\s+(sud|nord)|à\s+l['’](est|ouest)|"
    r"im\s+(süden|norden|osten|westen)|in\s+het\s+(zuiden|noorden|oosten|westen)|i\s+(sør|nord|øst|vest)|"
    r"на\s+(півдні|півночі|сході|заході))\s*,", re.I)
_ASIDE_OPENING = lazy_compile(
    r"^\W*(?:despite|although|though|while|after|before|when|where|unlike|malgré|bien\s+que|après|avant|lorsque|quand|"
    r"contrairement|trotz|obwohl|nachdem|anders\s+als|ondanks|hoewel|nadat|toen|anders\s+dan|til\s+tross|selv\s+om|"
    r"etter|незважаючи|хоча|після|коли)\b", re.I)


def _frames_figure(left: str, t: tuple) -> bool:
    """Does a place named before the figure frame it? Yes in the figure's own clause, or in
    a fronted locative ("In the Donetsk region, ..."); no in a concessive or temporal aside
    ("Despite the counteroffensives at Kherson and Kharkiv, ...")."""
    tail = left[t[1]:]
    if "," not in tail and not _CLAUSE_START.search(tail):
        return True
    seg_start = max(left.rfind(",", 0, t[0]), left.rfind(";", 0, t[0]), left.rfind(":", 0, t[0])) + 1
    return not _ASIDE_OPENING.match(left[seg_start:t[0]])


def _last_clause_start(text: str) -> int:
    start = 0
    for cm in _CLAUSE_START.finditer(text):
        start = cm.end()
    return start


def _with_context(name: str, state: DocState, sentence: str) -> str:
    if name.endswith(" direction") or name.endswith(" sector"):
        region = [t for t in _territories(sentence) if t[3] == 2]
        if region:
            return f"{name} ({region[0][2]})"
        if state.last_territory and state.last_territory.endswith("oblast"):
            return f"{name} ({state.last_territory})"
    return name


# ---------------------------------------------------------------- metrics

def classify(m: Mention, cue: Cue | None, sentence: str, lex: Lexicon, has_flow_period: bool,
             state: DocState, war_total: bool = False) -> tuple[str, bool] | None:
    """(metric, actor_is_opponent) or None for a distractor."""
    if cue is None and m.measure.kind == "area" and m.measure.per_day and state.last_metric_class in ("gain", "regain"):
        # "... took 6,300 km² this year. The offensive had averaged around 18 km² per day": in
        # an account of gains, an area per day is their pace whatever the verb.
        return ("area_gained_per_day_km2", False)
    if cue is None or cue.cls == "distract":
        return None
    cls = cue.cls
    same_as_previous = cls == "same_as_previous"
    if cls == "same_as_previous":
        cls = state.last_metric_class or ""
        if not cls:
            return None
    kind = m.measure.kind
    after = sentence[m.end:m.end + 80]
    if cls == "occupy":
        cls = "gain" if has_flow_period else "hold"
    if kind == "area":
        if cls == "outside" and _LOST_CONTROL.match(cue.text):
            cls = "loss"  # "lost control of 40 km²" frames the area as a loss
        if m.measure.per_day:
            return ("area_gained_per_day_km2", False) if cls in ("gain", "regain", "net", "hold") else None
        return {
            "gain": ("area_gained_km2", False), "regain": ("area_gained_km2", False),
            "net": ("net_area_gained_km2", False), "loss": ("area_lost_km2", False),
            "hold": ("area_controlled_km2", False), "hold_opp": ("area_controlled_km2", True),
            "evac": ("area_under_evacuation_orders_km2", False),
        }.get(cls)
    if kind in ("pct", "fraction", "permille"):
        previously_held = bool(_OF_PREVIOUSLY_HELD.match(after))
        if cls in ("gain", "regain") and previously_held:
            return ("share_regained_pct", False)  # "64 percent of the land Ukraine captured"
        if cls in ("gain", "regain", "net"):
            # Taking "most of" or "the whole of" a place, or a share with no period (or since
            # the war began), describes what is held now, not a gain over a period.
            if m.num.vague or (m.num.fraction and m.value == 100.0) or \
                    (not has_flow_period and not same_as_previous) or war_total:
                return ("share_controlled_pct", False)
            return ("share_gained_pct", False)
        if cls == "loss":
            if previously_held:
                return ("share_lost_pct", False)
            return ("share_controlled_pct", True)
        if cls == "hold":
            return ("share_controlled_pct", False)
        if cls == "hold_opp":
            return ("share_controlled_pct", True)
        if cls == "present":
            return ("share_present_pct", False)
        if cls == "evac":
            return ("share_under_evacuation_orders_pct", False)
        if cls == "not_evac":
            return ("share_not_under_evacuation_orders_pct", False)
        if cls == "outside":
            return ("share_outside_control_pct", False)
        return None
    if kind == "settlements":
        if cls in ("gain", "regain"):
            if cue.post and not has_flow_period and not _FINITE_PASSIVE.match(cue.text):
                # "75 taken completely by anti-regime forces, 98 still held by the regime":
                # a bare participle with no period sorts towns by who holds them now.
                return ("settlements_controlled_count", False)
            return ("settlements_captured", False)
        if cls == "loss":
            return ("settlements_captured", True)
        if cls in ("hold", "hold_opp"):
            if cue.post and state.captors and _NOW_BEFORE.search(cue.text):
                # "... have captured dozens of towns ... more than 50 villages and towns were now
                # in the hands of HTS": the holding reports the capture the text is about.
                return ("settlements_captured", False)
            return ("settlements_controlled_count", cls == "hold_opp")
        return None
    if kind == "units":
        if cls in ("gain", "regain"):
            return ("units_captured_count", False) if has_flow_period else ("units_controlled_count", False)
        if cls == "loss":
            return ("units_captured_count", True)
        if cls in ("hold", "hold_opp"):
            return ("units_controlled_count", cls == "hold_opp")
        if cls == "outside":
            return None
        return None
    return None


_LOST_CONTROL = lazy_compile(r"\s*(?:los|perd|mist|tap|втрат|(?:die\s+)?kontrolle\s+(?:über|verloren)|(?:de\s+)?controle\s+(?:over|verloren))",
                           re.I)
_FINITE_PASSIVE = lazy_compile(r"^\s*(?:had|have|has|was|were|is|are|been|werden|wurden|zijn|werd|ont|a|ble|er)\b", re.I)
_NOW_BEFORE = lazy_compile(r"\b(?:now|nu|jetzt|désormais|maintenant|nå|тепер|зараз)\b", re.I)


# A figure no cue governs, read anyway by `explore`: its family's usual metric, a flow when
# the sentence has a period.
_FALLBACK_METRIC = {
    "area": {True: "area_gained_km2", False: "area_controlled_km2"},
    "share": {True: "share_gained_pct", False: "share_controlled_pct"},
    "settlements": {True: "settlements_captured", False: "settlements_controlled_count"},
    "units": {True: "units_captured_count", False: "units_controlled_count"},
}


def _family(m: Mention) -> str:
    kind = m.measure.kind
    return "share" if kind in ("pct", "fraction", "permille") else kind


_SHARE_TO_AREA = {"share_controlled_pct": "area_controlled_km2", "share_gained_pct": "area_gained_km2",
                  "share_lost_pct": "area_lost_km2"}
_AREA_TO_SHARE = {v: k for k, v in _SHARE_TO_AREA.items()}


def _restate(metric: str, m: Mention) -> str | None:
    """The metric of a figure that restates `metric` in another measure (share <-> area)."""
    fam = _family(m)
    if fam == "share":
        return metric if metric.endswith("_pct") else _AREA_TO_SHARE.get(metric)
    if fam == "area" and not m.measure.per_day:
        return metric if metric.endswith("_km2") else _SHARE_TO_AREA.get(metric)
    return None


def _cue_family(metric: str) -> str:
    if metric.startswith(("area_gained", "share_gained", "settlements_captured", "units_captured")):
        return "gain"
    if metric.startswith("net"):
        return "net"
    if "lost" in metric:
        return "loss"
    return "hold"


_NOT_PLACE_OF = lazy_compile(
    r"^\s*(?:it|them|this|that|each|these|those|the\s+(?:[\w-]+\s+)?(?:other|gains?|advances?|progress|fighting|people|population)|"
    r"ses|leur|ihr|seine|hun|dem)\b", re.I)


_OF_OWN = lazy_compile(
    r"^\s*(?:of|de|du|des|der|van|av|von|з)\s+(?:its|their|his|her|ses|son|sa|leurs?|seine[rns]?|ihre[rns]?|"
    r"zijn|hun|sine|sitt|deres|своїх|свого|своєї)\s+(?P<noun>[\w'’-]+)", re.I)


def _is_distractor_context(sentence: str, m: Mention, lex: Lexicon) -> bool:
    after = sentence[m.end:m.end + 80]
    if m.measure.kind in ("pct", "permille") and \
            lex.change_by_re.search(sentence, max(0, m.qualifier_start - 40), m.qualifier_start):
        return True  # "slowed by 40%": a relative change
    if m.measure.kind in ("pct", "fraction", "permille"):
        own = _OF_OWN.match(after)
        if own and not _TERRITORY_NOUN.match(" " + own.group("noun")) and \
                not _territories(own.group("noun")):
            return True  # "lost 70% of its tanks", "de ses chars": a share of something else
    if lex.distract_after_re.match(after):
        return True
    pre = sentence[max(0, m.qualifier_start - 40):m.qualifier_start]
    if lex.distract_before_re.search(pre):
        return True
    if m.measure.kind == "fraction":
        # A word fraction must be "of" something: "two-thirds of the Gaza Strip", and not of
        # a stretch of time ("the first half of February"). "most of" carries its own "of".
        own_of = re.search(r"(?:\s(?:of|de|du|des|van|av|von)|d['’])$", m.num.text, re.I)
        if own_of:
            # "most of the Darfur region", not "most of the gains", "all of it", "most of
            # each of the four regions" or "the whole of Paletwa Township" (a unit: a count).
            head = after[:45]
            if re.search(r"\d", head) or _NOT_PLACE_OF.match(head) or lex.admin_unit_re.search(head) or \
                    lex.settlement_any_fast.search(head) or not (_territories(head) or _TERRITORY_NOUN.search(head)):
                return True
        elif not (_OF_WORDS.match(after) or re.match(r"^\s*(?:de\s+|d['’])", after)):
            # "In Donetsk ...; Ukraine still controls about a third (there)." ends its clause
            # on the fraction, the region named before it.
            compared = _CONTRAST.search(sentence, max(0, m.start - 25), m.start)
            if not ((_CLAUSE_END.match(after) or compared) and any(t[3] >= 2 for t in _territories(sentence[:m.start]))):
                return True
        head = after[:25].lower()
        if _long_months(lex.code).search(head) or \
                re.match(r"^\s*(?:of|de|der|van|av)\s+(?:the\s+|la\s+|l['’])?(?:year|month|week|century|année|mois|jahres|jaar|året|року)", head):
            return True
    if m.measure.kind in ("settlements", "units") and lex.count_distract_before_re.search(pre):
        return True
    return False


# ---------------------------------------------------------------- time

def _in_denominator(sentence: str, m: Mention, p: P.Phrase, lex: Lexicon) -> bool:
    """Whether a time phrase after a share sits in the clause naming its denominator:
    "45 percent of the land Russia grabbed in 2022" (a capture verb between, no break)."""
    if p.start < m.end or p.start - m.end > 90:
        return False
    between = sentence[m.end:p.start]
    if _CLAUSE_BREAK.search(between) or "," in between:
        return False
    return any(cls in ("gain", "occupy", "hold") and pat.search(between) for cls, pat in lex.cue_classes)


_OPENERS = frozenset({"this_year", "since_year_start", "since_month", "since_month_start", "since_date",
                      "since_invasion", "since_kursk_incursion"})
_CUTOFFS = frozenset({"month_end", "cutoff_date"})


def _with_sentence_cutoff(res: P.Resolved, phrase: P.Phrase, phrases: list[P.Phrase], ctx: P.TimeContext,
                          lex: Lexicon) -> P.Resolved:
    """One period from two phrases of a sentence: "this year up to the end of August",
    "Per 30. november ... i år": the opener gives the start, the cut-off the end."""
    if phrase.kind in _OPENERS:
        ends = [q for q in phrases if q.kind in _CUTOFFS]
        if ends:
            end = P.resolve(ends[-1], ctx, lex, True).as_of
            if end is not None and res.period_start <= end:
                return P.Resolved(period_start=res.period_start, period_end=end, text=f"{phrase.text} … {ends[-1].text}",
                                  approx=res.approx)
    elif phrase.kind in _CUTOFFS:
        starts = [q for q in phrases if q.kind in _OPENERS]
        if starts:
            start = P.resolve(starts[0], ctx, lex, False).period_start
            end = P.resolve(phrase, ctx, lex, True).as_of
            if start is not None and end is not None and start <= end:
                return P.Resolved(period_start=start, period_end=end, text=f"{starts[0].text} … {phrase.text}",
                                  approx=res.approx)
    return res


# "..., said Syrskyi": a comma before a speech verb ends the place of the figure.
_SAID_AFTER_COMMA = lazy_compile(r",\s*")
# "..., darunter 23 Ortschaften", "including 40 villages": part of the figure before it.
_INCLUDING = _fast(lazy_compile(r"\b(?:including|among\s+them|darunter|dont|waaronder|deriblant|inkludert|у\s+тому\s+числі)\s+$", re.I))
_CONTRAST = _fast(lazy_compile(r"\b(?:against|versus|compared|while|whereas|contre|gegenüber|tegen|tegenover|mot|проти)\b", re.I))
_CLAUSE_END = lazy_compile(r"^\s*(?:[.;,)]|$)")
_ANCHOR_KINDS = ("date", "early_month", "mid_month", "month", "weekday")


def _anchor_before(phrase: P.Phrase, phrases: list[P.Phrase], ctx: P.TimeContext, lex: Lexicon) -> date | None:
    """The day of the event named before a "within two weeks" in the same sentence."""
    before = [q for q in phrases if q.end <= phrase.start and q.kind in _ANCHOR_KINDS]
    if not before:
        return None
    q = before[-1]
    if q.kind == "month":
        r = P.resolve(q, ctx, lex, False)
        return r.period_start
    return P.resolve(q, ctx, lex, True).as_of


_LEAD_IN_KINDS = P.FLOW_KINDS - {"date", "cutoff_date", "weekday", "this_period", "shortly_after"}


def _lead_in_period(idx: int, state: DocState) -> P.Phrase | None:
    """The period of the sentence just before, when that sentence has no figure to hold it:
    "the maps show Russia lost ground in a week and a half. Ukraine says it retook 100 km²"."""
    if idx <= 0 or idx > len(state.subjects):
        return None
    before = state.subjects[idx - 1]
    if not before or _HAS_NUMBERISH.search(before):
        return None
    found = [p for p in P.find_phrases(before, state.lex) if p.kind in _LEAD_IN_KINDS]
    return found[-1] if found else None


def _phrase_kinds(stock: bool) -> frozenset[str]:
    return P.STOCK_KINDS if stock else P.FLOW_KINDS


def choose_phrase(sentence: str, m: Mention, phrases: list[P.Phrase], mentions: list[Mention],
                  stock: bool) -> P.Phrase | None:
    """The nearest compatible phrase that does not belong to another figure."""
    kinds = _phrase_kinds(stock)
    owned: dict[int, int] = {}
    for p in phrases:
        # A phrase right after a figure (within a few words, same clause) belongs to that
        # figure, unless it sits nearer the figure being dated.
        for o in mentions:
            gap = sentence[o.end:p.start]
            if 0 <= p.start - o.end <= 60 and not _DIGIT.search(gap) and not _POST_STOP.search(gap):
                if o is not m and p.end <= m.start and (m.start - p.end) < (p.start - o.end):
                    continue
                if o is not m and m.end <= o.start and _COORDINATED.match(sentence[m.end:o.start]):
                    continue  # "3,500 square kilometers and 149 settlements since March"
                owned[id(p)] = id(o)
                break
    best, best_d, best_hard = None, 10 ** 9, False
    for p in phrases:
        if p.kind == "comparison" and p.groups.get("kind") in kinds and p.end <= m.start and \
                m.start - p.end <= 40 and not any(p.end <= o.start < m.start for o in mentions):
            # "etwas mehr als im September, als es 447 km² waren": the compared figure's own date.
            p = P.Phrase(p.start, p.end, p.groups["kind"], p.text, {**p.groups, "comparison": "1"})
        if p.kind not in kinds:
            continue
        if p.kind == "weekday" and not stock and not (
                m.end <= p.start <= m.end + 30 and "," not in sentence[m.end:p.start] and
                not _SAID_BEFORE.search(sentence, max(0, p.start - 40), p.start)):
            continue  # "took four towns early on Tuesday"; not "said on Tuesday" elsewhere
        if id(p) in owned and owned[id(p)] != id(m):
            continue
        if p.start >= m.end:
            d = p.start - m.end
        else:
            d = m.start - p.end + 5
        lo, hi = (p.end, m.start) if p.end <= m.start else (m.end, p.start)
        between = sentence[lo:hi]
        hard_break = bool(_SEMICOLON.search(between))
        if hard_break or _CLAUSE_BREAK.search(between) or _CONJ_BREAK.search(between) or \
                p.start >= m.end and _CONTRAST.search(between):
            # "..., but every month since August", "17 percent, against a quarter a year
            # earlier": another clause's, or the compared figure's
            d += 200  # "..., but every month since August" is another clause's
        if p.end <= m.start:
            if "," in between:
                if stock and (p.kind.startswith("since") or p.kind in ("last_month", "past_week", "past_month")):
                    continue  # "Having taken El-Fasher last month, the RSF controls ...": now
                d += 10  # "since the campaign began, 2 km² of it over the past week"
            if stock and any(p.end <= o.start and o.end <= m.start and
                             not _COORDINATED.match(sentence[o.end:m.qualifier_start])
                             for o in mentions if o is not m):
                continue  # "since Feb. 24, 2022, Russia has taken 68,500 km², ... it controls 18.4%"
        if p.kind == "now":
            d += 5  # an explicit date beats a bare "now" at the same distance
        if p.kind == "peak" and any(q.kind in ("month_end", "date", "cutoff_date", "month") for q in phrases):
            d += 40  # "Fin mars 2022, au plus fort de l'offensive": the date dates it
        if p.kind in ("date", "weekday") and not stock:
            d += 80  # a single day rarely bounds a gain; it is usually when something was said
        if p.start >= m.end and _AND_CLAUSE.search(sentence, m.end, p.start):
            d += 50  # "108 651 km², а сьогодні ... 114 493 km²": the next clause's time
        if d < best_d:
            best, best_d, best_hard = p, d, hard_break
    if best is not None and best_d >= 200 and (stock or best_hard):
        # Only phrases of other clauses: the stock is of the cut-off; a flow takes the
        # period spoken of before, not the one of a clause after a semicolon.
        return None
    return best


# ---------------------------------------------------------------- document

def _cutoff(sentences_phrases: list[tuple[str, list[P.Phrase]]], ctx: P.TimeContext, lex: Lexicon) -> date | None:
    """The analysis cut-off when the document makes one clear."""
    ref = ctx.ref
    if ref is None:
        return None
    explicit: list[date] = []
    monthly: list[date] = []
    for _, phrases in sentences_phrases:
        for p in phrases:
            if p.kind in ("month_end", "cutoff_date"):
                r = P.resolve(p, ctx, lex, stock=True)
                if r.as_of and 0 <= (ref - r.as_of).days <= 40:
                    explicit.append(r.as_of)
            elif p.kind in ("month", "last_month") and ctx.ref_precision == "day":
                r = P.resolve(p, ctx, lex, stock=False)
                end = r.period_end
                if end and 0 <= (ref - end).days <= 4 and end.day >= 28:
                    # a monthly analysis comes out on the first working days of the next month
                    monthly.append(end)
    if explicit:
        return max(explicit)
    if monthly:
        return max(monthly)
    return None


def _iso(d: date | None) -> str | None:
    return d.isoformat() if d else None


def _sig_digits(v: float | None) -> int:
    """Significant digits of a value: 4,900 has two, 5,000 one, 19.3 three."""
    if v is None:
        return 0
    text = ("%.6f" % abs(v)).rstrip("0").rstrip(".")
    whole, _, frac = text.partition(".")
    if frac:
        return len((whole + frac).lstrip("0"))
    return len(whole.lstrip("0").rstrip("0"))


def extract_document(document: Document, version: str) -> list[Claim]:
    return _deduplicate(read_document(document, version))


def read_document(document: Document, version: str, explore: bool = False,
                  shared: dict | None = None) -> list[tuple[Claim, Mention, str]]:
    """Every reading of the document's figures, before restatements are merged.

    With `explore`, figures the rules would drop (a distractor context, no governing cue, no
    actor) are read too, with a fallback metric or an empty actor and a `probe:<why>` flag,
    so that a learned model can decide on them. Probe readings never change the state the
    rules carry from one figure to the next: the rules' own readings stay as without explore.
    """
    # The name caches serve repeated windows of one document only: cleared per document so
    # the work done (and the time it takes) never depends on documents seen before.
    _territories_cached.cache_clear()
    _actor_mentions_cached.cache_clear()
    _agentive_cached.cache_clear()
    text = clean(document.text or "")
    lang = (document.language or "").lower()[:2] or guess_language(text)
    lex = lexicon_for(lang)
    if lex.code != lang:
        lang = lex.code
    ref, precision = P.parse_published(document.published)
    conflict = document.conflict or guess_conflict(text)
    ctx = P.TimeContext(ref=ref, ref_precision=precision, conflict=conflict)
    state = DocState(lex=lex, conflict=conflict, time=ctx, people=PeopleRegistry.empty())
    non_name = _non_name_checker(lex)

    spans = split_sentences(text)
    captured_before = False
    pending: list[str | None] = []  # per sentence: the text whose source is read, or None
    units = []  # (start, sentence, phrases) of sentences worth reading
    for s, e in spans:
        if e - s > MAX_SENTENCE:
            e = s + MAX_SENTENCE
        sent = text[s:e]
        has_num = bool(_HAS_NUMBERISH.search(sent)) or bool(lex.fraction_fast.search(sent)) or \
            bool(lex.word_number_fast.search(sent))
        # The source is read later, in order and only as far as a figure needs it.
        pending.append(sent if (has_num or len(units) < 50) else None)
        # The sentence's subject is read only when a later figure needs it (see below).
        state.subjects.append(sent if (has_num or len(units) < 50) else None)
        if has_num:
            try:
                mentions = build_mentions(sent, lex)
            except (ValueError, IndexError, KeyError, TypeError, OverflowError, re.error):
                mentions = []
            measured = any(m.measure.kind not in ("none", "linear") for m in mentions)
            # A sentence without a measured figure is read for its time phrases only when it
            # can set the month spoken of or the analysis cut-off (a month name, "last month").
            phrases = P.find_phrases(sent, lex) if measured or lex.month_any_fast.search(sent) or \
                _LAST_MONTH_HINT.search(sent) else []
            units.append((s, sent, phrases, len(pending) - 1, captured_before,
                          mentions if measured else None))
        if not captured_before and lex.settlement_any_fast.search(sent):
            gain = dict(lex.cue_classes).get("gain")
            captured_before = bool(gain and gain.search(sent))
    # An analysis cut-off is read where figures are ("Goma fell at the end of January" is no cut-off).
    ctx.cutoff = _cutoff([(u[1], u[2]) for u in units if u[5] is not None], ctx, lex)
    if ctx.ref_precision == "day":
        ctx.statement = _statement_day(text, spans, lex, ctx.ref)
    sources = _Sources(pending, state, non_name)

    claims: list[tuple[Claim, Mention, str]] = []
    # The nearest earlier subject of a sentence with figures, read back only as far as
    # needed: the subjects of sentences after the last such one are never read. The walks
    # back meet the previous one's start, so the work stays linear.
    subjects = state.subjects
    no_actor = DocState(lex=lex, conflict=conflict, time=ctx, people=state.people)  # last_actor ""
    walked = [-1, ""]  # (index of the last sentence whose earlier subject was read, that subject)

    def prev_subject_of(idx: int) -> str:
        j = idx - 1
        while j >= walked[0] and j >= 0:
            sent_j = subjects[j]
            if sent_j is not None:
                agents = _agentive_cached(sent_j, lex.code)
                subject = next((_resolve_placeholder(a[2], conflict, no_actor) for a in agents), "")
                if subject:
                    walked[0], walked[1] = idx, subject
                    return subject
            j -= 1
        found_before = walked[1] if walked[0] >= 0 else ""
        walked[0], walked[1] = idx, found_before
        return found_before

    for offset, sent, phrases, attr_idx, captors, mentions in units:
        state.captors = captors
        if mentions is None:
            claims_here = []
        else:
            state.prev_subject = prev_subject_of(attr_idx)
            try:
                claims_here = _sentence_claims(document, version, sent, offset, phrases, attr_idx, state,
                                               sources, mentions, explore)
            except (ValueError, IndexError, KeyError, TypeError, OverflowError, re.error):
                claims_here = []  # one unreadable sentence never costs the rest of the document
        claims.extend(claims_here)
        months = [p for p in phrases if p.kind in ("month", "month_end")]
        if months:
            r = P.resolve(months[-1], ctx, lex, stock=False)
            if r.period_start:
                ctx.month = (r.period_start.year, r.period_start.month)
    if shared is not None:
        # What was read on the way, for the learned layer not to read it again: the time
        # phrases of each sentence read for them (by sentence start), and the document state
        # with the sources read so far and the people they named.
        shared["phrases"] = {u[0]: u[2] for u in units if u[5] is not None or u[2]}
        shared["state"] = state
        shared["text"] = text
    return claims


_UNREAD = object()  # the dominant source before it is read


class _Sources:
    """The source of each sentence (`find_attribution`), read in document order and only as
    far as a figure needs: the sentences after the last figure are read only when a figure
    falls back on the document's most frequent source. Reading in order keeps the people
    registry as it would be had every sentence been read: a bare surname resolves against
    the full names met before it."""

    def __init__(self, pending: list[str | None], state: DocState, non_name) -> None:
        self.pending, self.state, self.non_name = pending, state, non_name
        self.last = -1  # index of the nearest attribution read so far
        self._dominant: Attribution | None | object = _UNREAD
        state.attributions, state.prev_attr = [], []

    def read_through(self, k: int) -> None:
        """Read the sources of sentences 0..k (those not read yet)."""
        state = self.state
        found, prev = state.attributions, state.prev_attr
        while len(found) <= k and len(found) < len(self.pending):
            sent = self.pending[len(found)]
            prev.append(self.last)
            found.append(find_attribution(sent, state.lex, state.people, self.non_name) if sent is not None else None)
            if found[-1] is not None:
                self.last = len(found) - 1

    def dominant(self) -> Attribution | None:
        """The document's most frequent source (the first of them to be named on a tie)."""
        if self._dominant is _UNREAD:
            self.read_through(len(self.pending) - 1)
            found = self.state.attributions
            labels = [a.label for a in found if a is not None]
            top = Counter(labels).most_common(1)[0][0] if labels else ""
            self._dominant = next((a for a in found if a is not None and a.label == top), None)
        return self._dominant


def _statement_day(text: str, spans, lex: Lexicon, ref: date | None) -> date | None:
    """The day the reported figures were stated: "said on Tuesday" in the first sentence
    that pairs a weekday with a speech verb (the last such weekday up to publication)."""
    for s, e in spans[:12]:
        sent = text[s:min(e, s + MAX_SENTENCE)]
        for wm in lex.weekday_fast.finditer(sent):
            if P.since_before(sent, wm.start()):
                continue  # "since Sunday" opens a period; it dates no statement
            if lex.speech_fast.search(sent):
                return P.statement_day(ref, lex.weekdays[sent[wm.start():wm.end()].lower()])
            break
    return None


# Module patterns read through their lower-cased twins (see lexicon.LowPattern).
_LOCATIVE_BEFORE = _fast(_LOCATIVE_BEFORE)
_ACCORDING_BEFORE = _fast(_ACCORDING_BEFORE)
_TERRITORY_BREAK = _fast(_TERRITORY_BREAK)
# The case-insensitive window tests of the engine, read the same way (each is tried many times
# per sentence; a case-sensitive scan of the lower-cased text costs far less).
for _name in ("_POST_STOP", "_CONJ_BREAK", "_AND_CLAUSE", "_COORDINATED", "_RELATIVE_BEFORE", "_SAID_BEFORE",
              "_TERRITORY_NOUN", "_OF_PREVIOUSLY_HELD", "_OF_WORDS", "_OF_TOTAL_GAP", "_SO_FAR", "_CHANGE_TO",
              "_LAST_MONTH_HINT", "_SINCE_ADVERB", "_WITH_BEFORE", "_FROM_BEFORE", "_RELATIVE_HOLD", "_OF_THEM", "_ANOTHER",
              "_APPOSITION", "_NOT_BARE_AFTER", "_OF_OWN", "_NOT_PLACE_OF", "_OF_CHAIN", "_FRONTED_OF"):
    globals()[_name] = _fast(globals()[_name])


class _TerritoryBreak:
    """`_TERRITORY_BREAK.search`, leaving out its last branch ("de Krim inbegrepen") where
    none of that branch's words is written: it then cannot match, so the result is the same."""

    _LAST = r"|[,\s](?:de\s+|die\s+|la\s+|the\s+)?\w+\s+(?:inbegrepen|included|eingeschlossen|inclus|comprise?)\b"
    _WORDS = ("inbegrepen", "included", "eingeschlossen", "inclus", "compris")

    def __init__(self, full: LowPattern) -> None:
        self.full = full
        cs = full.cs
        self.short = None
        if cs is not None and full.bare is None and cs.pattern.endswith(self._LAST):
            self.short = re.compile(cs.pattern[:-len(self._LAST)], cs.flags)

    def search(self, text: str):
        short = self.short
        if short is None:
            return self.full.search(text)
        low = text.lower()
        if len(low) != len(text):
            return self.full.ci.search(text)
        for w in self._WORDS:
            if w in low:
                return self.full.cs.search(low)
        return short.search(low)


_TERRITORY_BREAK = _TerritoryBreak(_TERRITORY_BREAK)
_CLAUSE_START = _fast(_CLAUSE_START)


def _non_name_checker(lex: Lexicon):
    month_words = set(lex.months)
    cache: dict[str, bool] = {}

    def non_name(token: str) -> bool:
        t = token.lower().strip(".,")
        if t in cache:
            return cache[t]
        result = t in month_words or bool(TERRITORIES_FAST.fullmatch(t)) or bool(lex.actor_all_fast.fullmatch(t))
        if len(cache) < 5000:
            cache[t] = result
        return result

    return non_name


_LANGUAGE_NAMES = lazy_compile(r"^(?:english|german|french|dutch|norwegian|ukrainian|arabic)$", re.I)
_PRONOUN_SPEAKER = lazy_compile(
    r"(?<!\w)(?:he|she|they|il|elle|ils|er|sie|hij|zij|ze|han|hun|de|він|вона|вони)\s+(?:\w+\s+){0,2}$", re.I)


def outlet_name(publisher: str) -> str:
    """The outlet behind a page: the wire or paper named in parentheses ("Insider Paper (AFP
    wire copy)" -> AFP, "NewsZop (NewsCrab)" -> NewsCrab), else the site itself."""
    publisher = (publisher or "").strip()
    main, _, paren = publisher.partition(" (")
    paren = paren.rstrip(")").strip()
    if paren:
        if "citing " in paren:
            paren = paren.split("citing ", 1)[1]
        piece = paren.split(",")[-1].strip()
        piece = re.sub(r"(?:\s+(?:wire|video))?\s+copy$|-based$|\s+summary$", "", piece, flags=re.I).strip()
        piece = piece.split("/")[-1].strip()
        if piece and piece[0].isupper() and "edition" not in piece.lower() and not _LANGUAGE_NAMES.match(piece):
            return piece
    return main.strip()


def _attribution_for(idx: int, state: DocState, sources: "_Sources",
                     document: Document, sentence: str = "") -> Attribution | None:
    """The sentence's own source; else the previous source when it carries over; else the
    document's analysis, else the outlet.

    A producer or analysis (ISW, an AFP analysis) carries over the sentences that follow.
    A person's word carries over only into a sentence that still reports speech ("she
    said", "he added"); a sentence without it is the outlet's own narrative."""
    sources.read_through(idx)
    own = state.attributions[idx]
    if own is not None and own.generic == "group":
        # "the analysts note ...": the analysts of the producer the document already named.
        named = next((a for a in reversed(state.attributions[max(0, idx - 50):idx]) if a is not None and
                      a.producer and not a.generic), None)
        return named or own
    if own is not None and own.analyst and own.producer == own.analyst and not own.person:
        # "selon les calculs de l'AFP" after "une analyse de l'AFP fondée sur les données de
        # l'ISW": the same analysis of the same producer's data.
        chain = next((a for a in reversed(state.attributions[max(0, idx - 50):idx]) if a is not None and
                      a.analyst == own.analyst and a.producer and a.producer != own.analyst), None)
        return chain or own
    if own is not None:
        return own
    lex = state.lex
    reports = bool(lex.speech_fast.search(sentence) or lex.according_fast.search(sentence)) if sentence else True
    keeps_speaker = reports or bool(lex.speaker_pronoun_re.search(sentence)) if sentence else True
    broke = False
    j = state.prev_attr[idx] if idx < len(state.prev_attr) else -1
    if j >= 0:
        prev = state.attributions[j]
        if prev.person and not keeps_speaker:
            broke = True
        elif prev.generic == "adjunct" and j > 0 and not keeps_speaker:
            broke = True  # outside the lede, "according to ISW" vouches for its own sentence only
        else:
            return prev
    dominant = sources.dominant()  # read only here: it needs every sentence's source
    if dominant is not None and (reports or not (broke or dominant.person)):
        return dominant  # "a UN official said": the official the document names
    if document.default_attribution:
        return Attribution(document.default_attribution, producer=document.default_attribution)
    if document.publisher:
        name = outlet_name(document.publisher)
        return Attribution(name, producer=name)
    return dominant


def _sentence_claims(document: Document, version: str, sent: str, offset: int,
                     phrases: list[P.Phrase], attr_idx: int, state: DocState,
                     sources: "_Sources", mentions: list[Mention] | None = None,
                     explore: bool = False) -> list[tuple[Claim, Mention, str]]:
    lex = state.lex
    if mentions is None:
        mentions = build_mentions(sent, lex)
    if not any(m.measure.kind not in ("none", "linear") for m in mentions):
        return []  # nothing measured (dates, distances, troop counts): no claim here
    # The cues, actors and attribution of the sentence are read only once a figure is left
    # standing (the cues earlier when a qualifier needs them).
    cues = None
    live: list[Mention] = []
    for m in mentions:
        if m.measure.kind in ("none", "linear"):
            continue
        if m.denominator:
            if not explore:
                continue
            m.flags.add("probe:denominator")
        # Qualifier: the cue written right before the figure.
        m.qualifier_start = m.num.start
        if m.qualifier != "range":
            qm = lex.qualifier_re.search(sent, max(0, m.num.start - 40), m.num.start)
            if qm:
                m.qualifier_text = sent[qm.start("q"):qm.end("q")]
                m.qualifier = lex.qualifiers.get(_SPACES.sub(" ", m.qualifier_text.lower()), "exact")
                m.qualifier_start = qm.start("q")
                if _CHANGE_TO.search(sent, max(0, qm.start("q") - 40), qm.end("q")):
                    # "pushed its share up to 54%": the verb's particle, not a hedge.
                    m.qualifier, m.qualifier_text = "exact", ""
                else:
                    if cues is None:
                        cues = find_cues(sent, lex)
                    if any(c.start < qm.start("q") and qm.end("q") <= c.end for c in cues):
                        # "lost control over 86", "die Kontrolle über 86": the verb's preposition.
                        m.qualifier, m.qualifier_text = "exact", ""
                        m.qualifier_start = m.num.start
            if m.qualifier == "exact" and not m.qualifier_text and lex.post_qualifiers:
                pq = lex.post_qualifier_re.match(sent[m.end:m.end + 20])
                if pq and m.end > m.num.end:  # after the unit: "450 km² environ"
                    m.qualifier_text = pq.group("q")
                    m.qualifier = lex.post_qualifiers[_SPACES.sub(" ", m.qualifier_text.lower())]
            if m.num.vague:
                m.qualifier, m.qualifier_text = "at_least", m.num.text
        if _is_distractor_context(sent, m, lex):
            if not explore:
                continue
            m.flags.add("probe:distractor")
        live.append(m)
    if not live:
        return []
    # The figures the rules read themselves: the context every rule below sees, so that the
    # probe readings explored beside them never change the rules' own readings.
    seen = [m for m in live if not any(f.startswith("probe:") for f in m.flags)]
    if cues is None:
        cues = find_cues(sent, lex)
    actors = _actor_mentions(sent, lex)
    out: list[tuple[Claim, Mention, str]] = []
    ctx = state.time
    month_phrases = [p for p in phrases if p.kind in ("month", "month_end", "first_half", "mid_month")]
    flow_phrase_kinds = P.FLOW_KINDS - {"date", "cutoff_date", "weekday"}
    has_flow_period = any(p.kind in flow_phrase_kinds for p in phrases)
    war_total = has_flow_period and all(
        p.kind in ("since_invasion", "since_year") and p.groups.get("y", "2022") in ("2022",)
        for p in phrases if p.kind in flow_phrase_kinds)
    prev_by_kind: dict[str, tuple[str, str]] = {}
    last_territory_here = ""  # the place of the sentence's previous figure
    attribution = _attribution_for(attr_idx, state, sources, document, sent)
    calc_m = lex.outlet_calc_re.search(sent)
    calc_at = calc_m.start() if calc_m else None  # figures after it are the outlet's own
    state.speaker_side = _official_side(attribution.person) if attribution is not None else ""
    cue_map = {id(m): governing_cue(sent, m, cues, seen, lex) for m in live}
    # In a list ("99 percent of Luhansk, 76 percent of Donetsk ... under Russian occupation")
    # the predicate written once after the last item governs every item.
    for i in range(len(seen) - 2, -1, -1):
        m, n = seen[i], seen[i + 1]
        cm, cn = cue_map[id(m)], cue_map[id(n)]
        if cn is None or not cn.post or (cm is not None and cm.post):
            continue
        # "113,482 square kilometers, or 18.8% of Ukraine, was under Russian occupation": an
        # area and its share restated after it are one figure twice, under one predicate.
        if _family(m) != _family(n) and not is_conversion_gap(sent[m.end:n.qualifier_start]) or \
                n.start - m.end > 45 or _CLAUSE_BREAK.search(sent[m.end:n.start]) or _AND_THAT.search(sent[m.end:n.start]) or \
                _CONTRAST.search(sent[m.end:n.start]):
            continue  # "held 21 percent, against 42 percent controlled by the rebels": two holders
        if any(m.end <= c.start < n.start for c in cues):
            continue
        cue_map[id(m)] = cn
    decided_of: dict[int, str] = {}
    for m in live:
        cue = cue_map[id(m)]
        decided = classify(m, cue, sent, lex, has_flow_period, state, war_total)
        m.cue_class = cue.cls if cue is not None else ""
        # Apposition: ", some 125,000 square kilometers" restates the figure before it.
        earlier = [o for o in seen if o.end <= m.start and id(o) in decided_of]
        if earlier and _APPOSITION.match(sent[earlier[-1].end:m.qualifier_start]):
            restated = _restate(decided_of[id(earlier[-1])], m)
            if restated:
                decided = (restated, False)
                cue = cue_map[id(earlier[-1])]
        probe = any(f.startswith("probe:") for f in m.flags)
        if decided is None:
            if not explore:
                continue
            decided = (_FALLBACK_METRIC[_family(m)][has_flow_period], False)
            m.flags.add("probe:no_cue")
            probe = True
        metric, opponent = decided
        if not probe:
            decided_of[id(m)] = metric
        actor = find_actor(sent, m, cue, actors, state)
        if opponent:
            actor = OPPONENT.get(actor, actor)
        if not actor:
            if not explore:
                continue
            m.flags.add("probe:no_actor")
            probe = True
        stock = not is_flow(metric)
        dating = phrases
        if metric.endswith("_pct") and _previously_held_end(sent, m) is not None:
            # "a third of the ground they controlled at the height of their incursion"
            dating = [p for p in phrases if not _in_denominator(sent, m, p, lex)]
        if may_be_dated_as_stock(metric):
            # "of the land Russia grabbed in 2022", "of what Ukraine first occupied": times
            # inside the denominator's clause date the seizure, not the share.
            dating = [p for p in dating if not _in_denominator(sent, m, p, lex)]
            if not _SINCE_ADVERB.search(sent, 0, m.start):
                # "has recovered about 50% of the land Russia grabbed": without a period of
                # its own the share says how far the recapture stands, dated like a stock.
                own = choose_phrase(sent, m, dating, seen, False)
                stock = own is None or own.kind in _NOT_A_PERIOD
            if stock:
                dating = [p for p in dating if p.kind != "peak"]
        # Month context for "over the month" / "first 30 days of the month".
        earlier_months = [p for p in month_phrases if p.start < m.start]
        if earlier_months:
            r = P.resolve(earlier_months[-1], ctx, lex, stock=False)
            if r.period_start:
                ctx.month = (r.period_start.year, r.period_start.month)
        phrase = choose_phrase(sent, m, dating, seen, stock)
        claim = Claim()
        flags = set(m.flags)
        if phrase is not None and phrase.kind == "this_period":
            # "over this period": from the date named before it in the sentence to the end.
            dated = [P.resolve(q, ctx, lex, True).as_of for q in phrases
                     if q.end <= phrase.start and q.kind in ("date", "cutoff_date")]
            dated = [d for d in dated if d is not None]
            res = P.Resolved(period_start=min(dated) if dated else None, period_end=P.open_end(ctx),
                             text=phrase.text)
        elif phrase is not None and not stock and phrase.kind in P.WITHIN_KINDS and \
                (anchor := _anchor_before(phrase, phrases, ctx, lex)) is not None:
            # "invaded Kursk in early August and took 1,100 km² within two weeks": the span
            # runs from the event named before it.
            res = P.within(phrase, anchor, lex)
        elif phrase is not None and phrase.kind == "the_month" and not earlier_months and ctx.lede_month:
            # "won back 45 km² over the month" with no month in its sentence: the month the
            # report is about, not one named in passing ("down from 17 a day in January").
            spoken, ctx.month = ctx.month, ctx.lede_month
            res = P.resolve(phrase, ctx, lex, stock)
            ctx.month = spoken
        elif phrase is not None:
            res = P.resolve(phrase, ctx, lex, stock)
            if phrase.kind in ("peak",) and not stock:
                res = P.Resolved(text=phrase.text)
        elif stock:
            res = P.Resolved(as_of=ctx.cutoff or ctx.ref, text="", unresolved=ctx.ref is None)
        elif (lead := _lead_in_period(attr_idx, state)) is not None:
            res = P.resolve(lead, ctx, lex, False)
        elif ctx.last_flow is not None and (len(ctx.last_flow) < 4 or attribution is None or
                                            ctx.last_flow[3] == attribution.label):
            # The period spoken of before, within the same source's account only.
            res = P.Resolved(period_start=ctx.last_flow[0], period_end=ctx.last_flow[1], text=ctx.last_flow[2])
        elif ctx.last_flow is not None:
            res = P.Resolved(period_end=P.open_end(ctx), text="")
        elif ctx.month is not None:
            # The month the document spoke of before ("... in November. The forces advanced ...").
            first = date(ctx.month[0], ctx.month[1], 1)
            res = P.Resolved(period_start=first, period_end=min(P.last_day(*ctx.month), ctx.cutoff or ctx.ref or
                                                                 P.last_day(*ctx.month)), text="(context month)")
        else:
            res = P.Resolved(period_end=ctx.cutoff or ctx.ref, unresolved=ctx.ref is None)
        if not stock and phrase is not None and phrase.kind == "date" and res.period_start and \
                (_SO_FAR.search(sent, phrase.end) or phrase.end <= m.start and
                 _AFTER_EVENT.search(sent, max(0, phrase.start - 100), phrase.start)):
            # "Three months after the alliance launched its offensive on October 27, rebels
            # have captured 35 towns": from that day on.
            # "entered the region on June 8 but have so far gained 8 km²": from that day on.
            res = P.Resolved(period_start=res.period_start, period_end=P.open_end(ctx) or res.period_end,
                             text=res.text)
        if not stock and phrase is not None and res.period_start is not None:
            res = _with_sentence_cutoff(res, phrase, phrases, ctx, lex)
        if stock and phrase is not None and phrase.kind in ("date", "month", "mid_month", "early_month") and \
                _SINCE_EVENT.search(sent, max(0, phrase.start - 70), phrase.start):
            # "holds 30 percent since the fighting resumed in mid-March": held now, not then.
            res = P.Resolved(as_of=P.open_end(ctx), text=res.text)
        if res.unresolved:
            flags.add("period_unresolved")
        if stock:
            claim.as_of = _iso(res.as_of)
        else:
            claim.period_start, claim.period_end = _iso(res.period_start), _iso(res.period_end)
            if (res.period_start or res.period_end) and phrase is not None and not phrase.groups.get("comparison") \
                    and not probe:
                ctx.last_flow = (res.period_start, res.period_end, res.text,
                                 attribution.label if attribution is not None else "")
            if res.period_start and phrase is not None and phrase.kind in ("month", "the_month", "last_month") and \
                    not phrase.groups.get("comparison") and not probe:
                ctx.month = (res.period_start.year, res.period_start.month)
                if ctx.lede_month is None:
                    ctx.lede_month = ctx.month
        claim.period_text = res.text
        if res.approx:
            flags.add("period_approx")
        if ctx.ref_precision in ("month", "year") and (phrase is None or phrase.kind in ("now",)):
            flags.add("published_approx")
        # One share of several regions is one claim per region; a count or area "in the A
        # and B regions" is one total over both.
        listed = enumerated_territories(sent, m) if _family(m) == "share" else []
        territory = listed[0] if listed else \
            find_territory(sent, m, state, prev_by_kind.get(m.measure.kind, ("", ""))[1] or
                           (last_territory_here if cue is not None and cue.cls == "same_as_previous" or
                            _INCLUDING.search(sent, max(0, m.qualifier_start - 14), m.qualifier_start) else "") or None)
        if not listed and territory and territory not in COUNTRY_OF_CONFLICT.values():
            # "more than 50 villages in the Aleppo and Idlib regions": one total over both.
            territory = _joint_territory(sent, m, territory)
        if not probe:  # a probe reading is no context for the figures after it
            prev_by_kind[m.measure.kind] = (metric, territory)
            last_territory_here = territory  # "..., including 23 villages": the whole's place
            if territory and territory not in COUNTRY_OF_CONFLICT.values():
                state.last_territory = territory
            state.last_actor = actor if actor not in ("",) else state.last_actor
            state.last_metric_class = _cue_family(metric)

        claim.conflict = state.conflict
        claim.metric = metric
        claim.value = None if m.value is None else round(m.value, 6)
        claim.value_min, claim.value_max = m.value_min, m.value_max
        claim.qualifier = m.qualifier
        claim.qualifier_text = m.qualifier_text
        claim.value_original = m.value_original
        claim.unit_original = m.unit_original
        claim.alt_value_original = m.alt_value
        claim.alt_unit_original = m.alt_unit
        claim.actor = actor
        claim.territory = territory
        held_end = _previously_held_end(sent, m) if metric == "share_controlled_pct" else None
        if held_end is not None and sent[m.end:held_end].strip().lower() not in ("it", "of it"):
            # "still hold ..., roughly a third of the ground they controlled at the height of
            # their incursion": a share of what the holder once held.
            place = territory if territory and territory not in COUNTRY_OF_CONFLICT.values() else state.last_territory
            claim.territory = f"area of {place} seized by {actor}" if place else f"area seized by {actor}"
        if metric in ("share_regained_pct", "share_lost_pct"):
            # The denominator is an area seized before: "64 percent of the land Ukraine
            # captured in the Kursk region" -> area of Kursk oblast (Russia) seized by Ukraine.
            holder = OPPONENT.get(actor, "") if metric == "share_regained_pct" else actor
            place = territory if territory and territory not in COUNTRY_OF_CONFLICT.values() else state.last_territory
            if place and place.endswith(")") and (" area (" in place or " direction (" in place or " sector (" in place):
                place = ""  # a front's surroundings are no area seized as a whole
            if holder:
                claim.territory = f"area of {place} seized by {holder}" if place else f"area seized by {holder}"
        if calc_at is not None and calc_at < m.start and document.publisher:
            outlet = outlet_name(document.publisher)
            claim.attribution = f"{outlet} (calculation)"
            claim.analyst = outlet
            claim.data_producer = attribution.producer if attribution is not None else ""
            flags.add("implicit")
        elif attribution is not None:
            claim.attribution = attribution.label
            if "{side}" in claim.attribution:
                # An unnamed army or general staff: the army of the conflict, or in Ukraine the
                # side whose figure it is.
                side = PLACEHOLDERS["ARMY"].get(state.conflict) if state.conflict != "israel-gaza" else "Israel"
                side = side if side and state.conflict != "russia-ukraine" else actor
                claim.attribution = claim.attribution.replace("{side}", DEMONYM.get(side, side))
            claim.analyst = attribution.analyst
            claim.data_producer = attribution.producer
        claim.quote = sent
        claim.number_start = offset + m.num.start
        claim.number_end = offset + m.num.end
        claim.method = "reported"
        claim.extractor_version = version
        claim.url = document.url
        claim.publisher = document.publisher
        claim.title = document.title
        claim.published_at = document.published or ""
        claim.source_id = document.source_id
        claim.snapshot_sha256 = document.snapshot_sha256
        claim.retrieved_at = document.retrieved_at
        for f in sorted(flags):
            claim.add_flag(f)
        out.append((claim, m, sent))
        # "around 75 percent of the Donetsk, Zaporizhzhia and Kherson regions": one claim each.
        for other in listed[1:]:
            twin = Claim(**{**claim.to_dict(), "territory": other})
            out.append((twin, m, sent))
    return out


# "had retaken 37 villages ... and that seven localities were now back under army control":
# a second reported clause has its own predicate.
_AND_THAT = lazy_compile(r"\b(?:and|und|et|en|og|і|та)\s+(?:that|dass|que|qu['’]|dat|at|що)\b", re.I)
_ENUM_GAP = lazy_compile(r"^\s*(?:,|and|et|und|en|og|і|та|,\s*and|,\s*et)?\s*(?:the\s+|la\s+|de\s+)?$", re.I)


_ENUM_STOP = lazy_compile(r"[;:\d]")


def enumerated_territories(sentence: str, m: Mention) -> list[str]:
    """Regions listed together right after a figure, in order ([] when fewer than two)."""
    right = sentence[m.end:m.end + 100]
    cut = _ENUM_STOP.search(right)
    if cut:
        right = right[:cut.start()]
    regions = [t for t in _territories(right) if t[3] == 2 and
               not FOCUS_BEFORE.search(right, max(0, t[0] - 40), t[0])]
    if len(regions) < 2:
        return []
    names = [regions[0][2]]
    for a, b in zip(regions, regions[1:]):
        if not _ENUM_GAP.match(right[a[1]:b[0]]):
            break
        names.append(b[2])
    return names if len(names) >= 2 else []


_REGION_KIND = lazy_compile(r"^(?P<name>.+?) (?P<kind>oblast|governorate|State|state|region)(?P<rest> \(.*\))?$")


def _joint_territory(sentence: str, m: Mention, territory: str) -> str:
    """`territory` joined with the regions listed with it after the figure, when the figure
    is one total over them: "Aleppo governorate" + "Idlib governorate" -> "Aleppo and Idlib
    governorates"."""
    listed = enumerated_territories(sentence, m)
    if not listed or listed[0] != territory:
        return territory
    parts = [_REGION_KIND.match(name) for name in listed]
    if not all(parts) or len({(p.group("kind").lower(), p.group("rest")) for p in parts}) != 1:
        return " and ".join([", ".join(listed[:-1]), listed[-1]])
    names = [p.group("name") for p in parts]
    kind = parts[0].group("kind")
    return f"{', '.join(names[:-1])} and {names[-1]} {kind}s{parts[0].group('rest') or ''}"


def _overlap(a: Claim, b: Claim) -> bool:
    """Do two claims speak of the same time (as-of within 3 days, or overlapping periods)?"""
    if a.as_of or b.as_of:
        if not (a.as_of and b.as_of):
            return False
        return abs((date.fromisoformat(a.as_of) - date.fromisoformat(b.as_of)).days) <= 3
    a0, a1 = a.period_start or "0000", a.period_end or "9999"
    b0, b1 = b.period_start or "0000", b.period_end or "9999"
    return a0 <= b1 and b0 <= a1


def _deduplicate(items: list[tuple[Claim, Mention, str]]) -> list[Claim]:
    """One claim per assertion: restatements (same metric, actor and territory, same time,
    value within 5 %) collapse to the most precise and most explicit occurrence."""
    kept: list[tuple[Claim, Mention]] = []
    groups: dict[tuple, list[int]] = {}  # (metric, actor, territory) -> indices in kept
    for claim, m, _ in items:
        merged = False
        group = groups.setdefault((claim.metric, claim.actor, claim.territory), [])
        for i in group[-50:]:  # restatements sit close together; bounded work per claim
            k, km = kept[i]
            calc = k.attribution.endswith("(calculation)") or claim.attribution.endswith("(calculation)")
            if (k.metric, k.actor, k.territory) != (claim.metric, claim.actor, claim.territory) or \
                    (k.attribution != claim.attribution and not calc):
                continue  # an outlet's restatement of a figure is that figure again
            if not _overlap(k, claim):
                continue
            a, b = k.value, claim.value
            if a is None or b is None:
                same = (k.value_min, k.value_max) == (claim.value_min, claim.value_max)
            else:
                same = abs(a - b) <= 0.03 * max(abs(a), abs(b), 1e-9)
            if not same:
                continue
            merged = True
            if _better(claim, m, k, km):
                kept[i] = (claim, m)
            break
        if not merged:
            group.append(len(kept))
            kept.append((claim, m))
    kept.sort(key=lambda t: t[0].number_start or 0)
    return [c for c, _ in kept]


def _better(new: Claim, nm: Mention, old: Claim, om: Mention) -> bool:
    if nm.precise != om.precise:
        return nm.precise
    sn, so = _sig_digits(new.value), _sig_digits(old.value)
    if sn != so:
        return sn > so
    if bool(new.alt_value_original) != bool(old.alt_value_original):
        return bool(new.alt_value_original)
    if (new.qualifier != "exact") != (old.qualifier != "exact"):
        return new.qualifier != "exact"  # "about 64 percent" says more than "64 percent"
    return False
