"""The shipped model: fitted on every labelled item (`train/` and `dev.jsonl`)."""

from __future__ import annotations

from pathlib import Path

from tracker.training import fit as F
from tracker.training.gold import folds, label, load_items, story_groups


def build(gold_dir: Path) -> str:
    items = load_items(sorted((gold_dir / "train").glob("*.jsonl")) + [gold_dir / "dev.jsonl"])
    docs = [label(i) for i in items]
    return F.dumps(F.fit(docs, folds(story_groups(items), F.INNER_FOLDS)))
