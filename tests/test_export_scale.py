"""`tracker export` from what the job built and checked: the same bytes as from scratch.

The export reads a ledger whose bytes data/state/derived.json records (the job checked them
before writing them) as stored text, without checking every cell again, and takes
data/processed/observations.csv as the job wrote it when it is up to date with the ledger
and the review log (tracker/export.py export_data_dir). Each output must be byte for byte
what the export writes from the checked ledger and its current view, which is what it does
with no derived.json; a hand-edited ledger is still refused, and stale derived tables are
never used. The benchmark at 200,000 claims is benchmarks/bench_export.py.
"""

from __future__ import annotations

import csv
import io
import json
import re
import shutil
import sqlite3
from pathlib import Path

import pandas as pd
import pytest
from click.testing import CliRunner

from conftest import as_stored, curated_row, write_curated
from tracker.cli import cli
from tracker.export import (
    _FORMULA_START,
    _StoredLedger,
    _descriptor_json,
    _load_for_export,
    _maybe_formula_records,
    _read_records,
)
from tracker.ledger import read_claims, write_claims
from tracker.ledger_file import ledger_digest
from tracker.model import CLAIM_COLUMNS
from tracker.pipeline import DerivedState
from tracker.review.log import LOG_PATH, Decision, append_decision
from tracker.view import reading_fields

NOW = {"TRACKER_NOW": "2026-01-02T08:00:00Z"}

# Machine-read figures (one per article) and curated rows whose text a spreadsheet would
# run, in every way neutralise_formula knows, and text that it must leave alone.
ARTICLES = {
    "july.txt": ("2025-08-03", "Kyiv, 2 August. Russian troops seized 310 square kilometres in "
                 "Ukraine in July 2025, according to an AFP analysis of ISW data.\n"),
    "august.txt": ("2025-09-02", "Kyiv, 1 September. Moscow's army took 388 square kilometres of "
                   "land in Ukraine in August 2025, according to AFP calculations based on ISW "
                   "maps.\n"),
    "september.txt": ("2025-10-02", "Kyiv, 1 October. Russia seized 433 square kilometres in "
                      "Ukraine during September 2025, AFP said after analysing data from the "
                      "Institute for the Study of War.\n"),
    "october.txt": ("2025-11-02", "Kyiv, 1 November. Russian forces captured 512 square "
                    "kilometres of Ukrainian territory in October 2025, according to an "
                    "analysis of ISW data by AFP.\n"),
    "regions.txt": ("2025-11-20", "Kyiv, 20 November. Russia now controls 70 % of the Donetsk, "
                    "Zaporizhzhia and Kherson regions, according to ISW.\n"),
}
CURATED = [
    dict(value="701", quote='=HYPERLINK("http://evil.example")', publisher="@online.ua"),
    dict(value="650", url="https://example.org/b", attribution="-Black Bird Group",
         quote='He said "about 650", then, a week later, more'),
    dict(metric="share_controlled_pct", value="19.25", period_start="", period_end="",
         as_of="2026-01-01", url="https://example.org/c", quote="Росія окупує 19,25% території",
         publisher="＝SUM(A1)"),
    dict(metric="area_controlled_km2", value="108651", period_start="", period_end="",
         as_of="2025-11-30", url="https://example.org/d", publisher=" +7 km2",
         quote="\u200b=1+1"),
    dict(metric="net_area_gained_km2", value="-37", url="https://example.org/e",
         quote="+37 lost, net", publisher="Example, Inc."),
]


def _invoke(*args: str):
    return CliRunner().invoke(cli, list(args), env=NOW)


def _ingest(root: Path) -> None:
    result = _invoke("ingest", "--sources", str(root / "sources.toml"), "--data-dir", str(root / "data"))
    assert result.exit_code == 0, result.output


def _decide(data: Path, row: dict, action: str, **fields: object) -> None:
    append_decision(data, Decision(action=action, claim_id=row["claim_id"],
                                   location_id=row["location_id"], reviewer="Ana Reviewer",
                                   at="2026-01-05T10:00:00Z", reading=reading_fields(row), **fields))


@pytest.fixture(scope="module")
def job_data(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """data/ after the job: ingested, reviewed (confirm, correct, reject), and ingested again,
    so that derived.json records this ledger, these tables and this review log."""
    root = tmp_path_factory.mktemp("job")
    body = '[settings]\ncontact = "test@example.org"\n'
    for name, (published, text) in ARTICLES.items():
        (root / "inputs").mkdir(exist_ok=True)
        (root / "inputs" / name).write_text(text, encoding="utf-8")
        body += (f'\n[[source]]\nid = "{name[:-4]}"\nkind = "article"\npath = "inputs/{name}"\n'
                 f'published = "{published}"\nconflict = "russia-ukraine"\n')
    write_curated(root / "inputs" / "figures.csv", [curated_row(**fields) for fields in CURATED])
    body += '\n[[source]]\nid = "figures"\nkind = "curated"\npath = "inputs/figures.csv"\n'
    (root / "sources.toml").write_text(body, encoding="utf-8")
    _ingest(root)
    data = root / "data"
    rows = read_claims(data / "processed" / "claims.csv").to_dict("records")
    by_value = {float(r["value"]): r for r in rows if r["method"] == "reported"}
    _decide(data, by_value[388.0], "confirm")
    _decide(data, by_value[433.0], "correct", fields={"value": 443.0}, reason="typo in the story")
    _decide(data, by_value[512.0], "reject", reason="-not a monthly figure")
    # One number stating several figures: a decision on one of its readings only.
    shared = [r for r in rows if r["method"] == "reported" and float(r["value"]) == 70.0]
    if shared:
        _decide(data, shared[0], "reject", reason="=several regions in one")
    _ingest(root)  # derived tables brought up to date with the review log
    state = DerivedState.read(data)
    assert state.clean and state.reviews_sha256 and state.ledger_sha256
    return data


@pytest.fixture
def data(job_data: Path, tmp_path: Path) -> Path:
    copy = tmp_path / "data"
    shutil.copytree(job_data, copy)
    return copy


def _export(data: Path, out: Path, *options: str) -> None:
    result = _invoke("export", "--data-dir", str(data), "--out", str(out), *options)
    assert result.exit_code == 0, result.output


def _stored(data: Path) -> bool:
    """Whether the export reads the ledger as stored (the bytes derived.json records)."""
    return isinstance(_load_for_export(data, DerivedState.read(data).ledger_sha256), _StoredLedger)


def _contents(folder: Path) -> dict[str, object]:
    """Every output: CSV and JSON byte for byte, Parquet and SQLite by content."""
    found: dict[str, object] = {}
    for path in sorted(folder.rglob("*")):
        name = str(path.relative_to(folder))
        if path.suffix == ".parquet":
            import pyarrow.parquet as pq

            table = pq.read_table(path)
            found[name] = (table.schema.to_string(show_schema_metadata=True), table.to_pylist())
        elif path.suffix == ".sqlite":
            connection = sqlite3.connect(path)
            try:
                found[name] = list(connection.iterdump())
            finally:
                connection.close()
        elif path.is_file():
            found[name] = path.read_bytes()
    return found


def _from_scratch(data: Path, out: Path, *options: str) -> dict[str, object]:
    """The export of `data` with no record of what the job built: everything checked and
    built again from the ledger (derived.json is put back afterwards)."""
    state = DerivedState.path(data)
    saved = state.read_bytes()
    state.unlink()
    try:
        assert not _stored(data)
        _export(data, out, *options)
    finally:
        state.write_bytes(saved)
    return _contents(out)


@pytest.mark.parametrize("options", [(), ("--reviewed-only",), ("--sqlite", "--parquet"),
                                     ("--reviewed-only", "--sqlite", "--parquet")])
def test_the_export_from_the_job_s_tables_is_the_export_from_scratch(data: Path, tmp_path: Path,
                                                                     options: tuple[str, ...]):
    if "--parquet" in options:
        pytest.importorskip("pyarrow")
    assert _stored(data)
    _export(data, tmp_path / "fast", *options)
    fast = _contents(tmp_path / "fast")
    assert fast == _from_scratch(data, tmp_path / "full", *options)
    claims = list(csv.DictReader(io.StringIO(fast["claims.csv"].decode("utf-8"))))
    statuses = {r["review_status"] for r in claims}
    assert {"confirmed", "corrected"} <= statuses
    assert ("rejected" in statuses) != ("--reviewed-only" in options)
    assert any(r["quote"].startswith("'=") for r in claims) or "--reviewed-only" in options


def test_up_to_date_observations_are_taken_as_the_job_wrote_them(data: Path, tmp_path: Path,
                                                                 monkeypatch: pytest.MonkeyPatch):
    expected = _from_scratch(data, tmp_path / "full")

    def not_again(*args, **kwargs):
        raise AssertionError("observations built again")

    monkeypatch.setattr("tracker.export.build_observations", not_again)
    _export(data, tmp_path / "fast")
    assert _contents(tmp_path / "fast") == expected


def _rewrite_cell(path: Path, column: str, text: str, line: int = 2) -> None:
    rows = list(csv.reader(io.StringIO(path.read_text(encoding="utf-8"), newline="")))
    rows[line - 1][rows[0].index(column)] = text
    buffer = io.StringIO()
    csv.writer(buffer, lineterminator="\n").writerows(rows)
    path.write_text(buffer.getvalue(), encoding="utf-8")


@pytest.mark.parametrize(("column", "text", "where"), [
    ("value", "700", "claims.csv:2, column claim_id"),  # ids no longer hash the row
    ("value", "108,651", "claims.csv:2, column value"),  # a spreadsheet's re-save
    ("as_of", "30/11/2025", "claims.csv:2, column as_of"),
])
def test_a_hand_edited_ledger_is_refused_although_derived_json_is_there(
        data: Path, tmp_path: Path, column: str, text: str, where: str):
    _rewrite_cell(data / "processed" / "claims.csv", column, text)
    assert DerivedState.path(data).exists()
    result = _invoke("export", "--data-dir", str(data), "--out", str(tmp_path / "out"))
    assert result.exit_code == 2, result.output
    assert where in result.stderr and "Traceback" not in result.output
    assert not (tmp_path / "out").exists()


def test_observations_edited_after_the_job_are_not_used(data: Path, tmp_path: Path):
    path = data / "processed" / "observations.csv"
    lines = path.read_bytes().split(b"\n")
    lines[1] = lines[1].replace(b"russia-ukraine", b"edited-by-hand", 1)
    path.write_bytes(b"\n".join(lines))
    checks = data / "processed" / "checks.csv"
    checks.write_bytes(checks.read_bytes().replace(b"\n", b"\r\n"))  # another tool's line ends
    _export(data, tmp_path / "fast")
    assert b"edited-by-hand" not in (tmp_path / "fast" / "observations.csv").read_bytes()
    assert _contents(tmp_path / "fast") == _from_scratch(data, tmp_path / "full")


def test_a_decision_taken_after_the_job_is_in_the_observations(data: Path, tmp_path: Path):
    rows = read_claims(data / "processed" / "claims.csv").to_dict("records")
    [july] = [r for r in rows if r["method"] == "reported" and float(r["value"]) == 310.0]
    _decide(data, july, "reject", reason="not what the story says")
    _export(data, tmp_path / "fast")
    fast = _contents(tmp_path / "fast")
    assert july["claim_id"].encode() not in fast["observations.csv"]
    assert fast == _from_scratch(data, tmp_path / "full")


# --- the stored path against text that is hard to carry ----------------------------------------

HOSTILE = ["a\rb", "c\r\nd", "e\nf", "nul\x00here", "\x85next line", "line\u2028sep",
           '"quoted", with comma', '""', " leading and trailing ", "=1+1", "+7", "-x", "@SUM(A1)",
           "\t=1", "\r=1", " =1", "\u200b=1", "\ufeff+1", "＝1", "﹢1", "a=b", "é€😀", "",
           "Росія, 19,25%", "trailing,", ",leading"]


def _hostile_ledger(data: Path) -> pd.DataFrame:
    rows = []
    for number, text in enumerate(HOSTILE):
        row = {name: "" for name in CLAIM_COLUMNS}
        row.update(conflict="russia-ukraine",
                   metric="area_gained_km2" if number % 3 else "net_area_gained_km2",
                   value=100.0 + number if number % 3 else -(number + 0.25), actor="Russia",
                   territory="Ukraine", qualifier="exact", method="reported" if number % 2 else "curated",
                   period_start="2025-11-01", period_end="2025-11-30", source_id=f"s{number % 4}",
                   url=f"https://example.org/{number}" if number % 5 else "",
                   quote=text, title=text, publisher=text, confidence=0.5 + number / 100 if number % 2 else None,
                   recorded_at=f"2025-12-{1 + number % 3:02d}T08:00:00Z",
                   published_at="2025-12-01")
        # Fields a review can set hold no control character (a decision refuses them).
        plain = re.sub("[\x00-\x1f\x7f-\x9f\u2028\u2029]", "", text)
        row.update(attribution=plain, analyst=plain, definition=plain)
        rows.append(row)
    frame = as_stored(pd.DataFrame(rows))
    # Several readings of one place (one number stating several figures), read at different
    # times, and the history of a place read again: superseded and retracted rows.
    frame["location_id"] = ""
    frame.loc[[1, 3, 5], "location_id"] = "0123456789abcdef"
    frame.loc[[2, 4], "location_id"] = "fedcba9876543210"
    frame.loc[2, ["status", "superseded_by", "status_at"]] = ["superseded", frame.loc[4, "claim_id"],
                                                             "2025-12-03T08:00:00Z"]
    frame.loc[6, ["status", "status_at"]] = ["retracted", "2025-12-04T08:00:00Z"]
    path = data / "processed" / "claims.csv"
    write_claims(path, frame)
    ledger = read_claims(path)
    by_id = ledger.set_index("claim_id")
    records = {r["claim_id"]: r for r in ledger.to_dict("records")}
    _decide(data, records[frame.loc[1, "claim_id"]], "confirm")
    _decide(data, records[frame.loc[3, "claim_id"]], "correct",
            fields={"value": 5.5, "attribution": "=corrected"}, reason="@reason")
    _decide(data, records[frame.loc[7, "claim_id"]], "reject", reason="-no")
    _decide(data, records[frame.loc[9, "claim_id"]], "correct", fields={"period_end": "2025-11-29"})
    assert len(by_id) == len(HOSTILE)
    # What the job records once it has checked and written this ledger (no derived tables).
    DerivedState(ledger_sha256=ledger_digest(path.read_bytes()), clean=True).write(data)
    return frame


@pytest.mark.parametrize("options", [(), ("--reviewed-only",), ("--sqlite",)])
def test_hard_text_goes_through_the_stored_path_as_through_the_checked_one(
        tmp_path: Path, options: tuple[str, ...]):
    data = tmp_path / "data"
    _hostile_ledger(data)
    _, records = _read_records(data / "processed" / "claims.csv", CLAIM_COLUMNS)
    assert records is not None and len(records) == len(HOSTILE)
    assert any(b"\n" in record for record in records)  # some span several lines
    assert _stored(data)
    _export(data, tmp_path / "fast", *options)
    fast = _contents(tmp_path / "fast")
    assert fast == _from_scratch(data, tmp_path / "full", *options)
    history = list(csv.DictReader(io.StringIO(fast["history.csv"].decode("utf-8"), newline="")))
    assert len(history) == len(HOSTILE) and "'=1+1" in {r["quote"] for r in history}
    assert {"a\rb", "c\r\nd", "e\nf"} <= {r["quote"] for r in history}


def test_checks_from_the_job_are_filtered_and_ordered_as_from_scratch(data: Path, tmp_path: Path):
    rows = read_claims(data / "processed" / "claims.csv").to_dict("records")
    [september] = [r for r in rows if r["method"] == "reported" and float(r["value"]) == 433.0]
    # A rejection after the job: its check is left out without rebuilding checks.csv.
    _decide(data, september, "reject", reason="no")
    for options in ((), ("--reviewed-only",)):
        out = tmp_path / ("fast" + "".join(options))
        _export(data, out, *options)
        fast = _contents(out)
        assert september["claim_id"].encode() not in fast["checks.csv"]
        assert fast == _from_scratch(data, tmp_path / ("full" + "".join(options)), *options)


# --- pieces ----------------------------------------------------------------------------------


def test_no_cell_a_spreadsheet_would_run_is_missed():
    """A stored record is written as it is only when no cell of it may need neutralising:
    every character that can start a formula is caught, quoted or not, in any column."""
    starts = [chr(code) for code in range(0x110000)
              if not 0xD800 <= code < 0xE000 and _FORMULA_START.match(chr(code) + "=")]
    assert len(starts) > 30
    records = []
    for start in starts:
        cell = start + "=1"
        records += [f"abc,{cell},x".encode(), f'abc,"{cell}, quoted",x'.encode(),
                    f"{cell},x".encode(), f'"a, b",{cell}'.encode()]
    assert all(_maybe_formula_records(records))
    clean = [b'abc,"x, =1 -2",def', b"abc,def,", b'"a ""=b""",c', "Росія,é€".encode()] * 300
    assert not any(_maybe_formula_records(clean))


@pytest.mark.parametrize("sources", [
    [], [{}], [{"title": "Insider Paper"}, {"title": "x", "path": "https://example.org/\u2028\"a\""}],
    [{"title": t, "path": f"sources.toml#{t}"} for t in ("é€😀", "\x00\x1f", "\\", "a" * 300)],
])
def test_the_descriptor_is_laid_out_as_json_lays_it_out(sources: list[dict]):
    descriptor = {"profile": "tabular-data-package", "resources": [{"name": "claims", "n": 1}],
                  "sources": sources}
    expected = (json.dumps(descriptor, indent=2, ensure_ascii=False) + "\n").encode("utf-8")
    assert _descriptor_json(descriptor) == expected


def test_the_review_log_changing_while_read_means_no_reuse(data: Path, tmp_path: Path,
                                                           monkeypatch: pytest.MonkeyPatch):
    """A decision appended between the two readings of the review log's digest: the
    observations are built again from the decisions that were read."""
    import tracker.pipeline

    digests = iter(["before", "after"])
    real = tracker.pipeline.reviews_digest
    monkeypatch.setattr(tracker.pipeline, "reviews_digest",
                        lambda data_dir: next(digests, None) or real(data_dir))
    built = []
    import tracker.export

    real_build = tracker.export.build_observations
    monkeypatch.setattr(tracker.export, "build_observations",
                        lambda *a, **k: built.append(1) or real_build(*a, **k))
    _export(data, tmp_path / "fast")
    assert built
    assert (data / LOG_PATH).exists()
