"""The ledger's store of record (tracker/ledger_store.py): claims.csv produced from it byte
for byte as the whole-file writer writes it, planning from the rows in scope equal to
planning from every row, and claims.csv changed outside the tracker taken in or refused."""

from __future__ import annotations

import os
import random
import sqlite3
from pathlib import Path

import pandas as pd
import pytest

from tracker.history import Reading, StoredRow, plan_history
from tracker.ledger import added_rows, apply_history, frame_cells, read_claims, write_claims
from tracker.ledger_file import LedgerError, ledger_digest
from tracker.ledger_store import STORE_NAME, LedgerStore
from tracker.model import CLAIM_COLUMNS, claim_id, location_id
from tracker.schemas import normalise_claims_frame

NOW = "2026-02-01T00:00:00Z"
LATER = "2026-02-02T00:00:00Z"
ATTRIBUTIONS = ("ISW", "AFP analysis of ISW data", "", "Агентство", "DeepState", "Zürich desk")


def random_claims(rng: random.Random, count: int, *, documents: int = 6) -> pd.DataFrame:
    """Valid claims with the parts of the ledger's order varied: missing times and
    attributions, non-ASCII text, stocks and flows, several conflicts and metrics."""
    rows = []
    for _ in range(count):
        stock = rng.random() < 0.4
        day = f"2025-{rng.randint(1, 12):02d}-{rng.randint(1, 28):02d}"
        document = rng.randrange(documents)
        row = {"conflict": rng.choice(["russia-ukraine", "israel-gaza", "sudan"]),
               "metric": "share_controlled_pct" if stock and rng.random() < 0.5 else
               ("area_controlled_km2" if stock else "area_gained_km2"),
               "value": float(rng.randint(1, 99)), "qualifier": rng.choice(["exact", "approx"]),
               "actor": rng.choice(["Russia", "Ukraine", "RSF"]),
               "territory": rng.choice(["Ukraine", "Donetsk oblast", "", "Gaza Strip"]),
               "attribution": rng.choice(ATTRIBUTIONS), "source_id": f"s{document % 3}",
               "snapshot_sha256": f"{document:064x}", "method": "reported",
               "url": f"https://example.org/{document}", "quote": "a quote, with \"quotes\"",
               "number_start": rng.randint(0, 50), "retrieved_at": "2026-01-01T00:00:00Z"}
        if stock:
            row["as_of"] = day
        else:
            row["period_start"], row["period_end"] = day[:8] + "01", day
        row["number_end"] = row["number_start"] + 2
        row["location_id"] = location_id(row)
        row["claim_id"] = claim_id(row)
        rows.append(row)
    return normalise_claims_frame(pd.DataFrame(rows).drop_duplicates("claim_id"))


def readings(frame: pd.DataFrame) -> list[Reading]:
    return [Reading(*values) for values in
            zip(frame["claim_id"], frame["location_id"], frame["source_id"])]


def same_plan(left, right) -> bool:
    """Plans equal but for the order rows were met in (statuses are applied by claim id)."""
    return (sorted(left.added) == sorted(right.added)
            and sorted(left.reactivated) == sorted(right.reactivated)
            and sorted(left.retracted) == sorted(right.retracted)
            and left.superseded == right.superseded and left.unchanged == right.unchanged)


def all_stored(frame: pd.DataFrame) -> list[StoredRow]:
    return [StoredRow(*values) for values in zip(
        frame["claim_id"], frame["location_id"], frame["status"], frame["source_id"],
        frame["snapshot_sha256"])]


@pytest.mark.parametrize("seed", range(6))
def test_batches_stored_give_the_bytes_the_whole_file_writer_gives(tmp_path: Path, seed: int):
    """Each batch: plan from the store's rows in scope, store it; the reference plans from
    every row and rewrites the whole file. claims.csv must be the same bytes every time."""
    rng = random.Random(seed)
    reference_path = tmp_path / "reference" / "claims.csv"
    ledger = normalise_claims_frame(pd.DataFrame(columns=["claim_id"]))
    data = tmp_path / "data"
    known = {"s0", "s1", "s2"}
    with LedgerStore.open(data) as store:
        for batch in range(5):
            new = random_claims(rng, rng.randint(1, 25))
            documents = {(s, d) for s, d in zip(new["source_id"], new["snapshot_sha256"])}
            scopes = {"read_documents": documents,
                      "whole_sources": {"s2"} if rng.random() < 0.3 else set()}
            if batch == 3:
                known = {"s0", "s1"}  # a source removed from sources.toml: retracted
            full_plan = plan_history(all_stored(ledger), readings(new), known_sources=known,
                                     **scopes)
            in_scope = store.rows_in_scope(new["claim_id"], new["location_id"],
                                           known_sources=known, **scopes)
            plan = plan_history(in_scope, readings(new), known_sources=known, **scopes)
            assert same_plan(plan, full_plan), f"batch {batch}"
            ledger = apply_history(ledger, new, full_plan, NOW if batch % 2 else LATER)
            write_claims(reference_path, ledger)
            store.apply(added_rows(new, plan, NOW if batch % 2 else LATER), plan.status_updates(),
                        NOW if batch % 2 else LATER)
            assert (data / "processed" / "claims.csv").read_bytes() == reference_path.read_bytes()
            assert store.count() == len(ledger)
            assert store.csv_sha256 == ledger_digest(reference_path.read_bytes())
    assert set(ledger["status"]) >= {"active", "retracted"}  # the test saw statuses change


def test_an_unchanged_run_reads_nothing_but_the_file_signature(tmp_path: Path):
    data = tmp_path / "data"
    with LedgerStore.open(data) as store:
        store.apply(frame_cells(random_claims(random.Random(1), 30), CLAIM_COLUMNS), {}, NOW)
    path = data / "processed" / "claims.csv"
    stamp = os.stat(path).st_mtime_ns
    # Bytes changed behind the tracker's back but size, time and inode kept: the store
    # trusts the signature and does not read the file (what keeps an unchanged run cheap).
    payload = path.read_bytes()
    path.write_bytes(payload.replace(b"Russia", b"Rossia", 1))
    os.utime(path, ns=(stamp, stamp))
    with LedgerStore.open(data) as store:
        assert store.exists
    assert path.read_bytes() != payload


def test_a_valid_edit_of_claims_csv_is_taken_in(tmp_path: Path):
    data = tmp_path / "data"
    frame = random_claims(random.Random(2), 20)
    with LedgerStore.open(data) as store:
        store.apply(frame_cells(frame, CLAIM_COLUMNS), {}, NOW)
    path = data / "processed" / "claims.csv"
    lines = path.read_text(encoding="utf-8").splitlines(keepends=True)
    kept = lines[:3] + lines[4:]  # an analyst deletes one row
    path.write_text("".join(kept), encoding="utf-8")
    messages = []
    with LedgerStore.open(data, progress=messages.append) as store:
        assert store.count() == len(frame) - 1
    assert any("changed outside the tracker" in m for m in messages)
    assert path.read_text(encoding="utf-8") == "".join(kept)


def test_a_damaged_claims_csv_is_refused_and_the_store_kept(tmp_path: Path):
    data = tmp_path / "data"
    frame = random_claims(random.Random(3), 10)
    with LedgerStore.open(data) as store:
        store.apply(frame_cells(frame, CLAIM_COLUMNS), {}, NOW)
    path = data / "processed" / "claims.csv"
    text = path.read_text(encoding="utf-8")
    path.write_text(text.replace(",exact,", ",exactly,", 1), encoding="utf-8")
    with pytest.raises(LedgerError, match=r"claims.csv:\d+"):
        LedgerStore.open(data)
    with sqlite3.connect(data / "processed" / STORE_NAME) as db:
        assert db.execute("SELECT count(*) FROM claims").fetchone()[0] == len(frame)


def test_a_missing_claims_csv_is_written_again_from_the_store(tmp_path: Path):
    data = tmp_path / "data"
    with LedgerStore.open(data) as store:
        store.apply(frame_cells(random_claims(random.Random(4), 12), CLAIM_COLUMNS), {}, NOW)
    path = data / "processed" / "claims.csv"
    payload = path.read_bytes()
    path.unlink()
    with LedgerStore.open(data):
        pass
    assert path.read_bytes() == payload


def test_a_run_that_died_between_the_store_and_the_file_is_completed(tmp_path: Path,
                                                                     monkeypatch):
    data = tmp_path / "data"
    rng = random.Random(5)
    with LedgerStore.open(data) as store:
        store.apply(frame_cells(random_claims(rng, 10), CLAIM_COLUMNS), {}, NOW)
    path = data / "processed" / "claims.csv"
    before = path.read_bytes()

    def power_cut(*args, **kwargs):
        raise KeyboardInterrupt("killed before claims.csv was replaced")

    more = frame_cells(random_claims(rng, 5, documents=20), CLAIM_COLUMNS)
    with LedgerStore.open(data) as store:
        monkeypatch.setattr(os, "replace", power_cut)
        with pytest.raises(KeyboardInterrupt):
            store.apply(more, {}, LATER)
        monkeypatch.undo()
    assert path.read_bytes() == before  # the store committed, the file did not change
    messages = []
    with LedgerStore.open(data, progress=messages.append) as store:
        assert store.count() == len(read_claims(path))
    assert path.read_bytes() != before and any("written again" in m for m in messages)
    assert not list(path.parent.glob(".*.tmp"))


def test_a_store_that_is_not_a_database_is_rebuilt_from_claims_csv(tmp_path: Path):
    data = tmp_path / "data"
    frame = random_claims(random.Random(6), 15)
    write_claims(data / "processed" / "claims.csv", frame)
    (data / "processed" / STORE_NAME).write_bytes(b"not a database at all" * 100)
    messages = []
    with LedgerStore.open(data, progress=messages.append) as store:
        assert store.count() == len(frame)
    assert any("rebuilt from claims.csv" in m for m in messages)


def test_a_row_that_would_not_read_back_is_refused_before_anything_is_stored(tmp_path: Path):
    data = tmp_path / "data"
    cells = frame_cells(random_claims(random.Random(7), 3), CLAIM_COLUMNS)
    cells[1][CLAIM_COLUMNS.index("value")] = "1,000"
    with LedgerStore.open(data) as store:
        with pytest.raises(LedgerError, match="not a number"):
            store.apply(cells, {}, NOW)
        assert store.count() == 0 and not store.exists
