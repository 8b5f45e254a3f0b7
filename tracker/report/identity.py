"""Stable identity in the charts: each producer's colour, human names of conflicts.

A producer keeps its colour in every chart, selection and edition, so that a reader who
learnt "DeepState is orange" once can trust it everywhere: known producers take theirs from
producer_colours.csv (kept in the repository, reviewed like code), any other producer a
colour chosen by a hash of its name, never by its rank among the producers of a selection.
"""

from __future__ import annotations

import csv
import hashlib
import io
from collections.abc import Iterable, Mapping
from functools import cache
from importlib import resources

# Okabe-Ito without yellow and vermillion, then Paul Tol's wine and indigo: every colour
# reads on white, and none is a red that a green could stand beside.
FALLBACK_PALETTE: tuple[str, ...] = (
    "#0072B2", "#E69F00", "#009E73", "#CC79A7", "#56B4E9", "#000000", "#882255", "#332288",
)

# Conflict slugs of the ledger with their usual English names; any other slug is shown as
# its words title-cased ("north-kivu" -> "North Kivu").
CONFLICT_NAMES: dict[str, str] = {
    "russia-ukraine": "Russia–Ukraine",
    "israel-gaza": "Israel–Gaza",
    "israel-lebanon": "Israel–Lebanon",
    "syria": "Syria",
    "sudan": "Sudan",
    "myanmar": "Myanmar",
    "drc": "DR Congo",
}

_TABLE = "producer_colours.csv"


def conflict_name(conflict: str) -> str:
    """'russia-ukraine' -> 'Russia–Ukraine'; '' -> 'Unspecified conflict'."""
    slug = str(conflict).strip()
    if not slug:
        return "Unspecified conflict"
    if slug.lower() in CONFLICT_NAMES:
        return CONFLICT_NAMES[slug.lower()]
    return " ".join(word.capitalize() for word in slug.replace("_", "-").split("-") if word)


def _name_key(name: str) -> str:
    return " ".join(str(name).split()).casefold()


@cache
def known_colours() -> dict[str, str]:
    """The repository's table: producer name (case-folded) -> colour."""
    text = resources.files("tracker.report").joinpath(_TABLE).read_text(encoding="utf-8")
    lines = [line for line in io.StringIO(text) if line.strip() and not line.startswith("#")]
    return {_name_key(row["producer"]): row["colour"].strip() for row in csv.DictReader(lines)}


def hashed_colour(name: str) -> str:
    """A colour chosen by the name alone (SHA-256: the same in every run and Python)."""
    digest = hashlib.sha256(_name_key(name).encode("utf-8")).digest()
    return FALLBACK_PALETTE[int.from_bytes(digest[:4], "big") % len(FALLBACK_PALETTE)]


def producer_colour(name: str, overrides: Mapping[str, str] | None = None) -> str:
    """The colour of one producer: an override, else the table's (the name as given, then
    without a trailing '(...)'), else its hashed colour."""
    for table in (overrides or {}), known_colours():
        keys = {_name_key(k): v for k, v in table.items()} if table is overrides else table
        for candidate in (name, str(name).split(" (")[0]):
            colour = keys.get(_name_key(candidate))
            if colour:
                return colour
    return hashed_colour(name)


def producer_colours(names: Iterable[str],
                     overrides: Mapping[str, str] | None = None) -> dict[str, str]:
    """Each name's colour (producer_colour): what other names are charted changes nothing."""
    return {name: producer_colour(name, overrides) for name in sorted(set(names))}
