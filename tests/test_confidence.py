"""The `confidence` column: not part of a claim's identity, a probability in the schema,
carried by the ledger, `tracker extract` and the exports; and ledgers written before the
column existed, read with it empty and rewritten in the current layout at the next write."""

from __future__ import annotations

import csv
import io
import json
import sqlite3
from pathlib import Path

import pandas as pd
import pytest
from click.testing import CliRunner

from conftest import as_stored, curated_row, write_curated
from tracker.cli import cli
from tracker.ledger import read_claims, write_claims
from tracker.ledger_file import OLDER_LAYOUTS, LedgerError, load_ledger_file
from tracker.model import CLAIM_COLUMNS, FLOAT_COLUMNS, Claim, claim_id
from tracker.schemas import split_valid

NOW = {"TRACKER_NOW": "2026-01-02T03:04:05Z"}

# The ledger's header before `confidence` was added, written out here on its own (not taken
# from the code under test): the layout of every ledger stored until then.
OLD_HEADER = ["claim_id", "conflict", "metric", "value", "value_min", "value_max", "qualifier",
              "qualifier_text", "value_original", "unit_original", "alt_value_original",
              "alt_unit_original", "actor", "territory", "period_start", "period_end", "as_of",
              "period_text", "attribution", "analyst", "data_producer", "publisher", "url",
              "title", "authors", "published_at", "retrieved_at", "quote", "number_start",
              "number_end", "method", "definition", "source_id", "snapshot_sha256",
              "extractor_version", "flags"]


def invoke(*args: str):
    return CliRunner().invoke(cli, list(args), env=NOW)


def gain(**fields) -> dict:
    claim = Claim(conflict="russia-ukraine", metric="area_gained_km2", value=500.0, actor="Russia",
                  territory="Ukraine", period_start="2025-11-01", period_end="2025-11-30",
                  attribution="AFP analysis of ISW data", url="https://example.org/a",
                  quote="Russian forces seized about 500 square kilometres")
    row = claim.to_dict()
    row.update(fields)
    return row


# --- the column ---------------------------------------------------------------------------------


def test_confidence_is_a_float_column_and_not_part_of_the_claim_id():
    assert "confidence" in CLAIM_COLUMNS and "confidence" in FLOAT_COLUMNS
    assert Claim().confidence is None
    ids = {claim_id(gain(confidence=value)) for value in (None, 0.0, 0.31, 0.97, 1.0)}
    assert len(ids) == 1  # a better model re-reading the text keeps the same citation
    assert claim_id(gain(value=501.0)) not in ids


@pytest.mark.parametrize("value, ok", [(None, True), (0.0, True), (0.42, True), (1.0, True),
                                       (1.5, False), (-0.01, False), (float("inf"), False)])
def test_the_schema_holds_confidence_to_a_probability(value, ok):
    good, bad = split_valid(as_stored(pd.DataFrame([gain(confidence=value)])))
    assert (len(good), len(bad)) == ((1, 0) if ok else (0, 1))
    if not ok:
        assert "confidence" in bad["reason"].iloc[0] or "finite" in bad["reason"].iloc[0]


def test_the_ledger_keeps_confidence_and_refuses_it_mis_written(tmp_path: Path):
    path = tmp_path / "claims.csv"
    frame = as_stored(pd.DataFrame([gain(confidence=0.42), gain(value=600.0, confidence=None)]))
    write_claims(path, frame)
    header, *rows = list(csv.reader(io.StringIO(path.read_text(encoding="utf-8"))))
    assert header == list(CLAIM_COLUMNS)
    assert sorted(row[header.index("confidence")] for row in rows) == ["", "0.42"]
    back = read_claims(path).set_index("value")
    assert back.loc[500.0, "confidence"] == 0.42 and pd.isna(back.loc[600.0, "confidence"])
    # Written as a spreadsheet in a comma-decimal locale would: refused, never coerced.
    text = path.read_text(encoding="utf-8")
    path.write_text(text.replace(",0.42,", ',"0,42",'), encoding="utf-8")
    with pytest.raises(LedgerError, match="confidence"):
        read_claims(path)
    path.write_text(text.replace(",0.42,", ",1.5,"), encoding="utf-8")
    with pytest.raises(LedgerError, match="probability between 0 and 1"):
        read_claims(path)


def test_a_curated_file_cannot_set_confidence(project: Path):
    path = project / "inputs" / "figures.csv"
    text = path.read_text(encoding="utf-8").splitlines()
    path.write_text("\n".join([text[0] + ",confidence"] + [line + ",0.9" for line in text[1:]]) + "\n",
                    encoding="utf-8")
    result = invoke("ingest", "--sources", str(project / "sources.toml"), "--data-dir", str(project / "data"))
    assert result.exit_code == 1 and "unknown column(s): confidence" in result.output


def test_extract_prints_confidence_in_every_format(tmp_path: Path):
    article = tmp_path / "a.txt"
    article.write_text("Russian forces seized about 500 square kilometres of Ukrainian territory in "
                       "November, according to an AFP analysis of ISW data.", encoding="utf-8")
    base = ["extract", str(article), "--published", "2025-12-03", "--language", "en"]
    jsonl = invoke(*base, "--format", "jsonl")
    records = [json.loads(line) for line in jsonl.stdout.splitlines()]
    assert records and all("confidence" in r for r in records)
    assert all(r["confidence"] is None or 0 <= r["confidence"] <= 1 for r in records)
    table = list(csv.reader(io.StringIO(invoke(*base, "--format", "csv").stdout)))
    assert table[0] == ["doc_id", *CLAIM_COLUMNS] and len(table) == len(records) + 1
    lines = invoke(*base).stdout.splitlines()
    assert len(lines) == len(records)


def test_exports_describe_and_carry_confidence(tmp_path: Path):
    from tracker.export import export_all

    frame = as_stored(pd.DataFrame([gain(confidence=0.875, method="reported"),
                                    gain(value=600.0, method="curated")]))
    export_all(frame, tmp_path, sqlite=True)
    exported = pd.read_csv(tmp_path / "claims.csv").set_index("value")
    assert exported.loc[500.0, "confidence"] == 0.875 and pd.isna(exported.loc[600.0, "confidence"])
    package = json.loads((tmp_path / "datapackage.json").read_text(encoding="utf-8"))
    [claims] = [r for r in package["resources"] if r["name"] == "claims"]
    [field] = [f for f in claims["schema"]["fields"] if f["name"] == "confidence"]
    assert field["type"] == "number" and "every field" in field["description"]
    with sqlite3.connect(tmp_path / "territorial_figures.sqlite") as db:
        types = {row[1]: row[2] for row in db.execute("PRAGMA table_info(claims)")}
        assert types["confidence"] == "REAL"
        assert sorted(db.execute("SELECT confidence FROM claims"), key=str) == [(0.875,), (None,)]


# --- ledgers written before the column existed -----------------------------------------------


HISTORY_COLUMNS = ("location_id", "recorded_at", "status", "status_at", "superseded_by")


def test_the_older_layouts_are_exactly_the_previous_column_lists():
    assert OLDER_LAYOUTS == (tuple(OLD_HEADER), tuple(OLD_HEADER) + ("confidence",))
    assert [c for c in CLAIM_COLUMNS if c not in ("confidence",) + HISTORY_COLUMNS] == OLD_HEADER
    assert CLAIM_COLUMNS[-len(HISTORY_COLUMNS) - 1:] == ("confidence",) + HISTORY_COLUMNS


def write_old_ledger(path: Path, rows: list[dict]) -> bytes:
    """A ledger as the tracker wrote it before `confidence`: the old header, no such cell."""
    buffer = io.StringIO()
    writer = csv.writer(buffer, lineterminator="\n")
    writer.writerow(OLD_HEADER)
    for row in rows:
        writer.writerow(["" if row.get(name) is None else row[name] for name in OLD_HEADER])
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_bytes(buffer.getvalue().encode("utf-8"))
    return path.read_bytes()


def _old_rows_of(ledger_path: Path) -> list[dict]:
    """The rows of a current ledger as plain text cells, keyed by column."""
    with ledger_path.open(encoding="utf-8", newline="") as handle:
        return list(csv.DictReader(handle))


@pytest.fixture
def old_project(project: Path) -> Path:
    """The curated project after one ingest, its ledger replaced by the old layout."""
    assert invoke("ingest", "--sources", str(project / "sources.toml"),
                  "--data-dir", str(project / "data")).exit_code == 0
    path = project / "data" / "processed" / "claims.csv"
    rows = _old_rows_of(path)
    assert all(row["confidence"] == "" for row in rows)
    write_old_ledger(path, rows)
    return project


def test_an_old_ledger_is_read_with_confidence_empty(old_project: Path):
    path = old_project / "data" / "processed" / "claims.csv"
    old = path.read_bytes()
    assert old.split(b"\n", 1)[0].decode() == ",".join(OLD_HEADER)
    ledger = load_ledger_file(path)
    assert ledger.older_layout and len(ledger.rows) == 2
    assert all(len(row) == len(CLAIM_COLUMNS) and row[-1] == "" for row in ledger.rows)
    claims = read_claims(path)
    assert list(claims.columns) == list(CLAIM_COLUMNS) and claims["confidence"].isna().all()
    result = invoke("validate", "--data-dir", str(old_project / "data"))
    assert result.exit_code == 0 and "2 claim(s), 0 failing" in result.stderr
    assert "before the `confidence` or the history columns" in result.stderr
    out = old_project / "reports"
    assert invoke("export", "--data-dir", str(old_project / "data"), "--out", str(out / "export")).exit_code == 0
    exported = pd.read_csv(out / "export" / "claims.csv")
    assert "confidence" in exported.columns and exported["confidence"].isna().all()
    assert path.read_bytes() == old  # reading never rewrites


def test_an_old_ledger_is_rewritten_in_the_new_layout_at_the_next_ingest(old_project: Path):
    path = old_project / "data" / "processed" / "claims.csv"
    old_rows = _old_rows_of(path)
    args = ("ingest", "--sources", str(old_project / "sources.toml"), "--data-dir", str(old_project / "data"))
    result = invoke(*args)
    assert result.exit_code == 0, result.output
    assert "older column layout" in result.stderr
    ledger = load_ledger_file(path)
    assert not ledger.older_layout
    header = path.read_text(encoding="utf-8").split("\n", 1)[0]
    assert header == ",".join(CLAIM_COLUMNS)
    new_rows = _old_rows_of(path)
    added = ("confidence",) + HISTORY_COLUMNS
    assert [{k: v for k, v in row.items() if k not in added} for row in new_rows] == old_rows
    assert all(row["confidence"] == "" and row["recorded_at"] == "" for row in new_rows)
    assert all(row["status"] == "active" and len(row["location_id"]) == 16 for row in new_rows)
    migrated = path.read_bytes()
    assert invoke(*args).exit_code == 0
    assert path.read_bytes() == migrated  # and then stays as it is
    assert invoke("validate", "--data-dir", str(old_project / "data")).stderr.count("before the") == 0


def test_a_damaged_old_ledger_is_repaired_into_the_new_layout(old_project: Path):
    path = old_project / "data" / "processed" / "claims.csv"
    rows = _old_rows_of(path)
    rows[0]["value"] = "108,651"  # a spreadsheet re-save
    write_old_ledger(path, rows)
    assert invoke("validate", "--data-dir", str(old_project / "data")).exit_code == 2
    result = invoke("repair", "--sources", str(old_project / "sources.toml"),
                    "--data-dir", str(old_project / "data"))
    assert result.exit_code == 0, result.output
    ledger = load_ledger_file(path)
    assert not ledger.older_layout and len(ledger.rows) == 2


@pytest.mark.parametrize("header", [
    OLD_HEADER[:-1],  # the old layout without its last column
    OLD_HEADER[:3] + [OLD_HEADER[4], OLD_HEADER[3]] + OLD_HEADER[5:],  # two columns swapped
    OLD_HEADER[:-1] + ["confidence", "flags"],  # the new column, somewhere else
    OLD_HEADER + ["confidence", "x"],  # one too many
    ["claim_id"] + OLD_HEADER,  # a column named twice
])
def test_any_other_header_is_still_refused(tmp_path: Path, header: list[str]):
    path = tmp_path / "data" / "processed" / "claims.csv"
    path.parent.mkdir(parents=True)
    path.write_text(",".join(header) + "\n", encoding="utf-8")
    with pytest.raises(LedgerError, match="header"):
        load_ledger_file(path)
    result = invoke("validate", "--data-dir", str(tmp_path / "data"))
    assert result.exit_code == 2 and "header" in result.output


def test_an_old_ledger_that_is_otherwise_damaged_is_refused_with_its_line(tmp_path: Path):
    path = tmp_path / "claims.csv"
    row = as_stored(pd.DataFrame([gain()])).iloc[0].to_dict()
    row["value"] = "500"
    write_old_ledger(path, [row])
    assert len(load_ledger_file(path).rows) == 1
    row["value"] = "5,00"
    write_old_ledger(path, [row])
    with pytest.raises(LedgerError, match=r"claims.csv:2, column value"):
        load_ledger_file(path)


def test_an_old_ledger_beside_new_curated_rows(project: Path):
    """New figures arriving while the ledger is old: both kept, in the new layout."""
    assert invoke("ingest", "--sources", str(project / "sources.toml"),
                  "--data-dir", str(project / "data")).exit_code == 0
    path = project / "data" / "processed" / "claims.csv"
    write_old_ledger(path, _old_rows_of(path))
    write_curated(project / "inputs" / "figures.csv", [
        curated_row(), curated_row(value="650", url="https://example.org/b")])
    result = invoke("ingest", "--sources", str(project / "sources.toml"), "--data-dir",
                    str(project / "data"))
    assert result.exit_code == 0, result.output
    ledger = load_ledger_file(path)
    assert not ledger.older_layout and len(ledger.rows) == 3
