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

from tracker.extract.lexicon import ORG_WORDS, SOURCES, TITLE_WORDS, Lexicon

# A run of capitalised words (Latin or Cyrillic), allowing particles inside names.
_CAP = r"[A-ZÀ-ÖØ-ÞА-ЯІЇЄҐ][\w'’.-]*"
_RUN = re.compile(_CAP + r"(?:\s+(?:al-|bin\s+|de\s+|van\s+|von\s+)?" + _CAP + r"){0,4}")
_POSSESSIVE = re.compile(r"(?:'s|’s)$")


@dataclass
class Attribution:
    label: str
    analyst: str = ""
    producer: str = ""
    person: str = ""


@dataclass
class PeopleRegistry:
    """Full names seen so far in the document, so a later bare surname resolves."""

    by_surname: dict

    @classmethod
    def empty(cls) -> "PeopleRegistry":
        return cls({})

    def add(self, full: str) -> None:
        parts = full.split()
        if len(parts) >= 2:
            self.by_surname.setdefault(parts[-1].lower(), full)

    def lookup(self, token: str) -> str | None:
        return self.by_surname.get(token.lower())


def _clean_name(run: str, people: PeopleRegistry, non_name) -> str | None:
    tokens = [t.rstrip(".,") for t in run.split()]
    tokens = [_POSSESSIVE.sub("", t) for t in tokens]
    while tokens and (tokens[0] in TITLE_WORDS or tokens[0].lower() in TITLE_WORDS
                      or non_name(tokens[0]) or tokens[0].lower().endswith("ing")):
        tokens.pop(0)
    while tokens and (tokens[-1] in TITLE_WORDS or non_name(tokens[-1])):
        tokens.pop()
    if any(pat.fullmatch(" ".join(tokens)) for pat, _c, _k in SOURCES):
        return None  # "the Krasnaya Zvezda newspaper" is an outlet, not a speaker
    if any(non_name(t) or t.lower() in ORG_WORDS or "-" in t and t.lower().endswith("based") for t in tokens):
        return None
    if len(tokens) >= 2 and all(len(t) > 1 for t in tokens[-2:]):
        return " ".join(tokens)
    if len(tokens) == 1:
        return people.lookup(tokens[0])
    return None


def _sources_in(sentence: str) -> list[tuple[int, str, str]]:
    hits = []
    for pattern, canon, kind in SOURCES:
        m = pattern.search(sentence)
        if m:
            hits.append((m.start(), canon, kind))
    hits.sort()
    return hits


def _person_near(sentence: str, lex: Lexicon, people: PeopleRegistry,
                 non_name) -> str | None:
    """The named speaker of a sentence: left of a speech verb, after it, or after 'according to'."""
    best: tuple[int, str] | None = None
    for vm in lex.speech_re.finditer(sentence):
        left = sentence[max(0, vm.start() - 90):vm.start()]
        runs = list(_RUN.finditer(left))
        for rm in list(reversed(runs))[:3]:
            name = _clean_name(rm.group(0), people, non_name)
            if name:
                dist = len(left) - rm.end()
                if best is None or dist < best[0]:
                    best = (dist, name)
                break
        right = sentence[vm.end():vm.end() + 70]
        rm = _RUN.search(right)
        if rm and rm.start() <= 25:
            name = _clean_name(rm.group(0), people, non_name)
            if name and (best is None or rm.start() < best[0]):
                best = (rm.start(), name)
    return best[1] if best else None


def find_attribution(sentence: str, lex: Lexicon, people: PeopleRegistry,
                     non_name) -> Attribution | None:
    """The source named in `sentence`, or None when it names none."""
    sources = _sources_in(sentence)
    producers = [c for _, c, k in sources if k == "producer"]
    analysts = [c for _, c, k in sources if k == "analyst"]
    relays = [c for _, c, k in sources if k == "relay"]
    has_analysis = bool(lex.analysis_re.search(sentence)) or bool(
        re.search(r"analy|berechn|auswert|ausgewertet|review|analyse|підрах", sentence, re.I))
    person = _person_near(sentence, lex, people, non_name)
    for run in _RUN.finditer(sentence):
        name = _clean_name(run.group(0), people, non_name)
        if name and " " in name:
            people.add(name)
    if analysts and producers and has_analysis:
        a, p = analysts[0], producers[0]
        return Attribution(f"{a} analysis of {p} data", analyst=a, producer=p)
    if person:
        people.add(person)
        org = producers[0] if producers else ""
        label = f"{person} ({org})" if org else person
        return Attribution(label, producer=org or person, person=person)
    if producers:
        return Attribution(producers[0], producer=producers[0])
    if analysts and (lex.speech_re.search(sentence) or has_analysis):
        return Attribution(analysts[0], analyst=analysts[0], producer=analysts[0])
    if relays and lex.according_re.search(sentence):
        return Attribution(relays[0], producer=relays[0])
    return None
