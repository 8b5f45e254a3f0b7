"""An unchanged run does not read local article files again (tracker/localfiles.py): a file
whose size, modification time, inode and type are those it had when stored is skipped; any
change to them, a lost stored copy, a damaged cache or a re-deriving run reads it again."""

from __future__ import annotations

import json
import os
import time
from pathlib import Path

from click.testing import CliRunner

from tracker.cli import cli
from tracker.ledger import read_claims

SENTENCE = ("Kyiv, {day} March. Russian forces seized about {km2} square kilometres of Ukrainian "
            "territory in February, according to an AFP analysis of ISW data.\n")


def project(folder: Path) -> Path:
    (folder / "desk").mkdir(parents=True)
    for day, km2 in ((2, 431), (3, 432)):
        path = folder / "desk" / f"{day}.txt"
        path.write_text(SENTENCE.format(day=day, km2=km2), encoding="utf-8")
        old = time.time() - 60  # older than the racy window
        os.utime(path, (old, old))
    (folder / "sources.toml").write_text(
        '[settings]\ncontact = "t@example.org"\n\n[[source]]\nid = "desk"\nkind = "article"\n'
        'path = "desk"\npublished = "2025-03-03"\nconflict = "russia-ukraine"\nlanguage = "en"\n',
        encoding="utf-8")
    return folder


def ingest(folder: Path):
    result = CliRunner().invoke(cli, ["ingest", "--sources", str(folder / "sources.toml"),
                                      "--data-dir", str(folder / "data")])
    assert result.exit_code == 0, result.output
    return result


def values(folder: Path) -> list[float]:
    return sorted(read_claims(folder / "data" / "processed" / "claims.csv")["value"])


def rewrite_keeping_signature(path: Path, text: str) -> None:
    """New bytes of the same size with the old modification time: what the cache cannot see
    (and what it therefore proves it did not read)."""
    info = os.stat(path)
    with open(path, "r+", encoding="utf-8") as handle:
        handle.write(text)
    os.utime(path, ns=(info.st_atime_ns, info.st_mtime_ns))


def test_an_unchanged_file_is_not_read_again(tmp_path: Path):
    folder = project(tmp_path)
    ingest(folder)
    cache = json.loads((folder / "data" / "state" / "local_files.json").read_text())
    assert sorted(cache["desk"]) == ["desk/2.txt", "desk/3.txt"]
    rewrite_keeping_signature(folder / "desk" / "2.txt", SENTENCE.format(day=2, km2=999))
    ingest(folder)
    assert values(folder) == [431, 432]  # the file was not read: the cache trusted its stat


def test_a_changed_file_is_read_again(tmp_path: Path):
    folder = project(tmp_path)
    ingest(folder)
    path = folder / "desk" / "2.txt"
    path.write_text(SENTENCE.format(day=2, km2=477), encoding="utf-8")
    old = time.time() - 30
    os.utime(path, (old, old))
    ingest(folder)
    assert 477 in values(folder)


def test_a_lost_stored_copy_a_damaged_cache_or_a_rederiving_run_read_it_again(tmp_path: Path):
    folder = project(tmp_path)
    ingest(folder)
    path = folder / "desk" / "2.txt"
    rewrite_keeping_signature(path, SENTENCE.format(day=2, km2=911))
    cache = folder / "data" / "state" / "local_files.json"
    cache.write_text("{not json", encoding="utf-8")
    ingest(folder)
    assert 911 in values(folder)
    rewrite_keeping_signature(path, SENTENCE.format(day=2, km2=922))
    (folder / "data" / "state" / "derived.json").unlink()  # nothing derived trusted: re-derive
    ingest(folder)
    assert 922 in values(folder)


def test_a_file_modified_just_now_is_not_remembered(tmp_path: Path):
    folder = project(tmp_path)
    path = folder / "desk" / "2.txt"
    path.write_text(SENTENCE.format(day=2, km2=455), encoding="utf-8")  # mtime: now
    ingest(folder)
    cache = json.loads((folder / "data" / "state" / "local_files.json").read_text())
    assert list(cache["desk"]) == ["desk/3.txt"]
