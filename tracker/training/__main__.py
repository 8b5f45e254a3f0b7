"""`python -m tracker.training train|eval [--gold DIR]`: rebuild the model, or measure it."""

from __future__ import annotations

import argparse
import json
import sys
import time
from pathlib import Path

MODEL_PATH = Path(__file__).resolve().parent.parent / "extract" / "model.json"


def _progress(message: str) -> None:
    print(f"[{time.strftime('%H:%M:%S')}] {message}", file=sys.stderr, flush=True)


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(
        prog="python -m tracker.training",
        description="Train the learned extractor on the gold corpus, or measure it honestly.",
        epilog="example: python -m tracker.training train --gold ../shared/gold",
    )
    parser.add_argument("command", choices=("train", "eval"))
    parser.add_argument("--gold", type=Path, default=Path("../shared/gold"),
                        help="folder with train/*.jsonl, dev.jsonl and score.py (default ../shared/gold)")
    parser.add_argument("--out", type=Path, default=MODEL_PATH, help="where `train` writes the model")
    parser.add_argument("--folds", type=int, default=5, help="cross-validation folds for `eval` (default 5)")
    args = parser.parse_args(argv)
    if not (args.gold / "dev.jsonl").is_file() or not (args.gold / "train").is_dir():
        parser.error(f"{args.gold}: no gold corpus here (need dev.jsonl and train/)")
    if args.command == "train":
        from tracker.training.train import build

        _progress(f"training on {args.gold}")
        from tracker.store import atomic_write_bytes

        text = build(args.gold)
        atomic_write_bytes(args.out, text.encode("utf-8"))
        _progress(f"wrote {args.out.name} ({len(text.encode()):,} bytes)")
        return 0
    from tracker.training.evaluate import run

    print(run(args.gold, json.loads(MODEL_PATH.read_text(encoding="utf-8")), args.folds, _progress))
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
