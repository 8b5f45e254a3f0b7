"""Text -> claims. Pure: no network, disk or clock; the caller passes the document in.

Public entry point: `extract(document) -> list[Claim]`.

Layout: `numbers` (numerals as written), `units` (what a numeral measures, conversions),
`periods` (time phrases resolved against the publication date), `lexicon/` (cues per
language), `attribution` (who produced a figure), `text` (sentences, language guess) and
`engine` (the grammar that puts them together).
"""

from __future__ import annotations

from tracker.extract.engine import extract_document, guess_conflict
from tracker.extract.text import guess_language
from tracker.model import Claim, Document

EXTRACTOR_VERSION = "0.4.0"

__all__ = ["EXTRACTOR_VERSION", "extract", "guess_conflict", "guess_language"]


def extract(document: Document) -> list[Claim]:
    """Return the territorial claims cited in `document`, in text order.

    Never raises on any text: an internal error yields no claims rather than an exception,
    because one malformed page must not stop a batch.
    """
    try:
        return extract_document(document, EXTRACTOR_VERSION)
    except Exception:  # noqa: BLE001 - the contract is "never raises"; tests call the engine directly
        return []
