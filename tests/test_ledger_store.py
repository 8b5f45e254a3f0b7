"""The ledger's store of record (tracker/ledger_store.py): claims.csv produced from it byte
for byte as the whole-file writer writes it (spliced from the previous file: the changed
lines written, the rest copied), planning from the rows in scope equal to planning from
every row, and claims.csv changed outside the tracker taken in or refused."""

from __future__ import annotations

import hashlib
import os
import random
import sqlite3
from pathlib import Path

import pandas as pd
import pytest

from tracker.history import Reading, StoredRow, plan_history
from tracker.ledger import added_rows, apply_history, frame_cells, read_claims, write_claims
from tracker.ledger_file import LedgerError, ledger_digest
from tracker import ledger_store
from tracker.ledger_store import STORE_NAME, LedgerStore, product_writes, write_product
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
    spliced = product_writes[("claims.csv", "spliced")]
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
    # Every batch after the first spliced the claims.csv before it.
    assert product_writes[("claims.csv", "spliced")] - spliced == 4


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


# -- claims.csv spliced from the previous one -----------------------------------------------


def regenerated(store: LedgerStore) -> bytes:
    """claims.csv written whole from the store's rows (the path taken without a previous
    file), to compare the spliced one with."""
    temp_name, digest = store._write_temp_csv()
    try:
        payload = Path(temp_name).read_bytes()
    finally:
        Path(temp_name).unlink()
    assert hashlib.sha256(payload).hexdigest() == digest
    return payload


def sorted_pool(rng: random.Random, count: int) -> list[list[str]]:
    """Claims as ledger rows, in the ledger's order."""
    frame = random_claims(rng, count, documents=40).assign(
        status="active", superseded_by="", status_at=NOW, recorded_at=NOW)
    return sorted(frame_cells(normalise_claims_frame(frame), CLAIM_COLUMNS),
                  key=ledger_store.sort_key)


def writes() -> tuple[int, int]:
    return (product_writes[("claims.csv", "spliced")], product_writes[("claims.csv", "written")])


@pytest.mark.parametrize("kernel_copy", [True, False])
def test_changes_at_the_ends_adjacent_and_of_other_lengths_are_spliced(
        tmp_path: Path, monkeypatch, kernel_copy: bool):
    """New rows before the first and after the last, several adjacent ones, status changes
    that make lines longer and shorter (first, last and adjacent rows): each claims.csv
    spliced, and the bytes the whole-file writing gives."""
    if not kernel_copy:
        monkeypatch.setattr(ledger_store, "_kernel_copy", False)  # the buffered copy
    pool = sorted_pool(random.Random(21), 60)
    ids = [cells[0] for cells in pool]
    data = tmp_path / "data"
    path = data / "processed" / "claims.csv"
    steps = [
        ("middle rows", pool[5:50:2], {}),
        ("before the first row", pool[0:1], {}),
        ("after the last row", pool[-1:], {}),
        ("adjacent rows, first ones", pool[1:5], {}),
        ("adjacent rows, last ones", pool[50:59], {}),
        ("rows between stored pairs", pool[6:46:2], {}),
        ("longer lines: first, last and adjacent superseded", [],
         {ids[0]: ("superseded", ids[7]), ids[-1]: ("superseded", ids[7]),
          **{claim: ("superseded", ids[7]) for claim in ids[20:24]}}),
        ("shorter lines: active again", [],
         {ids[0]: ("active", ""), ids[-1]: ("active", ""), ids[21]: ("active", "")}),
        ("new rows and status changes next to each other", pool[46:50:2],
         {ids[45]: ("retracted", ""), ids[47]: ("superseded", ids[1]), ids[49]: ("retracted", ""),
          ids[23]: ("active", "")}),
    ]
    with LedgerStore.open(data) as store:
        for number, (what, added, updates) in enumerate(steps):
            before = writes()
            assert store.apply(added, updates, f"2026-02-{number + 1:02d}T00:00:00Z"), what
            spliced, written = writes()
            assert (spliced - before[0], written - before[1]) == ((0, 1) if number == 0 else (1, 0)), what
            payload = path.read_bytes()
            assert payload == regenerated(store), what
            assert store.csv_sha256 == hashlib.sha256(payload).hexdigest(), what
    assert read_claims(path)["claim_id"].tolist() == ids
    # Another store, the same bytes: what the whole-file writer writes.
    reference = tmp_path / "reference.csv"
    write_claims(reference, read_claims(path))
    assert reference.read_bytes() == path.read_bytes()


def test_a_claims_csv_not_as_recorded_is_written_whole(tmp_path: Path):
    """The previous claims.csv edited by hand, cut short, or changed where a changed row
    is with its size and time kept: not spliced, written whole from the store."""
    pool = sorted_pool(random.Random(22), 40)
    data = tmp_path / "data"
    path = data / "processed" / "claims.csv"
    with LedgerStore.open(data) as store:
        store.apply(pool[::2], {}, NOW)

    def edit_by_hand(payload: bytes) -> None:
        path.write_bytes(payload.replace(b"a quote", b"A quote", 1))

    def cut_short(payload: bytes) -> None:
        path.write_bytes(payload[:-70])

    def edit_keeping_the_signature(payload: bytes) -> None:
        # The signature says unchanged (so the recorded digest is trusted), but the row
        # about to change does not hold the line the store has: the splice sees it.
        stamp = os.stat(path).st_mtime_ns
        line = next(line for line in payload.split(b"\n") if line.startswith(pool[2][0].encode()))
        path.write_bytes(payload.replace(line, line.replace(b"a quote", b"A quote")))
        os.utime(path, ns=(stamp, stamp))

    for number, damage in enumerate((edit_by_hand, cut_short, edit_keeping_the_signature)):
        with LedgerStore.open(data) as store:
            damage(path.read_bytes())  # after the store checked it: before this write
            before = writes()
            store.apply([pool[2 * number + 1]], {pool[2][0]: ("retracted", "")},
                        f"2026-02-1{number}T00:00:00Z")
            assert writes() == (before[0], before[1] + 1), damage.__name__
            assert path.read_bytes() == regenerated(store), damage.__name__
        with LedgerStore.open(data) as store:  # and the next change is spliced again
            before = writes()
            store.apply([pool[2 * number + 9]], {}, f"2026-02-2{number}T00:00:00Z")
            assert writes() == (before[0] + 1, before[1]), damage.__name__
            assert path.read_bytes() == regenerated(store), damage.__name__


def test_write_product_splices_any_changes_into_the_bytes_of_a_whole_write(tmp_path: Path):
    """The splice on a plain table over random rounds of rows added, removed and changed
    (first, last, runs of neighbours, longer, shorter, non-ASCII, every row): each file the
    bytes of the whole write, and spliced whenever the previous file is the recorded one."""
    rng = random.Random(23)
    db = sqlite3.connect(":memory:")
    db.execute("CREATE TABLE t (a TEXT NOT NULL, b TEXT NOT NULL, line TEXT NOT NULL, "
               "nbytes INTEGER NOT NULL, PRIMARY KEY (a, b))")
    db.execute("CREATE INDEX t_in_order ON t (a, b, nbytes)")
    path, header = tmp_path / "table.csv", "a,b,text\n"
    rows: dict[tuple[str, str], str] = {}
    recorded = ""

    def line(key: tuple[str, str]) -> str:
        text = rng.choice(["", "x", "ü" * rng.randint(1, 9), "long " * rng.randint(5, 50), "Ω,\"q\""])
        return f"{key[0]},{key[1]},{text}\n"

    for round_number in range(60):
        keys = sorted(rows)
        changes = {}
        kind = rng.choice(["add", "remove", "change", "mixed", "ends", "run"])
        if kind in ("add", "mixed") or not keys:
            for _ in range(rng.randint(1, 5)):
                key = (rng.choice("abcdé"), f"{rng.randint(0, 999):03d}")
                if key not in rows:
                    changes[key] = (None, line(key))
        if kind in ("remove", "mixed") and keys:
            for key in rng.sample(keys, min(len(keys), rng.randint(1, 4))):
                changes[key] = (rows[key], None)
        if kind in ("change", "mixed") and keys:
            for key in rng.sample(keys, min(len(keys), rng.randint(1, 4))):
                changes[key] = (rows[key], line(key))
        if kind == "ends" and keys:
            for key in {keys[0], keys[-1]}:
                changes[key] = (rows[key], rng.choice([None, line(key)]))
        if kind == "run" and keys:
            start = rng.randrange(len(keys))
            for key in keys[start:start + rng.randint(2, 8)]:
                changes[key] = (rows[key], rng.choice([None, line(key)]))
        changes = {key: lines for key, lines in changes.items() if lines[0] != lines[1]}
        if round_number == 30:
            changes = {key: (text, None) for key, text in rows.items()}  # every row goes
        for key, (_, new) in changes.items():
            db.execute("DELETE FROM t WHERE a = ? AND b = ?", key)
            if new is not None:
                db.execute("INSERT INTO t VALUES (?, ?, ?, ?)", (*key, new, len(new.encode())))
                rows[key] = new
            else:
                del rows[key]
        before = (product_writes[("table.csv", "spliced")], product_writes[("table.csv", "written")])
        temp_name, digest = write_product(path, tmp_path, db, "t", ("a", "b"), header, changes,
                                          recorded)
        os.replace(temp_name, path)
        expected = (header + "".join(rows[key] for key in sorted(rows))).encode("utf-8")
        assert path.read_bytes() == expected, f"round {round_number} ({kind})"
        assert digest == hashlib.sha256(expected).hexdigest()
        after = (product_writes[("table.csv", "spliced")], product_writes[("table.csv", "written")])
        spliced = bool(changes) and bool(recorded)
        assert after == (before[0] + spliced, before[1] + (not spliced)), f"round {round_number}"
        recorded = digest


@pytest.mark.parametrize("change", ["new row", "status"])
def test_stored_lengths_that_do_not_place_the_rows_are_not_spliced(tmp_path: Path, change: str):
    """A stored line length that is wrong (a store changed by hand, a bug) puts a change
    in the wrong place: the old file does not hold there what the store says, and
    claims.csv is written whole."""
    pool = sorted_pool(random.Random(24), 30)
    data = tmp_path / "data"
    path = data / "processed" / "claims.csv"
    with LedgerStore.open(data) as store:
        store.apply(pool[::2], {}, NOW)
    with sqlite3.connect(data / "processed" / STORE_NAME) as db:
        db.execute("UPDATE claims SET nbytes = nbytes + 3 WHERE claim_id = ?", (pool[4][0],))
    with LedgerStore.open(data) as store:
        before = writes()
        if change == "new row":
            store.apply([pool[21]], {}, LATER)
        else:
            store.apply([], {pool[20][0]: ("retracted", "")}, LATER)
        assert writes() == (before[0], before[1] + 1)
        assert path.read_bytes() == regenerated(store)
