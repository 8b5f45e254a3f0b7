from __future__ import annotations

import hashlib
import json
from pathlib import Path

import pytest

from tracker.store import JobLock, RawStore, StoreError, atomic_write_bytes, write_if_changed


def test_raw_bytes_kept_once_by_hash_with_first_retrieval_time(tmp_path: Path):
    store = RawStore(tmp_path)
    payload = b"\x00exact bytes\xff"
    first = store.put("src", payload, origin="u", content_type="text/plain", retrieved_at="2026-01-01T00:00:00Z")
    again = store.put("src", payload, origin="u", content_type="text/plain", retrieved_at="2026-02-01T00:00:00Z")
    assert first == again and first.sha256 == hashlib.sha256(payload).hexdigest()
    assert (tmp_path / first.path).read_bytes() == payload
    sidecar = json.loads((tmp_path / "raw" / "src" / f"{first.sha256}.meta.json").read_text())
    assert sidecar["retrieved_at"] == "2026-01-01T00:00:00Z" and sidecar["size_bytes"] == len(payload)
    assert store.records("src") == [first]


def test_damaged_sidecar_is_rewritten(tmp_path: Path):
    store = RawStore(tmp_path)
    record = store.put("s", b"abc", origin="o", content_type="text/csv", retrieved_at="t1")
    (tmp_path / "raw" / "s" / f"{record.sha256}.meta.json").write_text("{broken")
    again = store.put("s", b"abc", origin="o", content_type="text/csv", retrieved_at="t2")
    assert again.retrieved_at == "t2" and store.records("s") == [again]


def test_atomic_write_leaves_old_file_when_the_write_fails(tmp_path: Path):
    target = tmp_path / "claims.csv"
    target.write_bytes(b"old")

    with pytest.raises(TypeError):
        atomic_write_bytes(target, object())  # type: ignore[arg-type]
    assert target.read_bytes() == b"old"
    assert [p.name for p in tmp_path.iterdir()] == ["claims.csv"]  # no temp file left behind


def test_write_if_changed_keeps_mtime_of_identical_content(tmp_path: Path):
    target = tmp_path / "t.csv"
    assert write_if_changed(target, b"a\n") is True
    stamp = target.stat().st_mtime_ns
    assert write_if_changed(target, b"a\n") is False and target.stat().st_mtime_ns == stamp


def test_second_job_is_refused_while_one_holds_the_lock(tmp_path: Path):
    with JobLock(tmp_path):
        with pytest.raises(StoreError, match="another tracker job"):
            with JobLock(tmp_path, timeout_s=0.1):
                pass
    with JobLock(tmp_path, timeout_s=0.1):  # released again
        pass


def test_json_payload_and_its_sidecar_do_not_collide(tmp_path: Path):
    store = RawStore(tmp_path)
    payload = b'{"areas": [1, 2]}'
    record = store.put("api", payload, origin="u", content_type="application/json", retrieved_at="t")
    assert (tmp_path / record.path).read_bytes() == payload
    assert store.records("api") == [record] and record.path.endswith(".json")
    assert not record.path.endswith(".meta.json")
