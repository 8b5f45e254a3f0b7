"""Observations and checks updated run by run for the readings each run changes
(tracker/derived.py) must be the bytes a full rebuild of the current view gives, over random
sequences of runs: new documents, documents read again (superseding readings), computed
map figures, cited stocks and gains of several actors and series, equal dates, figures
stated at one place for several territories, and review decisions in force. The files of
an update are spliced from the previous ones (rows added, removed and changed), and
written whole when the previous file is not the one recorded."""

from __future__ import annotations

import random
from datetime import date, timedelta
from pathlib import Path

import pandas as pd
import pytest

from tracker.checks import CHECK_COLUMNS, build_checks
from tracker.config import Settings
from tracker.history import Reading, plan_history
from tracker.ledger import added_rows, frame_to_csv_bytes, read_claims
from tracker.ledger_store import LedgerStore, product_writes
from tracker.model import claim_id, location_id
from tracker.observations import build_observations, observations_csv_bytes
from tracker.pipeline import DerivedState, LedgerChange, _write_derived, derived_digests, reviews_digest
from tracker.review.log import Decision, append_decision, read_decisions
from tracker.schemas import normalise_claims_frame
from tracker.view import charted, current_view, reading_fields

ACTORS = ("Russia", "Ukraine")
TERRITORIES = ("Ukraine", "Donetsk oblast", "")
ATTRIBUTIONS = ("DeepState", "ISW", "AFP analysis of ISW data")
DAY0 = date(2025, 1, 1)


class _Config:
    settings = Settings()


def document_claims(rng: random.Random, document: int, version: int) -> list[dict]:
    """The readings of one document (`version` > 0: read again, partly differently)."""
    rows = []
    computed = document % 4 == 0
    for place in range(rng.randint(1, 4)):
        day = DAY0 + timedelta(days=rng.randint(0, 150))
        stock = rng.random() < 0.6
        row = {"conflict": "russia-ukraine", "actor": rng.choice(ACTORS),
               "territory": rng.choice(TERRITORIES[:2] if computed else TERRITORIES),
               "value": float(rng.randint(100, 900) + (version if rng.random() < 0.5 else 0)),
               "qualifier": "exact", "data_producer": rng.choice(ATTRIBUTIONS),
               "attribution": rng.choice(ATTRIBUTIONS),
               "method": "computed" if computed else "reported",
               "definition": rng.choice(["occupied_total", "occupied_total:after_2022", ""]),
               "url": "" if computed else f"https://example.org/{document}",
               "publisher": f"Outlet {document % 3}", "published_at": (day + timedelta(
                   days=rng.randint(0, 9))).isoformat(),
               "source_id": "maps" if computed else "wire",
               "snapshot_sha256": f"{document:060x}{version:04x}" if computed else f"{document:064x}",
               "number_start": 10 * place, "number_end": 10 * place + 3}
        if stock:
            row.update(metric=rng.choice(["area_controlled_km2", "share_controlled_pct"]),
                       as_of=day.isoformat())
            if row["metric"] == "share_controlled_pct":
                row["value"] = float(rng.randint(1, 30))
        else:
            start = day.replace(day=1)
            end = (start + timedelta(days=rng.choice([27, 40]))).replace(day=1) - timedelta(days=1)
            row.update(metric="area_gained_km2", period_start=start.isoformat(),
                       period_end=(end if end > start else start + timedelta(days=20)).isoformat())
        rows.append(row)
        if not computed and rng.random() < 0.2:
            # One number stating the figure of two territories: two readings, one place.
            twin = dict(row, territory="Donetsk oblast" if row["territory"] != "Donetsk oblast"
                        else "Ukraine")
            rows.append(twin)
    for row in rows:
        if row["method"] == "computed":
            row["number_start"] = row["number_end"] = None
        row["location_id"] = location_id(row)
        row["claim_id"] = claim_id(row)
    return rows


def full_rebuild(data: Path) -> tuple[bytes, bytes]:
    decisions, _ = read_decisions(data)
    figures = charted(current_view(read_claims(data / "processed" / "claims.csv"), decisions))
    return (observations_csv_bytes(build_observations(figures)),
            frame_to_csv_bytes(build_checks(figures, Settings().check_tolerance_pct), CHECK_COLUMNS))


def decide(data: Path, rng: random.Random, store: LedgerStore) -> None:
    """A few review decisions on stored readings: confirm, correct a value, reject."""
    claims = read_claims(store.csv_path)
    active = claims[claims["status"] == "active"]
    for _, row in active.sample(n=min(6, len(active)), random_state=rng.randint(0, 999)).iterrows():
        action = rng.choice(["confirm", "correct", "reject"])
        fields = {"value": float(row["value"]) + 11} if action == "correct" else {}
        append_decision(data, Decision(
            action=action, claim_id=row["claim_id"], location_id=row["location_id"],
            reviewer="tester", at="2026-01-01T00:00:00Z", reading=reading_fields(row.to_dict()),
            fields=fields, reason="wrong figure" if action == "reject" else ""))


@pytest.mark.parametrize("seed", range(4))
def test_runs_updated_incrementally_equal_a_full_rebuild(tmp_path: Path, seed: int):
    rng = random.Random(seed)
    data = tmp_path / "data"
    versions: dict[int, int] = {}
    incremental_runs = 0
    spliced_runs = removed = 0
    processed = data / "processed"
    with LedgerStore.open(data) as store:
        for step in range(14):
            rows, documents = [], set()
            for _ in range(rng.randint(1, 6)):
                # Mostly new documents; some read again with partly other readings.
                document = rng.randrange(len(versions) + 3)
                versions[document] = versions.get(document, -1) + 1
                found = document_claims(random.Random(seed * 1000 + document * 10 + versions[document]),
                                        document, versions[document])
                rows.extend(found)
                documents |= {(r["source_id"], r["snapshot_sha256"]) for r in found}
            if step == 4:
                decide(data, rng, store)  # the review log changes: one full rebuild
            messages: list[str] = []
            state = DerivedState.read(data)
            new = normalise_claims_frame(pd.DataFrame(rows).drop_duplicates("claim_id"))
            readings = [Reading(*v) for v in zip(new["claim_id"], new["location_id"],
                                                  new["source_id"])]
            stored = store.rows_in_scope(new["claim_id"], new["location_id"],
                                         read_documents=documents)
            plan = plan_history(stored, readings, read_documents=documents)
            now = f"2026-01-{step + 1:02d}T00:00:00Z"
            change = LedgerChange(store.csv_sha256, set(plan.added) | set(plan.status_updates()))
            store.apply(added_rows(new, plan, now), plan.status_updates(), now)
            files_before = file_rows(processed)
            writes_before = dict(product_writes)
            _write_derived(store, data, _Config(), messages.append, state=state, change=change,
                           tables=derived_digests(data))
            DerivedState(ledger_sha256=store.csv_sha256, tables=derived_digests(data), clean=True,
                         reviews_sha256=reviews_digest(data)).write(data)
            incremental = any("updated for" in m for m in messages)
            incremental_runs += incremental
            observations, checks = full_rebuild(data)
            assert (processed / "observations.csv").read_bytes() == observations, f"step {step}"
            assert (processed / "checks.csv").read_bytes() == checks, f"step {step}"
            # An update splices each file whose rows changed; it never writes one whole.
            written = {key: count - writes_before.get(key, 0) for key, count in product_writes.items()
                       if key[0] in ("observations.csv", "checks.csv")}
            if incremental:
                assert not any(count for (_, how), count in written.items() if how == "written")
                assert all(written.get((name, "spliced"), 0) == (rows != files_before[name])
                           for name, rows in file_rows(processed).items()), f"step {step}"
                spliced_runs += any(written.values())
                removed += any(set(files_before[name]) - set(rows)
                               for name, rows in file_rows(processed).items())
    claims = read_claims(data / "processed" / "claims.csv")
    assert incremental_runs >= 10  # the runs after the first and after the review
    assert spliced_runs >= 10 and removed  # rows added, changed and removed by splicing
    assert (claims["status"] == "superseded").any()  # documents read again changed readings
    assert (claims["method"] == "computed").any() and (claims["as_of"].notna()).any()


def file_rows(processed: Path) -> dict[str, dict[str, bytes]]:
    """Each derived file's rows by key (observation_id, claim_id: the first cell)."""
    found = {}
    for name in ("observations.csv", "checks.csv"):
        path = processed / name
        lines = path.read_bytes().splitlines()[1:] if path.exists() else []
        found[name] = {line.split(b",", 1)[0]: line for line in lines}
    return found


def store_documents(store: LedgerStore, data: Path, documents: list[int], now: str) -> list[str]:
    """One run storing the readings of `documents` and updating the derived tables as the
    job does (they must be in step); returns its progress messages."""
    rows = [row for document in documents for row in document_claims(
        random.Random(document), document, 0)]
    new = normalise_claims_frame(pd.DataFrame(rows).drop_duplicates("claim_id"))
    found = set(zip(new["source_id"], new["snapshot_sha256"]))
    readings = [Reading(*v) for v in zip(new["claim_id"], new["location_id"], new["source_id"])]
    plan = plan_history(store.rows_in_scope(new["claim_id"], new["location_id"],
                                            read_documents=found),
                        readings, read_documents=found)
    state = DerivedState.read(data)
    change = LedgerChange(store.csv_sha256, set(plan.added) | set(plan.status_updates()))
    store.apply(added_rows(new, plan, now), plan.status_updates(), now)
    messages: list[str] = []
    # The tables the state recorded, as the job compares them with the files on disk.
    _write_derived(store, data, _Config(), messages.append, state=state, change=change,
                   tables=state.tables)
    DerivedState(ledger_sha256=store.csv_sha256, tables=derived_digests(data), clean=True,
                 reviews_sha256=reviews_digest(data)).write(data)
    return messages


@pytest.mark.parametrize("name", ["observations.csv", "checks.csv"])
def test_a_file_not_as_recorded_is_written_whole_in_an_update(tmp_path: Path, name: str):
    """A derived file edited by hand after the job compared it with its state (or a store
    that recorded other bytes): the update does not splice it but writes it whole."""
    data = tmp_path / "data"
    path = data / "processed" / name
    with LedgerStore.open(data) as store:
        store_documents(store, data, [1, 2, 3, 5, 6, 7], NOW)
        assert "updated for" in store_documents(store, data, [9, 10], "2026-01-06T00:00:00Z")[0]
        for document, damage in ((11, "edited"), (13, "cut short"), (14, "in step")):
            if damage == "edited":
                path.write_bytes(path.read_bytes().replace(b"Russia", b"RUSSIA", 1))
            elif damage == "cut short":
                path.write_bytes(path.read_bytes()[:-20])
            before = dict(product_writes)
            messages = store_documents(store, data, [document, document + 20],
                                       f"2026-01-{document:02d}T00:00:00Z")
            assert any("updated for" in m for m in messages), messages
            how = "spliced" if damage == "in step" else "written"
            assert product_writes[(name, how)] == before.get((name, how), 0) + 1, damage
            observations, checks = full_rebuild(data)
            assert (data / "processed" / "observations.csv").read_bytes() == observations, damage
            assert (data / "processed" / "checks.csv").read_bytes() == checks, damage


def test_an_update_that_fails_is_rolled_back_and_the_tables_rebuilt(tmp_path: Path, monkeypatch):
    from tracker.derived import DerivedStore

    rng = random.Random(9)
    data = tmp_path / "data"
    with LedgerStore.open(data) as store:
        for step in range(2):
            rows = document_claims(rng, step, 0) + document_claims(rng, step + 4, 0)
            new = normalise_claims_frame(pd.DataFrame(rows).drop_duplicates("claim_id"))
            documents = set(zip(new["source_id"], new["snapshot_sha256"]))
            readings = [Reading(*v) for v in zip(new["claim_id"], new["location_id"],
                                                  new["source_id"])]
            plan = plan_history(store.rows_in_scope(new["claim_id"], new["location_id"],
                                                    read_documents=documents),
                                readings, read_documents=documents)
            state = DerivedState.read(data)
            change = LedgerChange(store.csv_sha256, set(plan.added))
            store.apply(added_rows(new, plan, NOW), {}, NOW)
            if step == 1:
                def broken(self, *args, **kwargs):
                    self._db.execute("DELETE FROM checks")  # half done, then a bug
                    raise RuntimeError("a bug in the update")

                monkeypatch.setattr(DerivedStore, "update", broken)
            messages: list[str] = []
            _write_derived(store, data, _Config(), messages.append, state=state, change=change,
                           tables=derived_digests(data))
            DerivedState(ledger_sha256=store.csv_sha256, tables=derived_digests(data),
                         clean=True, reviews_sha256=reviews_digest(data)).write(data)
    assert any("a bug in the update" in m and "rebuilt" in m for m in messages)
    observations, checks = full_rebuild(data)
    assert (data / "processed" / "observations.csv").read_bytes() == observations
    assert (data / "processed" / "checks.csv").read_bytes() == checks


NOW = "2026-01-05T00:00:00Z"
