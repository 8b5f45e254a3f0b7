"""`article`: one article from a local file (text or HTML), a folder of them, or a URL.

The exact bytes go to data/raw; HTML is reduced to its main text and metadata; the text
goes through the extractor with the publication date that resolves "in November".
Extraction is a stage of its own (`extract_article`): `tracker reextract` runs it again
over the bytes kept in data/raw (`stored_texts`), with the same metadata as at ingest.
"""

from __future__ import annotations

import hashlib
from pathlib import Path

from tracker.config import Source
from tracker.documents import ArticleText, read_article
from tracker.model import Claim, Document
from tracker.sources import (
    Collected,
    Context,
    Reject,
    SourceError,
    StoredText,
    read_local_file,
    resolve_inside,
)
from tracker.store import RawRecord, RawStore

KIND = "article"
REQUIRED = frozenset()
OPTIONAL = frozenset({"path", "url", "published", "title"})

_SUFFIXES = {".txt": "text/plain", ".html": "text/html", ".htm": "text/html"}


def check_options(options: dict) -> str | None:
    # Imported here so that this check stays within this function's lines.
    from tracker.config import date_problem, text_problem

    if ("path" in options) == ("url" in options):
        return "give exactly one of the keys 'path' (a file or folder) or 'url'"
    if "published" in options:
        # The date that resolves "in November": text that is no date would be ignored.
        problem = date_problem("published", options["published"])
        if problem:
            return problem
    return text_problem("title", options["title"]) if "title" in options else None


def collect(source: Source, context: Context) -> Collected:
    collected = Collected()
    for origin, payload, content_type, signature in _read(source, context):
        collected.documents_read += 1
        if payload is None:
            continue  # 304, or a local file as it was stored: the stored bytes are current
        record = add_article(source, context, collected, origin, payload, content_type,
                             published=_published(source), title=_title(source))
        if signature is not None:
            context.local_files().remember(source.id, origin, signature, record.sha256,
                                           context.started_ns)
    return collected


def _published(source: Source) -> str | None:
    """The date sources.toml gives the source's articles (None: each article's own)."""
    return str(source.options.get("published", "")) or None


def _title(source: Source) -> str:
    return str(source.options.get("title", ""))


def stored_texts(source: Source, store: RawStore) -> list[StoredText]:
    """Every article this source kept in data/raw, dated and titled as at ingest."""
    return [StoredText(record, published=_published(source), title=_title(source))
            for record in store.records(source.id)]


def add_article(source: Source, context: Context, collected: Collected, origin: str,
                payload: bytes, content_type: str, *, published: str | None = None,
                title: str = "") -> RawRecord:
    """Keep the bytes of one article, read its text and add its claims (or a reject)."""
    record, is_new = context.store.keep(source.id, payload, origin=origin,
                               content_type=content_type, retrieved_at=context.retrieved_at)
    collected.documents_new += is_new
    extract_article(source, collected, origin, payload, content_type, record,
                    published=published, title=title)
    return record


def extract_article(source: Source, collected: Collected, origin: str, payload: bytes,
                    content_type: str, record: RawRecord, *, published: str | None = None,
                    title: str = "") -> None:
    """Read the text of one stored article and add its claims (or a reject): the
    extraction stage, pure but for the extractor it runs (no network, no disk)."""
    is_url = "://" in origin
    article = article_of(payload, content_type, origin)
    if not article.text:
        reason = article.problem or "no article text found in the document"
        collected.rejects.append(Reject(origin, f"{origin}: {reason}"))
        return
    document = Document(
        text=article.text,
        doc_id=record.sha256[:16],
        # The address we read is the citation; a page's own canonical URL may differ.
        url=origin if is_url else article.url,
        publisher=source.publisher or article.publisher,
        title=title or article.title,
        published=published or article.published,
        language=source.language or article.language,
        conflict=source.conflict,
        source_id=source.id,
        snapshot_sha256=record.sha256,
        retrieved_at=record.retrieved_at,
        default_attribution=source.attribution,
    )
    collected.read_documents.add((source.id, record.sha256))
    for claim in article_claims(document, article):
        collected.add(claim, origin)


def article_claims(document: Document, article: ArticleText) -> list[Claim]:
    """The extractor's claims of one article's document, with what the page itself says
    (its date, its authors) where the text did not, and the extractor that read them: the
    same for a page the job fetched and a page of a backfilled archive."""
    # Imported here: compiling the extractor's lexicons costs ~0.4 s, which a run that
    # finds nothing new (every page a 304) should not pay.
    from tracker.extract import EXTRACTOR_VERSION, extract

    claims = []
    for claim in extract(document):
        claim.extractor_version = claim.extractor_version or EXTRACTOR_VERSION
        claim.published_at = claim.published_at or (document.published or "")
        claim.authors = claim.authors or article.authors
        claims.append(claim)
    return claims


def article_of(payload: bytes, content_type: str, origin: str) -> ArticleText:
    """The article in a document's bytes, read as the ingest reads it: the number offsets
    of its claims index this text."""
    return read_article(payload, content_type, url=origin if "://" in origin else "")


def stored_article(store: RawStore, source_id: str, sha256: str) -> tuple[RawRecord, ArticleText]:
    """A stored document of a source and its article, read as at ingest (`article_of`).

    Raises ValueError naming what is wrong (no stored copy, bytes that no longer match
    their hash) and OSError when the stored file cannot be read."""
    record = store.stored(source_id, sha256)
    if record is None:
        raise ValueError(f"the stored document {sha256[:12]}… of source {source_id} is not in "
                         "data/raw (sidecar or payload missing)")
    payload = store.read(record)
    if hashlib.sha256(payload).hexdigest() != sha256:
        raise ValueError(f"data/{record.path} no longer matches its sha256")
    return record, article_of(payload, record.content_type, record.origin)


def _read(source: Source, context: Context):
    """Yield (origin, bytes, content type) for each document the source names."""
    if "url" in source.options:
        url = str(source.options["url"])
        fetched = context.fetch(url)
        if fetched.not_modified:
            yield url, None, "", None
            return
        yield url, fetched.body, fetched.content_type or "text/html", None
        context.http().remember(fetched, url)  # only once the caller has stored the bytes
        return
    path = source.path_option("path")
    label = str(source.options["path"])
    is_folder = path.is_dir()
    if is_folder:
        files = sorted(p for p in path.iterdir() if p.suffix.lower() in _SUFFIXES)
        if not files:
            raise SourceError(f"{label}: folder has no .txt or .html file")
    else:
        files = [path]  # missing, a FIFO or a device: read_local_file says which, unopened
    cache = context.local_files()
    for file in files:
        origin = f"{label.rstrip('/')}/{file.name}" if is_folder else label
        kind = _SUFFIXES.get(file.suffix.lower(), "text/plain")
        signature = _signature(source, file, origin)
        if signature is not None and not context.rederive:
            known = cache.unchanged_sha256(source.id, origin, signature)
            if known and context.store.stored(source.id, known) is not None:
                yield origin, None, kind, None  # as stored: not read, hashed or extracted again
                continue
        # Each file on its own: a folder's entry may be a symlink out of the project.
        payload = read_local_file(source, file, context.settings, label=origin)
        yield origin, payload, kind, signature


def _signature(source: Source, file: Path, origin: str) -> list[int] | None:
    """The file's signature (tracker/localfiles.py) when it is a regular file that may be
    read; None otherwise, and read_local_file then says what is wrong with it."""
    import stat

    from tracker.store import file_signature

    try:
        resolved = resolve_inside(source, file, origin)
        signature = file_signature(resolved)
    except (SourceError, OSError):
        return None
    return signature if stat.S_ISREG(signature[3]) else None
