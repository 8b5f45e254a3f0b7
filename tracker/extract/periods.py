"""Time phrases resolved against the publication date (never the clock).

`find_phrases` lists the period and as-of phrases of a sentence (`in November`, `last month`,
`since the start of 2025`, `by the end of November`, `now`...). `resolve` turns one phrase
into dates for a flow (period_start, period_end) or a stock (as_of), given a `TimeContext`:
the reference date (publication), the analysis cut-off when the document makes one clear,
and the month last spoken of (for "over the month", "the first 30 days of the month").

A month without a year takes the publication year, or the previous year when the month lies
after the publication month. Without a publication date such phrases cannot be resolved:
the result says so (`unresolved`) instead of guessing.
"""

from __future__ import annotations

import calendar
import re
from dataclasses import dataclass, field
from datetime import date, timedelta

from tracker.extract.lazyre import lazy_compile
from tracker.extract.lexicon import Lexicon, _fast

INVASION = date(2022, 2, 24)
# The day each war began, for "since the war began" / "before the war" (a document whose
# conflict is unknown is read as the war in Ukraine, the tracker's first subject).
WAR_START = {
    "": INVASION, "russia-ukraine": INVASION,
    "israel-gaza": date(2023, 10, 7), "israel-lebanon": date(2023, 10, 8), "sudan": date(2023, 4, 15),
}
COUNTEROFFENSIVE_2023 = date(2023, 6, 4)
# Ukraine's incursion into Russia's Kursk region began on 6 August 2024.
KURSK_INCURSION = date(2024, 8, 6)

FLOW_KINDS = frozenset({
    "date_range", "since_year_start", "since_month_start", "since_this_month", "since_invasion",
    "since_counteroffensive", "since_kursk_incursion", "since_date", "since_month", "since_year", "month_end",
    "first_n_days",
    "first_half", "mid_month", "early_month", "date", "month", "year", "this_year", "past_month",
    "last_month", "this_month", "the_month", "past_week", "past_day", "past_n_days",
    "past_n_weeks", "past_n_months", "past_year", "past_few_days", "past_10_days",
    "within_n_weeks", "within_n_days", "shortly_after", "cutoff_date", "weekday", "since_weekday", "this_period",
    "last_year", "date_range_md", "first_n_months", "previous_month",
})
STOCK_KINDS = frozenset({
    "now", "peak", "date", "cutoff_date", "month_end", "month", "mid_month", "year_ago",
    "before_invasion", "past_week", "since_year_start", "since_invasion", "since_date",
    "since_month", "last_month", "this_month", "this_year", "early_month", "within_n_months", "weekday",
    "since_weekday", "last_year", "year_end", "previous_month",
})


# "within two weeks", "binnen zwei Wochen": a span counted from an event, or back from the
# publication when no event is named.
WITHIN_KINDS = frozenset({"within_n_weeks", "within_n_days"})


@dataclass
class Phrase:
    start: int
    end: int
    kind: str
    text: str
    groups: dict = field(default_factory=dict)


@dataclass
class TimeContext:
    ref: date | None  # publication date (mid-month when only the month is known)
    ref_precision: str = "day"  # day | month | year | none
    cutoff: date | None = None  # the data cut-off of the analysis, when clear
    month: tuple[int, int] | None = None  # (year, month) last spoken of
    lede_month: tuple[int, int] | None = None  # the month of the document's first monthly figure
    last_flow: tuple | None = None  # (start, end, text) of the last flow period
    conflict: str = ""
    statement: date | None = None  # the day the reported statements were made ("said on Tuesday")


@dataclass
class Resolved:
    period_start: date | None = None
    period_end: date | None = None
    as_of: date | None = None
    text: str = ""
    approx: bool = False
    unresolved: bool = False


def parse_published(published: str | None) -> tuple[date | None, str]:
    """`YYYY-MM-DD` -> that day; `YYYY-MM` -> the 15th (approximate); `YYYY` -> 1 July."""
    if not published or not isinstance(published, str):
        return None, "none"
    s = published.strip()[:10]
    try:
        if re.fullmatch(r"\d{4}-\d{2}-\d{2}", s):
            return date.fromisoformat(s), "day"
        if re.fullmatch(r"\d{4}-\d{2}", s):
            y, m = int(s[:4]), int(s[5:7])
            return date(y, m, 15), "month"
        if re.fullmatch(r"\d{4}", s):
            return date(int(s), 7, 1), "year"
    except ValueError:
        return None, "none"
    return None, "none"


def last_day(y: int, m: int) -> date:
    return date(y, m, calendar.monthrange(y, m)[1])


def add_months(d: date, n: int) -> date:
    y, m = divmod(d.month - 1 + n, 12)
    y += d.year
    m += 1
    return date(y, m, min(d.day, calendar.monthrange(y, m)[1]))


# "the biggest gain since March 2022", "the least since May": a comparison, not the period.
_SUPERLATIVE_BEFORE = lazy_compile(
    r"(?:least|most|largest|biggest|fastest|quickest|slowest|highest|lowest|best|worst|first\s+time|record|"
    r"plus\s+important|le\s+plus|la\s+plus|stärkste\w*|größte\w*|so\s+stark\s+wie|grootste|største|найбільш\w*)"
    r"\b[^.;]{0,40}$", re.I)


# "44% less territory than in August": the month is the comparison's, not the figure's.
_THAN_BEFORE = _fast(lazy_compile(r"\b(?:than|que|qu['’]|als|dan|enn|ніж)\s*$", re.I))
_SUPERLATIVE_BEFORE = _fast(_SUPERLATIVE_BEFORE)


def find_phrases(sentence: str, lex: Lexicon) -> list[Phrase]:
    """Non-overlapping time phrases; earlier patterns in the lexicon win ties."""
    found: list[Phrase] = []
    if lex.month_any_fast.search(sentence):
        matches = list(lex.periods_month_fast.finditer(sentence)) + list(lex.periods_plain_fast.finditer(sentence))
        if matches:
            # As one alternation would: leftmost first, the earlier entry at one position.
            matches.sort(key=lambda x: (x.start(), _match_index(x)))
            kept, end = [], -1
            for x in matches:
                if x.start() >= end:
                    kept.append(x)
                    end = x.end() if x.end() > x.start() else x.start() + 1
            matches = kept
    else:
        matches = lex.periods_plain_fast.finditer(sentence)
    for m in matches:
        idx = _match_index(m)
        kind = lex.period_kinds[idx]
        s, e = m.span()
        whole = sentence[s:e]  # the written text (the match may run over the lower-cased copy)
        if (kind.startswith("since") and _SUPERLATIVE_BEFORE.search(sentence, max(0, s - 60), s)) or \
                _THAN_BEFORE.search(sentence, max(0, s - 12), s):
            # Still claim the span so a shorter pattern does not reuse it.
            groups = _groups(m, sentence, lex.period_groups[idx])
            groups["kind"] = kind  # "mehr als im September, als es 447 km² waren": its own figure
            found.append(Phrase(s, e, "comparison", whole.strip(), groups))
            continue
        text = whole.strip()
        if not text:
            continue
        if kind == "previous_month":
            # "down from 498 km² the previous month": a compared figure's own month, which
            # is not the period later figures go on speaking of.
            found.append(Phrase(s, e, kind, text, {"comparison": "1"}))
            continue
        if kind == "compared_month":
            # "par rapport à décembre (465 km²)": the month of the figure compared with, as
            # any compared figure's own date ("than in September, when it was 447 km²").
            groups = _groups(m, sentence, lex.period_groups[idx])
            groups["kind"] = "month"
            found.append(Phrase(s, e, "comparison", text, groups))
            continue
        # Trim leading whitespace from the span so offsets point at words.
        s += len(whole) - len(whole.lstrip())
        if any(p.start < e and s < p.end for p in found):
            continue
        found.append(Phrase(s, e, kind, text, _groups(m, sentence, lex.period_groups[idx])))
    # "on Tuesday", "early on Tuesday": a day counted back from publication; "since Sunday"
    # opens a period on that day.
    for wm in lex.weekday_fast.finditer(sentence):
        s, e = wm.span()
        if not any(p.start < e and s < p.end for p in found):
            since = _SINCE_BEFORE.search(sentence, max(0, s - 16), s)
            kind = "since_weekday" if since else "weekday"
            start = since.start() if since else s
            found.append(Phrase(start, e, kind, sentence[start:e], {"w": str(lex.weekdays[sentence[s:e].lower()])}))
    found.sort(key=lambda p: p.start)
    return found


_SINCE_BEFORE = lazy_compile(r"(?<!\w)(?:since|seit|depuis|sinds|siden|з|від)\s+(?:last\s+|dem\s+|le\s+)?$", re.I)


def since_before(sentence: str, at: int) -> bool:
    """Is the word before position `at` "since" (in any language)?"""
    return _SINCE_BEFORE.search(sentence, max(0, at - 16), at) is not None


def _groups(m: re.Match, sentence: str, names: list[tuple[str, str]]) -> dict:
    """The entry's own groups that matched, as written in `sentence`."""
    groups = {}
    for combined, own in names:
        a, b = m.span(combined)
        if b > a:
            groups[own] = sentence[a:b]
    return groups


def _match_index(m: re.Match) -> int:
    """The entry of the combined period pattern that matched: its outer k<i> group closes last."""
    name = m.lastgroup or ""
    if name[:1] == "k" and name[1:].isdigit():
        return int(name[1:])
    return _entry_index(m)


def _entry_index(m: re.Match) -> int:
    """Which entry of the combined period pattern matched (its k<i> group)."""
    for name, value in m.groupdict().items():
        if value is not None and name[0] == "k":
            return int(name[1:])
    return 0


_SPACES = lazy_compile(r"\s+")


def _month_of(lex: Lexicon, name: str | None) -> int | None:
    if not name:
        return None
    return lex.months.get(_SPACES.sub(" ", name.lower().rstrip(".")))


def _year_for_month(month: int, ctx: TimeContext, explicit: str | None) -> int | None:
    if explicit:
        return int(explicit)
    if ctx.ref is None or ctx.ref_precision == "none":
        return None
    return ctx.ref.year - 1 if month > ctx.ref.month else ctx.ref.year


def _number(word: str | None, lex: Lexicon) -> int | None:
    if not word:
        return None
    if word.isdigit():
        return int(word)
    value = lex.word_value(word)
    return int(value) if value else None


def _safe_date(y: int, m: int, d: int) -> date | None:
    try:
        return date(y, m, d)
    except ValueError:
        return None


def resolve(phrase: Phrase, ctx: TimeContext, lex: Lexicon, stock: bool) -> Resolved:
    """Dates for one phrase. Never raises; unresolvable phrases come back `unresolved`."""
    try:
        r = _resolve(phrase, ctx, lex, stock)
    except (ValueError, OverflowError, TypeError):
        return Resolved(text=phrase.text, unresolved=True)
    # The full-scale war starts on 24 February 2022: "in February and March 2022" of it too.
    if ctx.conflict in ("", "russia-ukraine") and r.period_start is not None and \
            date(2022, 2, 1) <= r.period_start < INVASION and (r.period_end is None or r.period_end >= INVASION):
        r.period_start = INVASION
    return r


def _end(ctx: TimeContext) -> date | None:
    """The end of an open period: the analysis cut-off, else the day the figure was stated
    ("said on Tuesday"), else the publication date."""
    return ctx.cutoff or ctx.statement or ctx.ref


def open_end(ctx: TimeContext) -> date | None:
    """Public name of the end of an open period (cut-off, statement day, publication)."""
    return _end(ctx)


def statement_day(ref: date | None, weekday: int) -> date | None:
    """The last such weekday on or before the publication date."""
    if ref is None:
        return None
    return ref - timedelta(days=(ref.weekday() - weekday) % 7)


def _resolve(p: Phrase, ctx: TimeContext, lex: Lexicon, stock: bool) -> Resolved:
    g = p.groups
    r = Resolved(text=p.text)
    ref = ctx.ref
    k = p.kind
    month = _month_of(lex, g.get("m"))
    if k in ("month", "month_end", "mid_month", "first_half", "early_month", "since_month",
             "since_month_start", "first_n_days") and month is None and k != "first_n_days":
        return Resolved(text=p.text, unresolved=True)
    if k == "since_weekday":
        day = statement_day(ref, int(g["w"])) if ctx.ref_precision == "day" else None
        if day is None:
            return Resolved(text=p.text, unresolved=True)
        if stock:
            r.as_of = _end(ctx)
        else:
            r.period_start, r.period_end = day, _end(ctx)
        return r
    if k == "weekday":
        day = statement_day(ref, int(g["w"])) if ctx.ref_precision == "day" else None
        if day is None:
            return Resolved(text=p.text, unresolved=True)
        if stock:
            r.as_of = day
        else:
            r.period_start = r.period_end = day
        return r
    if k == "this_period":
        return Resolved(text=p.text, unresolved=True)  # the engine reads the dates around it
    if k == "now":
        r.as_of = _end(ctx)
        r.unresolved = r.as_of is None
        return r
    if k == "peak":
        return r  # a peak has no date
    if k == "before_invasion":
        start = WAR_START.get(ctx.conflict)
        if start is None:
            return Resolved(text=p.text, unresolved=True)
        r.as_of = start - timedelta(days=1)
        return r
    if k in ("date", "cutoff_date", "since_date"):
        y = _year_for_month(month, ctx, g.get("y")) if month else None
        d = _safe_date(y, month, int(g["d"])) if (y and month) else None
        if d is None:
            return Resolved(text=p.text, unresolved=True)
        if stock:
            # "orders issued since March 18 cover 190 km²": held now, not on that day.
            r.as_of = _end(ctx) if k == "since_date" else d
        elif k == "since_date":
            r.period_start, r.period_end = d, _end(ctx)
        elif k == "cutoff_date":
            r.period_end = d
        else:
            r.period_start = r.period_end = d
        return r
    if k == "date_range_md":
        k = "date_range"  # "between July 1 and 15": the second month is the first's
        g = {**g, "m2": g.get("m2") or g.get("m")}
    if k == "date_range":
        m1 = _month_of(lex, g.get("m")) or _month_of(lex, g.get("m2"))
        m2 = _month_of(lex, g.get("m2"))
        y = _year_for_month(m2, ctx, g.get("y")) if m2 else None
        if not (y and m1 and m2):
            return Resolved(text=p.text, unresolved=True)
        r.period_start = _safe_date(y, m1, int(g["d"]))
        r.period_end = _safe_date(y, m2, int(g["d2"]))
        return r
    if k in ("month", "month_end", "mid_month", "first_half", "early_month"):
        y = _year_for_month(month, ctx, g.get("y"))
        if y is None:
            return Resolved(text=p.text, unresolved=True)
        first, last = date(y, month, 1), last_day(y, month)
        if stock:
            if k == "month_end":
                r.as_of = last
            elif k == "early_month":
                r.as_of, r.approx = date(y, month, 5), True
            else:
                r.as_of, r.approx = date(y, month, 15), True
            return r
        m2 = _month_of(lex, g.get("m2"))
        if k == "month" and m2:
            last = last_day(y, m2)
        if k == "first_half":
            last = date(y, month, 15)
        elif k == "mid_month":
            first, last, r.approx = date(y, month, 10), date(y, month, 20), True
        elif k == "early_month":
            last, r.approx = date(y, month, 10), True
        if ctx.cutoff is not None and first <= ctx.cutoff < last:
            last = ctx.cutoff  # "figures up to October 27"
        elif ref is not None and first <= ref < last and ctx.ref_precision == "day":
            last = ref  # the month is still running
        r.period_start, r.period_end = first, last
        return r
    if k in ("since_month", "since_month_start"):
        y = _year_for_month(month, ctx, g.get("y"))
        if y is None:
            return Resolved(text=p.text, unresolved=True)
        start = date(y, month, 1)
        if stock:
            r.as_of = _end(ctx)
        else:
            r.period_start, r.period_end = start, _end(ctx)
        return r
    if k == "since_invasion":
        if stock:
            r.as_of = _end(ctx)
        else:
            # An unknown war start stays null rather than borrowed from another war.
            r.period_start, r.period_end = WAR_START.get(ctx.conflict), _end(ctx)
        return r
    if k == "since_kursk_incursion":
        if stock:
            r.as_of = _end(ctx)
        else:
            r.period_start, r.period_end = KURSK_INCURSION, _end(ctx)
        return r
    if k == "since_counteroffensive":
        if ref is not None and ref.year == 2023 and ctx.conflict in ("", "russia-ukraine"):
            r.period_start, r.approx = COUNTEROFFENSIVE_2023, True
        r.period_end = _end(ctx)
        return r
    if k in ("year", "since_year"):
        y = int(g["y"])
        if stock:
            r.as_of = _end(ctx) if k == "since_year" else date(y, 12, 31)
            return r
        if k == "since_year":
            r.period_start, r.period_end = date(y, 1, 1), _end(ctx)
            return r
        if y == 2014 and ctx.conflict in ("", "russia-ukraine"):
            r.period_start, r.period_end, r.approx = date(2014, 2, 20), date(2014, 12, 31), True
            return r
        start, end = date(y, 1, 1), date(y, 12, 31)
        if ref is not None and ref.year == y:
            end = _end(ctx) or end
        r.period_start, r.period_end = start, end
        return r
    if k == "since_year_start":
        y = int(g["y"]) if g.get("y") else (ref.year if ref else None)
        if y is None:
            return Resolved(text=p.text, unresolved=True)
        if stock:
            r.as_of = _end(ctx)
        else:
            r.period_start, r.period_end = date(y, 1, 1), _end(ctx)
        return r
    if ref is None:
        return Resolved(text=p.text, unresolved=True)
    # Everything below counts back from the publication date.
    if k == "this_year":
        r.period_start, r.period_end = date(ref.year, 1, 1), ref
        if stock:
            r = Resolved(text=p.text, as_of=_end(ctx))
        return r
    if k == "first_n_months":
        n = _number(g.get("n"), lex)
        y = int(g["y"]) if g.get("y") else (ref.year if ref else None)
        if not n or not y or n > 12:
            return Resolved(text=p.text, unresolved=True)
        r.period_start, r.period_end = date(y, 1, 1), last_day(y, n)
        return r
    if k == "previous_month":
        # "down from 498 km² the previous month": the month before the one spoken of.
        base = ctx.lede_month or ctx.month
        first = date(base[0], base[1], 1) if base else date(ref.year, ref.month, 1)
        prev = add_months(first, -1)
        if stock:
            return Resolved(text=p.text, as_of=last_day(prev.year, prev.month))
        r.period_start, r.period_end = prev, last_day(prev.year, prev.month)
        return r
    if k == "year_end":
        # Read early in a year, "at the end of the year" is the one just ended.
        y = ref.year - 1 if ref.month <= 3 else ref.year
        if stock:
            return Resolved(text=p.text, as_of=date(y, 12, 31))
        r.period_end = date(y, 12, 31)
        return r
    if k == "last_year":
        y = ref.year - 1
        if stock:
            return Resolved(text=p.text, as_of=date(y, 12, 31))
        r.period_start, r.period_end = date(y, 1, 1), date(y, 12, 31)
        return r
    if k == "last_month":
        prev = add_months(date(ref.year, ref.month, 1), -1)
        r.period_start, r.period_end = prev, last_day(prev.year, prev.month)
        if stock:
            r = Resolved(text=p.text, as_of=last_day(prev.year, prev.month))
        return r
    if k == "past_month":
        r.period_start, r.period_end = ref - timedelta(days=30), ref
        return r
    if k in ("this_month", "since_this_month"):
        r.period_start, r.period_end = date(ref.year, ref.month, 1), ref
        if stock:
            r = Resolved(text=p.text, as_of=ref)
        return r
    if k in ("the_month", "first_n_days"):
        if month:
            y = _year_for_month(month, ctx, g.get("y"))
            ym = (y, month) if y else None
        else:
            ym = ctx.month
        if ym is None:
            prev = add_months(date(ref.year, ref.month, 1), -1)
            ym = (prev.year, prev.month)
        first, last = date(ym[0], ym[1], 1), last_day(*ym)
        if k == "first_n_days":
            n = _number(g.get("n"), lex) or last.day
            last = _safe_date(ym[0], ym[1], min(n, last.day)) or last
        r.period_start, r.period_end = first, last
        return r
    if k == "past_week":
        if stock:
            return Resolved(text=p.text, as_of=ref - timedelta(days=7), approx=True)
        r.period_start, r.period_end = ref - timedelta(days=7), ref
        return r
    if k == "past_day":
        r.period_start, r.period_end = ref - timedelta(days=1), ref
        return r
    if k == "past_10_days":
        r.period_start, r.period_end, r.approx = ref - timedelta(days=11), ref, True
        return r
    if k in ("past_n_days", "past_n_weeks", "past_n_months"):
        n = _number(g.get("n"), lex)
        if not n:
            return Resolved(text=p.text, unresolved=True)
        if k == "past_n_days":
            start = ref - timedelta(days=n)
        elif k == "past_n_weeks":
            start = ref - timedelta(days=7 * n)
        else:
            start = add_months(ref, -n)
        r.period_start, r.period_end = start, ref
        return r
    if k == "past_year":
        r.period_start, r.period_end = add_months(ref, -12), ref
        return r
    if k == "year_ago":
        base = _end(ctx) or ref
        r.as_of = add_months(base, -12)
        return r
    if k == "within_n_months":
        # A plan's horizon: "75% within two months" holds at publication + two months.
        n = _number(g.get("n"), lex)
        if not n:
            return Resolved(text=p.text, unresolved=True)
        if stock:
            return Resolved(text=p.text, as_of=add_months(ref, n))
        r.period_start, r.period_end = ref, add_months(ref, n)
        return r
    if k == "shortly_after" and ctx.last_flow is not None and ctx.last_flow[1] is not None:
        # "shortly afterwards": the calendar month after the period spoken of.
        nxt = add_months(date(ctx.last_flow[1].year, ctx.last_flow[1].month, 1), 1)
        r.period_start, r.period_end, r.approx = nxt, last_day(nxt.year, nxt.month), True
        return r
    if k in WITHIN_KINDS:
        days = _within_days(p, lex)
        if days is None:
            return Resolved(text=p.text, unresolved=True)
        r.period_start, r.period_end, r.approx = ref - timedelta(days=days), ref, True
        return r
    if k in ("past_few_days", "shortly_after"):
        r.period_end = ref if k == "past_few_days" else None
        return r
    return Resolved(text=p.text, unresolved=True)


def _within_days(p: Phrase, lex: Lexicon) -> int | None:
    n = _number(p.groups.get("n") or p.groups.get("n2"), lex)
    if not n:
        return None
    return 7 * n if p.kind == "within_n_weeks" else n


def within(p: Phrase, anchor: date, lex: Lexicon) -> Resolved:
    """A "within N weeks/days" span starting on the day of the event named before it."""
    days = _within_days(p, lex)
    if days is None:
        return Resolved(text=p.text, unresolved=True)
    return Resolved(period_start=anchor, period_end=anchor + timedelta(days=days), text=p.text, approx=True)
