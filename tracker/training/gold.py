"""The labelled corpus: reading it, matching readings to gold claims, grouping by story.

The matching follows the corpus conventions (`../shared/gold/README.md`): a value within
0.5 % (or 0.01), a period within one day, an as-of within three days, a territory named
the same or one inside the other, and a source whose capitalised key words are half
present.
"""

from __future__ import annotations

import json
import re
from dataclasses import dataclass, field
from pathlib import Path

from tracker.extract.learned import Reading, read_candidates
from tracker.extract.text import clean
from tracker.model import Document


def load_items(paths: list[Path]) -> list[dict]:
    items = []
    for path in paths:
        for number, line in enumerate(path.read_text(encoding="utf-8").splitlines(), 1):
            if line.strip():
                try:
                    items.append(json.loads(line))
                except json.JSONDecodeError as exc:
                    raise SystemExit(f"{path}:{number}: not JSON ({exc.msg})") from exc
    return items


def document_of(item: dict) -> Document:
    return Document(doc_id=item["id"], text=item["text"], published=item.get("published"),
                    language=item.get("language"), url=item.get("url") or "",
                    publisher=item.get("publisher") or "")


def bare_name(name: str | None) -> str:
    return " ".join((name or "").split(" (")[0].split()).lower()


def _near_value(a, b) -> bool:
    if a is None or b is None:
        return False
    return abs(float(a) - float(b)) <= max(0.005 * abs(float(b)), 0.01)


def value_matches(claim, gold: dict) -> bool:
    if gold.get("value") is None:
        lo, hi = gold.get("value_min"), gold.get("value_max")
        if _near_value(claim.value_min, lo) and _near_value(claim.value_max, hi):
            return True
        return claim.value is not None and lo is not None and hi is not None and lo <= claim.value <= hi
    return _near_value(claim.value, gold["value"])


def _day_gap(a: str | None, b: str | None, days: int) -> bool:
    if not a or not b:
        return not a and not b
    from datetime import date
    try:
        return abs((date.fromisoformat(a[:10]) - date.fromisoformat(b[:10])).days) <= days
    except ValueError:
        return False


def time_matches(key: tuple, gold: dict) -> bool:
    start, end, as_of = key
    if gold.get("period_start") or gold.get("period_end"):
        return _day_gap(start, gold.get("period_start"), 1) and _day_gap(end, gold.get("period_end"), 1)
    return _day_gap(as_of, gold.get("as_of"), 3)


def territory_matches(name: str, gold: dict) -> bool:
    a, b = bare_name(name), bare_name(gold.get("territory"))
    return bool(a) and bool(b) and (a == b or a in b or b in a)


_CAPITALISED = re.compile(r"[A-Za-z][\w-]+")


def source_matches(name: str, gold: dict) -> bool:
    head = (gold.get("attribution") or "").split(" (")[0]
    wanted = {w.lower() for w in _CAPITALISED.findall(head) if w[0].isupper()}
    if not wanted:
        a, b = bare_name(name), bare_name(gold.get("attribution"))
        return a == b or (bool(a) and bool(b) and (a in b or b in a))
    got = (name or "").lower()
    return 2 * sum(1 for w in wanted if w in got) >= len(wanted)


@dataclass
class LabelledDoc:
    item: dict
    readings: list[Reading]
    gold_of: list[dict | None] = field(default_factory=list)  # per reading: its gold claim
    ignore: list[bool] = field(default_factory=list)  # per reading: matches an implicit claim only


def label(item: dict, version: str = "train") -> LabelledDoc:
    """The rules' readings of one item, each matched to at most one gold claim."""
    readings = read_candidates(document_of(item), version)
    text = clean(item["text"])
    doc = LabelledDoc(item, readings, [None] * len(readings), [False] * len(readings))
    used: set[int] = set()
    for g in item.get("claims", []):
        if g.get("implicit"):
            continue
        at = text.find(g.get("surface") or "\0")
        span = (at, at + len(g.get("surface") or "")) if at >= 0 else (-1, -1)
        best, best_key = None, None
        for i, r in enumerate(readings):
            if i in used or not value_matches(r.claim, g):
                continue
            inside = span[0] <= (r.claim.number_start or 0) < span[1]
            key = (inside, r.claim.metric == g["metric"], bare_name(r.claim.actor) == bare_name(g["actor"]),
                   territory_matches(r.claim.territory, g), not r.probe, -i)
            if best_key is None or key > best_key:
                best, best_key = i, key
        if best is not None:
            used.add(best)
            doc.gold_of[best] = g
    for g in item.get("claims", []):
        if g.get("implicit"):
            for i, r in enumerate(readings):
                if i not in used and value_matches(r.claim, g):
                    doc.ignore[i] = True
    return doc


def story_groups(items: list[dict]) -> list[int]:
    """A group number per item: copies of one story (same page, or the same distinctive
    figure for the same metric) share a group, so no story sits on both sides of a fold."""
    parent = list(range(len(items)))

    def find(i: int) -> int:
        while parent[i] != i:
            parent[i] = parent[parent[i]]
            i = parent[i]
        return i

    first: dict = {}
    for i, item in enumerate(items):
        keys = [("url", (item.get("url") or "").split("?")[0].rstrip("/"))] if item.get("url") else []
        for g in item.get("claims", []):
            v = g.get("value") if g.get("value") is not None else g.get("value_max")
            if v is not None and v >= 10 and v != 100:
                keys.append(("figure", g["metric"], round(float(v), 2)))
        for key in keys:
            if key in first:
                parent[find(i)] = find(first[key])
            else:
                first[key] = i
    roots: dict[int, int] = {}
    return [roots.setdefault(find(i), len(roots)) for i in range(len(items))]


def folds(groups: list[int], k: int) -> list[int]:
    """A fold per item, whole groups at a time, largest groups first into the emptiest fold."""
    sizes: dict[int, int] = {}
    for g in groups:
        sizes[g] = sizes.get(g, 0) + 1
    load = [0] * k
    fold_of: dict[int, int] = {}
    for g in sorted(sizes, key=lambda g: (-sizes[g], g)):
        f = min(range(k), key=lambda f: (load[f], f))
        fold_of[g] = f
        load[f] += sizes[g]
    return [fold_of[g] for g in groups]
