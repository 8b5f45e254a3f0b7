"""Text -> claims. Pure: no network, disk or clock; the caller passes the document in.

Public entry point: `extract(document) -> list[Claim]`.
"""

from __future__ import annotations

from tracker.model import Claim, Document

EXTRACTOR_VERSION = "0.0.1"


def extract(document: Document) -> list[Claim]:
    """Return the territorial claims cited in `document`, in text order."""
    return []
