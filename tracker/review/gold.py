"""Reviewed figures as labelled items in the gold corpus's JSON Lines format.

People confirm, correct or reject machine-read figures (tracker/review/log.py). A document
whose figures were decided on is a labelled item of the same shape as the items of
`../shared/gold/dev.jsonl` (see its README): `id`, `text`, `published`, `language`, `url`,
`publisher`, `conflict`, `claims`, `distractors`, so that `score.py`, the training code
(tracker/training/gold.py) and `tracker eval --reviewed` read it like any gold item.

What the mapping decides:

- **Text**: the article text read again from the raw bytes kept in `data/raw/` by the
  reader the ingest used (tracker/documents.py `read_article`), so the offsets the ledger
  stored (`number_start`, `number_end`) point into it; a document whose stored figure no
  longer sits at its offsets (the raw file altered, a different text reader) is skipped.
- **Claims**: the confirmed and corrected figures with the fields in force in the current
  view (tracker/view.py): a correction's values, a confirmation's reading. `surface` is the
  figure as written at its offsets, widened to its unit and its hedge when they touch it.
- **Rejected figures** are not claims: they are listed under `distractors` (numbers in the
  text that are not claims, the corpus's own key), with the reviewer's reason as `note`.
- **Partially reviewed documents** (a machine-read figure nobody decided on) are not fully
  labelled: scored as gold, every unreviewed figure the extractor finds would count as a
  false claim. They are skipped with a reason unless asked for; then the item carries
  `"partial": true` and the unreviewed figures under `unreviewed`.
- **Provenance**: each item names the decisions behind it under `decisions` (reviewer, time,
  action, ids) and each claim its own under `review`. `score.py` reads only the keys it
  knows, so these extra keys change no score.

Only figures read from text (`method` reported) are items: curated and computed figures
have no document text to label. Items are ordered by id (`<source_id>:<sha256[:16]>`).
"""

from __future__ import annotations

import math
import re
from dataclasses import dataclass, field
from pathlib import Path
from collections import Counter
from typing import TYPE_CHECKING, Any, Callable, Iterable

import pandas as pd

from tracker.model import Document
from tracker.review.log import Decision, read_decisions

if TYPE_CHECKING:
    from tracker.config import Config, Source
    from tracker.documents import ArticleText
    from tracker.store import RawRecord

REVIEWED_STATUSES: frozenset[str] = frozenset({"confirmed", "corrected"})
DECIDED_STATUSES: frozenset[str] = REVIEWED_STATUSES | {"rejected"}

# What a reviewed claim carries beyond the fields every gold claim has, when the ledger
# knows it (the corpus's optional claim fields that the ledger keeps too).
_OPTIONAL_TEXT_FIELDS = ("period_text", "qualifier_text", "alt_unit_original")


@dataclass(frozen=True)
class Skipped:
    """A document with decisions that is not exported, and why."""

    doc_id: str
    origin: str
    reason: str

    def __str__(self) -> str:
        return f"{self.doc_id} ({self.origin}): {self.reason}"


@dataclass
class ReviewedDocument:
    """One labelled item and the document the extractor is given for it."""

    item: dict[str, Any]
    # Built as tracker/sources/article.py `extract_article` builds it at ingest (conflict,
    # the source's default attribution and language included), so an evaluation runs the
    # extractor on what the ingest ran it on.
    document: Document
    last_decision_at: str  # the latest decision in force on the document's figures (UTC)
    # (start, end) of the machine-read figures nobody decided on: partial documents only.
    unreviewed_spans: list[tuple[int, int]] = field(default_factory=list)


@dataclass
class ReviewedSet:
    documents: list[ReviewedDocument] = field(default_factory=list)
    skipped: list[Skipped] = field(default_factory=list)
    problems: list[str] = field(default_factory=list)  # damaged lines of the review log
    decisions: int = 0  # sound decisions in the log
    decided_figures: int = 0  # figures read from text with a decision in force

    @property
    def items(self) -> list[dict[str, Any]]:
        return [doc.item for doc in self.documents]

    @property
    def claims(self) -> int:
        return sum(len(doc.item["claims"]) for doc in self.documents)


# A text reader: (source_id, sha256) -> (the raw record, the article read from its bytes).
# Raises OSError or ValueError naming what is wrong when the stored document cannot be read.
TextReader = Callable[[str, str], "tuple[RawRecord, ArticleText]"]


def reviewed_items(data_dir: Path, include_partial: bool = False,
                   config: Config | None = None) -> tuple[list[dict[str, Any]], list[Skipped]]:
    """(gold-format items of the reviewed documents, the documents skipped and why).

    `config` (sources.toml) gives each document its source's language and default
    attribution as at ingest; without it the language is the article's own or guessed."""
    reviewed = collect_reviewed(data_dir, include_partial=include_partial, config=config)
    return reviewed.items, reviewed.skipped


def collect_reviewed(data_dir: Path, include_partial: bool = False,
                     config: Config | None = None) -> ReviewedSet:
    """Read the ledger, the review log and the raw store of `data_dir` (the edges) and
    build the reviewed documents. Raises LedgerError (a StoreError) on a damaged ledger."""
    from tracker.ledger import read_claims

    data_dir = Path(data_dir)
    claims = read_claims(data_dir / "processed" / "claims.csv")
    decisions, problems = read_decisions(data_dir)
    sources = {s.id: s for s in config.sources + config.disabled} if config else {}
    reviewed = build_reviewed(claims, decisions, raw_text_reader(data_dir), include_partial, sources)
    reviewed.problems = problems
    return reviewed


def raw_text_reader(data_dir: Path) -> TextReader:
    """Read a stored document's text as the ingest read it (see extract_article)."""
    from tracker.sources.article import stored_article
    from tracker.store import RawStore

    store = RawStore(data_dir)
    return lambda source_id, sha256: stored_article(store, source_id, sha256)


def build_reviewed(claims: pd.DataFrame, decisions: Iterable[Decision], read_text: TextReader,
                   include_partial: bool = False,
                   sources: dict[str, Source] | None = None) -> ReviewedSet:
    """The reviewed documents of a typed ledger frame; pure but for `read_text`."""
    from tracker.view import current_view, decisions_in_force

    decisions = list(decisions)
    # claim_id of an active reading -> the decision in force on it (as the view applies it).
    latest = decisions_in_force(claims[claims["status"] == "active"], decisions)
    view = current_view(claims, decisions)
    from_text = view[view["method"] == "reported"]
    result = ReviewedSet(decisions=len(decisions))
    decided = from_text["review_status"].isin(DECIDED_STATUSES)
    result.decided_figures = int(decided.sum())
    active = claims[claims["status"] == "active"].set_index("location_id", drop=False)
    keys = set(zip(from_text.loc[decided, "source_id"], from_text.loc[decided, "snapshot_sha256"]))
    for (source_id, sha256), rows in from_text.groupby(["source_id", "snapshot_sha256"], sort=True):
        if (source_id, sha256) not in keys:
            continue  # nobody decided on any figure of this document
        machine = active.loc[active.index.intersection(rows["location_id"])].reset_index(drop=True)
        outcome = _reviewed_document(source_id, sha256, rows, machine, latest, read_text,
                                     include_partial, (sources or {}).get(source_id))
        if isinstance(outcome, Skipped):
            result.skipped.append(outcome)
        else:
            result.documents.append(outcome)
    result.documents.sort(key=lambda doc: doc.item["id"])
    result.skipped.sort(key=lambda skipped: skipped.doc_id)
    return result


def document_id(source_id: str, sha256: str) -> str:
    """An item's id: the source and the stored bytes (one page kept by two sources, each
    with its own metadata, is two documents to the extractor)."""
    return f"{source_id}:{sha256[:16]}"


def _reviewed_document(source_id: str, sha256: str, rows: pd.DataFrame, machine: pd.DataFrame,
                       latest: dict[str, Decision], read_text: TextReader, include_partial: bool,
                       source: Source | None) -> ReviewedDocument | Skipped:
    doc_id = document_id(source_id, sha256)
    origin = str(rows.iloc[0]["url"]) or source_id
    unreviewed = rows[rows["review_status"] == "unreviewed"]
    if len(unreviewed) and not include_partial:
        return Skipped(doc_id, origin, f"partially reviewed: {len(unreviewed)} of {len(rows)} "
                                       "machine-read figure(s) not reviewed (--include-partial keeps it)")
    try:
        record, article = read_text(source_id, sha256)
    except (OSError, ValueError) as error:
        reason = error.strerror if isinstance(error, OSError) and error.strerror else str(error)
        return Skipped(doc_id, origin, f"stored document cannot be read: {reason}")
    text = article.text
    if not text:
        return Skipped(doc_id, origin, f"no article text in the stored document {article.problem}".rstrip())
    misplaced = [row["location_id"] for _, row in rows.iterrows() if _span(row, text) is None]
    if misplaced:
        return Skipped(doc_id, origin, f"{len(misplaced)} figure(s) no longer at their offsets in the "
                                       "text read from the stored bytes (text reader changed?)")
    first = machine.sort_values("number_start").iloc[0] if len(machine) else rows.iloc[0]
    document = _document(text, doc_id, first, record, article, source)
    claims, distractors, backing = [], [], []
    for _, row in rows.sort_values(["number_start", "number_end", "location_id"]).iterrows():
        status = row["review_status"]
        if status == "unreviewed":
            continue
        decision = latest[row["claim_id"]]
        backing.append(decision)
        if status == "rejected":
            distractors.append({"surface": _surface(row, text), "kind": "rejected_in_review",
                                "note": decision.reason, "review": _provenance(decision, row)})
        else:
            machine_row = machine[machine["location_id"] == row["location_id"]]
            claims.append(gold_claim(row, text, decision,
                                     machine_row.iloc[0] if len(machine_row) else None))
    item = {
        "id": doc_id,
        "url": document.url,
        "publisher": document.publisher,
        "published": document.published,
        "language": document.language,
        "conflict": _item_conflict(rows[rows["review_status"].isin(REVIEWED_STATUSES)], document.conflict),
        "text": text,
        "claims": claims,
        "distractors": distractors,
        "notes": "labelled from review decisions (tracker review export)",
        "partial": bool(len(unreviewed)),
        "decisions": [{"decision_id": d.decision_id, "action": d.action, "reviewer": d.reviewer,
                       "at": d.at, "location_id": d.location_id, "claim_id": d.claim_id}
                      for d in sorted(backing, key=lambda d: (d.at, d.decision_id))],
    }
    spans = [_span(row, text) for _, row in unreviewed.iterrows()]
    if len(unreviewed):
        item["unreviewed"] = [{"surface": _surface(row, text), "location_id": row["location_id"],
                               "number_start": span[0], "number_end": span[1]}
                              for (_, row), span in zip(unreviewed.iterrows(), spans)]
    return ReviewedDocument(item=item, document=document,
                            last_decision_at=max(d.at for d in backing),
                            unreviewed_spans=[s for s in spans if s is not None])


def _document(text: str, doc_id: str, row: pd.Series, record: RawRecord, article: ArticleText,
              source: Source | None) -> Document:
    """The Document extract_article gave the extractor at ingest. The citation fields (url,
    publisher, title, published date) are the ones the ledger stored from it, which also
    hold a feed entry's date and title; the source settings come from sources.toml."""
    from tracker.extract import guess_language

    language = (source.language if source else None) or article.language or guess_language(text)
    return Document(
        text=text,
        doc_id=doc_id,
        url=str(row["url"]),
        publisher=str(row["publisher"]),
        title=str(row["title"]),
        published=str(row["published_at"]) or None,
        language=str(language).lower()[:2],
        # The ledger's conflict is the source's or the one guessed from this text: the same
        # either way for the extractor, which guesses it when the document has none.
        conflict=(source.conflict if source and source.conflict else str(row["conflict"])),
        source_id=str(row["source_id"]),
        snapshot_sha256=record.sha256,
        retrieved_at=record.retrieved_at,
        default_attribution=source.attribution if source else "",
    )


def gold_claim(row: pd.Series, text: str, decision: Decision,
               machine: pd.Series | None = None) -> dict[str, Any]:
    """A confirmed or corrected figure as a gold claim (the corpus's claim fields)."""
    claim: dict[str, Any] = {
        "metric": row["metric"],
        "value": _number(row["value"]),
        "unit_original": row["unit_original"],
        "value_original": _value_original(row, machine),
        "qualifier": row["qualifier"],
        "actor": row["actor"],
        "territory": row["territory"],
        "period_start": _date(row["period_start"]),
        "period_end": _date(row["period_end"]),
        "as_of": _date(row["as_of"]),
        "attribution": row["attribution"],
        "surface": _surface(row, text),
    }
    if claim["value"] is None or row["qualifier"] == "range":
        claim["value_min"] = _number(row["value_min"])
        claim["value_max"] = _number(row["value_max"])
    for name in _OPTIONAL_TEXT_FIELDS:
        if row[name]:
            claim[name] = row[name]
    if claim.get("alt_unit_original"):
        claim["alt_value_original"] = _number(row["alt_value_original"])
    if claim["value_original"] is None and decision.action == "correct":
        claim["note"] = "value corrected in review; value_original not re-read"
    claim["review"] = _provenance(decision, row)
    return claim


def _provenance(decision: Decision, row: pd.Series) -> dict[str, Any]:
    record: dict[str, Any] = {"status": row["review_status"], "reviewer": decision.reviewer,
                              "at": decision.at, "decision_id": decision.decision_id,
                              "location_id": decision.location_id, "claim_id": str(row["claim_id"])}
    if decision.action == "correct":
        record["corrected_fields"] = sorted(decision.fields)
    if decision.reason:
        record["reason"] = decision.reason
    return record


def _value_original(row: pd.Series, machine: pd.Series | None) -> float | int | None:
    """The number as written, as the machine read it; null once a reviewer corrected the
    value, since nobody re-read the number as written then (a misread "1.150" and a source
    error corrected on purpose look the same in a decision)."""
    if machine is not None and not _same_number(machine["value"], row["value"]):
        return None
    return _number(row["value_original"])


def _same_number(a: Any, b: Any) -> bool:
    x, y = _number(a), _number(b)
    return (x is None and y is None) or (x is not None and y is not None and round(x, 6) == round(y, 6))


def _item_conflict(reviewed: pd.DataFrame, read_with: str) -> str:
    """The document's conflict: the one its confirmed and corrected figures state most (a
    reviewer may have corrected it), else the one the extractor read the document with."""
    counts = Counter(c for c in reviewed["conflict"] if c)
    if not counts:
        return read_with
    best = max(counts.values())
    if counts.get(read_with) == best:
        return read_with
    return sorted(name for name, n in counts.items() if n == best)[0]


def _number(value: Any) -> float | int | None:
    if value is None or value is pd.NA:
        return None
    try:
        number = float(value)
    except (TypeError, ValueError):
        return None
    if math.isnan(number):
        return None
    # Whole numbers as the corpus writes them (701, not 701.0).
    return int(number) if number.is_integer() and abs(number) < 1e15 else number


def _date(value: Any) -> str | None:
    if value is None or value is pd.NA or (isinstance(value, float) and math.isnan(value)):
        return None
    return str(value).strip() or None


def _span(row: pd.Series, text: str) -> tuple[int, int] | None:
    """(start, end) of the figure in `text`, or None when the text there is not the figure
    the ledger read (its sentence, stored as `quote`, must contain it)."""
    start, end = _number(row["number_start"]), _number(row["number_end"])
    if start is None or end is None or not 0 <= start < end <= len(text):
        return None
    figure = text[int(start):int(end)]
    if not figure.strip():
        return None
    quote = str(row["quote"])
    if quote and figure not in quote and figure not in re.sub(r"\s+", " ", quote):
        return None
    return int(start), int(end)


_SPACE = r"[\s\u00a0\u202f]*"


def _surface(row: pd.Series, text: str) -> str:
    """The figure as written, widened to the unit written right after it and the hedge
    (`qualifier_text`) written right before it, as the corpus's `surface` is."""
    span = _span(row, text)
    if span is None:
        return ""
    start, end = span
    unit = str(row["unit_original"])
    if unit:
        after = re.compile(_SPACE + re.escape(unit), re.IGNORECASE).match(text, end)
        if after:
            end = after.end()
    hedge = str(row["qualifier_text"])
    if hedge:
        before = re.search(re.escape(hedge) + _SPACE + r"\Z", text[max(0, start - len(hedge) - 8):start],
                           re.IGNORECASE)
        if before:
            start = start - (len(before.group(0)))
    return text[start:end]
