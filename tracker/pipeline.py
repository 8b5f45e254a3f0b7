"""The ingest job: every source in turn, then one validated, atomic update of the ledger.

Order matters for safety: sources are read first (raw bytes kept as they arrive), claims
are validated as a whole, and only then are the ledger and the quarantine replaced, each
in one atomic step under the job lock. A crash before that step leaves the previous
ledger as it was; a re-run finds the raw bytes already stored and the same claim ids.
"""

from __future__ import annotations

import csv
import io
import json
from dataclasses import dataclass, field
from datetime import datetime
from pathlib import Path
from typing import TYPE_CHECKING, Callable

from tracker.config import Config
from tracker.history import Reading, StoredRow, plan_history
from tracker.ledger_store import LedgerStore
from tracker.model import claim_id, clean_record, location_id
from tracker.sources import Collected, Context, SourceError, registry
from tracker.store import (
    JobLock,
    RawStore,
    StoreError,
    remembered_digest,
    sweep_temp_files,
    write_if_changed,
)

if TYPE_CHECKING:
    import pandas as pd

    from tracker.derived import DerivedStore

HEALTH_COLUMNS = ("source_id", "kind", "last_attempt_at", "last_success_at", "status", "error",
                  "consecutive_failures", "documents_read", "claims_new", "rows_rejected")


@dataclass
class SourceOutcome:
    source_id: str
    kind: str
    ok: bool
    error: str = ""
    documents_read: int = 0
    claims_found: int = 0
    claims_new: int = 0
    rows_rejected: int = 0


@dataclass
class IngestResult:
    outcomes: list[SourceOutcome] = field(default_factory=list)
    rejected: list[tuple[str, str]] = field(default_factory=list)  # (origin, reason)
    claims_total: int = 0
    claims_new: int = 0
    claims_superseded: int = 0  # earlier readings a newer one replaced (tracker/history.py)
    claims_retracted: int = 0  # figures of removed sources or curated rows
    claims_reactivated: int = 0  # superseded or retracted figures read again
    ledger_changed: bool = False
    write_failure: str = ""  # a write after the ledger's failed; the next run completes it
    # What this run changed, by claim id: what the run's digest tells people (tracker/digest.py).
    added_ids: list[str] = field(default_factory=list)
    superseded_ids: dict[str, str] = field(default_factory=dict)  # old -> newer ('' none)
    retracted_ids: list[str] = field(default_factory=list)

    @property
    def exit_code(self) -> int:
        """1 when a source failed (or a write after the ledger's did), else 3 when rows were
        quarantined, else 0: the codes a scheduler acts on (tracker/cli.py)."""
        if any(not o.ok for o in self.outcomes) or self.write_failure:
            return 1
        return 3 if self.rejected else 0

    def summary(self) -> str:
        failed = sum(1 for o in self.outcomes if not o.ok)
        history = ", ".join(f"{count} {what}" for count, what in (
            (self.claims_superseded, "superseded"), (self.claims_retracted, "retracted"),
            (self.claims_reactivated, "active again")) if count)
        return (f"{len(self.outcomes)} source(s), {failed} failed; {self.claims_new} new claim(s), "
                + (f"{history}, " if history else "")
                + f"{len(self.rejected)} row(s) quarantined; ledger holds {self.claims_total} claim(s)"
                + ("" if self.ledger_changed else " (unchanged)")
                + (f"; {self.write_failure}" if self.write_failure else ""))


def processed_dir(data_dir: Path) -> Path:
    return Path(data_dir) / "processed"


def run_ingest(config: Config, data_dir: Path, now: datetime,
               progress: Callable[[str], None] = lambda message: None,
               wait_s: float = 0.0) -> IngestResult:
    """Read every source and bring the ledger and its derived tables up to date.

    Raises LedgerError (a StoreError) before anything is read when the stored ledger is
    damaged, and StoreError when a file cannot be written; what was stored stays intact."""
    data_dir = Path(data_dir)
    result = IngestResult()
    with JobLock(data_dir, timeout_s=wait_s):
        if sweep_temp_files(data_dir):
            progress("    removed temporary files left by a run that was stopped")
        state = DerivedState.read(data_dir)
        # A damaged ledger stops the run here. Bytes this job wrote and checked itself (their
        # digest is in the state) are not checked cell by cell again.
        with LedgerStore.open(data_dir, verified_sha256=state.ledger_sha256,
                              progress=progress) as store:
            _ingest_into(store, state, config, data_dir, now, result, progress)
    return result


def _ingest_into(store: LedgerStore, state: "DerivedState", config: Config, data_dir: Path,
                 now: datetime, result: IngestResult, progress: Callable[[str], None]) -> None:
    # Until this run ends cleanly, the ledger may lack claims of bytes it keeps in
    # data/raw; a run killed in between leaves the mark, and the next one re-derives.
    # So does a new extractor, once: every stored document is read again with it, and
    # the readings that changed supersede the old ones (tracker/history.py).
    from tracker.extract import EXTRACTOR_VERSION

    upgraded = store.exists and state.extractor_version != EXTRACTOR_VERSION
    in_sync = (store.exists and state.clean and state.ledger_sha256 == store.csv_sha256
               and not upgraded)
    state.mark_running(data_dir)
    context = Context(store=RawStore(data_dir), now=now, settings=config.settings,
                      progress=progress, rederive=not in_sync)
    if upgraded and state.extractor_version:
        progress(f"    the extractor changed ({state.extractor_version} -> "
                 f"{EXTRACTOR_VERSION}): stored documents are read again with it")
    elif upgraded:
        progress("    no record of the extractor that read the stored documents (a data "
                 "folder from before it was recorded, or a repaired one): they are read "
                 f"again with {EXTRACTOR_VERSION}")
    elif not in_sync and store.exists:
        progress("    the ledger is not known to hold everything in data/raw: "
                 "stored documents are read again")
    # Sources whose stored documents an earlier upgrade run could not read again (the
    # source failed then) are read again now, each on its own.
    behind = set() if upgraded else set(state.sources_behind)
    gathered = _collect_all(config, context, result, progress, reread=behind)
    state.sources_behind = _still_behind(config, result, upgraded, behind)
    known = {source.id for source in config.sources + config.disabled}
    readings = _readings(gathered)
    scopes = _scopes(gathered)
    # Only the stored rows these readings can change are read (an index lookup each).
    stored = store.rows_in_scope([r.claim_id for r in readings],
                                 [r.location_id for r in readings], known_sources=known,
                                 **scopes)
    plan = plan_history(stored, readings, known_sources=known, **scopes)
    # `store.pending`: a claims.csv changed outside the tracker was taken in; storing it
    # writes it in the ledger's form (an older layout, order or quoting).
    anything_new = (not store.exists or store.pending or not plan.is_empty
                    or any(c.rejects for _, c in gathered))
    change = None
    if anything_new:
        change = _store(gathered, store, stored, known, context.retrieved_at, data_dir, result,
                        progress)
    else:
        # Nothing new upstream: leave data/processed untouched, and skip pandas entirely
        # (this is what keeps an unchanged scheduled run cheap).
        result.claims_total = store.count()
        for outcome in result.outcomes:
            progress(f"    {outcome.source_id}: nothing new")
    try:
        _finish_run(context, store, state, change, data_dir, config, result, progress)
    except (OSError, StoreError) as error:
        # The ledger is stored and sound; what depends on it is rebuilt by the next run,
        # which finds the state file still marked as running.
        result.write_failure = f"{error}; the ledger is stored, the next run completes the rest"
        progress(f"    failed: {result.write_failure}")


def _finish_run(context: Context, store: LedgerStore, state: "DerivedState",
                change: "LedgerChange | None", data_dir: Path, config: Config,
                result: IngestResult, progress: Callable[[str], None]) -> None:
    """Derived tables, HTTP validators, health, and last the state that says all is done."""
    ledger_sha256 = store.csv_sha256
    tables = derived_digests(data_dir)
    reviews = reviews_digest(data_dir)
    if (state.ledger_sha256 != ledger_sha256 or state.tables != tables
            or state.reviews_sha256 != reviews):
        # Observations and checks are brought up to date whenever they were not built from
        # this ledger and review log, or were changed or lost since: they never stay stale.
        _write_derived(store, data_dir, config, progress, state=state, change=change,
                       tables=tables)
        tables = derived_digests(data_dir)
    # HTTP validators are saved only now, once the claims they stand for are stored: a
    # crash before this point means the next run downloads the pages again.
    context.close()
    _write_health(data_dir / "state" / "source_health.csv", result.outcomes, context.retrieved_at)
    from tracker.extract import EXTRACTOR_VERSION

    DerivedState(ledger_sha256=ledger_sha256, tables=tables, clean=True,
                 extractor_version=EXTRACTOR_VERSION, reviews_sha256=reviews,
                 sources_behind=list(state.sources_behind)).write(data_dir)


# Tables derived from the whole ledger; rebuilt whenever the ledger changes.
DERIVED_TABLES = ("observations.csv", "checks.csv")


def reviews_digest(data_dir: Path) -> str:
    """SHA-256 of the review log ('' when there is none): the view depends on it."""
    from tracker.review.log import LOG_PATH

    return remembered_digest(Path(data_dir) / LOG_PATH, Path(data_dir))


def derived_digests(data_dir: Path) -> dict[str, str]:
    """SHA-256 of each derived table as it is on disk ('' when absent); a table is read
    only when its size, time or inode changed since its digest was taken."""
    return {name: remembered_digest(processed_dir(data_dir) / name, Path(data_dir))
            for name in DERIVED_TABLES}


@dataclass
class DerivedState:
    """data/state/derived.json: the ledger digest that the derived tables and the raw
    store's extraction were last brought up to date with, and each derived table's digest.

    `clean` is false while a run is under way; a run that dies leaves it false."""

    ledger_sha256: str = ""
    tables: dict[str, str] = field(default_factory=dict)
    clean: bool = False
    extractor_version: str = ""  # the extractor the stored documents were last read with
    reviews_sha256: str = ""  # the review log the derived tables were built with
    # Sources that failed in the run that read stored documents again after an extractor
    # upgrade: their documents are still to be read with it (the next runs try again).
    sources_behind: list[str] = field(default_factory=list)

    @staticmethod
    def path(data_dir: Path) -> Path:
        return Path(data_dir) / "state" / "derived.json"

    @classmethod
    def read(cls, data_dir: Path) -> "DerivedState":
        try:
            raw = json.loads(cls.path(data_dir).read_text(encoding="utf-8"))
            return cls(ledger_sha256=str(raw["ledger_sha256"]),
                       tables={str(k): str(v) for k, v in dict(raw["tables"]).items()},
                       clean=raw["clean"] is True,
                       extractor_version=str(raw.get("extractor_version", "")),
                       reviews_sha256=str(raw.get("reviews_sha256", "")),
                       sources_behind=[str(s) for s in raw.get("sources_behind", [])])
        except (OSError, ValueError, KeyError, TypeError, AttributeError):
            return cls()  # absent or damaged: nothing is assumed, everything is re-derived

    def write(self, data_dir: Path) -> None:
        payload = json.dumps({"ledger_sha256": self.ledger_sha256, "tables": self.tables,
                              "clean": self.clean, "extractor_version": self.extractor_version,
                              "reviews_sha256": self.reviews_sha256,
                              "sources_behind": self.sources_behind},
                             indent=1, sort_keys=True) + "\n"
        write_if_changed(self.path(data_dir), payload.encode("utf-8"))

    def mark_running(self, data_dir: Path) -> None:
        DerivedState(self.ledger_sha256, dict(self.tables), clean=False,
                     extractor_version=self.extractor_version,
                     reviews_sha256=self.reviews_sha256,
                     sources_behind=list(self.sources_behind)).write(data_dir)


def _still_behind(config: Config, result: IngestResult, upgraded: bool,
                  behind: set[str]) -> list[str]:
    """The sources whose stored documents are still to be read with the installed
    extractor after this run: those that failed in the upgrade run (or failed again)."""
    failed = {o.source_id for o in result.outcomes if not o.ok}
    if upgraded:
        still = failed
    else:
        ran = {o.source_id for o in result.outcomes}
        still = (behind & failed) | (behind - ran)  # a disabled source waits its turn
    known = {source.id for source in config.sources + config.disabled}
    return sorted(still & known)


def _collect_all(config: Config, context: Context, result: IngestResult,
                 progress: Callable[[str], None],
                 reread: set[str] = frozenset()) -> list[tuple[SourceOutcome, Collected]]:
    """Run every source; a failing source is recorded and the others go on. Sources in
    `reread` read their stored documents again even when the run as a whole does not."""
    kinds = registry()
    gathered = []
    everything = context.rederive
    for number, source in enumerate(config.sources, start=1):
        context.rederive = everything or source.id in reread
        progress(f"[{number}/{len(config.sources)}] {source.kind} {source.id} ...")
        outcome = SourceOutcome(source_id=source.id, kind=source.kind, ok=True)
        result.outcomes.append(outcome)
        try:
            collected = kinds[source.kind].collect(source, context)
        except SourceError as error:
            outcome.ok, outcome.error = False, str(error)
        except Exception as error:  # a bug or surprise in one source must not stop the rest
            outcome.ok, outcome.error = False, f"unexpected {error.__class__.__name__}: {error}"
        else:
            outcome.documents_read = collected.documents_read
            gathered.append((outcome, collected))
            continue
        progress(f"    failed: {outcome.error}")
    context.rederive = everything
    return gathered


def _readings(gathered: list[tuple[SourceOutcome, Collected]]) -> list[Reading]:
    """Every claim the sources found, as a reading (id and location) as it would be stored."""
    readings = []
    for _, collected in gathered:
        for claim in collected.claims:
            record = clean_record(claim.to_dict())
            readings.append(Reading(claim_id(record), record["location_id"] or location_id(record),
                                    claim.source_id))
    return readings


def _scopes(gathered: list[tuple[SourceOutcome, Collected]],
            refused: set[str] = frozenset()) -> dict[str, set]:
    """The documents read in full and the sources read whole in this run; a source with a
    row the schema `refused` is not whole (the row may be an edit of a stored figure)."""
    documents: set[tuple[str, str]] = set()
    whole: set[str] = set()
    for outcome, collected in gathered:
        documents |= collected.read_documents
        if collected.whole and outcome.source_id not in refused:
            whole.add(outcome.source_id)
    return {"read_documents": documents, "whole_sources": whole}


@dataclass
class LedgerChange:
    """What one write changed in the ledger: derived tables in step with the ledger before
    it are updated for these readings alone (tracker/derived.py)."""

    before_sha256: str  # claims.csv before the change
    claim_ids: set[str]  # readings added, or whose status changed


def _store(gathered: list[tuple[SourceOutcome, Collected]], store: LedgerStore,
           stored: list[StoredRow], known: set[str], now: str, data_dir: Path,
           result: IngestResult, progress: Callable[[str], None]) -> LedgerChange:
    """Validate what the sources found, then change the ledger's store (one transaction,
    which also writes claims.csv) and replace the quarantine."""
    import pandas as pd

    from tracker.ledger import added_rows, frame_readings

    quarantine_rows: list[dict[str, str]] = []
    frames = []
    refreshed: set[str] = set()
    for outcome, collected in gathered:
        good, rejects = _validate(collected)
        outcome.claims_found = len(good)
        outcome.claims_new = len(set(good["claim_id"]) - store.stored_ids(good["claim_id"]))
        outcome.rows_rejected = len(rejects)
        if collected.documents_new or collected.claims or rejects:
            refreshed.add(outcome.source_id)
        for origin, reason, record in rejects:
            quarantine_rows.append({"source_id": outcome.source_id, "origin": origin,
                                    "reason": reason, "record": record})
            result.rejected.append((origin, reason))
            progress(f"    rejected {origin}: {reason}")
        frames.append(good)
        progress(f"    {outcome.source_id}: {outcome.documents_read} document(s), "
                 f"{outcome.claims_found} claim(s), {outcome.claims_new} new, "
                 f"{outcome.rows_rejected} rejected")
    new = (pd.concat(frames, ignore_index=True) if frames
           else _validate(Collected())[0])
    # Planned again on the valid readings only: a reading the schema refused must not
    # supersede the figure stored at its place.
    refused = {outcome.source_id for outcome, _ in gathered if outcome.rows_rejected}
    plan = plan_history(stored, frame_readings(new), known_sources=known,
                        **_scopes(gathered, refused))
    result.claims_new = len(plan.added)
    result.added_ids = list(plan.added)
    result.superseded_ids = dict(plan.superseded)
    result.retracted_ids = list(plan.retracted)
    result.claims_superseded = len(plan.superseded)
    result.claims_retracted = len(plan.retracted)
    result.claims_reactivated = len(plan.reactivated)
    for what, count in (("superseded by newer readings", len(plan.superseded)),
                        ("retracted (source or curated row removed)", len(plan.retracted)),
                        ("read again and active again", len(plan.reactivated))):
        if count:
            progress(f"    {count} stored claim(s) {what}")
    # The quarantine goes first: a run stopped between the two writes finds the ledger
    # without this run's claims, and writes both again.
    _write_quarantine(processed_dir(data_dir) / "quarantine.csv", quarantine_rows, refreshed)
    change = LedgerChange(store.csv_sha256, set(plan.added) | set(plan.status_updates()))
    result.ledger_changed = store.apply(added_rows(new, plan, now), plan.status_updates(), now)
    result.claims_total = store.count()
    return change


def _write_derived(store: LedgerStore, data_dir: Path, config: Config,
                   progress: Callable[[str], None], *, state: "DerivedState | None" = None,
                   change: LedgerChange | None = None,
                   tables: dict[str, str] | None = None) -> None:
    """Observations (citations of one figure grouped) and checks (reported vs computed) of
    the current view: active readings with people's decisions applied, rejected ones out.

    Updated for the readings of `change` alone when the derived tables were built from the
    ledger before it, with this review log, and are on disk as built (`state`, `tables`);
    rebuilt from every row otherwise."""
    from tracker.derived import DerivedStore, code_digest, ledger_order_of
    from tracker.ledger import stored_claims_frame
    from tracker.ledger_file import LedgerFile
    from tracker.review.log import read_decisions
    from tracker.view import charted, current_view

    decisions, problems = read_decisions(data_dir)
    for problem in problems:
        progress(f"    warning: {problem}")
    tolerance = config.settings.check_tolerance_pct
    reviews = reviews_digest(data_dir)
    with DerivedStore.open(data_dir) as derived:
        in_step = (change is not None and state is not None
                   and derived.built_for() == (change.before_sha256, reviews, f"{tolerance:g}",
                                               code_digest())
                   and state.ledger_sha256 == change.before_sha256
                   and state.reviews_sha256 == reviews
                   and state.tables == (tables if tables is not None else derived_digests(data_dir)))
        if in_step:
            try:
                _update_derived(derived, store, change, decisions, reviews, tolerance)
                progress(f"    observations.csv and checks.csv updated for "
                         f"{len(change.claim_ids)} changed reading(s)")
                return
            except Exception as error:  # noqa: BLE001 - the rebuild below is always right
                # A bug or a damaged derived store must not stop the job: its transaction
                # was rolled back, and the tables are rebuilt from the ledger.
                progress(f"    warning: updating observations and checks failed ({error}); "
                         "rebuilt from the ledger instead")
        rows = store.ledger_file().rows
        orders = {cells[0]: ledger_order_of(cells) for cells in rows}
        frame = stored_claims_frame(LedgerFile(path=store.csv_path, rows=rows))
        figures = charted(current_view(frame, decisions))
        derived.rebuild(figures, [orders[claim] for claim in figures["claim_id"]],
                        ledger_sha256=store.csv_sha256, reviews_sha256=reviews,
                        tolerance_pct=tolerance)
        progress("    observations.csv and checks.csv rebuilt")


def _update_derived(derived: "DerivedStore", store: LedgerStore, change: LedgerChange,
                    decisions: list, reviews: str, tolerance: float) -> None:
    """The derived tables brought in step for the readings of `change` alone."""
    from tracker.derived import ledger_order_of
    from tracker.ledger import stored_claims_frame
    from tracker.ledger_file import LedgerFile
    from tracker.view import charted, current_view

    rows = store.rows_around(change.claim_ids)
    orders = {cells[0]: ledger_order_of(cells) for cells in rows}
    frame = stored_claims_frame(LedgerFile(path=store.csv_path, rows=rows))
    figures = charted(current_view(frame, decisions))
    derived.update(figures, [orders[claim] for claim in figures["claim_id"]],
                   gone=set(orders) | change.claim_ids, ledger_sha256=store.csv_sha256,
                   reviews_sha256=reviews, tolerance_pct=tolerance)


def _validate(collected: Collected) -> tuple[pd.DataFrame, list[tuple[str, str, str]]]:
    """Split one source's claims into valid rows and (origin, reason, record) rejects."""
    import pandas as pd

    from tracker.schemas import normalise_claims_frame, split_valid

    rejects = [(r.origin, r.reason, r.record) for r in collected.rejects]
    if not collected.claims:
        return normalise_claims_frame(pd.DataFrame(columns=["claim_id"])), rejects
    # Control characters from a feed or a page (a title with '&#13;') are dropped here, so
    # the ledger never keeps them and the claim id hashes what is stored.
    records = [clean_record(claim.to_dict()) for claim in collected.claims]
    for record in records:
        record["claim_id"] = claim_id(record)
    frame = pd.DataFrame.from_records(records)
    frame["_origin"] = collected.origins
    # One citation stated twice in a source (e.g. a curated row repeated) is one claim.
    frame = frame.drop_duplicates(subset="claim_id", keep="first")
    origins = frame.pop("_origin")
    good, bad = split_valid(frame)
    for index, row in bad.iterrows():
        record = {k: v for k, v in row.items()
                  if k != "reason" and not _is_missing(v) and v != ""}
        rejects.append((origins[index], row["reason"], json.dumps(record, ensure_ascii=False,
                                                                   sort_keys=True, default=str)))
    rejects.sort(key=lambda item: _origin_order(item[0]))
    return good, rejects


def _origin_order(origin: str) -> tuple[str, int]:
    """Sort 'file:12' before 'file:100' so messages follow the file."""
    name, _, line = origin.rpartition(":")
    return (name, int(line)) if line.isdigit() else (origin, 0)


def _is_missing(value: object) -> bool:
    """None, NaN or pandas' NA; containers are never missing (pd.isna would map over them)."""
    import pandas as pd

    if isinstance(value, (list, dict)):
        return False
    return value is None or bool(pd.isna(value))


def _write_quarantine(path: Path, rows: list[dict[str, str]], refreshed: set[str]) -> None:
    """Keep quarantined rows of sources that read nothing new this run; replace the rest."""
    import pandas as pd

    from tracker.ledger import frame_to_csv_bytes, read_table
    from tracker.schemas import QUARANTINE_COLUMNS

    kept: list[dict[str, str]] = []
    if path.exists():
        previous = read_table(path)
        kept = [r for r in previous.to_dict("records") if r.get("source_id") not in refreshed]
    table = pd.DataFrame(kept + rows, columns=list(QUARANTINE_COLUMNS))
    table = table.drop_duplicates().sort_values(list(QUARANTINE_COLUMNS), kind="mergesort")
    write_if_changed(path, frame_to_csv_bytes(table, QUARANTINE_COLUMNS))


def read_health(path: Path) -> dict[str, dict[str, str]]:
    """source_health.csv by source id ({} when absent or damaged: health is advisory, and a
    damaged file is rebuilt by the next run)."""
    try:
        with Path(path).open(encoding="utf-8", newline="") as handle:
            return {r["source_id"]: r for r in csv.DictReader(handle)
                    if isinstance(r.get("source_id"), str) and r["source_id"]}
    except (OSError, KeyError, csv.Error, UnicodeDecodeError):
        return {}


def _write_health(path: Path, outcomes: list[SourceOutcome], attempted_at: str) -> None:
    """Per source: last attempt and success, error, consecutive failures (operational state)."""
    previous = read_health(path)
    rows = dict(previous)
    for outcome in outcomes:
        before = previous.get(outcome.source_id, {})
        earlier = str(before.get("consecutive_failures") or "0")
        failures = 0 if outcome.ok else (int(earlier) if earlier.isdigit() else 0) + 1
        rows[outcome.source_id] = {
            "source_id": outcome.source_id, "kind": outcome.kind,
            "last_attempt_at": attempted_at,
            "last_success_at": attempted_at if outcome.ok else before.get("last_success_at", ""),
            "status": "ok" if outcome.ok else "failed", "error": outcome.error,
            "consecutive_failures": str(failures), "documents_read": str(outcome.documents_read),
            "claims_new": str(outcome.claims_new), "rows_rejected": str(outcome.rows_rejected),
        }
    buffer = io.StringIO()
    writer = csv.DictWriter(buffer, fieldnames=HEALTH_COLUMNS, lineterminator="\n", extrasaction="ignore")
    writer.writeheader()
    for key in sorted(rows):
        writer.writerow(rows[key])
    write_if_changed(path, buffer.getvalue().encode("utf-8"))
