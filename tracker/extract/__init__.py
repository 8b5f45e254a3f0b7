"""Text -> claims. Pure: no network, disk or clock; the caller passes the document in.

Public entry point: `extract(document) -> list[Claim]`.

Layout: `numbers` (numerals as written), `units` (what a numeral measures, conversions),
`periods` (time phrases resolved against the publication date), `lexicon/` (cues per
language), `attribution` (who produced a figure), `text` (sentences, language guess),
`engine` (the rules: candidate readings of every figure) and `learned` (the decisions on
them, made by the model in `model.json`, which `make train` rebuilds from the gold corpus).
"""

from __future__ import annotations

import json
from pathlib import Path

from tracker.extract.engine import extract_document, guess_conflict
from tracker.extract.learned import extract_with_model
from tracker.extract.text import guess_language
from tracker.model import Claim, Document

EXTRACTOR_VERSION = "0.5.0"

__all__ = ["EXTRACTOR_VERSION", "extract", "extract_rules", "failures", "guess_conflict", "guess_language",
           "load_model"]

_MODEL_PATH = Path(__file__).with_name("model.json")
_MODEL: dict | None = None
_FAILURES = [0]


def load_model() -> dict:
    """The shipped model (`tracker/extract/model.json`), read once per process."""
    global _MODEL
    if _MODEL is None:
        # Read as a file beside this module (installed with the package as its data): cheaper
        # at start-up than importlib.resources, and a one-document run is mostly start-up.
        model = json.loads(_MODEL_PATH.read_text(encoding="utf-8"))
        missing = [part for part in ("keep", "metric", "actor", "territory", "time", "source", "confidence")
                   if part not in model]
        if missing:
            raise RuntimeError(f"tracker/extract/model.json lacks {', '.join(missing)}: rebuild it with `make train`")
        _MODEL = model
    return _MODEL


def extract(document: Document) -> list[Claim]:
    """Return the territorial claims cited in `document`, in text order, each with its
    calibrated `confidence`.

    Never raises on any text: an internal error yields no claims for that document rather
    than an exception, because one malformed page must not stop a batch; the error is
    logged with the document's id and counted (`failures()`).
    """
    model = load_model()  # a broken install is no document's fault: it raises
    try:
        return extract_with_model(document, EXTRACTOR_VERSION, model)
    except Exception as exc:  # noqa: BLE001 - the contract is "never raises"; tests call the engine directly
        _FAILURES[0] += 1
        import logging  # only on this path: importing it costs a one-document run ~20 ms

        logging.getLogger(__name__).warning("extraction failed on document %s: %s: %s", document.doc_id or "?",
                    type(exc).__name__, exc)
        return []


def extract_rules(document: Document) -> list[Claim]:
    """The rules alone, without the learned decisions (for comparison and tests)."""
    return extract_document(document, EXTRACTOR_VERSION)


def failures() -> int:
    """How many documents this process failed to extract (each was logged)."""
    return _FAILURES[0]
