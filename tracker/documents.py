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

# trafilatura's time grows faster than the page: 1 MB of HTML took 5 s, 5 MB 19 s, 10 MB
# 54 s and 20 MB 330 s on the project machine. An article's text sits in its first
# megabytes, so only that much goes to extraction; the stored raw bytes stay whole.
MAX_EXTRACT_CHARS = 2_000_000

# Byte-order marks, the four-byte ones first: UTF-32-LE starts like UTF-16-LE. (UTF-8's
# mark is left to the UTF-8 attempt, which drops it.)
_BOMS = ((b"\xff\xfe\x00\x00", "utf-32-le"), (b"\x00\x00\xfe\xff", "utf-32-be"),
         (b"\xff\xfe", "utf-16-le"), (b"\xfe\xff", "utf-16-be"))

# Text has next to no control characters; binary data read as text has many (about one
# character in eight for compressed data). NUL, the other C0 controls except whitespace,
# DEL, and U+FFFD (a byte no decoding could place) count. C1 controls do not: a page that
# declares ISO-8859-1 but holds Windows-1252 quotes decodes each quote to one of them.
_CONTROL = re.compile("[\x00-\x08\x0e-\x1f\x7f\ufffd]")
MAX_CONTROL_SHARE = 0.02
_BINARY_SAMPLE_CHARS = 1_000_000  # enough to judge; counting 20 MB would cost for nothing


@dataclass(frozen=True)
class ArticleText:
    text: str
    title: str = ""
    authors: str = ""
    publisher: str = ""
    published: str | None = None
    language: str | None = None
    url: str = ""
    problem: str = ""  # why the text is empty when it is (binary content, no article)


def looks_like_html(payload: bytes | str, content_type: str = "") -> bool:
    """HTML by its declared type or by its first characters (bytes or decoded text)."""
    if "html" in content_type.lower():
        return True
    head = payload[:2048]
    if isinstance(head, bytes):
        head = head.decode("latin-1")
    head = head.lstrip().lower()
    return head.startswith(("<!doctype html", "<html")) or "<body" in head or "<head" in head


def binary_share(text: str) -> float:
    """The share of control characters in (the start of) a decoded text; see MAX_CONTROL_SHARE."""
    sample = text[:_BINARY_SAMPLE_CHARS]
    if not sample:
        return 0.0
    return len(_CONTROL.findall(sample)) / len(sample)


def decode_text(payload: bytes, content_type: str = "") -> str:
    """Decode bytes to text; never raises.

    Bytes that are valid UTF-8 are read as UTF-8 whatever the header says: servers often
    declare a wrong charset, while text in another encoding is almost never valid UTF-8
    by accident. Then the declared charset, then charset detection. A byte-order mark
    comes before all of these: it says the encoding outright (UTF-16 text is never valid
    UTF-8 once it holds a letter beyond ASCII, and ASCII in UTF-16 is full of NULs).
    """
    for bom, encoding in _BOMS:
        if payload.startswith(bom):
            return payload[len(bom):].decode(encoding, errors="replace")
    if _looks_like_utf16_le(payload):
        return payload.decode("utf-16-le", errors="replace")
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


def _looks_like_utf16_le(payload: bytes) -> bool:
    """UTF-16-LE without a mark: Latin-script text has a NUL in most odd bytes, none in even ones."""
    sample = payload[:4096]
    if len(sample) < 16 or len(sample) % 2:
        return False
    odd_nuls = sample[1::2].count(0)
    return odd_nuls > 0.6 * (len(sample) // 2) and sample[0::2].count(0) == 0


def read_article(payload: bytes, content_type: str = "", url: str = "") -> ArticleText:
    """Main text and metadata of an article. Empty text means nothing usable was found,
    and `problem` then says why when it is more than the absence of an article."""
    text = decode_text(payload, content_type)
    share = binary_share(text)
    if share > MAX_CONTROL_SHARE:
        return ArticleText(text="", url=url, problem=f"binary content, not text ({share:.0%} of the "
                                                     "characters are control characters)")
    if not looks_like_html(text, content_type):
        return ArticleText(text=text.strip(), url=url)
    import trafilatura

    html = _head_for_extraction(text)
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


def _head_for_extraction(html: str) -> str:
    """At most MAX_EXTRACT_CHARS of the page, cut after a tag so no tag is left half open."""
    if len(html) <= MAX_EXTRACT_CHARS:
        return html
    end = html.rfind(">", 0, MAX_EXTRACT_CHARS)
    return html[:end + 1] if end > 0 else html[:MAX_EXTRACT_CHARS]
