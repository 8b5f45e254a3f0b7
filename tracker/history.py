"""History: how a batch of new readings changes the statuses of the ledger's rows.

Pure and without pandas: it works on the few columns that decide a row's status, so an
ingest run can tell whether anything changed before it pays for loading the ledger.

A figure's identity is where it was read (`location_id`, see tracker/model.py). Rows in
scope are the active rows of the documents read in this batch and of the sources read
whole (a curated CSV: every row it still holds is in the batch). For each of them:

- a reading with the same claim_id is the same figure read the same way: nothing changes
  (no churn: same row, same status);
- a new reading at the same location with another claim_id supersedes it
  (`superseded_by` names the new reading): a newer extractor read the place differently,
  or an analyst edited the curated row;
- no reading at its location any more: a document read again in full with nothing there
  supersedes it by nothing (the extractor no longer sees a figure); a source read whole
  without that row retracts it (the analyst deleted the row).

Active rows of sources no longer in sources.toml are retracted; a reading whose claim_id
the ledger holds as superseded or retracted makes that row active again (an extractor
change undone, a source or row restored). Rows are never removed.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Iterable

from tracker.model import CLAIM_COLUMNS


@dataclass(frozen=True)
class StoredRow:
    """The columns of one ledger row that decide its status."""

    claim_id: str
    location_id: str
    status: str
    source_id: str
    snapshot_sha256: str


def stored_rows(rows: Iterable[list[str]]) -> list[StoredRow]:
    """The status-deciding columns of ledger rows as text (tracker/ledger_file.py rows)."""
    index = {name: position for position, name in enumerate(CLAIM_COLUMNS)}
    places = [index[name] for name in ("claim_id", "location_id", "status", "source_id",
                                       "snapshot_sha256")]
    return [StoredRow(*(row[place] for place in places)) for row in rows]


@dataclass(frozen=True)
class Reading:
    """One reading of this batch: its id, where it was read and from which source."""

    claim_id: str
    location_id: str
    source_id: str


@dataclass
class HistoryPlan:
    added: list[str] = field(default_factory=list)  # claim_ids new to the ledger
    reactivated: list[str] = field(default_factory=list)  # stored, not active, read again
    superseded: dict[str, str] = field(default_factory=dict)  # claim_id -> superseded_by ('' none)
    retracted: list[str] = field(default_factory=list)
    unchanged: int = 0  # readings the ledger already holds as active

    @property
    def changes_statuses(self) -> bool:
        return bool(self.reactivated or self.superseded or self.retracted)

    @property
    def is_empty(self) -> bool:
        return not (self.added or self.changes_statuses)

    def status_updates(self) -> dict[str, tuple[str, str]]:
        """claim_id -> (new status, superseded_by) for every stored row that changes."""
        updates = {claim: ("active", "") for claim in self.reactivated}
        updates.update({claim: ("superseded", by) for claim, by in self.superseded.items()})
        updates.update({claim: ("retracted", "") for claim in self.retracted})
        return updates


def plan_history(stored: Iterable[StoredRow], readings: Iterable[Reading], *,
                 read_documents: set[tuple[str, str]] = frozenset(),
                 whole_sources: set[str] = frozenset(),
                 known_sources: set[str] | None = None) -> HistoryPlan:
    """What storing `readings` changes in a ledger holding `stored`.

    `read_documents`: (source_id, sha256) of every document read in full in this batch,
    including those where the extractor found nothing. `whole_sources`: sources whose
    every current figure is in `readings` (read without failure). `known_sources`: the
    sources in sources.toml (None: retract nothing for a missing source)."""
    stored = list(stored)
    by_id = {row.claim_id: row for row in stored}
    plan = HistoryPlan()
    new_at: dict[str, list[str]] = {}
    new_ids: set[str] = set()
    for reading in readings:
        if reading.claim_id in new_ids:
            continue  # one citation stated twice in a batch is one reading
        new_ids.add(reading.claim_id)
        new_at.setdefault(reading.location_id, []).append(reading.claim_id)
        row = by_id.get(reading.claim_id)
        if row is None:
            plan.added.append(reading.claim_id)
        elif row.status != "active":
            plan.reactivated.append(reading.claim_id)
        else:
            plan.unchanged += 1
    active_at: dict[str, set[str]] = {}
    for row in stored:
        if row.status == "active":
            active_at.setdefault(row.location_id, set()).add(row.claim_id)
    for row in stored:
        if row.status != "active" or row.claim_id in new_ids:
            continue
        if known_sources is not None and row.source_id not in known_sources:
            plan.retracted.append(row.claim_id)
            continue
        in_document = (row.source_id, row.snapshot_sha256) in read_documents
        in_whole_source = row.source_id in whole_sources
        if not (in_document or in_whole_source):
            continue
        others = [claim for claim in new_at.get(row.location_id, ()) if claim != row.claim_id]
        if others:
            # Where one number states several figures, a reading the place already held
            # active is not what replaced this one: name a new reading when there is one.
            new = [claim for claim in others if claim not in active_at.get(row.location_id, ())]
            plan.superseded[row.claim_id] = (new or others)[0]
        elif in_whole_source:
            plan.retracted.append(row.claim_id)
        else:
            plan.superseded[row.claim_id] = ""
    return plan
