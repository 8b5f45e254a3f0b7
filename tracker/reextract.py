"""`tracker reextract`: the extraction stage run again over every text document in data/raw.

Articles and feed pages are extracted as they are read (tracker/sources/article.py
`add_article`). This runs the extraction alone (`extract_article`) over the bytes the raw
store kept, with the metadata they were read with at ingest, found by the same code the
ingest job's re-deriving mode (and so `tracker repair`) uses: each source kind's
`stored_texts` lists its documents from their sidecars (the address or path read, the first
retrieval time, the content type) and, for feed pages, the entry that listed the page in the
stored copies of the feed (date and title); the source's settings in sources.toml give the
conflict, publisher, language, attribution, and an article source's `published` and `title`.

The claims read from text (method `reported`) of those documents are replaced by the new
extraction in one atomic write of the ledger (tracker/ledger.py `write_claims`, under the
job lock); every other claim (map figures, curated figures and series, DeepState's official
areas, documents of sources no longer in sources.toml) is kept as it is. A document that
cannot be read (its raw file, its sidecar or a stored copy of its feed gone or altered)
stops the command before anything is written: its claims would otherwise be dropped.
"""

from __future__ import annotations

import hashlib
from dataclasses import dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING, Callable

from tracker.config import Config, Source
from tracker.ledger_file import ledger_digest, load_ledger_file
from tracker.model import claim_id, clean_record
from tracker.pipeline import DerivedState, _write_derived, derived_digests, processed_dir
from tracker.sources import Collected, StoredText, registry
from tracker.store import JobLock, RawStore, StoreError, safe_name

if TYPE_CHECKING:
    import pandas as pd

# A progress line on stderr every this many documents.
PROGRESS_EVERY = 100


@dataclass
class ReextractResult:
    sources: int = 0  # sources whose documents are text (article, feed)
    documents: int = 0  # stored documents extracted again
    unreadable: list[str] = field(default_factory=list)  # 'file: why', one per document
    without_text: list[str] = field(default_factory=list)  # documents with no article text
    rejected: list[tuple[str, str]] = field(default_factory=list)  # (origin, reason)
    before: int = 0  # reported claims of these documents in the ledger
    after: int = 0  # the same after the new extraction
    added: int = 0
    removed: int = 0
    changed: int = 0  # same claim_id, another cell (confidence, quote, version, ...)
    kept: int = 0  # every other claim, untouched
    other_sources: list[str] = field(default_factory=list)  # reported claims' sources not in sources.toml
    dry_run: bool = False
    written: bool = False
    ledger_changed: bool = False
    write_failure: str = ""

    @property
    def exit_code(self) -> int:
        if self.unreadable:
            return 2  # nothing was written
        return 1 if self.rejected or self.write_failure else 0

    def summary_lines(self) -> list[str]:
        lines = [
            f"reextract: {self.documents} stored document(s) of {self.sources} source(s) read, "
            f"{len(self.unreadable)} could not be read, {len(self.without_text)} without article text",
            f"reextract: claims read from these documents: {self.before} before, {self.after} after; "
            f"{self.added} added, {self.removed} removed, {self.changed} changed"
            + (f", {len(self.rejected)} refused by the schema" if self.rejected else ""),
            f"reextract: {self.kept} other claim(s) kept as they were"
            + (f" (among them the claims of source(s) not in sources.toml: "
               f"{', '.join(self.other_sources)})" if self.other_sources else ""),
        ]
        if self.unreadable:
            outcome = "nothing written: the documents that could not be read are listed above"
        elif self.dry_run:
            outcome = "dry run: nothing written"
        elif self.write_failure:
            outcome = f"ledger written; {self.write_failure}"
        elif self.ledger_changed:
            outcome = "ledger written"
        else:
            outcome = "ledger unchanged"
        lines.append(f"reextract: {outcome}")
        return lines


def text_sources(config: Config) -> list[Source]:
    """The sources (enabled or not) whose documents are text for the extractor."""
    kinds = registry()
    return [s for s in config.sources + config.disabled
            if getattr(kinds[s.kind], "stored_texts", None) is not None]


def reextract(config: Config, data_dir: Path, *, dry_run: bool = False,
              progress: Callable[[str], None] = lambda message: None) -> ReextractResult:
    """Extract every stored text document again and replace its reported claims.

    Raises LedgerError (a StoreError) when the stored ledger is damaged, StoreError when
    another job holds the lock; in both cases nothing is written."""
    import pandas as pd

    from tracker.ledger import claims_frame, write_claims

    data_dir = Path(data_dir)
    result = ReextractResult(dry_run=dry_run)
    path = processed_dir(data_dir) / "claims.csv"
    with JobLock(data_dir):
        state = DerivedState.read(data_dir)
        ledger = load_ledger_file(path, verified_sha256=state.ledger_sha256)
        existing = claims_frame(ledger)
        store = RawStore(data_dir)
        sources = text_sources(config)
        result.sources = len(sources)
        texts = _list_texts(sources, store, data_dir, result)
        progress(f"reextract: {len(texts)} stored document(s) of {len(sources)} source(s)")
        new, read_keys, failed_keys = _extract_all(texts, store, data_dir, result, progress)

        known = {s.id for s in config.sources + config.disabled}
        text_ids = {s.id for s in sources}
        keys = list(zip(existing["source_id"], existing["snapshot_sha256"]))
        was_read = pd.Series([key in read_keys for key in keys], index=existing.index, dtype=bool)
        failed = pd.Series([key in failed_keys for key in keys], index=existing.index, dtype=bool)
        from_text = (existing["method"] == "reported") & existing["source_id"].isin(text_ids)
        replaced_rows = from_text & was_read
        lost = existing[from_text & ~was_read & ~failed]
        for (source_id, sha256), group in lost.groupby(["source_id", "snapshot_sha256"], sort=True):
            where = data_dir / "raw" / safe_name(source_id) / (sha256 or "?")
            result.unreadable.append(f"{where}.*: no stored copy (sidecar missing or damaged) of "
                                     f"the document of {len(group)} claim(s)")
        replaced, kept = existing[replaced_rows], existing[~replaced_rows]
        result.other_sources = sorted(set(existing.loc[(existing["method"] == "reported")
                                                       & ~existing["source_id"].isin(known),
                                                       "source_id"]))
        good = _choose(new, replaced, kept, result)
        _count(replaced, good, result)
        result.kept = len(kept)
        if result.unreadable or dry_run or (not ledger.exists and good.empty):
            return result
        merged = pd.concat([kept, good], ignore_index=True)
        in_sync = ledger.exists and state.clean and state.ledger_sha256 == ledger.sha256
        state.mark_running(data_dir)
        result.ledger_changed = write_claims(path, merged)
        result.written = True
        try:
            from tracker.ledger import read_claims

            _write_derived(read_claims(path), data_dir, config, progress)
            # Still marked as not in sync when it was not before: the next ingest re-derives.
            DerivedState(ledger_sha256=ledger_digest(path.read_bytes()),
                         tables=derived_digests(data_dir), clean=in_sync).write(data_dir)
        except (OSError, StoreError) as error:
            result.write_failure = (f"{error}; the ledger is stored, the next ingest rebuilds "
                                    "the derived tables")
    return result


def _list_texts(sources: list[Source], store: RawStore, data_dir: Path,
                result: ReextractResult) -> list[tuple[Source, StoredText]]:
    kinds = registry()
    texts = []
    for source in sources:
        try:
            found = kinds[source.kind].stored_texts(source, store)
        except OSError as error:  # a stored copy of a feed is gone: its pages' dates with it
            result.unreadable.append(f"{error.filename or data_dir / 'raw' / safe_name(source.id)}: "
                                     f"{error.strerror or error} (source {source.id})")
            continue
        texts.extend((source, text) for text in found)
    return texts


def _extract_all(texts: list[tuple[Source, StoredText]], store: RawStore, data_dir: Path,
                 result: ReextractResult, progress: Callable[[str], None]):
    """(the new claims with their `_origin`, `_retrieved` and extraction `_order`, the
    (source_id, sha256) of the documents read, and of those that could not be)."""
    import pandas as pd

    from tracker.schemas import normalise_claims_frame
    from tracker.sources.article import extract_article

    collected = Collected()
    retrieved: list[str] = []
    read_keys: set[tuple[str, str]] = set()
    failed_keys: set[tuple[str, str]] = set()
    for number, (source, text) in enumerate(texts, start=1):
        if number % PROGRESS_EVERY == 0:
            progress(f"reextract: {number:,}/{len(texts):,} document(s)")
        record = text.record
        key = (source.id, record.sha256)
        problem = ""
        try:
            payload = store.read(record)
        except OSError as error:
            problem = error.strerror or str(error)
        else:
            if hashlib.sha256(payload).hexdigest() != record.sha256:
                problem = "the bytes no longer match their sha256: the file was altered"
        first, rejects = len(collected.claims), len(collected.rejects)
        if not problem:
            try:
                extract_article(source, collected, record.origin, payload,
                                record.content_type or "text/html", record,
                                published=text.published, title=text.title)
            except Exception as error:  # a surprise in one document must not drop its claims
                problem = f"extraction failed: {error.__class__.__name__}: {error}"
                del collected.claims[first:], collected.origins[first:], collected.rejects[rejects:]
        if problem:
            result.unreadable.append(f"{data_dir / record.path}: {problem}")
            failed_keys.add(key)
            continue
        result.documents += 1
        read_keys.add(key)
        result.without_text.extend(r.reason for r in collected.rejects[rejects:])
        retrieved.extend([record.retrieved_at] * (len(collected.claims) - first))
    if not collected.claims:
        return normalise_claims_frame(pd.DataFrame(columns=["claim_id"])).assign(
            _origin=pd.Series(dtype="object"), _retrieved=pd.Series(dtype="object"),
            _order=pd.Series(dtype="int64")), read_keys, failed_keys
    # As the ingest job stores them: control characters dropped, then the id hashed.
    records = [clean_record(claim.to_dict()) for claim in collected.claims]
    for record in records:
        record["claim_id"] = claim_id(record)
    frame = normalise_claims_frame(pd.DataFrame.from_records(records))
    return frame.assign(_origin=collected.origins, _retrieved=retrieved,
                        _order=range(len(frame))), read_keys, failed_keys


def _choose(new: "pd.DataFrame", replaced: "pd.DataFrame", kept: "pd.DataFrame",
            result: ReextractResult) -> "pd.DataFrame":
    """One row per claim_id among the new claims, valid and not already kept.

    Where documents state the same citation (a page kept in two versions), the row from
    the document the ledger's row came from wins, then the earliest retrieval: as the
    ingest job's first citation did."""
    from tracker.schemas import split_valid

    if new.empty:
        return split_valid(new.drop(columns=["_origin", "_retrieved", "_order"]))[0]
    before = dict(zip(replaced["claim_id"], zip(replaced["source_id"], replaced["snapshot_sha256"])))
    same_document = [before.get(i) == (s, h) for i, s, h in
                     zip(new["claim_id"], new["source_id"], new["snapshot_sha256"])]
    ranked = new.assign(_rank=[0 if same else 1 for same in same_document])
    ranked = ranked.sort_values(["_rank", "_retrieved", "_order"], kind="mergesort")
    ranked = ranked.drop_duplicates(subset="claim_id", keep="first").sort_values("_order")
    origins = ranked["_origin"]
    good, bad = split_valid(ranked.drop(columns=["_origin", "_retrieved", "_order", "_rank"]))
    for index, row in bad.iterrows():
        result.rejected.append((str(origins[index]), str(row["reason"])))
    # A citation another kept row already holds stays as it is (the first citation wins).
    return good[~good["claim_id"].isin(kept["claim_id"])]


def _count(replaced: "pd.DataFrame", good: "pd.DataFrame", result: ReextractResult) -> None:
    from tracker.ledger import frame_cells
    from tracker.model import CLAIM_COLUMNS

    old = {cells[0]: cells for cells in frame_cells(replaced, CLAIM_COLUMNS)}
    new = {cells[0]: cells for cells in frame_cells(good, CLAIM_COLUMNS)}
    result.before, result.after = len(old), len(new)
    result.added = len(new.keys() - old.keys())
    result.removed = len(old.keys() - new.keys())
    result.changed = sum(1 for i in new.keys() & old.keys() if new[i] != old[i])
