"""Honest measures of the learned extractor, printed by `make eval`.

(a) a model trained on `train/` only, scored on `dev.jsonl`; (b) 5-fold cross-validation
over every shipped item, folds grouped by story; (c) the gap between the score on the
training data and the held-out score; (d) the reliability of `confidence` on held-out
predictions. Scores come from the corpus's own `score.py`, loaded from the gold folder.
"""

from __future__ import annotations

import importlib.util
from pathlib import Path

from tracker.extract import learned as L
from tracker.training import fit as F
from tracker.training.gold import LabelledDoc, folds, label, load_items, story_groups

RELIABILITY_BINS = (0.0, 0.3, 0.5, 0.7, 0.8, 0.9, 1.0)


def load_scorer(gold_dir: Path):
    spec = importlib.util.spec_from_file_location("gold_score", gold_dir / "score.py")
    if spec is None or spec.loader is None:
        raise SystemExit(f"{gold_dir / 'score.py'}: cannot load the scorer")
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


def predict(model: dict, docs: list[LabelledDoc]) -> dict[str, list[dict]]:
    out: dict[str, list[dict]] = {}
    for doc in docs:
        chosen = []
        for r in doc.readings:
            d = L.decide(model, r)
            if d.metric != L.NONE:
                chosen.append((L.to_claim(d, model), r.mention, r.sentence))
        out[doc.item["id"]] = [c.to_dict() | {"confidence": c.confidence} for c in L.E._deduplicate(chosen)]
    return out


def rules_only(docs: list[LabelledDoc]) -> dict[str, list[dict]]:
    return {doc.item["id"]: [r.claim.to_dict() for r in doc.readings if r.kept_by_rules and not r.probe]
            for doc in docs}


def summary(scorer, docs: list[LabelledDoc], pred: dict[str, list[dict]]) -> dict:
    result = scorer.score([d.item for d in docs], pred, False)
    t = result["tot"]
    p, r, f = scorer.prf(t["tp"], t["pred"], t["gold"])
    _, _, ff = scorer.prf(t["full"], t["pred"], t["gold"])
    langs = {k[5:]: scorer.prf(c["tp"], c["pred"], c["gold"])[2] for k, c in result["by"].items()
             if k.startswith("lang:")}
    return {"P": p, "R": r, "F1": f, "full": ff, "neg_fp": t["neg_fp"], "langs": langs,
            "fields": {k: (v / t["tp"] if t["tp"] else 0.0) for k, v in result["fields"].items()}}


def _line(name: str, s: dict) -> str:
    langs = " ".join(f"{k} {v:.2f}" for k, v in sorted(s["langs"].items()))
    return (f"{name:<34}{s['P']:>7.3f}{s['R']:>7.3f}{s['F1']:>7.3f}{s['full']:>8.3f}{s['neg_fp']:>5}   {langs}")


def reliability(scorer, docs: list[LabelledDoc], pred: dict[str, list[dict]]) -> list[tuple]:
    """(bin low, bin high, claims, full matches) over held-out predictions."""
    outcomes = []  # (confidence, full match)
    for doc in docs:
        gold = [g for g in doc.item["claims"] if not g.get("implicit")]
        used: set[int] = set()
        for p in pred.get(doc.item["id"], []):
            hit = next((i for i, g in enumerate(gold) if i not in used and scorer.core_match(p, g)), None)
            if hit is None:
                if any(scorer.core_match(p, g) for g in doc.item["claims"] if g.get("implicit")):
                    continue
                outcomes.append((p["confidence"], False))
                continue
            used.add(hit)
            full = all(fn(p, gold[hit]) for fn in scorer.FIELDS.values())
            outcomes.append((p["confidence"], full))
    rows = []
    for lo, hi in zip(RELIABILITY_BINS, RELIABILITY_BINS[1:]):
        inside = [ok for c, ok in outcomes if lo <= c < hi or (hi == 1.0 and c == 1.0)]
        rows.append((lo, hi, len(inside), sum(inside)))
    return rows


def cross_validate(docs: list[LabelledDoc], k: int, progress=None) -> dict[str, list[dict]]:
    fold_of = folds(story_groups([d.item for d in docs]), k)
    pred: dict[str, list[dict]] = {}
    for f in range(k):
        if progress:
            progress(f"fold {f + 1}/{k}")
        train = [d for d, x in zip(docs, fold_of) if x != f]
        inner = folds(story_groups([d.item for d in train]), F.INNER_FOLDS)
        model = F.fit(train, inner)
        pred.update(predict(model, [d for d, x in zip(docs, fold_of) if x == f]))
    return pred


def run(gold_dir: Path, model: dict, k: int = 5, progress=None) -> str:
    scorer = load_scorer(gold_dir)
    train_items = load_items(sorted((gold_dir / "train").glob("*.jsonl")))
    dev_items = load_items([gold_dir / "dev.jsonl"])
    if progress:
        progress(f"reading {len(train_items)} train and {len(dev_items)} dev items")
    train_docs = [label(i) for i in train_items]
    dev_docs = [label(i) for i in dev_items]
    every = train_docs + dev_docs
    lines = [f"{'':<34}{'P':>7}{'R':>7}{'F1':>7}{'fullF1':>8}{'negFP':>5}   core F1 by language"]
    lines.append(_line("rules alone, dev (written on it)", summary(scorer, dev_docs, rules_only(dev_docs))))
    lines.append(_line("shipped model, dev (seen)", summary(scorer, dev_docs, predict(model, dev_docs))))
    if progress:
        progress("training on train/ only")
    train_only = F.fit(train_docs, folds(story_groups(train_items), F.INNER_FOLDS))
    lines.append(_line("(a) trained on train/ only -> dev", summary(scorer, dev_docs, predict(train_only, dev_docs))))
    cv_pred = cross_validate(every, k, progress)
    cv = summary(scorer, every, cv_pred)
    lines.append(_line(f"(b) {k}-fold CV by story, all items", cv))
    # The rules were written on dev.jsonl, so on dev items they are not blind: the fair
    # comparison with the rules is on the train/ items, unseen by both.
    lines.append(_line("    rules alone, same items", summary(scorer, every, rules_only(every))))
    lines.append(_line("    CV, train/ items only", summary(scorer, train_docs, cv_pred)))
    lines.append(_line("    rules alone, train/ items", summary(scorer, train_docs, rules_only(train_docs))))
    seen = summary(scorer, every, predict(model, every))
    lines.append(_line("    all items, shipped model (seen)", seen))
    lines.append(f"(c) gap, seen minus held-out: core F1 {seen['F1'] - cv['F1']:+.3f}, "
                 f"full-match F1 {seen['full'] - cv['full']:+.3f}")
    lines.append("    field accuracy among matched (CV): " +
                 ", ".join(f"{k} {v:.3f}" for k, v in cv["fields"].items()))
    lines.append("(d) reliability of confidence on held-out (CV) predictions:")
    lines.append(f"    {'confidence':<14}{'claims':>8}{'full match':>12}{'observed':>10}")
    for lo, hi, n, ok in reliability(scorer, every, cv_pred):
        observed = f"{ok / n:.3f}" if n else "-"
        lines.append(f"    {lo:.1f}-{hi:.1f}{'':<7}{n:>8}{ok:>12}{observed:>10}")
    return "\n".join(lines)
