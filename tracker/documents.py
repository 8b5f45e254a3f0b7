"""Bytes of an article -> its main text and metadata (title, publisher, date, language).

HTML goes through trafilatura, the maintained main-text extractor; plain text passes as is.
Pure: the bytes come in, nothing is fetched or read here.
"""

from __future__ import annotations

import re
from dataclasses import dataclass

_DATE = re.compile(r"^\d{4}-\d{2}-\d{2}")

# Fewer words than this in the extracted main text means the page held no article.
MIN_ARTICLE_WORDS = 8


@dataclass(frozen=True)
class ArticleText:
    text: str
    title: str = ""
    authors: str = ""
    publisher: str = ""
    published: str | None = None
    language: str | None = None
    url: str = ""


def looks_like_html(payload: bytes, content_type: str = "") -> bool:
    if "html" in content_type.lower():
        return True
    head = payload[:2048].lstrip().lower()
    return head.startswith((b"<!doctype html", b"<html")) or b"<body" in head or b"<head" in head


def decode_text(payload: bytes, content_type: str = "") -> str:
    """Decode bytes to text; never raises.

    Bytes that are valid UTF-8 are read as UTF-8 whatever the header says: servers often
    declare a wrong charset, while text in another encoding is almost never valid UTF-8
    by accident. Then the declared charset, then charset detection.
    """
    try:
        return payload.decode("utf-8").lstrip("\ufeff")
    except UnicodeDecodeError:
        pass
    declared = re.search(r"charset=[\"']?([\w.-]+)", content_type, re.IGNORECASE)
    in_page = re.search(rb"<meta[^>]{0,200}charset=[\"']?([\w.-]+)", payload[:4096], re.IGNORECASE)
    for candidate in (declared.group(1) if declared else None,
                      in_page.group(1).decode("ascii", "ignore") if in_page else None):
        if candidate:
            try:
                return payload.decode(candidate)
            except (LookupError, UnicodeDecodeError):
                pass
    if len(payload) >= 512:  # detection needs enough text to be better than a guess
        from charset_normalizer import from_bytes  # requests' own dependency

        best = from_bytes(payload).best()
        if best is not None:
            return str(best)
    # Windows-1252 is what browsers assume for undeclared Western pages; it decodes any byte.
    return payload.decode("cp1252", errors="replace")


def read_article(payload: bytes, content_type: str = "", url: str = "") -> ArticleText:
    """Main text and metadata of an article. Empty text means nothing usable was found."""
    if not looks_like_html(payload, content_type):
        return ArticleText(text=decode_text(payload, content_type).strip(), url=url)
    import trafilatura

    html = decode_text(payload, content_type)
    result = trafilatura.bare_extraction(
        html, url=url or None, with_metadata=True, include_comments=False,
        include_tables=False, favor_precision=True,
    )
    if result is None:
        return ArticleText(text="", url=url)
    data = result.as_dict() if hasattr(result, "as_dict") else dict(result)
    text = (data.get("text") or "").strip()
    if len(text.split()) < MIN_ARTICLE_WORDS:
        text = ""  # trafilatura falls back to any text at all (a menu); that is no article
    published = data.get("date") or None
    if published and not _DATE.match(str(published)):
        published = None
    return ArticleText(
        text=text,
        title=data.get("title") or "",
        authors=data.get("author") or "",
        publisher=data.get("sitename") or "",
        published=str(published)[:10] if published else None,
        language=data.get("language") or None,
        url=data.get("url") or url,
    )
