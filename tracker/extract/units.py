"""What a numeral measures: read from the words right after it.

A figure is an area (sq km, km², Quadratkilometer, кв. км, square miles, hectares, square
metres), a share (%, percent, Prozent, відсотків; per mille), a count of settlements or of
administrative units, a linear measure (km, metres: never a claim), or nothing we track.
A second figure in parentheses or after "or" in another area unit is a conversion of the
first (one claim); a conversion that disagrees with its figure is flagged `unit_mismatch`.
"""

from __future__ import annotations

import re
from dataclasses import dataclass

from tracker.extract.lazyre import lazy_compile
from tracker.extract.lexicon import Lexicon
from tracker.extract.numbers import Numeral
from tracker.model import SQ_MILE_KM2

WINDOW = 60  # characters after a numeral in which its unit is read

# Same-claim conversions: "(270 sq miles)", "(around 0.85 square miles)", ", or 184 sq miles",
# "soit", "oder", "of", "eller", "або".
_CONVERSION_GAP = lazy_compile(
    r"^\s*(?:\(\s*|,?\s*(?:or|soit|oder|of|eller|або|чи)\s+|[/–-]\s*)"
    r"(?:(?:about|around|some|roughly|approximately|nearly|almost|over|more\s+than|environ|etwa|rund|"
    r"ongeveer|omkring|rundt|близько|приблизно|ca\.|c\.|~)\s*)?$",
    re.IGNORECASE)


@dataclass
class Measure:
    kind: str  # area | pct | permille | fraction | settlements | units | linear | none
    unit_text: str = ""
    end: int = 0  # end offset of the unit in the sentence
    km2_per_unit: float = 1.0
    unit_kind: str = ""  # km2, mi2, m2, ha for areas
    per_day: bool = False
    noun: str = ""


def read_measure(sentence: str, num: Numeral, lex: Lexicon) -> Measure:
    """The unit written right after `num` (or the fraction it is)."""
    if num.fraction:
        return Measure("fraction", "fraction", num.end)
    tail = sentence[num.end:num.end + WINDOW]
    if lex.unit_any_re.match(tail) is None:
        return Measure("none", "", num.end)
    for pattern, factor, kind in lex.area_units:
        m = pattern.match(tail)
        if m:
            end = num.end + m.end()
            rest = sentence[end:end + 30]
            pd = lex.per_day_re.match(rest)
            measure = Measure("area", m.group(0).strip(), end, factor, kind)
            if pd:
                measure.per_day = True
                measure.unit_text = (m.group(0) + rest[:pd.end()]).strip()
                measure.end = end + pd.end()
            return measure
    m = lex.percent_re.match(tail)
    if m:
        return Measure("pct", m.group(0).strip(), num.end + m.end())
    m = lex.permille_re.match(tail)
    if m:
        return Measure("permille", m.group(0).strip(), num.end + m.end())
    m = lex.settlement_re.match(tail)
    if m:
        return Measure("settlements", m.group("noun"), num.end + m.end(), noun=m.group("noun"))
    m = lex.admin_unit_re.match(tail)
    if m:
        return Measure("units", m.group("noun"), num.end + m.end(), noun=m.group("noun"))
    m = lex.linear_re.match(tail)
    if m:
        return Measure("linear", m.group(0).strip(), num.end + m.end())
    return Measure("none", "", num.end)


def is_conversion_gap(gap: str) -> bool:
    """True when the text between two figures makes the second a restatement of the first."""
    return len(gap) <= 40 and bool(_CONVERSION_GAP.match(gap))


def conversion_consistent(value_km2: float, alt_value: float, alt_km2_per_unit: float) -> bool:
    """Does the conversion agree with the figure, allowing the rounding reporters use?

    Rounding to two significant figures (6,000 km² -> 2,400 sq mi) is common, so agreement
    within 6 % or within the rounding step of the stated conversion passes.
    """
    if value_km2 <= 0 or alt_value <= 0:
        return False
    expected = value_km2 / alt_km2_per_unit
    if abs(expected - alt_value) <= 0.06 * expected:
        return True
    digits = len(str(int(alt_value))) if alt_value >= 1 else 1
    step = 10 ** max(digits - 2, 0)
    return abs(expected - alt_value) <= step


def miles_to_km2(miles: float) -> float:
    """Square miles to km², rounded to two decimals as the conventions ask."""
    return round(miles * SQ_MILE_KM2, 2)
