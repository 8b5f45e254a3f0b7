"""`feed`: an RSS or Atom feed; each new entry's article is fetched, kept and read.

"New" means no stored raw document of this source came from the entry's link, so the
raw store itself is the memory of what was read: an entry whose page failed to download
is tried again next run, and nothing is fetched twice. An optional keyword filter on the
entry's title and summary keeps the job to articles that can carry territorial figures.
"""

from __future__ import annotations

import time

from tracker.config import Source
from tracker.sources import Collected, Context, Reject, SourceError, StoredText
from tracker.sources.article import add_article
from tracker.store import RawStore

KIND = "feed"
REQUIRED = frozenset({"url"})
OPTIONAL = frozenset({"keywords", "max_entries"})

DEFAULT_MAX_ENTRIES = 100


def check_options(options: dict) -> str | None:
    keywords = options.get("keywords", [])
    if not isinstance(keywords, list) or not all(isinstance(k, str) and k for k in keywords):
        return "key 'keywords' must be a list of non-empty strings"
    limit = options.get("max_entries", DEFAULT_MAX_ENTRIES)
    if isinstance(limit, bool) or not isinstance(limit, int) or not 1 <= limit <= 100_000:
        return f"key 'max_entries' must be a whole number from 1 to 100,000 (got {limit!r})"
    return None  # 'url' is checked for every kind by tracker.config


def collect(source: Source, context: Context) -> Collected:
    from tracker.http import FetchError

    url = str(source.options["url"])
    client = context.http()
    fetched = context.fetch(url)
    collected = Collected()
    if fetched.not_modified:
        return collected  # the feed has not changed: no new entry
    import feedparser  # imported only when there is a feed to parse (cheap unchanged runs)

    parsed = feedparser.parse(fetched.body)
    if not parsed.entries and (parsed.bozo or not parsed.get("version")):
        reason = getattr(parsed, "bozo_exception", None) or "no RSS or Atom structure"
        raise SourceError(f"{url}: not a usable RSS or Atom feed ({reason})")
    context.store.put(source.id, fetched.body, origin=url, content_type="application/xml",
                      retrieved_at=context.retrieved_at)
    client.remember(fetched, url)
    # The raw store is the memory of what was read: a page kept there is not fetched again.
    stored_pages = _stored_pages(context, source.id, url)
    seen = set(stored_pages)
    if context.rederive:
        # The ledger may lack what these pages say (a crash after they were kept, a repaired
        # ledger): read them again from data/raw, with the entry's own date and title.
        _rederive(source, context, collected, url, stored_pages, parsed.entries)
    keywords = [k.lower() for k in source.options.get("keywords", [])]
    limit = int(source.options.get("max_entries", DEFAULT_MAX_ENTRIES))
    for number, entry in enumerate(parsed.entries[:limit], start=1):
        link = (entry.get("link") or "").strip()
        title = (entry.get("title") or "").strip()
        if not link:
            collected.rejects.append(Reject(f"{url}#entry-{number}",
                                            f"feed entry {title or number!r} has no link"))
            continue
        if link in seen:
            continue
        text = f"{title} {entry.get('summary', '')}".lower()
        if keywords and not any(keyword in text for keyword in keywords):
            continue
        try:
            page = client.get(link, conditional=False)
        except FetchError as error:
            collected.rejects.append(Reject(link, str(error)))
            continue
        collected.documents_read += 1
        add_article(source, context, collected, link, page.body,
                    page.content_type or "text/html", published=_entry_date(entry), title=title)
        seen.add(link)
    return collected


def _stored_pages(context: Context, source_id: str, feed_url: str) -> dict:
    """Link -> the raw record of the page last kept for it (the feed's own bytes excluded)."""
    pages: dict = {}
    for record in context.store.records(source_id):
        if record.origin != feed_url:
            earlier = pages.get(record.origin)
            if earlier is None or record.retrieved_at >= earlier.retrieved_at:
                pages[record.origin] = record
    return pages


def _rederive(source: Source, context: Context, collected: Collected, feed_url: str,
              stored_pages: dict, current_entries: list) -> None:
    """Extract every stored page again, dated and titled by the entry that listed it.

    Entries that have left the feed are found in the feed's earlier versions, which are
    kept in data/raw too; a page no version lists is read with the page's own metadata."""
    entries = _stored_entries(context.store, source.id, feed_url)
    for entry in current_entries:
        entries[(entry.get("link") or "").strip()] = entry
    for link, record in sorted(stored_pages.items()):
        entry = entries.get(link, {})
        add_article(source, context, collected, link, context.store.read(record),
                    record.content_type or "text/html", published=_entry_date(entry),
                    title=(entry.get("title") or "").strip())


def _stored_entries(store: RawStore, source_id: str, feed_url: str) -> dict[str, dict]:
    """Link -> feed entry, from every version of the feed kept in data/raw; where versions
    differ, the latest kept version's entry (as the feed read now would give it)."""
    import feedparser

    versions = sorted((r for r in store.records(source_id) if r.origin == feed_url),
                      key=lambda record: (record.retrieved_at, record.sha256))
    entries: dict[str, dict] = {}
    for record in versions:  # a copy that cannot be read raises OSError, naming its file
        for entry in feedparser.parse(store.read(record)).entries:
            entries[(entry.get("link") or "").strip()] = entry
    return entries


def stored_texts(source: Source, store: RawStore) -> list[StoredText]:
    """Every page this feed kept in data/raw (the feed's own copies excluded), dated and
    titled by the entry that listed it, as `_rederive` reads them during an ingest."""
    feed_url = str(source.options["url"])
    entries = _stored_entries(store, source.id, feed_url)
    texts = []
    for record in store.records(source.id):
        if record.origin != feed_url:
            entry = entries.get(record.origin, {})
            texts.append(StoredText(record, published=_entry_date(entry),
                                    title=(entry.get("title") or "").strip()))
    return texts


def _entry_date(entry: dict) -> str | None:
    """The entry's publication date (YYYY-MM-DD), or None to let the page's own date speak."""
    for key in ("published_parsed", "updated_parsed"):
        stamp = entry.get(key)
        if stamp:
            return time.strftime("%Y-%m-%d", stamp)
    return None
