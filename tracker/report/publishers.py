"""Who published a citation, and when: original publishers, wire relays, aggregator copies.

A figure is often cited by many sites at once. An editor wants the original: a
"Moscow Times (AFP)" citation is the Moscow Times relaying an AFP wire story (the
original is AFP), and a page on an aggregator site (a mirror that copies other
publishers' articles) is a copy, said plainly, with the original named when the ledger's
publisher name gives it ("breakinglatest (Guardian)", "Al Jazeera via aitopics"). The
rules are data: publishers.csv next to this module lists the wire agencies and the
aggregator sites (by name and web address), so a new mirror is one line there.

The publication date is recovered when the ledger has none: from the URL
(/2024/07/31/, 20240731, 2024-07-31) or, for a figure computed from a map, the map's
date; the text says where the date came from.

    describe("Moscow Times (AFP)", "https://www.themoscowtimes.com/2024/07/31/x")
    # Publisher(name='Moscow Times', original='AFP', kind='relay')
    publication_date("", "https://www.themoscowtimes.com/2024/07/31/x")
    # ('2024-07-31', 'from the URL')
"""

from __future__ import annotations

import csv
import re
from dataclasses import dataclass
from datetime import date
from functools import cache
from importlib import resources
from urllib.parse import urlsplit

ORIGINAL, RELAY, AGGREGATOR = "original", "relay", "aggregator"
# References list the original publisher first, then relays, then aggregator copies.
PREFERENCE = {ORIGINAL: 0, RELAY: 1, AGGREGATOR: 2}

_VIA = re.compile(r"^(?P<original>.+?)\s+via\s+(?P<site>.+)$", re.IGNORECASE)
_BRACKETED = re.compile(r"^(?P<name>.+?)\s*\((?P<inner>[^()]+)\)\s*$")


@dataclass(frozen=True)
class Rules:
    """publishers.csv: names and hosts of wire agencies and aggregator sites."""

    wires: frozenset[str]  # lower-case names
    aggregator_names: frozenset[str]
    aggregator_hosts: frozenset[str]


@dataclass(frozen=True)
class Publisher:
    """One citation's publisher: `name` printed this copy; `original` (when named) wrote
    the story; `kind` is original, relay (of a wire story) or aggregator (a copy)."""

    name: str
    original: str
    kind: str

    def text(self) -> str:
        """'Kyiv Independent', 'AFP, relayed by Moscow Times', 'Guardian, aggregator copy
        on breakinglatest', 'aggregator copy on example.com (original not named)'."""
        if self.kind == RELAY:
            return f"{self.original}, relayed by {self.name}"
        if self.kind == AGGREGATOR:
            if self.original:
                return f"{self.original}, aggregator copy on {self.name}"
            return f"aggregator copy on {self.name} (original not named)"
        return self.name


@cache
def rules() -> Rules:
    """The table shipped with the package (read once)."""
    text = resources.files("tracker.report").joinpath("publishers.csv").read_text(encoding="utf-8")
    rows = list(csv.DictReader(line for line in text.splitlines() if not line.startswith("#")))
    wires = frozenset(r["name"].strip().lower() for r in rows if r["kind"] == "wire")
    aggregators = [r for r in rows if r["kind"] == "aggregator"]
    return Rules(wires=wires,
                 aggregator_names=frozenset(r["name"].strip().lower() for r in aggregators),
                 aggregator_hosts=frozenset(r["host"].strip().lower() for r in aggregators if r["host"]))


def _host(url: str) -> str:
    return (urlsplit(url).hostname or "").lower().removeprefix("www.")


def _is_aggregator(name: str, host: str, table: Rules) -> bool:
    named = name.strip().lower() in table.aggregator_names
    hosted = any(host == h or host.endswith("." + h) for h in table.aggregator_hosts)
    return named or hosted


def _wire(inner: str, table: Rules) -> str:
    """The wire agency a bracket names ('AFP', 'AFP relay'), or ''."""
    words = inner.strip()
    first = re.split(r"\s+", words)[0] if words else ""
    for candidate in (words, first):
        if candidate.lower() in table.wires:
            return candidate
    return ""


def describe(publisher: str, url: str = "") -> Publisher:
    """What the ledger's publisher name (and the URL's site) say about a citation."""
    table = rules()
    name = " ".join(str(publisher).split()) or _host(url) or "unknown publisher"
    host = _host(url)
    via = _VIA.match(name)
    if via and _is_aggregator(via["site"], host, table):
        return Publisher(via["site"], via["original"], AGGREGATOR)
    bracketed = _BRACKETED.match(name)
    outer = bracketed["name"] if bracketed else name
    inner = bracketed["inner"].strip() if bracketed else ""
    if _is_aggregator(outer, host, table):
        # "euro.dayfr (AFP relay)": the bracket names the original, whatever it adds.
        original = _wire(inner, table) or inner
        return Publisher(outer, original, AGGREGATOR)
    wire = _wire(inner, table)
    if wire:
        return Publisher(outer, wire, RELAY)
    # "Kyiv Independent (DeepState)": the bracket names whose figure it is, not a wire;
    # the name is printed as the ledger gives it (a bracket may say "not a real publication").
    return Publisher(name, "", ORIGINAL)


_URL_DATES = (
    re.compile(r"/(?P<y>(?:19|20)\d\d)/(?P<m>\d{1,2})/(?P<d>\d{1,2})(?:/|$|[^\d])"),
    re.compile(r"(?<!\d)(?P<y>(?:19|20)\d\d)-(?P<m>\d\d)-(?P<d>\d\d)(?!\d)"),
    re.compile(r"(?<!\d)(?P<y>(?:19|20)\d\d)(?P<m>\d\d)(?P<d>\d\d)(?!\d)"),
)


def url_date(url: str) -> str:
    """The first real date written in the URL's path, as YYYY-MM-DD, or ''."""
    path = urlsplit(str(url)).path
    for pattern in _URL_DATES:
        for found in pattern.finditer(path):
            try:
                return date(int(found["y"]), int(found["m"]), int(found["d"])).isoformat()
            except ValueError:
                continue  # 20241399 is no date: try the next candidate
    return ""


def publication_date(published_at: str, url: str, *, map_date: str = "") -> tuple[str, str]:
    """(date, where it came from): the ledger's date (source ''), else one written in the
    URL ('from the URL'), else `map_date` for a figure computed from a map snapshot
    ('the map snapshot's date'); ('', '') when none is known."""
    published = str(published_at or "").strip()[:10]
    if published:
        return published, ""
    found = url_date(url)
    if found:
        return found, "from the URL"
    if map_date:
        return str(map_date)[:10], "the map snapshot's date"
    return "", ""
