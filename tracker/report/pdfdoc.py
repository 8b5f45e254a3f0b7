"""report.pdf as a document: page numbers, page labels, outline, metadata and language.

matplotlib's PDF backend writes pages (and the link annotations of text given a URL) but
no outline, page labels or document language, and a page does not know how many pages
follow it. The pages are therefore drawn first and this module rewrites the file once
with pypdf: "Page N of M" printed in the top right corner of every page, /PageLabels
matching it, a bookmark per conflict section, chart, flagged table and references,
Title/Author/Subject in the document information and /Lang in the catalog.

The output is a function of the pages and of these settings only: no date, no producer
name and a file identifier (/ID) hashed from the content, so the same ledger gives the
same bytes.
"""

from __future__ import annotations

import hashlib
import io
from collections.abc import Callable, Iterable
from dataclasses import dataclass, field
from typing import Any

from pypdf import PageObject, PdfReader, PdfWriter
from pypdf.annotations import Link
from pypdf.generic import (
    ArrayObject,
    ByteStringObject,
    DecodedStreamObject,
    DictionaryObject,
    IndirectObject,
    NameObject,
    TextStringObject,
)

# A name no matplotlib font resource takes (it names its fonts F1, F2, ...).
_FONT_NAME = "/TrackerPageNumber"
_NUMBER_PT = 8
_MARGIN_PT = 28  # from the right edge of the page, as the text pages' margins
_TOP_PT = 20  # baseline below the top edge: above every page's heading

# Helvetica advance widths (per 1000 em, from its AFM) of the characters of "Page N of M",
# to right-align the number without a font library.
_WIDTHS = {**dict.fromkeys("0123456789", 556), "P": 667, "a": 556, "g": 556, "e": 556,
           "o": 556, "f": 278, " ": 278}


class Linked(str):
    """A line of text that opens `url` when clicked in the PDF: the text pages draw it as
    an artist with that URL, which matplotlib writes as a link annotation."""

    url: str

    def __new__(cls, text: str, url: str) -> "Linked":
        line = super().__new__(cls, text)
        line.url = url
        return line


@dataclass(frozen=True)
class Bookmark:
    """An outline entry: `title` opens page `page` (0-based); `level` 0 is a section,
    1 an entry inside the last section."""

    title: str
    page: int
    level: int = 0


@dataclass(frozen=True)
class PageLink:
    """A clickable rectangle (PDF points: left, bottom, right, top) of page `page`
    (0-based) that opens `url`."""

    page: int
    rect: tuple[float, float, float, float]
    url: str


def figure_links(figure: object, page: int) -> list[PageLink]:
    """The links a text page recorded (pages.py `pdf_links`) as PageLinks of `page`."""
    return [PageLink(page, rect, url) for rect, url in getattr(figure, "pdf_links", [])]


@dataclass(frozen=True)
class DocumentInfo:
    """What the PDF says about itself (document information and catalog)."""

    title: str
    author: str
    subject: str
    language: str = "en"
    bookmarks: tuple[Bookmark, ...] = field(default_factory=tuple)
    links: tuple[PageLink, ...] = field(default_factory=tuple)


class PageLog:
    """Saves pages (through `save`, PdfPages.savefig) counting them, and keeps the outline
    entries and the recorded links with the pages they fall on, for finish_pdf."""

    def __init__(self, save: Callable[[Any], None]) -> None:
        self._save = save
        self.count = 0
        self.bookmarks: list[Bookmark] = []
        self.links: list[PageLink] = []

    def add(self, pages: Iterable[Any], bookmark: str = "", level: int = 1) -> None:
        """Save `pages`; `bookmark` (when given) opens the first of them."""
        for page in pages:
            if bookmark:
                self.bookmarks.append(Bookmark(bookmark, self.count, level))
                bookmark = ""
            self._save(page)
            self.links += figure_links(page, self.count)
            self.count += 1


def page_number_text(number: int, total: int) -> str:
    return f"Page {number} of {total}"


def finish_pdf(pdf: bytes, info: DocumentInfo) -> bytes:
    """The PDF `pdf` (matplotlib's pages) with page numbers, labels, outline and metadata."""
    writer = PdfWriter(clone_from=PdfReader(io.BytesIO(pdf)))
    total = len(writer.pages)
    font = writer._add_object(_helvetica())
    for index, page in enumerate(writer.pages):
        _stamp(writer, page, page_number_text(index + 1, total), font)
    if total:
        # Labels are the printed numbers, so a viewer's "go to page 12" finds "Page 12".
        writer.set_page_label(0, total - 1, style="/D", start=1)
    _outline(writer, info.bookmarks, total)
    for link in info.links:
        if 0 <= link.page < total:
            writer.add_annotation(link.page, Link(rect=link.rect, url=link.url))
    writer._info = None  # pypdf's own information dictionary names pypdf: replaced below
    writer.add_metadata({"/Title": info.title, "/Author": info.author, "/Subject": info.subject})
    writer._root_object[NameObject("/Lang")] = TextStringObject(info.language)
    writer._root_object[NameObject("/PageMode")] = NameObject("/UseOutlines")
    # A fixed /ID from the content: two runs on the same data give the same bytes.
    digest = hashlib.md5(pdf + repr(info).encode("utf-8")).digest()  # noqa: S324 (an identifier, not security)
    writer._ID = ArrayObject([ByteStringObject(digest), ByteStringObject(digest)])
    out = io.BytesIO()
    writer.write(out)
    return out.getvalue()


def _helvetica() -> DictionaryObject:
    return DictionaryObject({
        NameObject("/Type"): NameObject("/Font"),
        NameObject("/Subtype"): NameObject("/Type1"),
        NameObject("/BaseFont"): NameObject("/Helvetica"),
        NameObject("/Encoding"): NameObject("/WinAnsiEncoding"),
    })


def _stamp(writer: PdfWriter, page: PageObject, text: str, font: IndirectObject) -> None:
    """Append a content stream printing `text` right-aligned in the top right corner."""
    resources = page["/Resources"].get_object()
    if "/Font" not in resources:
        resources[NameObject("/Font")] = DictionaryObject()
    fonts = resources["/Font"].get_object()
    fonts[NameObject(_FONT_NAME)] = font
    box = page.mediabox
    width = sum(_WIDTHS.get(c, 556) for c in text) * _NUMBER_PT / 1000
    x = float(box.right) - _MARGIN_PT - width
    y = float(box.top) - _TOP_PT
    stream = DecodedStreamObject()
    stream.set_data(f"q 0.35 g BT {_FONT_NAME} {_NUMBER_PT} Tf {x:.2f} {y:.2f} Td ({text}) Tj ET Q\n"
                    .encode("latin-1"))
    added = writer._add_object(stream.flate_encode())
    contents = page.get("/Contents")
    existing = contents.get_object() if contents is not None else None
    parts = list(existing) if isinstance(existing, ArrayObject) else ([contents] if contents is not None else [])
    page[NameObject("/Contents")] = ArrayObject([*parts, added])


def _outline(writer: PdfWriter, bookmarks: tuple[Bookmark, ...], total: int) -> None:
    parent = None
    for bookmark in bookmarks:
        if not 0 <= bookmark.page < total:
            continue  # a section that drew no page: nothing to open
        if bookmark.level == 0:
            parent = writer.add_outline_item(title=bookmark.title, page_number=bookmark.page)
        else:
            writer.add_outline_item(title=bookmark.title, page_number=bookmark.page, parent=parent)
