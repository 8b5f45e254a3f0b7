"""Who produced a figure: the analyst and data producer, or the official who stated it.

The relaying outlet is not the source: "according to AFP analysis of data from the ISW"
gives `AFP analysis of ISW data` (analyst AFP, data producer ISW); "Ukraine's top commander,
General Oleksandr Syrskyi, announced, according to an AP report" gives the commander. A
sentence without its own source inherits the nearest earlier one, else the document's most
frequent one (see `engine`).
"""

from __future__ import annotations

import re
from dataclasses import dataclass

from tracker.extract.lazyre import lazy_compile
from tracker.extract.lexicon import (FULL_NAMES, ORG_WORDS, SOURCES, SOURCES_CASED, SOURCES_FAST, TITLE_WORDS, Lexicon, _fast,
                                     canonical_person, is_source_name, may_name_official)

# A run of capitalised words (Latin or Cyrillic), allowing particles inside names.
_CAP = r"[A-ZÀ-ÖØ-ÞА-ЯІЇЄҐ][\w'’.-]*"
_RUN = lazy_compile(_CAP + r"(?:\s+(?:al-|bin\s+|de\s+|van\s+|von\s+)?" + _CAP + r"){0,4}")
_POSSESSIVE = lazy_compile(r"(?:'s|’s)$")


@dataclass
class Attribution:
    label: str
    analyst: str = ""
    producer: str = ""
    person: str = ""
    generic: str = ""  # "army": an unnamed army, named after the side of the claim; "group":
    # bare "analysts"; "adjunct": a producer cited only in an "according to" phrase


@dataclass
class PeopleRegistry:
    """Full names seen so far in the document, so a later bare surname resolves."""

    by_surname: dict
    cleaned: dict  # capitalised run -> its name tokens (None: not a person), per document

    @classmethod
    def empty(cls) -> "PeopleRegistry":
        return cls({}, {})

    def add(self, full: str) -> None:
        parts = full.split()
        if len(parts) >= 2:
            self.by_surname.setdefault(parts[-1].lower(), full)

    def lookup(self, token: str) -> str | None:
        return self.by_surname.get(token.lower())


def _clean_name(run: str, people: PeopleRegistry, non_name) -> str | None:
    if run in people.cleaned:
        tokens = people.cleaned[run]
    elif len(run.split()) == 1 and not may_name_official(run) and \
            people.lookup(_POSSESSIVE.sub("", run.rstrip(".,"))) is None:
        # One word names a person only as an official's surname or the surname of one met
        # before: without either, whatever the word is, it names nobody.
        return None
    else:
        tokens = _official_tokens(run) or _name_tokens(run, non_name)
        if len(people.cleaned) < 5000:
            people.cleaned[run] = tokens
    if tokens is None:
        return None
    if len(tokens) >= 2 and all(len(t) > 1 for t in tokens[-2:]):
        return " ".join(tokens)
    if len(tokens) == 1:
        return people.lookup(tokens[0])
    return None


def _official_tokens(run: str) -> tuple | None:
    """A known official however spelled or titled ("Defence Minister Israel Katz", "Olexij
    Resnikow"): the tokens of the English spelling, else None."""
    if not may_name_official(run):
        return None
    words = run.split()
    for k in (2, 1):
        if len(words) >= k:
            tail = " ".join(words[-k:]).rstrip(".,")
            canon = canonical_person(tail)
            if canon != tail:
                return tuple(canon.split())
    return None


def _name_tokens(run: str, non_name) -> tuple | None:
    """The tokens of a capitalised run once titles are stripped; None when it is no person."""
    tokens = [t.rstrip(".,") for t in run.split()]
    tokens = [_POSSESSIVE.sub("", t) for t in tokens]
    while tokens and (tokens[0] in TITLE_WORDS or tokens[0].lower() in TITLE_WORDS
                      or non_name(tokens[0]) or tokens[0].lower().endswith("ing")):
        tokens.pop(0)
    while tokens and (tokens[-1] in TITLE_WORDS or non_name(tokens[-1])):
        tokens.pop()
    if any(non_name(t) or t.lower() in ORG_WORDS or "-" in t and t.lower().endswith("based") for t in tokens):
        return None
    if any(_HEAD_NOUN.fullmatch(t) for t in tokens):
        return None  # "der Analysegruppe DeepState": a group's noun, no person
    if is_source_name(" ".join(tokens)):
        return None  # "the Krasnaya Zvezda newspaper" is an outlet, not a speaker
    return tuple(tokens)


def _sources_in(sentence: str, found: list | None = None) -> list[tuple[int, str, str]]:
    """(start, canonical name, kind) of each source named, the first time it is named;
    `found` is `SOURCES_FAST`'s matches in `sentence` when the caller has them."""
    hits = []
    seen = set()
    found = list(SOURCES_FAST.finditer(sentence)) if found is None else found
    # The case-sensitive entries ("UN said", "ООН", "the United Nations", "l'ONU") only where
    # their letters are.
    if ("UN" in sentence or "ООН" in sentence or "nited" in sentence or "NITED" in sentence or
            "onu" in sentence or "ONU" in sentence or "Onu" in sentence) and SOURCES_CASED.search(sentence):
        found = sorted(found + list(SOURCES_CASED.finditer(sentence)), key=lambda x: x.start())
    for m in found:
        i = int(m.lastgroup[1:])
        if i not in seen:
            seen.add(i)
            _p, canon, kind = SOURCES[i]
            hits.append((m.start(), canon, kind))
    return hits


_ANALYSIS_STEM = lazy_compile(r"analy|berechn|auswert|ausgewertet|review|analyse|підрах", re.I)
_ANALYSIS_STEM_FAST = _fast(_ANALYSIS_STEM)
_BY_AFTER = lazy_compile(r"\s*by\b")
_TITLE_GAP = lazy_compile(r"\s+(?:[a-zà-ÿ][\w-]*\s+){0,2}|\s")


def _runs_in(runs: list[tuple[int, int, str]], start: int, end: int) -> list[tuple[int, int, str]] | None:
    """The capitalised runs of `sentence[start:end]`, as offsets within it, taken from the
    sentence's own runs; None when a run crosses either edge. `_RUN` has no look-around, so
    a run that lies wholly inside the window is what a scan of the window would find."""
    inside = []
    for s, e, text in runs:
        if s < start < e or s < end < e:
            return None
        if start <= s and e <= end:
            inside.append((s - start, e - start, text))
    return inside


def _scan_runs(window: str) -> list[tuple[int, int, str]]:
    return [(rm.start(), rm.end(), rm.group(0)) for rm in _RUN.finditer(window)]


def _person_near(sentence: str, lex: Lexicon, people: PeopleRegistry,
                 non_name, runs: list[tuple[int, int, str]]) -> str | None:
    """The named speaker of a sentence: left of a speech verb, after it, or after 'according to'.
    `runs` are the sentence's capitalised runs (start, end, text)."""
    best: tuple[int, str] | None = None
    for vm in lex.speech_fast.finditer(sentence):
        left_start = max(0, vm.start() - 90)
        left = sentence[left_start:vm.start()]
        left_runs = _runs_in(runs, left_start, vm.start())
        if left_runs is None:
            left_runs = _scan_runs(left)
        for _s, e, text in left_runs[:-4:-1]:  # the last three, nearest first
            name = _clean_name(text, people, non_name)
            if name:
                dist = len(left) - e
                if best is None or dist < best[0]:
                    best = (dist, name)
                break
        right_end = min(len(sentence), vm.end() + 70)
        right = sentence[vm.end():right_end]
        if _BY_AFTER.match(right):
            continue  # "the area cited by Malyar" describes the area; the speaker is elsewhere
        right_runs = _runs_in(runs, vm.end(), right_end)
        if right_runs is None:
            right_runs = _scan_runs(right)
        # V2 and inverted order: "sa Ukrainas president Volodymyr Zelenskyj at ..."
        last_end = 0
        for s, e, text in right_runs:
            if s > 25 and not (last_end and _TITLE_GAP.fullmatch(right[last_end:s])):
                break
            name = _clean_name(text, people, non_name)
            if name:
                if best is None or s < best[0]:
                    best = (s, name)
                break
            last_end = e
            if not _TITLE_GAP.fullmatch(right[last_end:last_end + 1] or " "):
                break
    return best[1] if best else None


_STAFF_HEADS = lazy_compile(r"general\s+staff|état-major|generalstab|generale\s+staf|generalstaben|forsvarsstaben|генштаб", re.I)
_ARMY_HEADS = lazy_compile(r"army|military|armée|armee|militär|leger|hæren|армія", re.I)
_LEADING_ARTICLE = lazy_compile(r"^(?:the|an?|l['’]|la|le|les|un|une|die|der|das|de|het|een)\s+", re.I)


_GOVERNMENT_OF = {"Russia": "Russian government", "Ukraine": "Ukrainian government", "Israel": "Israeli government"}
_SUBJECT_GAP = lazy_compile(r"(?:\s+\([A-Z]{2,6}\))?\s+(?:(?:also|now|has|had|have|already|then|itself|heeft|hat|a|har|ook|auch|aussi|også)\s+){0,2}")
_LOCATIVE = lazy_compile(r"(?<![\w'’])(?:in|i|en|im|dans|à|op|у|в|на|near|from|to)\s+(?:the\s+)?$", re.I)
_ANALYST_HEADS = lazy_compile(r"(?:war\s+)?(?:analy|blog|monitor|expert|observ|estimat|report|stud|survey|аналіт|експерт|ekspert)", re.I)
_POSTPOSITIONS = ("according", "selon", "laut", "volgens", "ifølge", "за ", "zufolge", "nach", "d'après", "d’après")


def _subject_source(sentence: str, lex: Lexicon) -> Attribution | None:
    """A source that is the subject of a speech verb without a name: an actor ("the Arakan
    Army says", "Ukraine reports") or an unnamed group ("analysts and war bloggers said",
    "the army said"). The last such subject of the sentence wins. Like a person's word, it
    carries into the next sentence only while that one still reports speech."""
    found = None
    for vm in lex.speech_fast.finditer(sentence):
        if vm.group(0).lower().startswith(_POSTPOSITIONS):
            continue
        left = sentence[max(0, vm.start() - 60):vm.start()]
        actors = [(am.start(), am.end(), lex.actors[int(am.lastgroup[1:])][1]) for am in lex.actor_all_fast.finditer(left)]
        gm = lex.generic_source_re.search(left)
        if actors and not (gm and gm.start() < actors[-1][0] and gm.end() >= actors[-1][1]):
            _s, e, canon = actors[-1]
            if _SUBJECT_GAP.fullmatch(left[e:]) and canon.upper() != canon and \
                    not _LOCATIVE.search(left[:_s]):
                label = _GOVERNMENT_OF.get(canon, canon)
                found = Attribution(label, producer=label, person=label)
                continue
        if gm:
            if _ARMY_HEADS.fullmatch(gm.group("head").strip()):
                found = Attribution("{side} army", generic="army", person="army")
                continue
            if _STAFF_HEADS.fullmatch(gm.group("head").strip()):
                found = Attribution("{side} General Staff", generic="General Staff", person="General Staff")
                continue
            np = _LEADING_ARTICLE.sub("", gm.group("np").strip())
            if _ANALYST_HEADS.match(gm.group("head")):
                # Carries like a producer's. Bare "analysts" are those of a producer named before.
                bare = np.lower() == gm.group("head").strip().lower()
                found = Attribution(np, producer=np, generic="group" if bare else "")
            else:
                found = Attribution(np, producer=np, person=np)  # witnesses, officials: like a person
    return found


# "an analysis by the Israeli newspaper Haaretz", "une analyse du quotidien Haaretz", "einer
# Analyse der Zeitung Haaretz", "een analyse van de krant Haaretz", "en analyse fra avisen
# Haaretz", "за аналізом видання Haaretz": the analysis word, then the analyst's noun phrase.
_NAMED_ANALYSIS = {
    "en": r"(?:analysis|analyses|review|assessment|study|tally|count|investigation|mapping)\s+(?:(?:conducted|carried\s+out|published|released|done)(?:\s+[\w'’]+){0,2}\s+)?(?:by|from)\s+",
    "fr": r"(?:analyse|étude|décompte|enquête|comptage)\s+(?:(?:menée|réalisée|publiée)\s+par\s+|par\s+|du\s+|de\s+la\s+|de\s+l['’]|de\s+|d['’])",
    "de": r"(?:analyse|auswertung|berechnung(?:en)?|zählung|untersuchung|recherche)\s+(?:der|des|von|durch)\s+",
    "nl": r"(?:analyse|telling|onderzoek)\s+(?:(?:uitgevoerd\s+)?door|van)\s+",
    "no": r"(?:analyse|opptelling|gjennomgang|beregning(?:er)?)\s+(?:(?:gjort\s+)?av|fra)\s+",
    "uk": r"(?:аналіз\w*|підрахун\w*|дослідженн\w*)\s+",
}
_NAMED_ANALYSIS_RE = {code: lazy_compile(r"(?<![\w'’-])" + p, re.I) for code, p in _NAMED_ANALYSIS.items()}
# "a Haaretz analysis", "Haaretz's analysis", "eine Haaretz-Analyse", "Haaretz' analyse".
_ANALYSIS_BY_NAME_RE = lazy_compile(
    r"(?P<name>" + _CAP + r"(?:\s+" + _CAP + r"){0,3}?)(?:['’]s|['’]|s)?[\s-](?i:analysis|analyse|auswertung|analyze|review|tally|count|аналіз\w*)(?!\w)")
# Common nouns German writes with a capital, before the name: "der Zeitung Haaretz".
_HEAD_NOUN = lazy_compile(r"\w*(?:zeitung|agentur|gruppe|denkfabrik|magazin|sender|portal|plattform|blatt|website|"
                        r"projekt|organisation|dienst|institut|nachrichten\w*)", re.I)
_HEAD_NOUN = _fast(_HEAD_NOUN)
_NP_END = lazy_compile(r"[,;:()\[\]]|\s[–—]\s|\.(?:\s|$)")


_OF_DATA_AFTER = lazy_compile(r"\s+(?:of|based\s+on)\s+(?:(?:the\s+)?(?:data|figures|maps)\s+(?:from|of|by|compiled\s+by)\s+)?", re.I)


def _analysis_of_producer(sentence: str, producer: str) -> str | None:
    """The name before "analysis of <producer's> data" when it is no producer itself."""
    for nm in _ANALYSIS_BY_NAME_RE.finditer(sentence):
        if not _OF_DATA_AFTER.match(sentence, nm.end()):
            continue
        tokens = nm.group("name").split()
        while tokens and (tokens[0] in TITLE_WORDS or _LEADING_ARTICLE.match(tokens[0] + " ")):
            tokens.pop(0)
        name = " ".join(tokens)
        # An outlet nobody lists as a source, or one listed as a relay ("a Reuters analysis").
        if len(name) >= 2 and name != producer and (not is_source_name(name) or _is_relay(name)):
            return name
    return None


def _is_relay(name: str) -> bool:
    hits = _sources_in(name)
    return bool(hits) and all(kind in ("relay", "analyst") for _p, _c, kind in hits)


def has_analysis_word(sentence: str, lex: Lexicon) -> bool:
    return bool(_ANALYSIS_STEM_FAST.search(sentence) or lex.analysis_fast.search(sentence))


def _named_analyst(sentence: str, lex: Lexicon, non_name) -> str | None:
    """The analyst named with an analysis word, when it is no known source: "according to an
    analysis by the Israeli newspaper Haaretz" -> Haaretz."""
    pat = _NAMED_ANALYSIS_RE.get(lex.code)
    candidates: list[str] = []
    if pat is not None:
        for am in pat.finditer(sentence):
            window = sentence[am.end():am.end() + 90]
            cut = _NP_END.search(window)
            if cut:
                window = window[:cut.start()]
            for rm in _RUN.finditer(window):
                if rm.start() > 60:
                    break
                tokens = [_POSSESSIVE.sub("", t.rstrip(".,")) for t in rm.group(0).split()]
                # "the Israeli newspaper Haaretz" loses its demonym; "Myanmar Peace Monitor",
                # an organisation's own name, keeps its place word.
                org = len(tokens) > 1 and tokens[-1].lower() in ORG_WORDS
                while tokens and ((non_name(tokens[0]) and not org) or tokens[0] in TITLE_WORDS or
                                  _HEAD_NOUN.fullmatch(tokens[0])):
                    tokens.pop(0)
                if tokens:
                    candidates.append(" ".join(tokens))
                    break
            if candidates:
                break
    if not candidates:
        for nm in _ANALYSIS_BY_NAME_RE.finditer(sentence):
            tokens = nm.group("name").split()
            while tokens and (non_name(tokens[0]) or tokens[0] in TITLE_WORDS or
                              _LEADING_ARTICLE.match(tokens[0] + " ")):
                tokens.pop(0)
            if tokens:
                candidates.append(" ".join(tokens))
                break
    for name in candidates:
        if is_source_name(name) or name.lower() in ORG_WORDS or len(name) < 2:
            continue  # a known source is read by the rules for sources
        return name
    return None


def _unnamed_source(sentence: str, lex: Lexicon) -> str | None:
    """The unnamed source an "according to" phrase cites ("according to Western officials",
    "selon un expert militaire"), labelled in English; None when the phrase names none."""
    if not lex.source_nouns:
        return None
    for cm in lex.according_fast.finditer(sentence):
        label = lex.unnamed_source(sentence[cm.end():cm.end() + 120])
        if label:
            return label
    return None


def find_attribution(sentence: str, lex: Lexicon, people: PeopleRegistry,
                     non_name) -> Attribution | None:
    """The source named in `sentence`, or None when it names none."""
    named_sources = list(SOURCES_FAST.finditer(sentence))
    sources = _sources_in(sentence, named_sources)
    producers = [c for _, c, k in sources if k == "producer"]
    analysts = [c for _, c, k in sources if k == "analyst"]
    relays = [c for _, c, k in sources if k == "relay"]
    speaks = lex.speech_fast.search(sentence) is not None
    # An analysis word matters only beside a named source or a speech verb (see below).
    analysis_word = (analysts or producers or speaks) and has_analysis_word(sentence, lex)
    has_analysis = bool(analysts) and analysis_word
    run_spans = _scan_runs(sentence)
    runs = [text for _s, _e, text in run_spans]
    # A speaker is a name of two words or more, a surname met before or an official's
    # surname ("заявив Череватий"): without any of them in the sentence, no window holds one.
    can_name = bool(people.by_surname) or any(" " in r or may_name_official(r) for r in runs)
    person = _person_near(sentence, lex, people, non_name, run_spans) if speaks and can_name else None
    if person and any(person in sentence[m.start():m.end()] for m in named_sources):
        person = None  # "the Syrian Observatory for Human Rights said": part of a source's name
    for text in runs:
        if " " not in text:
            continue  # one capitalised word is never a full name to remember
        name = _clean_name(text, people, non_name)
        if name and " " in name:
            people.add(name)
    if analysts and producers and has_analysis:
        a, p = analysts[0], producers[0]
        return Attribution(f"{a} analysis of {p} data", analyst=a, producer=p)
    if producers and not analysts and not person and analysis_word:
        # "a Washington Post analysis of data from the ISW": any outlet can be the analyst.
        chain = _analysis_of_producer(sentence, producers[0])
        if chain:
            return Attribution(f"{chain} analysis of {producers[0]} data", analyst=chain, producer=producers[0])
    named = _named_analyst(sentence, lex, non_name) if speaks and not producers and not analysts and \
        analysis_word else None
    if named:
        return Attribution(f"{named} analysis", analyst=named, producer=named)
    if person:
        person = canonical_person(person)
        people.add(person)
        org = producers[0] if producers else ""
        label = f"{person} ({org})" if org else person
        return Attribution(label, producer=org or person, person=person)
    if producers and speaks and lex.same_figure_re.search(sentence):
        # "ISW thinks 3,000 km² ..., and the general staff gave the same figure": both vouch.
        other = _subject_source(sentence, lex)
        if other is not None and other.label != producers[0]:
            return Attribution(f"{producers[0]}; {other.label}", producer=producers[0], generic=other.generic
                               if other.generic in ("army", "General Staff") else "")
    if producers:
        # "volgens ISW is nu ...": a producer cited in an "according to" adjunct vouches for
        # its own clause; one that reports as a subject ("DeepState said") may go on.
        adjunct = bool(lex.according_fast.search(sentence)) and not lex.speech_fast.search(
            lex.according_re.sub(" ", sentence))
        return Attribution(FULL_NAMES.get(producers[0], producers[0]), producer=producers[0],
                           generic="adjunct" if adjunct else "")
    unnamed = _unnamed_source(sentence, lex) if speaks else None  # the cues are speech verbs too
    if unnamed:
        # "d'après le décompte d'un cartographe anonyme": vouches like a producer named in
        # an "according to" adjunct.
        return Attribution(unnamed, producer=unnamed, generic="adjunct")
    subject = _subject_source(sentence, lex) if speaks else None
    if subject is not None:
        return subject
    if analysts and (speaks or has_analysis):
        return Attribution(analysts[0], analyst=analysts[0], producer=analysts[0])
    if relays and lex.according_fast.search(sentence):
        return Attribution(relays[0], producer=relays[0])
    return None
