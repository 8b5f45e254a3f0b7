"""The review page: a person checks, one by one, the figures the extractor read from text.

`create_app(data_dir, reviewer)` builds a Flask app (served by waitress: `tracker review`):

- `GET /`: the queue, the active machine-read figures (`method` reported) to check, filtered
  by conflict, metric, source, confidence range and review status (default: unreviewed),
  lowest confidence or newest first, 50 a page; `sample=1` keeps the figures of the pages
  of the archive backfill's review sample (data/backfill/sample.csv) alone;
- `GET /figure/<claim_id>`: one figure in its document's text, the figure and its cue words
  highlighted, its fields beside it, and the three actions;
- `POST /figure/<claim_id>/<confirm|correct|reject>`: record the decision in the review log
  (tracker/review/log.py) and answer 303 with the next figure of the same queue.

Speed: the ledger and the current view are loaded once and kept (`ReviewData`); each request
only compares the size and mtime of the ledger and of the review log with what was loaded.
A changed ledger is read again; a changed log is read again and only the figures whose
decision in force changed are recomputed; the reviewer's own decision updates the kept view
directly. Filters are integer comparisons over arrays of codes and the two orders are
permutations computed once, so a queue page costs well under a millisecond of selection plus
the rendering of its 50 rows.

Security: local only by default (the CLI binds 127.0.0.1 and this app refuses requests whose
Host is not a loopback name, so a DNS-rebinding page cannot read it); every POST carries a
token derived from a random per-server secret (compared with hmac.compare_digest) and a
cross-site Origin is refused; document text is always escaped (templates autoescape, and
highlighting hands the template plain-text segments, never markup); links go out only to
http(s) URLs; Content-Security-Policy allows only this server's own CSS and JS (no inline
script); no request parameter names a file: a document is found from the claim's own
source_id and sha256 among the raw store's records, and its bytes are checked against the
hash before they are shown.
"""

from __future__ import annotations

import hashlib
import hmac
import json
import logging
import math
import os
import re
import secrets
import threading
from collections import OrderedDict
from dataclasses import dataclass, replace
from datetime import datetime, timezone
from pathlib import Path
from typing import Any, Callable, Collection, Iterable, Mapping
from urllib.parse import urlsplit

import numpy as np
import pandas as pd
from flask import Flask, redirect, render_template, request, url_for

from tracker.ledger import read_claims
from tracker.model import CLAIM_COLUMNS, DATE_COLUMNS, FLOAT_COLUMNS, METRICS, QUALIFIERS
from tracker.review.log import (
    ACTIONS,
    CORRECTABLE_FIELDS,
    LOG_PATH,
    MAX_REASON_CHARS,
    Decision,
    ReviewError,
    append_decision,
    read_decisions,
)
from tracker.schemas import split_valid
from tracker.sources.article import stored_article
from tracker.store import RawStore, StoreError
from tracker.view import (
    REVIEW_COLUMNS,
    REVIEW_STATUSES,
    current_view,
    reading_fields,
    same_value,
)

PAGE_SIZE = 50
LOOPBACK_HOSTS: tuple[str, ...] = ("127.0.0.1", "localhost", "::1")
ORDERS: tuple[str, ...] = ("confidence", "newest")
# How much of the document is shown on either side of the figure (the whole text on request).
CONTEXT_CHARS = 1500
# How far from the figure a cue word (qualifier, period, attribution) is looked for.
CUE_NEAR_CHARS = 300
# Documents read and reduced to text, kept so that moving between figures of one article
# does not run trafilatura again.
DOCUMENT_CACHE_SIZE = 32

_CLAIM_ID = re.compile(r"^[0-9a-f]{16}$")
_ISO_DATE = re.compile(r"^\d{4}-\d{2}-\d{2}$")
_NUMBER = re.compile(r"^[+-]?(\d+(\.\d*)?|\.\d+)([eE][+-]?\d+)?$")
_CONTROL = re.compile(r"[\x00-\x1f\x7f-\x9f]")
MAX_FIELD_CHARS = 500

# The columns a decision can change in the view (what an incremental update rewrites).
_DECIDED_COLUMNS: tuple[str, ...] = CORRECTABLE_FIELDS + REVIEW_COLUMNS + ("flags",)

QUEUE_PARAMETERS = ("conflict", "metric", "source", "min_confidence", "max_confidence", "status",
                    "order", "sample", "page")
FIGURE_PARAMETERS = QUEUE_PARAMETERS + ("whole", "last")

log = logging.getLogger(__name__)


class PageError(Exception):
    """A request the page refuses; `status` is the HTTP status, the message says why."""

    def __init__(self, status: int, message: str) -> None:
        super().__init__(message)
        self.status = status


# --- the queue's filters -------------------------------------------------------------------


@dataclass(frozen=True)
class QueueFilter:
    """What the reviewer asked the queue for; the defaults are left out of URLs."""

    conflict: str = ""
    metric: str = ""
    source: str = ""
    min_confidence: float | None = None
    max_confidence: float | None = None
    status: str = "unreviewed"  # a review status, or "all"
    order: str = "confidence"  # lowest confidence first, or "newest" (latest published first)
    sample: bool = False  # the pages of the archive backfill's review sample only
    page: int = 1

    def query(self, **changes: Any) -> dict[str, str]:
        """The query-string parameters of this filter (with `changes`), defaults left out."""
        chosen = replace(self, **changes)
        default = QueueFilter()
        out: dict[str, str] = {}
        for name in QUEUE_PARAMETERS:
            value = getattr(chosen, name)
            if value != getattr(default, name):
                out[name] = (_number_text(value) if isinstance(value, float)
                             else "1" if value is True else str(value))
        return out


def parse_filter(args: Mapping[str, str], data: "ReviewData", allowed: Iterable[str] = QUEUE_PARAMETERS) -> QueueFilter:
    """The filter a query string asks for; PageError(400) names an unknown parameter or value."""
    allowed = set(allowed)
    unknown = sorted(set(args) - allowed)
    if unknown:
        raise PageError(400, f"unknown parameter {unknown[0]!r} (known: {', '.join(sorted(allowed))})")
    values = {name: (args.get(name) or "").strip() for name in QUEUE_PARAMETERS}
    conflict, metric, source = values["conflict"], values["metric"], values["source"]
    if conflict and conflict not in data.facet("conflict"):
        raise PageError(400, f"unknown conflict {conflict!r} (the queue has: "
                             f"{', '.join(data.facet('conflict')) or 'none'})")
    if metric and metric not in METRICS:
        raise PageError(400, f"unknown metric {metric!r} (one of {', '.join(METRICS)})")
    if source and source not in data.facet("source"):
        raise PageError(400, f"unknown source {source!r} (the queue has: "
                             f"{', '.join(data.facet('source')) or 'none'})")
    status = values["status"] or "unreviewed"
    if status not in REVIEW_STATUSES + ("all",):
        raise PageError(400, f"unknown review status {status!r} (one of {', '.join(REVIEW_STATUSES)}, all)")
    order = values["order"] or "confidence"
    if order not in ORDERS:
        raise PageError(400, f"unknown order {order!r} (one of {', '.join(ORDERS)})")
    low = _confidence_bound("min_confidence", values["min_confidence"])
    high = _confidence_bound("max_confidence", values["max_confidence"])
    if low is not None and high is not None and low > high:
        raise PageError(400, f"min_confidence {low:g} is above max_confidence {high:g}")
    if values["sample"] not in ("", "0", "1"):
        raise PageError(400, f"sample {values['sample']!r} is not 1 (the review sample only) or 0")
    page_text = values["page"] or "1"
    if not page_text.isdigit() or not 1 <= int(page_text) <= 1_000_000:
        raise PageError(400, f"page {page_text!r} is not a page number (1, 2, ...)")
    return QueueFilter(conflict=conflict, metric=metric, source=source, min_confidence=low,
                       max_confidence=high, status=status, order=order,
                       sample=values["sample"] == "1", page=int(page_text))


def _confidence_bound(name: str, text: str) -> float | None:
    if not text:
        return None
    if not _NUMBER.match(text) or not 0.0 <= float(text) <= 1.0:
        raise PageError(400, f"{name} {text!r} is not a number from 0 to 1")
    return float(text)


# --- the kept ledger and view ----------------------------------------------------------------


class _Codes:
    """A text column as integer codes, so that a filter is one comparison over an int array."""

    def __init__(self, values: Iterable[str]) -> None:
        codes, uniques = pd.factorize(pd.Series(list(values), dtype="object"))
        self.array = codes.astype(np.int32)
        self.index: dict[str, int] = {str(value): code for code, value in enumerate(uniques)}

    def code(self, value: str) -> int:
        return self.index.get(value, -2)  # -2 is no row's code: a value no row has matches none

    def set(self, position: int, value: str) -> None:
        self.array[position] = self.index.setdefault(value, len(self.index))

    def present(self) -> list[str]:
        """The values at least one row has, sorted."""
        counts = np.bincount(self.array[self.array >= 0], minlength=len(self.index))
        names = {code: value for value, code in self.index.items()}
        return sorted(names[code] for code in np.flatnonzero(counts))


def _signature(path: Path) -> tuple[int, int] | None:
    """(size, mtime_ns) of a file, None when it is absent: what tells that it changed."""
    try:
        info = os.stat(path)
    except FileNotFoundError:
        return None
    return info.st_size, info.st_mtime_ns


def _by_location(decisions: list[Decision]) -> dict[str, list[Decision]]:
    """Every decision per location, in log order (what the view needs to recompute the
    rows of one location: the decision in force may name any reading there)."""
    found: dict[str, list[Decision]] = {}
    for decision in decisions:
        found.setdefault(decision.location_id, []).append(decision)
    return found


class ReviewData:
    """The queue's rows (active machine-read figures) with the decisions in force applied,
    kept in memory and brought up to date cheaply; thread-safe (waitress serves several
    requests at once)."""

    def __init__(self, data_dir: Path) -> None:
        self.data_dir = Path(data_dir)
        self.ledger_path = self.data_dir / "processed" / "claims.csv"
        self.log_path = self.data_dir / LOG_PATH
        self.store = RawStore(self.data_dir)
        self.lock = threading.RLock()
        self._ledger_signature: tuple[int, int] | None | str = "unread"
        self._log_signature: tuple[int, int] | None | str = "unread"
        self._ledger_failure: tuple[Any, str] | None = None
        self._documents: OrderedDict[tuple[str, str], tuple[str | None, str]] = OrderedDict()
        self.problems: list[str] = []
        self.decisions_at: dict[str, list[Decision]] = {}
        self.loads = 0  # how many times the ledger was read (tests and the benchmark look)

    # Keeping up with the files.

    def refresh(self) -> None:
        """Bring the kept data up to date with the ledger and the review log (two stats when
        nothing changed). Raises StoreError when the ledger cannot be read."""
        with self.lock:
            ledger_signature = _signature(self.ledger_path)
            if ledger_signature != self._ledger_signature:
                if self._ledger_failure and self._ledger_failure[0] == ledger_signature:
                    raise StoreError(self._ledger_failure[1])  # the same damaged file: not read again
                self._load(ledger_signature)
            elif _signature(self.log_path) != self._log_signature:
                self._reload_log()
            if self._ledger_failure:
                raise StoreError(self._ledger_failure[1])

    def _load(self, ledger_signature: tuple[int, int] | None) -> None:
        log_signature = _signature(self.log_path)
        try:
            claims = read_claims(self.ledger_path)
        except StoreError as error:
            self._ledger_failure = (ledger_signature, str(error))
            raise
        self._ledger_failure = None
        decisions, self.problems = read_decisions(self.data_dir)
        queue = claims[(claims["status"] == "active") & (claims["method"] == "reported")]
        self.base = queue.reset_index(drop=True)
        # The view is kept as one array per column: what rows() reads and _apply() writes.
        # (Not as a frame: its text columns are Arrow-backed, and writing one cell copies the
        # whole column, 100,000 rows for each decision.)
        view = current_view(self.base, decisions)
        self.decisions_at = _by_location(decisions)
        self.all_claims = dict(zip(claims["claim_id"], zip(claims["status"], claims["method"])))
        self.size = len(view)
        self.position_of_claim = {claim: i for i, claim in enumerate(view["claim_id"])}
        # One number may state several figures: a location can have several rows.
        self.positions_of_location: dict[str, list[int]] = {}
        for position, location in enumerate(view["location_id"]):
            self.positions_of_location.setdefault(location, []).append(position)
        self.codes = {"conflict": _Codes(view["conflict"]), "metric": _Codes(view["metric"]),
                      "source": _Codes(view["source_id"]), "status": _Codes(view["review_status"])}
        self.arrays = {name: view[name].to_numpy(dtype=object, copy=True) for name in view.columns}
        self.confidence = view["confidence"].to_numpy(dtype="float64", na_value=np.nan)
        sampled = _sampled_pages(self.data_dir)
        self.in_sample = np.fromiter((sha in sampled for sha in view["snapshot_sha256"]),
                                     dtype=bool, count=len(view))
        # Unknown confidence goes last in "lowest first".
        by_confidence = np.argsort(np.where(np.isnan(self.confidence), np.inf, self.confidence), kind="stable")
        newest = view.sort_values(["published_at", "retrieved_at"], ascending=False, kind="mergesort")
        self.orders = {"confidence": by_confidence.astype(np.int64),
                       "newest": newest.index.to_numpy(dtype=np.int64)}
        self.ranks = {name: np.argsort(order, kind="stable") for name, order in self.orders.items()}
        self._documents.clear()
        self._ledger_signature = ledger_signature
        self._log_signature = log_signature
        self.loads += 1

    def _reload_log(self) -> None:
        """The log changed under us (another reviewer, another process): read it again and
        recompute only the figures whose decision in force changed."""
        signature = _signature(self.log_path)
        decisions, self.problems = read_decisions(self.data_dir)
        decisions_at = _by_location(decisions)
        changed = [loc for loc in set(decisions_at) | set(self.decisions_at)
                   if decisions_at.get(loc) != self.decisions_at.get(loc)]
        self.decisions_at = decisions_at
        self._apply(changed)
        self._log_signature = signature

    def _apply(self, locations: Iterable[str]) -> None:
        """Recompute the view's rows of `locations` from the kept ledger rows and decisions."""
        locations = set(locations)
        positions = sorted(p for loc in locations for p in self.positions_of_location.get(loc, ()))
        if not positions:
            return
        taken = [d for loc in locations for d in self.decisions_at.get(loc, ())]
        fresh = current_view(self.base.iloc[positions], taken)  # each location's in log order
        for column in _DECIDED_COLUMNS:
            self.arrays[column][positions] = fresh[column].to_numpy(dtype=object)
        for position, row in zip(positions, fresh[["conflict", "metric", "review_status"]].itertuples(index=False)):
            self.codes["conflict"].set(position, row.conflict)
            self.codes["metric"].set(position, row.metric)
            self.codes["status"].set(position, row.review_status)

    def record(self, decision: Decision) -> Decision:
        """Append `decision` to the log and update the kept view without reading the log again
        when nothing but this line was added to it."""
        with self.lock:
            before = _signature(self.log_path)
            written = append_decision(self.data_dir, decision)
            after = _signature(self.log_path)
            line = len(written.as_line())
            grew = (after[0] - (before[0] if before else 0)) if after else -1
            # Our line, or our line after the '\n' that closes a line cut short by a crash.
            if before == self._log_signature and grew in (line, line + 1):
                self.decisions_at.setdefault(written.location_id, []).append(written)
                self._apply([written.location_id])
                self._log_signature = after
            else:
                self._reload_log()
            return written

    # Questions the pages ask.

    def has_sample(self) -> bool:
        return bool(getattr(self, "in_sample", np.zeros(0, dtype=bool)).any())

    def facet(self, name: str) -> list[str]:
        return self.codes[name].present() if hasattr(self, "codes") else []

    def _mask(self, chosen: QueueFilter, with_status: bool = True) -> np.ndarray:
        mask = np.ones(self.size, dtype=bool)
        for name in ("conflict", "metric", "source"):
            value = getattr(chosen, name)
            if value:
                mask &= self.codes[name].array == self.codes[name].code(value)
        if chosen.min_confidence is not None:
            mask &= self.confidence >= chosen.min_confidence
        if chosen.max_confidence is not None:
            mask &= self.confidence <= chosen.max_confidence
        if chosen.sample:
            mask &= self.in_sample
        if with_status and chosen.status != "all":
            mask &= self.codes["status"].array == self.codes["status"].code(chosen.status)
        return mask

    def select(self, chosen: QueueFilter) -> np.ndarray:
        """Positions of the figures the filter keeps, in its order."""
        order = self.orders[chosen.order]
        return order[self._mask(chosen)[order]]

    def status_counts(self, chosen: QueueFilter) -> dict[str, int]:
        """How many figures of each review status the filter keeps, its status aside."""
        codes = self.codes["status"]
        kept = codes.array[self._mask(chosen, with_status=False)]
        counts = np.bincount(kept[kept >= 0], minlength=len(codes.index))
        return {status: int(counts[codes.index[status]]) if status in codes.index else 0
                for status in REVIEW_STATUSES}

    def next_figure(self, chosen: QueueFilter, after_claim: str) -> str | None:
        """The figure that follows `after_claim` in the filtered queue (wrapping round to its
        start), `after_claim` itself excluded; None when no other figure is left."""
        order = self.orders[chosen.order]
        ranks = np.flatnonzero(self._mask(chosen)[order])
        position = self.position_of_claim.get(after_claim)
        if position is not None:
            own = self.ranks[chosen.order][position]
            ranks = np.concatenate([ranks[ranks > own], ranks[ranks < own]])
        if not len(ranks):
            return None
        return str(self.arrays["claim_id"][int(order[ranks[0]])])

    def figure(self, claim_id: str) -> dict[str, Any]:
        """The view's row of an active machine-read figure; PageError(400/404) otherwise."""
        if not _CLAIM_ID.match(claim_id or ""):
            raise PageError(400, f"malformed claim id {claim_id[:40]!r}: a claim id is 16 hex digits (0-9, a-f)")
        position = self.position_of_claim.get(claim_id)
        if position is None:
            known = self.all_claims.get(claim_id)
            if known is None:
                raise PageError(404, f"unknown claim id {claim_id}: no claim of the ledger has it")
            status, method = known
            if status != "active":
                raise PageError(404, f"claim {claim_id} is {status}: a newer reading of its figure "
                                     "replaced it or its source was removed; see the queue")
            raise PageError(400, f"claim {claim_id} was not read from text (method {method}); "
                                 "only machine-read figures are reviewed here")
        return self.row(position)

    def row(self, position: int) -> dict[str, Any]:
        return self.rows([position])[0]

    def rows(self, positions: Iterable[int]) -> list[dict[str, Any]]:
        """The view's rows at `positions` as dicts, read from the kept column arrays (pandas
        takes about 1 ms a row for iloc and 0.3 ms for to_dict: most of a queue page)."""
        arrays = self.arrays
        return [{name: values[position] for name, values in arrays.items()} for position in positions]

    def document_text(self, source_id: str, sha256: str) -> tuple[str | None, str]:
        """The text the extractor read from a stored document (as tracker/sources/article.py
        reads it), or None and why not. Found by the claim's own lineage only.

        A claim's number_start/number_end index this text: read_article's main text (for
        HTML, trafilatura's, not the page's bytes), which the engine's clean() only changes
        character for character (control characters become spaces)."""
        key = (source_id, sha256)
        with self.lock:
            if key in self._documents:
                self._documents.move_to_end(key)
                return self._documents[key]
        found = self._read_document(source_id, sha256)
        with self.lock:
            self._documents[key] = found
            while len(self._documents) > DOCUMENT_CACHE_SIZE:
                self._documents.popitem(last=False)
        return found

    def _read_document(self, source_id: str, sha256: str) -> tuple[str | None, str]:
        try:
            _, article = stored_article(self.store, source_id, sha256)
        except ValueError as error:
            return None, f"{error}; not shown"
        except OSError as error:
            return None, f"{source_id}/{sha256[:12]}…: cannot read: {error.strerror or error}"
        if not article.text:
            return None, f"{source_id}/{sha256[:12]}…: {article.problem or 'no article text found'}"
        return article.text, ""


def _sampled_pages(data_dir: Path) -> set[str]:
    """The page hashes of the archive backfill's review sample (none when there is none)."""
    from tracker.archive_backfill import BACKFILL_DIR, read_sample

    try:
        rows = read_sample(data_dir / BACKFILL_DIR)
    except (OSError, ValueError):  # damaged: no sample to offer
        return set()
    return {row.get("page_sha256") or "" for row in rows} - {""}


# --- showing a figure in its text ------------------------------------------------------------


@dataclass(frozen=True)
class Segment:
    """A piece of document text and how it is marked ('' plain, 'figure', 'cue-…')."""

    text: str
    mark: str = ""


def cue_phrases(row: Mapping[str, Any]) -> list[tuple[str, str]]:
    """(phrase, mark) of the words that made the reading: its qualifier and period as
    written, and who it is attributed to."""
    cues = [(row.get("qualifier_text"), "cue-qualifier"), (row.get("period_text"), "cue-period")]
    cues += [(row.get(name), "cue-attribution") for name in ("attribution", "analyst", "data_producer")]
    return [(str(text).strip(), mark) for text, mark in cues
            if isinstance(text, str) and len(text.strip()) >= 2]


def highlight(text: str, start: int, end: int, cues: list[tuple[str, str]], *,
              whole: bool = False) -> tuple[list[Segment], bool, bool]:
    """`text` around [start, end) cut into segments: the figure, the cues found near it, and
    the plain text between. Returns (segments, text cut before, text cut after). The
    segments are plain text: the template escapes each of them."""
    spans: list[tuple[int, int, str]] = [(start, end, "figure")]
    near_from, near_to = max(0, start - CUE_NEAR_CHARS), min(len(text), end + CUE_NEAR_CHARS)
    found = []
    for phrase, mark in cues:
        pattern = re.compile(r"(?<!\w)" + re.escape(phrase) + r"(?!\w)", re.IGNORECASE)
        found += [(m.start(), m.end(), mark) for m in pattern.finditer(text, near_from, near_to)]
    # Longest first where two cues overlap; the figure always wins.
    for span in sorted(found, key=lambda s: (s[0], -(s[1] - s[0]))):
        if all(span[1] <= a or span[0] >= b for a, b, _ in spans):
            spans.append(span)
    spans.sort()
    lo, hi = 0, len(text)
    if not whole:
        lo, hi = _word_boundary(text, start - CONTEXT_CHARS, -1), _word_boundary(text, end + CONTEXT_CHARS, 1)
    segments: list[Segment] = []
    at = lo
    for a, b, mark in spans:
        if b <= lo or a >= hi:
            continue
        if a > at:
            segments.append(Segment(text[at:a]))
        segments.append(Segment(text[a:b], mark))
        at = b
    if at < hi:
        segments.append(Segment(text[at:hi]))
    return segments, lo > 0, hi < len(text)


def _word_boundary(text: str, at: int, direction: int) -> int:
    """`at` moved (at most 80 characters) to white space, so a word is not cut in half."""
    if at <= 0:
        return 0
    if at >= len(text):
        return len(text)
    for step in range(80):
        probe = at + direction * step
        if 0 < probe < len(text) and text[probe].isspace():
            return probe
    return at


def figure_in_text(text: str | None, row: Mapping[str, Any]) -> tuple[int, int] | None:
    """The figure's span when its offsets fall on it in `text` (the characters at the span
    are part of the quoted sentence), else None."""
    start, end = row.get("number_start"), row.get("number_end")
    if text is None or start is None or end is None or pd.isna(start) or pd.isna(end):
        return None
    start, end = int(start), int(end)
    if not 0 <= start < end <= len(text):
        return None
    fragment = text[start:end]
    quote = str(row.get("quote") or "")
    if not fragment.strip() or (quote and fragment not in quote):
        return None
    return start, end


def safe_link(url: Any) -> str:
    """`url` when it is an http(s) address with a host, else '' (shown as text, never linked)."""
    text = str(url or "").strip()
    try:
        parts = urlsplit(text)
    except ValueError:
        return ""
    return text if parts.scheme.lower() in ("http", "https") and parts.netloc and not _CONTROL.search(text) else ""


# --- reading a correction ----------------------------------------------------------------------


def parse_correction(form: Mapping[str, str], row: Mapping[str, Any]) -> dict[str, Any]:
    """The fields a correction form changes, as JSON values; PageError(400) names a field
    that is not well formed, or a corrected figure the ledger's schema would refuse."""
    changed: dict[str, Any] = {}
    for name in CORRECTABLE_FIELDS:
        if name not in form:
            continue  # a field the form did not send is left as it is
        raw = form[name].strip()
        if name in FLOAT_COLUMNS:
            if raw and not _NUMBER.match(raw):
                raise PageError(400, f"{name}: {raw[:40]!r} is not a number (write 1234.5, no grouping)")
            value: Any = float(raw) if raw else None
            if value is not None and not math.isfinite(value):
                raise PageError(400, f"{name}: {raw[:40]!r} is not a finite number")
        elif name in DATE_COLUMNS:
            if raw and not _ISO_DATE.match(raw):
                raise PageError(400, f"{name}: {raw[:40]!r} is not a date written YYYY-MM-DD")
            value = raw
        else:
            if _CONTROL.search(raw) or len(raw) > MAX_FIELD_CHARS:
                raise PageError(400, f"{name}: one line of at most {MAX_FIELD_CHARS} printable characters")
            value = raw
        if not same_value(name, row.get(name), value):
            changed[name] = value
    if changed:
        record = {column: row.get(column) for column in CLAIM_COLUMNS}
        record.update(changed)
        _, rejected = split_valid(pd.DataFrame([record], columns=list(CLAIM_COLUMNS)))
        if not rejected.empty:
            raise PageError(400, f"the corrected figure breaks the ledger's rules: {rejected['reason'].iloc[0]}")
    return changed


def reading_digest(row: Mapping[str, Any]) -> str:
    """A short hash of the fields shown, so that a decision taken on a figure that changed
    since the page was loaded (another reviewer, a new extraction) is refused, not misfiled."""
    body = json.dumps(reading_fields(dict(row)), sort_keys=True, ensure_ascii=False)
    return hashlib.sha256(body.encode("utf-8")).hexdigest()[:16]


# --- formatting for the templates --------------------------------------------------------------


def _number_text(value: Any) -> str:
    if value is None or (isinstance(value, float) and math.isnan(value)):
        return ""
    number = float(value)
    return str(int(number)) if number.is_integer() and abs(number) < 1e15 else repr(number)


def _blank(value: Any) -> bool:
    return value is None or value is pd.NA or (isinstance(value, float) and math.isnan(value)) or value == ""


def value_text(row: Mapping[str, Any]) -> str:
    """'about 450', '10-12', '≥ 3' as a reviewer reads it, from the typed row."""
    if row.get("qualifier") == "range" or (_blank(row.get("value")) and not _blank(row.get("value_min"))):
        number = f"{_number_text(row.get('value_min'))}–{_number_text(row.get('value_max'))}"
    else:
        number = _number_text(row.get("value"))
    prefix = {"approx": "≈ ", "at_least": "≥ ", "at_most": "≤ "}.get(str(row.get("qualifier")), "")
    return prefix + number


def time_text(row: Mapping[str, Any]) -> str:
    if not _blank(row.get("as_of")):
        return f"as of {row['as_of']}"
    start, end = row.get("period_start"), row.get("period_end")
    if _blank(start) and _blank(end):
        return ""
    return f"{'' if _blank(start) else start} to {'' if _blank(end) else end}"


def field_text(name: str, value: Any) -> str:
    """A field's value as the correction form shows it ('' for missing)."""
    if _blank(value):
        return ""
    return _number_text(value) if name in FLOAT_COLUMNS else str(value)


def confidence_text(value: Any) -> str:
    return "" if _blank(value) else f"{float(value):.2f}"


# --- the app ---------------------------------------------------------------------------------


def _utc_now() -> datetime:
    return datetime.now(timezone.utc)


def create_app(data_dir: Path, reviewer: str, *, clock: Callable[[], datetime] = _utc_now,
               allowed_hosts: Collection[str] | None = LOOPBACK_HOSTS,
               page_size: int = PAGE_SIZE) -> Flask:
    """The review page over `data_dir`, recording decisions as `reviewer`.

    `clock` gives the decision times (UTC); `allowed_hosts`: the host names requests may
    address (None: any, for a page served beyond this machine on purpose). The ledger is
    read here, so a damaged one fails at once (StoreError) rather than on the first page;
    ReviewError names a reviewer name the log would refuse."""
    if not re.match(r"^[^\x00-\x1f\x7f]{1,64}$", reviewer or ""):
        raise ReviewError("the reviewer's name must be 1-64 printable characters on one line")
    data = ReviewData(Path(data_dir))
    data.refresh()
    app = Flask(__name__)
    app.config.update(MAX_CONTENT_LENGTH=64 * 1024, TEMPLATES_AUTO_RELOAD=False)
    app.extensions["review_data"] = data
    # Per-server: a token from an earlier run (or another server) is worth nothing.
    secret = secrets.token_bytes(32)
    csrf_token = hmac.new(secret, b"tracker-review-form", hashlib.sha256).hexdigest()
    hosts = {h.lower() for h in allowed_hosts} if allowed_hosts is not None else None

    @app.context_processor
    def _globals() -> dict[str, Any]:
        return {"csrf_token": csrf_token, "reviewer": reviewer, "problems": data.problems,
                "value_text": value_text, "time_text": time_text, "confidence_text": confidence_text}

    @app.before_request
    def _guard() -> None:
        if hosts is not None:
            name = (urlsplit("//" + (request.host or "")).hostname or "").lower()
            if name not in hosts:
                raise PageError(400, f"this page answers to {', '.join(sorted(hosts))} only, not {name!r}")
        if request.method == "POST":
            origin = request.headers.get("Origin")
            if origin is not None and urlsplit(origin).netloc.lower() != (request.host or "").lower():
                raise PageError(403, "a form sent from another site is refused")
            # As bytes: compare_digest refuses str with characters beyond ASCII (a TypeError, a 500).
            if not hmac.compare_digest(request.form.get("csrf_token", "").encode("utf-8"), csrf_token.encode()):
                raise PageError(403, "the form's token is missing or wrong (reload the page and try again)")
        if request.endpoint != "static":
            data.refresh()

    @app.after_request
    def _headers(response):
        response.headers["Content-Security-Policy"] = (
            "default-src 'none'; script-src 'self'; style-src 'self'; img-src 'self'; "
            "form-action 'self'; base-uri 'none'; frame-ancestors 'none'")
        response.headers["X-Content-Type-Options"] = "nosniff"
        response.headers["X-Frame-Options"] = "DENY"
        # Not no-referrer: under it Chrome sends `Origin: null` with the page's own forms,
        # which the Origin check above would refuse. same-origin still tells other sites nothing.
        response.headers["Referrer-Policy"] = "same-origin"
        if request.endpoint != "static":
            response.headers["Cache-Control"] = "no-store"
        return response

    def _error_page(status: int, message: str):
        return render_template("error.html", status=status, message=message), status

    @app.errorhandler(PageError)
    def _page_error(error: PageError):
        return _error_page(error.status, str(error))

    @app.errorhandler(StoreError)
    def _store_error(error: StoreError):
        return _error_page(503, f"the ledger cannot be read: {error}")

    for status in (400, 403, 404, 405, 413):
        app.register_error_handler(status, lambda error: _error_page(error.code, error.description))

    @app.errorhandler(500)
    def _server_error(error: Exception):
        cause = getattr(error, "original_exception", None) or error
        log.error("review page failed: %s", cause, exc_info=(type(cause), cause, cause.__traceback__))
        return _error_page(500, "the page failed; the error is in the server's log")

    @app.get("/")
    def queue():
        chosen = parse_filter(request.args, data)
        with data.lock:
            selected = data.select(chosen)
            pages = max(1, -(-len(selected) // page_size))
            chosen = replace(chosen, page=min(chosen.page, pages))
            shown = selected[(chosen.page - 1) * page_size: chosen.page * page_size]
            rows = data.rows(shown)
            counts = data.status_counts(chosen)
            facets = {name: data.facet(name) for name in ("conflict", "metric", "source")}
        return render_template("queue.html", rows=rows, chosen=chosen, total=len(selected),
                               pages=pages, counts=counts, facets=facets, statuses=REVIEW_STATUSES,
                               orders=ORDERS, page_size=page_size,
                               has_sample=data.has_sample())

    @app.get("/figure/<claim_id>")
    def figure(claim_id: str):
        chosen = parse_filter(request.args, data, FIGURE_PARAMETERS)
        return _figure_page(claim_id, chosen)

    def _figure_page(claim_id: str, chosen: QueueFilter, error: str = "", status: int = 200,
                     form: Mapping[str, str] | None = None):
        whole = request.args.get("whole", "") == "1"
        with data.lock:
            row = data.figure(claim_id)
            following = data.next_figure(chosen, claim_id)
        last = request.args.get("last", "")
        last_row = None
        if _CLAIM_ID.match(last) and last in data.position_of_claim:
            last_row = data.row(data.position_of_claim[last])
        text, problem = data.document_text(str(row["source_id"]), str(row["snapshot_sha256"]))
        span = figure_in_text(text, row)
        if text is not None and span is None:
            problem = ("the figure's offsets do not fall on the figure in the stored text; "
                       "showing the quoted sentence instead")
        if span is not None and text is not None:
            segments, cut_before, cut_after = highlight(text, span[0], span[1], cue_phrases(row), whole=whole)
        else:
            quote = str(row.get("quote") or "")
            segments, cut_before, cut_after = highlight(quote, 0, 0, cue_phrases(row), whole=True)
        # After a refused correction the form shows what the reviewer typed, as typed.
        typed = form or {}
        fields = {name: typed[name] if name in typed else field_text(name, row.get(name))
                  for name in CORRECTABLE_FIELDS}
        page = render_template(
            "figure.html", row=row, segments=segments, cut_before=cut_before, cut_after=cut_after,
            whole=whole, document_problem=problem, chosen=chosen, next_claim=following,
            digest=reading_digest(row), fields=fields, correctable=CORRECTABLE_FIELDS,
            metrics=METRICS, qualifiers=QUALIFIERS, link=safe_link(row.get("url")),
            error=error, last_row=last_row, max_reason=MAX_REASON_CHARS,
            reason=(form or {}).get("reason", ""))
        return page, status

    @app.post("/figure/<claim_id>/<action>")
    def decide(claim_id: str, action: str):
        if action not in ACTIONS:
            raise PageError(404, f"unknown action {action!r} (one of {', '.join(ACTIONS)})")
        chosen = parse_filter(request.args, data)
        with data.lock:
            row = data.figure(claim_id)
            if not hmac.compare_digest(request.form.get("reading", "").encode("utf-8"), reading_digest(row).encode()):
                raise PageError(409, f"figure {claim_id} changed since this page was loaded (another "
                                     "decision or a new extraction); reload it and decide again")
            try:
                fields = parse_correction(request.form, row) if action == "correct" else {}
                decision = Decision(
                    action=action, claim_id=claim_id, location_id=str(row["location_id"]),
                    reviewer=reviewer, at=clock().astimezone(timezone.utc).strftime("%Y-%m-%dT%H:%M:%SZ"),
                    reading=reading_fields(row), fields=fields,
                    reason=request.form.get("reason", "").strip())
                data.record(decision)
            except (PageError, ReviewError) as error:
                # The figure again, with what the reviewer typed and what is wrong with it.
                return _figure_page(claim_id, chosen, error=str(error), status=400, form=request.form)
            following = data.next_figure(chosen, claim_id)
        if following is None:
            return redirect(url_for("queue", **chosen.query()), code=303)
        return redirect(url_for("figure", claim_id=following, last=claim_id, **chosen.query(page=1)), code=303)

    return app
