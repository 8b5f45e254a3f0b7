"""How well the current extractor reads real traffic, measured on reviewed figures.

The reviewed documents (tracker/review/gold.py) are labelled items: the current extractor
(`tracker.extract.extract`) runs over each one's text, given the Document the ingest gave
it, and its claims are scored against the reviewed labels with the project's matching
rules (tracker/training/gold.py, the corpus conventions `make eval` scores by): a core
match is the same metric, the same actor (text in parentheses ignored) and a value within
0.5 % (or 0.01); among core matches, qualifier, time (period within one day, as-of within
three), territory and attribution are checked, and a full match has all four right. Each
gold claim takes the first unmatched prediction that core-matches it, as score.py does.

So a confirmed figure the extractor still reads the same way is a hit; a corrected value,
metric or actor is a miss and a false claim (the extractor's reading is wrong), a corrected
qualifier, time, territory or attribution a core hit that is not a full match; a reading of
a rejected figure is a false claim. Recall counts only figures some extractor once read:
reviewers decide on readings, they do not add the figures every extractor missed.

Scores are given overall and per month of review (the latest decision in force on a
document), so the accuracy on real traffic can be followed over time. Pure but for
`evaluate_reviewed`, which reads the data folder and runs the extractor.
"""

from __future__ import annotations

from collections import Counter
from dataclasses import dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING, Any, Callable, Iterable

from tracker.model import Claim, Document
from tracker.review.gold import ReviewedDocument, ReviewedSet, Skipped, collect_reviewed
from tracker.training.gold import (
    bare_name,
    source_matches,
    territory_matches,
    time_matches,
    value_matches,
)

if TYPE_CHECKING:
    from tracker.config import Config

FIELD_NAMES: tuple[str, ...] = ("qualifier", "time", "territory", "attribution")

# The field checks among core matches, each (prediction, gold claim) -> right or not.
FIELD_CHECKS: dict[str, Callable[[Claim, dict[str, Any]], bool]] = {
    "qualifier": lambda claim, gold: claim.qualifier == gold.get("qualifier"),
    "time": lambda claim, gold: time_matches((claim.period_start, claim.period_end, claim.as_of), gold),
    "territory": lambda claim, gold: territory_matches(claim.territory, gold),
    "attribution": lambda claim, gold: source_matches(claim.attribution, gold),
}


def core_match(claim: Claim, gold: dict[str, Any]) -> bool:
    """Same metric, same actor, value within tolerance (tracker/training/gold.py rules)."""
    return (claim.metric == gold.get("metric") and bare_name(claim.actor) == bare_name(gold.get("actor"))
            and value_matches(claim, gold))


@dataclass
class Tally:
    """Counts of one group of documents and the measures made of them."""

    documents: int = 0
    gold: int = 0  # reviewed claims (confirmed and corrected figures)
    predicted: int = 0  # the extractor's claims that count (not at unreviewed figures)
    hits: int = 0  # core matches
    full: int = 0  # core matches with every field right
    ignored: int = 0  # claims at figures nobody reviewed (partial documents only)
    fields: Counter = field(default_factory=Counter)  # right fields among core matches

    def add(self, other: Tally) -> None:
        self.documents += other.documents
        self.gold += other.gold
        self.predicted += other.predicted
        self.hits += other.hits
        self.full += other.full
        self.ignored += other.ignored
        self.fields.update(other.fields)

    def core(self) -> tuple[float, float, float]:
        return prf(self.hits, self.predicted, self.gold)

    def full_match(self) -> tuple[float, float, float]:
        return prf(self.full, self.predicted, self.gold)


def prf(true_positives: int, predicted: int, gold: int) -> tuple[float, float, float]:
    """Precision, recall and F1 (0 where undefined), as score.py computes them."""
    precision = true_positives / predicted if predicted else 0.0
    recall = true_positives / gold if gold else 0.0
    f1 = 2 * precision * recall / (precision + recall) if precision + recall else 0.0
    return precision, recall, f1


def score_document(gold_claims: list[dict[str, Any]], predictions: list[Claim],
                   unreviewed_spans: Iterable[tuple[int, int]] = ()) -> Tally:
    """One document's counts. A prediction left unmatched at a figure nobody reviewed (a
    partial document) is neither right nor wrong: it is counted as ignored."""
    tally = Tally(documents=1, gold=len(gold_claims))
    used: set[int] = set()
    matched: list[tuple[Claim, dict[str, Any]]] = []
    for gold in gold_claims:
        for index, claim in enumerate(predictions):
            if index not in used and core_match(claim, gold):
                used.add(index)
                matched.append((claim, gold))
                break
    spans = list(unreviewed_spans)
    for index, claim in enumerate(predictions):
        if index in used:
            continue
        if _inside_any(claim, spans):
            tally.ignored += 1
        else:
            tally.predicted += 1
    tally.predicted += len(matched)
    tally.hits = len(matched)
    for claim, gold in matched:
        right = [name for name, check in FIELD_CHECKS.items() if check(claim, gold)]
        tally.fields.update(right)
        tally.full += len(right) == len(FIELD_CHECKS)
    return tally


def _inside_any(claim: Claim, spans: list[tuple[int, int]]) -> bool:
    if claim.number_start is None:
        return False
    end = claim.number_end if claim.number_end is not None else claim.number_start + 1
    return any(claim.number_start < stop and start < end for start, stop in spans)


@dataclass
class ReviewedEvaluation:
    overall: Tally
    by_month: dict[str, Tally]  # YYYY-MM of the latest decision on each document
    extractor_version: str = ""
    skipped: list[Skipped] = field(default_factory=list)
    problems: list[str] = field(default_factory=list)  # damaged lines of the review log
    decisions: int = 0
    partial_documents: int = 0


def score_documents(documents: list[ReviewedDocument],
                    extract: Callable[[Document], list[Claim]]) -> tuple[Tally, dict[str, Tally]]:
    """(overall counts, counts per month of review) of `extract` over reviewed documents."""
    overall, by_month = Tally(), {}
    for reviewed in documents:
        tally = score_document(reviewed.item["claims"], extract(reviewed.document),
                               reviewed.unreviewed_spans)
        overall.add(tally)
        by_month.setdefault(reviewed.last_decision_at[:7], Tally()).add(tally)
    return overall, dict(sorted(by_month.items()))


def evaluate_reviewed(data_dir: Path, include_partial: bool = False,
                      config: Config | None = None) -> ReviewedEvaluation:
    """Score the current extractor against the reviewed figures of `data_dir`.

    Raises LedgerError (a StoreError) when the stored ledger is damaged."""
    from tracker.extract import EXTRACTOR_VERSION, extract

    reviewed = collect_reviewed(data_dir, include_partial=include_partial, config=config)
    return evaluate_set(reviewed, extract, EXTRACTOR_VERSION)


def evaluate_set(reviewed: ReviewedSet, extract: Callable[[Document], list[Claim]],
                 extractor_version: str = "") -> ReviewedEvaluation:
    """Score `extract` against reviewed documents already collected."""
    overall, by_month = score_documents(reviewed.documents, extract)
    return ReviewedEvaluation(
        overall=overall, by_month=by_month, extractor_version=extractor_version,
        skipped=reviewed.skipped, problems=reviewed.problems, decisions=reviewed.decisions,
        partial_documents=sum(1 for d in reviewed.documents if d.item.get("partial")))


def format_report(evaluation: ReviewedEvaluation) -> str:
    """The table `tracker eval --reviewed` prints: core and full-match precision, recall
    and F1 with their counts, overall and per month of review, then field accuracy."""
    header = (f"{'reviewed in':<12}{'docs':>6}{'gold':>6}{'pred':>6}{'hits':>6}{'full':>6}"
              f"{'P':>7}{'R':>7}{'F1':>7}{'fullP':>7}{'fullR':>7}{'fullF1':>7}")
    lines = [f"current extractor ({evaluation.extractor_version}) against reviewed figures", header]
    rows = [("all", evaluation.overall)] + list(evaluation.by_month.items())
    for name, tally in rows:
        p, r, f = tally.core()
        fp, fr, ff = tally.full_match()
        lines.append(f"{name:<12}{tally.documents:>6}{tally.gold:>6}{tally.predicted:>6}{tally.hits:>6}"
                     f"{tally.full:>6}{p:>7.3f}{r:>7.3f}{f:>7.3f}{fp:>7.3f}{fr:>7.3f}{ff:>7.3f}")
    hits = evaluation.overall.hits
    lines.append("field accuracy among matched: " + ", ".join(
        f"{name} {evaluation.overall.fields[name] / hits:.3f}" if hits else f"{name} -"
        for name in FIELD_NAMES))
    if evaluation.partial_documents:
        lines.append(f"{evaluation.partial_documents} partially reviewed document(s) included; "
                     f"{evaluation.overall.ignored} claim(s) at figures nobody reviewed not scored")
    lines.append("recall counts only figures an extractor once read: reviewers do not add missed figures")
    return "\n".join(lines)
