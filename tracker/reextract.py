"""`tracker reextract`: the extraction stage run again over every text document in data/raw.

Articles and feed pages are extracted as they are read (tracker/sources/article.py
`add_article`). This runs the extraction alone (`extract_article`) over the bytes the raw
store kept, with the metadata they were read with at ingest, found by the same code the
ingest job's re-deriving mode (and so `tracker repair`) uses: each source kind's
`stored_texts` lists its documents from their sidecars (the address or path read, the first
retrieval time, the content type) and, for feed pages, the entry that listed the page in the
stored copies of the feed (date and title); the source's settings in sources.toml give the
conflict, publisher, language, attribution, and an article source's `published` and `title`.

The new readings of those documents are stored as tracker/history.py says, in one atomic
write of the ledger (tracker/ledger.py `write_claims`, under the job lock): a reading the
ledger holds (same claim_id) keeps its row untouched, a changed reading is added and
supersedes the old one at its location, a figure the extractor no longer reads is
superseded by nothing; no row is removed. Every other claim (map figures, curated figures
and series, DeepState's official areas, documents of sources no longer in sources.toml or
not selected by --source/--since) is kept as it is. A document that cannot be read (its
raw file, its sidecar or a stored copy of its feed gone or altered) stops the command
before anything is written.
"""

from __future__ import annotations

import hashlib
from dataclasses import dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING, Callable

from tracker.config import Config, Source
from tracker.history import plan_history, stored_rows
from tracker.model import claim_id, clean_record
from tracker.pipeline import (
    DerivedState,
    _write_derived,
    derived_digests,
    reviews_digest,
)
from tracker.sources import Collected, StoredText, registry
from tracker.store import JobLock, RawStore, StoreError, safe_name

if TYPE_CHECKING:
    import pandas as pd

    from tracker.ledger_store import LedgerStore

# A progress line on stderr every this many documents.
PROGRESS_EVERY = 100


@dataclass
class ReextractResult:
    sources: int = 0  # sources whose documents are text (article, feed) and were selected
    documents: int = 0  # stored documents extracted again
    unreadable: list[str] = field(default_factory=list)  # 'file: why', one per document
    without_text: list[str] = field(default_factory=list)  # documents with no article text
    rejected: list[tuple[str, str]] = field(default_factory=list)  # (origin, reason)
    new: int = 0  # readings the ledger did not hold: added as active rows
    superseded: int = 0  # stored readings a changed reading (or none) replaced
    reactivated: int = 0  # stored readings superseded earlier and read again now
    unchanged: int = 0  # readings the ledger already holds as active: left as they are
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
            f"reextract: {self.new} new, {self.superseded} superseded, {self.unchanged} unchanged"
            + (f", {self.reactivated} active again" if self.reactivated else "")
            + (f", {len(self.rejected)} refused by the schema" if self.rejected else ""),
        ]
        if self.other_sources:
            lines.append("reextract: claims of source(s) not in sources.toml kept as they were: "
                         + ", ".join(self.other_sources))
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
              source_ids: tuple[str, ...] = (), since: str = "", now: str = "",
              progress: Callable[[str], None] = lambda message: None) -> ReextractResult:
    """Extract stored text documents again; readings that changed supersede the old ones.

    `source_ids` limits the run to those sources, `since` (YYYY-MM-DD) to documents first
    retrieved on or after that day; `now` (UTC, YYYY-MM-DDTHH:MM:SSZ) is the time recorded
    on rows whose status changes. Raises LedgerError (a StoreError) when the stored ledger
    is damaged, StoreError when another job holds the lock; in both cases nothing is
    written. A source id that is not a text source in sources.toml raises ValueError."""
    from tracker.ledger_store import LedgerStore

    data_dir = Path(data_dir)
    result = ReextractResult(dry_run=dry_run)
    sources = text_sources(config)
    unknown = sorted(set(source_ids) - {s.id for s in sources})
    if unknown:
        raise ValueError(f"not an article or feed source in sources.toml: {', '.join(unknown)}")
    if source_ids:
        sources = [s for s in sources if s.id in source_ids]
    with JobLock(data_dir):
        state = DerivedState.read(data_dir)
        with LedgerStore.open(data_dir, verified_sha256=state.ledger_sha256,
                              progress=progress) as ledger:
            _reextract_into(ledger, state, config, data_dir, sources, result, dry_run=dry_run,
                            source_ids=source_ids, since=since, now=now, progress=progress)
    return result


def _reextract_into(ledger: "LedgerStore", state: DerivedState, config: Config, data_dir: Path,
                    sources: list[Source], result: ReextractResult, *, dry_run: bool,
                    source_ids: tuple[str, ...], since: str, now: str,
                    progress: Callable[[str], None]) -> None:
    import pandas as pd

    from tracker.ledger import added_rows, frame_readings, stored_claims_frame

    stored_file = ledger.ledger_file()
    existing = stored_claims_frame(stored_file)
    store = RawStore(data_dir)
    result.sources = len(sources)
    texts = _list_texts(sources, store, data_dir, result)
    if since:
        texts = [(s, t) for s, t in texts if t.record.retrieved_at[:10] >= since]
    progress(f"reextract: {len(texts)} stored document(s) of {len(sources)} source(s)")
    new, read_keys, failed_keys = _extract_all(texts, store, data_dir, result, progress)

    known = {s.id for s in config.sources + config.disabled}
    selected = {s.id for s in sources}
    keys = list(zip(existing["source_id"], existing["snapshot_sha256"]))
    in_selection = ((existing["method"] == "reported") & (existing["status"] == "active")
                    & existing["source_id"].isin(selected))
    if since:
        in_selection &= existing["retrieved_at"].str[:10] >= since
    was_read = [key in read_keys or key in failed_keys for key in keys]
    lost = existing[in_selection & ~pd.Series(was_read, index=existing.index, dtype=bool)]
    for (source_id, sha256), group in lost.groupby(["source_id", "snapshot_sha256"], sort=True):
        where = data_dir / "raw" / safe_name(source_id) / (sha256 or "?")
        result.unreadable.append(f"{where}.*: no stored copy (sidecar missing or damaged) of "
                                 f"the document of {len(group)} claim(s)")
    result.other_sources = sorted(set(existing.loc[(existing["method"] == "reported")
                                                   & ~existing["source_id"].isin(known),
                                                   "source_id"]))
    good = _choose(new, existing, result)
    plan = plan_history(stored_rows(stored_file.rows), frame_readings(good),
                        read_documents=read_keys)
    result.new, result.superseded = len(plan.added), len(plan.superseded)
    result.reactivated, result.unchanged = len(plan.reactivated), plan.unchanged
    if result.unreadable or dry_run or (not ledger.exists and good.empty):
        return
    in_sync = ledger.exists and state.clean and state.ledger_sha256 == ledger.csv_sha256
    state.mark_running(data_dir)
    result.ledger_changed = ledger.apply(added_rows(good, plan, now), plan.status_updates(), now)
    result.written = True
    try:
        from tracker.extract import EXTRACTOR_VERSION

        _write_derived(ledger, data_dir, config, progress)
        # Still marked as not in sync when it was not before: the next ingest re-derives.
        # Every text document read with this extractor: the next ingest need not again.
        everything = not source_ids and not since
        DerivedState(ledger_sha256=ledger.csv_sha256,
                     tables=derived_digests(data_dir), clean=in_sync,
                     extractor_version=EXTRACTOR_VERSION if everything else state.extractor_version,
                     reviews_sha256=reviews_digest(data_dir),
                     sources_behind=[] if everything else list(state.sources_behind)
                     ).write(data_dir)
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


def _choose(new: "pd.DataFrame", existing: "pd.DataFrame",
            result: ReextractResult) -> "pd.DataFrame":
    """One row per claim_id among the new readings, valid.

    Where documents state the same citation (a page kept in two versions), the row from
    the document the ledger's row came from wins, then the earliest retrieval: as the
    ingest job's first citation did."""
    from tracker.schemas import split_valid

    if new.empty:
        return split_valid(new.drop(columns=["_origin", "_retrieved", "_order"]))[0]
    before = dict(zip(existing["claim_id"], zip(existing["source_id"], existing["snapshot_sha256"])))
    same_document = [before.get(i) == (s, h) for i, s, h in
                     zip(new["claim_id"], new["source_id"], new["snapshot_sha256"])]
    ranked = new.assign(_rank=[0 if same else 1 for same in same_document])
    ranked = ranked.sort_values(["_rank", "_retrieved", "_order"], kind="mergesort")
    ranked = ranked.drop_duplicates(subset="claim_id", keep="first").sort_values("_order")
    origins = ranked["_origin"]
    good, bad = split_valid(ranked.drop(columns=["_origin", "_retrieved", "_order", "_rank"]))
    for index, row in bad.iterrows():
        result.rejected.append((str(origins[index]), str(row["reason"])))
    return good
