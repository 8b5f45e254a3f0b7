"""WARC archives read into candidate pages: HTML responses worth extracting, with provenance.

A backfill reads years of news archives (Common Crawl's CC-NEWS, library crawls, an outlet's
own exports), most of whose records are no article at all: requests, metadata, images, 404s,
and pages that never state an area or a share. Each is dropped as early as it can be: the
record type, HTTP status and Content-Type are read from the headers warcio has already
parsed, and a page is handed on only when the caller's prefilter finds a cue in its raw
bytes, before any HTML is parsed. Nothing here opens a file, the network or the clock: the caller hands a stream.
"""

from __future__ import annotations

import re
import zlib
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from typing import BinaryIO

from warcio.archiveiterator import ArchiveIterator
from warcio.bufferedreaders import ChunkedDataException
from warcio.exceptions import ArchiveLoadFailed
from warcio.limitreader import LimitReader
from warcio.statusandheaders import StatusAndHeadersParserException

HTML_TYPES = frozenset({"text/html", "application/xhtml+xml"})
READ_CHUNK = 1 << 16  # bytes asked of a payload at a time: the cap is checked between chunks

# What a malformed archive makes warcio (or the zlib under it) raise while it walks the
# records. Anything else is a bug here, and should be seen as one, not turned into a problem.
_BAD_INPUT = (ArchiveLoadFailed, StatusAndHeadersParserException, ChunkedDataException,
              zlib.error, EOFError, ValueError, UnicodeDecodeError)


@dataclass(frozen=True)
class Page:
    """One HTML response worth extracting, with where it was read from."""

    target_uri: str  # WARC-Target-URI
    warc_date: str  # WARC-Date as given (ISO 8601)
    record_offset: int  # byte offset of the record in the (compressed) archive file
    payload_digest: str  # WARC-Payload-Digest as given ('' when absent)
    content_type: str  # the HTTP Content-Type
    body: bytes  # the HTTP payload (chunked / gzip transfer encodings decoded), capped


@dataclass
class ReadStats:
    """Counts for progress and the manifest; `problems` says what was skipped and why."""

    records: int = 0  # every WARC record read
    responses: int = 0  # response records with HTTP headers, any status
    html: int = 0  # of those, status 200 with an HTML Content-Type
    prefiltered_out: int = 0  # HTML pages in which the prefilter found no cue
    kept: int = 0  # pages yielded
    too_large: int = 0  # HTML pages whose decoded payload exceeds the cap
    bytes_read: int = 0  # bytes read from the archive stream (compressed, as stored)
    problems: list[str] = field(default_factory=list)


class _CountingReader:
    """The archive stream, counting what is read from it (for MB/s) and telling offsets.

    warcio takes its record offsets from the stream's tell(); a non-seekable stream (an HTTP
    response's raw body) has none, so the offset is counted from where reading started.
    """

    def __init__(self, stream: BinaryIO, stats: ReadStats) -> None:
        self._stream = stream
        self._stats = stats  # may be shared by several archives: this one's count is `_read`
        self._read = 0
        try:
            self._start = stream.tell() if stream.seekable() else 0
        except (AttributeError, OSError, ValueError):
            self._start = 0

    def read(self, size: int = -1) -> bytes:
        data = self._stream.read(size)
        self._read += len(data)
        self._stats.bytes_read += len(data)
        return data

    def tell(self) -> int:
        return self._start + self._read


def _media_type(content_type: str) -> str:
    """'text/html; charset=utf-8' -> 'text/html'."""
    return content_type.split(";", 1)[0].strip().lower()


def _read_capped(stream, cap: int) -> bytes | None:
    """Up to `cap` bytes of the decoded payload, or None when it is longer (the rest is left
    for warcio to drain from the raw record, never decoded or kept)."""
    buf = bytearray()
    while True:
        # One byte past the cap tells "exactly the cap" from "longer".
        chunk = stream.read(min(READ_CHUNK, cap + 1 - len(buf)))
        if not chunk:
            return bytes(buf)
        buf += chunk
        if len(buf) > cap:
            return None


def _short_by(record) -> int:
    """Bytes the record's Content-Length promised that the archive did not hold (0 if whole).
    Only meaningful once the record has been read to its end."""
    raw = record.raw_stream
    return raw.limit if isinstance(raw, LimitReader) else 0


def iter_pages(stream: BinaryIO, *, archive: str, prefilter: Callable[[bytes], bool],
               stats: ReadStats, max_page_bytes: int = 5_000_000) -> Iterator[Page]:
    """The HTML pages of a WARC / WARC.gz stream in which `prefilter` finds a cue.

    Streams: at most `max_page_bytes` of one decoded payload (plus warcio's read buffer) is
    held at a time. Bad input ends the walk with a line in `stats.problems` naming `archive`
    and the record's offset; the pages yielded before it stand.
    """
    reader = _CountingReader(stream, stats)
    it = ArchiveIterator(reader)
    records = iter(it)
    while True:
        offset = it.offset  # where the next record starts, before warcio parses it
        try:
            record = next(records)
        except StopIteration:
            # A gzip member cut short early enough inflates to nothing: warcio takes it for
            # the end of the archive. Bytes read past the last whole record tell it apart.
            if reader.tell() > it.offset:
                stats.problems.append(
                    f"{archive}: record at offset {it.offset}: {reader.tell() - it.offset} bytes at the "
                    "end hold no whole record (truncated gzip member?): rest of the archive skipped")
            return
        except _BAD_INPUT as exc:
            stats.problems.append(f"{archive}: record at offset {offset}: {_describe(exc)}: "
                                  "rest of the archive skipped")
            return
        errors_before = it.err_count
        try:
            page = _page_of(record, stats, prefilter, max_page_bytes)
            # Reading the record to its end (done by get_record_offset) is what shows a
            # Content-Length running past the data; a page cut short is not handed on.
            record_offset = it.get_record_offset()
        except _BAD_INPUT as exc:
            stats.problems.append(f"{archive}: record at offset {offset}: {_describe(exc)}: "
                                  "rest of the archive skipped")
            return
        missing = _short_by(record)
        if missing:
            stats.problems.append(
                f"{archive}: record at offset {record_offset}: {missing} bytes short of its "
                "Content-Length (truncated gzip member or file, or a wrong length): record skipped")
            page = None
        elif it.err_count > errors_before:
            # warcio found no blank line after the record: its length is wrong, so the record
            # may have swallowed the start of the next one (warcio resyncs at the next blank line).
            stats.problems.append(
                f"{archive}: record at offset {record_offset}: not followed by the blank lines "
                "that end a record (wrong Content-Length?): record skipped")
            page = None
        if page is not None:
            stats.kept += 1
            yield Page(page[0], page[1], record_offset, page[2], page[3], page[4])


def _page_of(record, stats: ReadStats, prefilter: Callable[[bytes], bool],
             cap: int) -> tuple[str, str, str, str, bytes] | None:
    """(uri, date, digest, content type, body) of a record worth keeping, else None; counts."""
    stats.records += 1
    if record.rec_type != "response" or record.http_headers is None:
        return None
    stats.responses += 1
    headers = record.http_headers
    content_type = headers.get_header("Content-Type") or ""
    if headers.get_statuscode() != "200" or _media_type(content_type) not in HTML_TYPES:
        return None
    stats.html += 1
    body = _read_capped(record.content_stream(), cap)
    if body is None:
        stats.too_large += 1
        return None
    if not prefilter(body):
        stats.prefiltered_out += 1
        return None
    rec = record.rec_headers
    return (rec.get_header("WARC-Target-URI") or "", rec.get_header("WARC-Date") or "",
            rec.get_header("WARC-Payload-Digest") or "", content_type, body)


def _describe(exc: BaseException) -> str:
    """One line: the kind of damage, then warcio's own words (its messages run to paragraphs)."""
    if isinstance(exc, zlib.error):
        kind = "corrupt gzip data"
    elif isinstance(exc, EOFError):
        kind = "archive ends inside a record"
    elif isinstance(exc, ChunkedDataException):
        kind = "bad chunked transfer encoding"
    else:
        kind = "not a WARC record"
    # Its message quotes the bytes it choked on: keep the line printable for a log or manifest.
    detail = "".join(c if c.isprintable() else f"\\x{ord(c):02x}" for c in " ".join(str(exc).split()))[:160]
    return f"{kind} ({type(exc).__name__}: {detail})" if detail else kind


# --- the default prefilter: cues of an area figure, in the raw bytes of a page ------------

LANGUAGES = ("en", "fr", "de", "nl", "no", "uk")
# Cues come from the extractor's own area units (each lexicon's AREA_UNITS), so a unit it
# learns is a unit the prefilter lets through. Only km² and square miles: territory is stated
# in those, while m² and hectares ("ha") fill property listings and farming news, and a
# two-letter "ha" would pass nearly every page.
_CUE_KINDS = frozenset({"km2", "mi2"})
_ANCHOR = "^[\\s\\u00a0]*"  # "the unit right after the numeral": a cue can be anywhere
_END = "(?![\\w])"
# How the raw HTML may write what the text shows: a no-break space as the byte pair, or as an
# entity, and the superscript two as the character, an entity, or a <sup> element.
_SPACE_BYTES = rb"(?:\s|\xc2\xa0|&nbsp;|&#160;|&#xa0;)"
_SQUARED_BYTES = rb"(?:\xc2\xb2|&sup2;|&#178;|&#xb2;|<sup>2</sup>)"
_WORD_BYTES = rb"(?:\w|[\x80-\xff])"  # an ASCII word byte or any byte of a UTF-8 letter


def _bytes_cue(pattern: str, where: str) -> bytes:
    """A lexicon unit pattern (str, anchored after a numeral) as a bytes pattern matching the
    same unit written anywhere in UTF-8 HTML, case folded for Latin and Cyrillic alike.

    The lexicon's patterns use a small regex dialect (literals, groups, ?, *, +, \\s, \\w,
    ASCII classes); anything outside it is refused with `where` named, so a new construct
    in a lexicon is noticed here rather than silently matching nothing.
    """
    body = pattern
    for part in (_ANCHOR, "^"):
        if body.startswith(part):
            body = body[len(part):]
            break
    body = body.replace(_END, "")
    out: list[bytes] = []
    i = 0
    while i < len(body):
        ch = body[i]
        if ch == "\\":
            esc = body[i + 1:i + 2]
            if esc == "s":
                out.append(_SPACE_BYTES)
            elif esc == "w":
                out.append(_WORD_BYTES)
            elif esc and not esc.isalnum():
                out.append(("\\" + esc).encode())  # an escaped punctuation mark: \. \^ \-
            else:
                raise ValueError(f"{where}: escape \\{esc} in unit pattern {pattern!r} has no bytes form here")
            i += 2
        elif ch == "[":
            end = body.find("]", i + 1)
            cls = body[i:end + 1]
            if end < 0 or not cls.isascii() or "\\w" in cls or "\\u" in cls:
                raise ValueError(f"{where}: character class {cls!r} in unit pattern {pattern!r} "
                                 "has no bytes form here")
            # "square[\s-]+": the class's own ASCII white space, or a no-break space.
            out.append(b"(?:" + cls.encode() + b"|" + _SPACE_BYTES + b")" if "\\s" in cls else cls.encode())
            i = end + 1
        elif ch == "²":
            out.append(_SQUARED_BYTES)
            i += 1
        elif not ch.isascii():
            # bytes IGNORECASE folds ASCII only: both cases of a letter, each as its UTF-8 bytes,
            # in a group so a quantifier after it applies to the whole letter.
            forms = dict.fromkeys((ch.lower(), ch.upper()))
            out.append(b"(?:" + b"|".join(re.escape(f.encode()) for f in forms) + b")")
            i += 1
        else:
            out.append(ch.encode())
            i += 1
    return b"".join(out)


def _unit_patterns() -> list[tuple[str, str]]:
    """(pattern, where) for every km² / square-mile unit of the six lexicons."""
    import importlib

    found: list[tuple[str, str]] = []
    for lang in LANGUAGES:
        module = importlib.import_module(f"tracker.extract.lexicon.{lang}")
        for index, (pattern, _factor, kind) in enumerate(module.AREA_UNITS):
            if kind in _CUE_KINDS:
                found.append((pattern, f"tracker/extract/lexicon/{lang}.py AREA_UNITS[{index}]"))
    return found


def area_cue_pattern() -> re.Pattern[bytes]:
    """One compiled bytes regex for every km² / square-mile unit the six lexicons know."""
    parts: list[bytes] = []
    for pattern, where in _unit_patterns():
        part = _bytes_cue(pattern, where)
        if part not in parts:
            parts.append(part)
    return re.compile(b"|".join(b"(?:" + p + b")" for p in parts), re.IGNORECASE)


def _anchors() -> list[bytes]:
    """The leading letters every cue starts with ("km", "sq", "quadrat", "кв"...), as they
    read after ASCII lower-casing, in each case a Cyrillic or accented letter may take."""
    from tracker.extract.prefilter import literal_prefixes

    stems: set[str] = set()
    for pattern, where in _unit_patterns():
        body = pattern.removeprefix(_ANCHOR).replace(_END, "")
        prefixes = literal_prefixes(body)
        if prefixes is None:
            raise ValueError(f"{where}: unit pattern {pattern!r} has no literal start to scan for")
        for prefix in prefixes:
            # The letters before the first non-letter: "km²" and "km&sup2;" both start "km".
            stem = re.match(r"[^\W\d_]*", prefix).group(0).lower()  # type: ignore[union-attr]
            if not stem:
                raise ValueError(f"{where}: unit pattern {pattern!r} starts with no letter")
            stems.add(stem)
    kept: list[str] = []
    for stem in sorted(stems):  # "km" marks every place "kms" would: keep the shorter
        if not kept or not stem.startswith(kept[-1]):
            kept.append(stem)
    anchors: set[bytes] = set()
    for stem in kept:
        forms = {stem, stem.capitalize(), stem.upper()}
        if len(stem) == 2:
            forms |= {stem[0] + stem[1].upper()}  # "кВ. км" is written too
        anchors |= {f.encode().lower() for f in forms}  # bytes.lower(): ASCII letters only
    return sorted(anchors)


# A share of territory names no unit ("19.4% of Ukraine's territory"): the word for the
# territory itself is one cue, in the six languages (territory, territoire, Territorium,
# territoriet; grondgebied; територія and its cases), as bytes after ASCII lower-casing
# (both cases of the Cyrillic first letter); the share's own words are the others
# (`share_word_cues`, `_PERCENT_SIGN_CUE`).
_TERRITORY_CUES = (b"territor", b"grondgebied", "територі".encode(), "Територі".encode())


# "%" is in every style sheet ("width:100%"), but in prose a number comes before it and a
# word after it ("40% of", "19,4 % du", "20% від"), and not a CSS keyword ("100% auto").
_GAP = rb"(?:\s|\xc2\xa0|\xe2\x80\xaf|&nbsp;|&#160;|&#8239;)"
_PERCENT_SIGN_CUE = re.compile(
    rb"\d" + _GAP + rb"?%" + _GAP + rb"+(?!(?:auto|center|top|bottom|left|right|no-repeat|repeat"
    rb"|ease|linear|cover|contain|solid|transparent)\b)(?:[a-z]|[\xc3\xd0\xd1])")


def share_word_cues() -> dict[bytes, list[re.Pattern[str]]]:
    """Literal cues of a share in the six languages, from each lexicon's own words, each with
    the patterns that must also match around it (none: the word is enough):

    - every PERCENT word but the sign ("prozent", "per cent", "відсот");
    - the telling word of each FRACTIONS entry strictly between none and all ("third",
      "drittel", "moitié", "половин"), confirmed by the entry itself near the word, so
      that "half an hour" is not "half of Gaza".

    As UTF-8 bytes after ASCII lower-casing (Cyrillic and accented letters in both cases).
    Only words of four letters or more: shorter ones would pass nearly every page."""
    import importlib

    cues: dict[str, list[re.Pattern[str]]] = {}
    for lang in LANGUAGES:
        module = importlib.import_module(f"tracker.extract.lexicon.{lang}")
        for pattern in module.PERCENT:
            for branch in _branches(pattern.replace("\\w*", "")):
                for joined in (re.sub(r"\\s[+*?]?", " ", branch), re.sub(r"\\s[+*?]?", "", branch)):
                    literal = joined.replace("\\.", ".")
                    if re.fullmatch(r"[^\W\d_][\w .]{3,}", literal):
                        cues[literal] = []
        for pattern, share_pct in module.FRACTIONS:
            if not 0 < share_pct < 100:  # "most of", "all of": on every page
                continue
            confirm = re.compile(pattern, re.IGNORECASE)
            for branch in _branches(pattern):
                runs = re.findall(r"[^\W\d_]+", re.sub(r"\[[^\]]*\]|\(\?[=!][^)]*\)|\\[a-z]", " ", branch))
                longest = max(runs, key=len, default="")
                if len(longest) >= 4 and cues.get(longest) != []:
                    cues.setdefault(longest, []).append(confirm)
    found: dict[bytes, list[re.Pattern[str]]] = {}
    for word, confirms in cues.items():
        for form in (word, word.capitalize()):
            found.setdefault(form.encode().lower(), confirms)  # bytes.lower(): ASCII only
    return found


def _branches(pattern: str) -> list[str]:
    """The top-level alternatives of a regex ("a(?:b|c)|d" -> ["a(?:b|c)", "d"])."""
    branches, depth, start = [], 0, 0
    for index, char in enumerate(pattern):
        if char == "(" and pattern[index - 1:index] != "\\":
            depth += 1
        elif char == ")" and pattern[index - 1:index] != "\\":
            depth -= 1
        elif char == "|" and depth == 0:
            branches.append(pattern[start:index])
            start = index + 1
    return branches + [pattern[start:]]


class _AreaCues:
    """Is there an area cue in these raw bytes? One pass of an Aho-Corasick automaton over
    the page finds where a cue could start (Python's `re` alone tries every branch at every
    byte: measured at 3 MB/s), and the full cue regex is tried only there. Share cues are
    literals: a second automaton answers at once."""

    def __init__(self) -> None:
        from ahocorasick_rs import BytesAhoCorasick, Implementation

        self._pattern = area_cue_pattern()
        self._automaton = BytesAhoCorasick(_anchors(), implementation=Implementation.DFA)
        words = share_word_cues()
        self._share_cues = list(_TERRITORY_CUES) + list(words)
        self._confirms = [[] for _ in _TERRITORY_CUES] + list(words.values())
        self._shares = BytesAhoCorasick(self._share_cues, implementation=Implementation.DFA)

    def __call__(self, raw: bytes) -> bool:
        text = raw.lower()  # ASCII lower-casing, one C pass: the anchors are written so
        if _PERCENT_SIGN_CUE.search(text) or self._share_cue(text):
            return True
        match = self._pattern.match
        for _index, start, _end in self._automaton.find_matches_as_indexes(text, overlapping=True):
            if match(text, start) is not None:
                return True
        return False

    def _share_cue(self, text: bytes) -> bool:
        for index, start, end in self._shares.find_matches_as_indexes(text, overlapping=True):
            confirms = self._confirms[index]
            if not confirms:
                return True
            # The fraction's own pattern, in the prose around the word ("a third", "die Hälfte").
            around = text[max(0, start - 40):end + 40].decode("utf-8", "ignore")
            if any(confirm.search(around) for confirm in confirms):
                return True
        return False


def area_prefilter() -> Callable[[bytes], bool]:
    """True when a page's raw bytes hold a cue of an area figure (km², sq km, Quadratkilometer,
    кв. км...) or of a share (the word for territory; a percent word, or "%" followed by a
    word; a fraction between none and all: a third, die Hälfte, половина...), whichever of
    the six languages the page is in. A page whose only figure is a count of settlements, or
    an area in square metres or hectares, has none and is dropped: the price of not parsing
    most pages.

    Pages in a legacy encoding (windows-1251, latin-1) pass only through their ASCII cues
    (km2, sq km...): the cues are the UTF-8 bytes of the lexicons' words.
    """
    return _AreaCues()
