"""Hostile CSV, in and out: curated and table inputs whose quoting is damaged, whose header
names a column twice or whose fields outgrow the csv limit; and exported text cells that a
spreadsheet would run as formulas.

Each input is a real file in a temp folder, read by the real source code; the damaged lines
are written for these tests.
"""

from __future__ import annotations

import csv
from datetime import datetime, timezone
from pathlib import Path

import pandas as pd
import pytest
from click.testing import CliRunner

from tests.conftest import CURATED_HEADER, curated_row
from tracker.cli import cli
from tracker.export import export_claims, neutralise_formula
from tracker.model import Claim
from tracker.sources import Collected, Context, SourceError, load_sources
from tracker.sources import curated, table
from tracker.store import RawStore

NOW = datetime(2026, 1, 2, 3, 4, 5, tzinfo=timezone.utc)
HEADER = ",".join(CURATED_HEADER)


def good_line(value: int) -> str:
    """One well-formed curated row, in CURATED_HEADER order; its last field, the quote, is
    empty, so the line ends with a comma."""
    row = curated_row(value=str(value), url=f"https://example.org/{value}")
    return ",".join(row[name] for name in CURATED_HEADER)


def with_quote(value: int, last_field: str) -> str:
    """A curated row whose quote field is written as `last_field` (quoting included)."""
    return good_line(value) + last_field


def collect(folder: Path, body: str) -> Collected:
    """Write `body` as the curated file of the `project` fixture and read it with the source."""
    (folder / "inputs" / "figures.csv").write_text(body, encoding="utf-8", newline="")
    config = load_sources(folder / "sources.toml")
    context = Context(store=RawStore(folder / "data"), now=NOW, settings=config.settings)
    return curated.collect(config.sources[0], context)


def values(collected: Collected) -> list[float]:
    return [claim.value for claim in collected.claims]


def reasons(collected: Collected) -> dict[str, str]:
    return {reject.origin: reject.reason for reject in collected.rejects}


# --- curated: quotes left open or out of place ---------------------------------------------

def test_an_unclosed_quote_swallows_no_rows_end_to_end(project: Path) -> None:
    # The attack's repro: three rows, the first with a quote left open; before, one row was
    # stored (holding the other two in its quote) and the run exited 0.
    lines = [HEADER, with_quote(701, '"Russia took 701 km2'), good_line(505), good_line(400)]
    (project / "inputs" / "figures.csv").write_text("\n".join(lines) + "\n", encoding="utf-8")
    result = CliRunner().invoke(cli, ["ingest", "--sources", str(project / "sources.toml"),
                                      "--data-dir", str(project / "data")],
                                env={"TRACKER_NOW": "2026-01-02T03:04:05Z"})
    assert result.exit_code == 3, result.output
    assert "inputs/figures.csv:2: quote opened at column" in result.output
    stored = pd.read_csv(project / "data" / "processed" / "claims.csv")
    assert sorted(stored["value"]) == [400.0, 505.0]


def unclosed(value: int) -> str:
    """A row whose last field (the quote) opens a quote and never closes it."""
    return with_quote(value, '"Russia took the town, said ISW')


@pytest.mark.parametrize("position", [1, 2, 3])
def test_an_unclosed_quote_rejects_its_line_only(project: Path, position: int) -> None:
    rows = [good_line(701), good_line(505), good_line(400)]
    rows[position - 1] = unclosed(999)
    collected = collect(project, "\n".join([HEADER, *rows]) + "\n")
    assert 999.0 not in values(collected)
    assert len(collected.claims) == 2
    origin = f"inputs/figures.csv:{position + 1}"
    assert list(reasons(collected)) == [origin]
    column = len(good_line(999)) + 1  # the quote opens the last field
    assert reasons(collected)[origin].startswith(f"quote opened at column {column} is not closed")


def test_an_unclosed_quote_before_a_quote_that_closes_it_swallows_nothing(project: Path) -> None:
    # The csv module pairs the open quote with the first quote of a later row and reads one
    # long field; read line by line, the later rows stay rows.
    later = with_quote(400, '"as ""published"" by ISW"')
    collected = collect(project, "\n".join([HEADER, unclosed(999), good_line(505), later]) + "\n")
    assert sorted(values(collected)) == [400.0, 505.0]
    assert list(reasons(collected)) == ["inputs/figures.csv:2"]
    assert collected.claims[1].quote == 'as "published" by ISW'


def test_a_quoted_field_over_two_lines_is_refused_and_the_next_rows_read(project: Path) -> None:
    first = with_quote(999, '"Russia took the town')
    second = 'and the villages around it, said ISW"'
    collected = collect(project, "\n".join([HEADER, first, second, good_line(505)]) + "\n")
    assert values(collected) == [505.0]
    got = reasons(collected)
    assert set(got) == {"inputs/figures.csv:2", "inputs/figures.csv:3"}
    assert "not closed on this line" in got["inputs/figures.csv:2"]
    assert "quote at column 37 inside a field" in got["inputs/figures.csv:3"]


@pytest.mark.parametrize("last_field, problem", [
    ('"Russia took"the town', "text after the quoted field that closes at column"),
    ('Russia "took" the town', "inside a field that does not start with one"),
    (' "Russia took the town"', "inside a field that does not start with one"),
    ('Russia took 5" of land', "inside a field that does not start with one"),
    ('"', "not closed on this line"),
])
def test_a_misplaced_quote_rejects_its_line(project: Path, last_field: str, problem: str) -> None:
    bad = with_quote(999, last_field)
    collected = collect(project, "\n".join([HEADER, bad, good_line(505)]) + "\n")
    assert values(collected) == [505.0]
    assert problem in reasons(collected)["inputs/figures.csv:2"]


def test_well_quoted_fields_and_crlf_lines_still_read(project: Path) -> None:
    quoted = with_quote(701, '"Russia took 701 km2, ""a record"", said ISW"')
    collected = collect(project, "\r\n".join([HEADER, quoted, good_line(505), ""]))
    assert values(collected) == [701.0, 505.0] and not collected.rejects
    assert collected.claims[0].quote == 'Russia took 701 km2, "a record", said ISW'


def test_a_rejected_line_is_kept_short_in_the_quarantine(project: Path) -> None:
    bad = with_quote(999, '"' + "x" * 50_000)
    collected = collect(project, "\n".join([HEADER, bad, good_line(505)]) + "\n")
    assert len(collected.rejects[0].record) < 3000


# --- curated: the csv field limit ---------------------------------------------------------

def test_a_field_over_the_limit_names_file_and_line(project: Path) -> None:
    huge = with_quote(999, "y" * (curated.MAX_FIELD_CHARS + 10))
    collected = collect(project, "\n".join([HEADER, good_line(701), huge, good_line(505)]) + "\n")
    assert values(collected) == [701.0, 505.0]
    assert "longer than 131072 characters" in reasons(collected)["inputs/figures.csv:3"]


def test_a_field_over_the_limit_with_the_csv_module_at_its_default(project: Path) -> None:
    # Whatever another module did to the process-wide cap, the answer is the same.
    before = csv.field_size_limit(131_072)
    try:
        huge = with_quote(999, '"' + "y" * 140_000 + '"')
        collected = collect(project, "\n".join([HEADER, huge, good_line(505)]) + "\n")
    finally:
        csv.field_size_limit(before)
    assert values(collected) == [505.0]
    assert "longer than 131072 characters" in reasons(collected)["inputs/figures.csv:2"]


def test_an_open_quote_before_more_than_128_kib_of_rows(project: Path) -> None:
    # Before, the open quote read on past the field limit and the whole source failed.
    rows = [good_line(1000 + i) for i in range(2000)]
    body = "\n".join([HEADER, unclosed(999), *rows]) + "\n"
    assert len(body) > 128 * 1024
    collected = collect(project, body)
    assert len(collected.claims) == 2000
    assert list(reasons(collected)) == ["inputs/figures.csv:2"]


# --- curated: the header -----------------------------------------------------------------

@pytest.mark.parametrize("twice", ["url", "value", "quote"])
def test_a_column_named_twice_refuses_the_file(project: Path, twice: str) -> None:
    header = HEADER + "," + twice
    line = good_line(701) + ",https://example.org/wrong"
    with pytest.raises(SourceError, match=f"column\\(s\\) named twice: {twice}"):
        collect(project, "\n".join([header, line]) + "\n")


def test_a_column_named_twice_with_spaces_around_it(project: Path) -> None:
    header = HEADER.replace(",url,", ", url ,") + ",url"
    with pytest.raises(SourceError, match="named twice: url"):
        collect(project, "\n".join([header, good_line(701) + ",x"]) + "\n")


def test_a_header_with_an_open_quote_names_line_one(project: Path) -> None:
    with pytest.raises(SourceError, match=r"figures\.csv:1: header: quote opened at column 1"):
        collect(project, '"conflict,metric\n' + good_line(701) + "\n")


# --- table: the same care ------------------------------------------------------------------

TABLE_SOURCE = ('[settings]\ncontact = "t@example.org"\n\n'
                '[[source]]\nid = "gains"\nkind = "table"\npath = "series.csv"\n'
                'metric = "area_gained_km2"\nactor = "Russia"\nterritory = "Ukraine"\n'
                'columns = { value = "gain", period_start = "month_start", period_end = "month_end" }\n')
TABLE_HEADER = "month_start,month_end,gain,note"


def collect_table(folder: Path, body: str) -> Collected:
    (folder / "series.csv").write_text(body, encoding="utf-8", newline="")
    (folder / "sources.toml").write_text(TABLE_SOURCE, encoding="utf-8")
    config = load_sources(folder / "sources.toml")
    context = Context(store=RawStore(folder / "data"), now=NOW, settings=config.settings)
    return table.collect(config.sources[0], context)


def test_table_a_column_named_twice_is_refused(tmp_path: Path) -> None:
    body = "month_start,month_end,gain,gain\n2025-10-01,2025-10-31,461,5\n"
    with pytest.raises(SourceError, match=r"series\.csv: header: column\(s\) named twice: gain"):
        collect_table(tmp_path, body)


def test_table_a_field_over_the_csv_limit_names_the_line(tmp_path: Path) -> None:
    before = csv.field_size_limit(131_072)
    try:
        body = (f"{TABLE_HEADER}\n2025-10-01,2025-10-31,461,x\n\n"
                f"2025-11-01,2025-11-30,500,{'y' * 140_000}\n")
        with pytest.raises(SourceError, match=r"series\.csv: line 4: a field is longer than the CSV limit"):
            collect_table(tmp_path, body)
    finally:
        csv.field_size_limit(before)


def test_table_an_unclosed_quote_names_its_line(tmp_path: Path) -> None:
    body = (f"{TABLE_HEADER}\n2025-10-01,2025-10-31,461,x\n2025-11-01,2025-11-30,500,\"open\n"
            "2025-12-01,2025-12-31,300,y\n")
    with pytest.raises(SourceError, match=r"series\.csv: line 3: a quote opened in this row is never closed"):
        collect_table(tmp_path, body)


def test_table_a_quote_that_swallows_a_row_is_refused(tmp_path: Path) -> None:
    body = (f"{TABLE_HEADER}\n2025-10-01,2025-10-31,\"461,x\n"
            "2025-11-01,2025-11-30,500,x\"\n2025-12-01,2025-12-31,300,y\n")
    with pytest.raises(SourceError, match=r"line 2: a quoted field runs on to line 3 .* 3 fields, expected 4"):
        collect_table(tmp_path, body)


def test_table_text_after_a_closing_quote_names_its_line(tmp_path: Path) -> None:
    body = f"{TABLE_HEADER}\n2025-10-01,2025-10-31,461,\"a\"b\n"
    with pytest.raises(SourceError, match=r"series\.csv: line 2: not readable as CSV"):
        collect_table(tmp_path, body)


def test_table_a_quoted_line_break_that_keeps_the_row_whole_still_reads(tmp_path: Path) -> None:
    body = (f"{TABLE_HEADER}\n2025-10-01,2025-10-31,461,\"two\nlines\"\n\n"
            "2025-11-01,2025-11-30,500,x\n2025-12-01,2025-12-31,a lot,y\n")
    collected = collect_table(tmp_path, body)
    assert [c.value for c in collected.claims] == [461.0, 500.0]
    # rows keep the number of the line where they end, as before
    assert [r.origin for r in collected.rejects] == ["series.csv#6"]


# --- export: the formula guard -------------------------------------------------------------

HOSTILE_CELLS = [
    " =1+1",  # a leading space, trimmed by the spreadsheet
    "  +SUM(A1:A9)",
    "\u00a0=1+1",  # a no-break space
    "\u3000=1+1",  # an ideographic space
    "\uff1d1+1",  # full-width equals
    "\uff0b1+1",  # full-width plus
    "\uff0d1+1",  # full-width minus
    "\uff20SUM(A1)",  # full-width at
    "\ufe661+1",  # small equals
    "\u200b=1+1",  # zero-width space
    "\u200c=1+1",  # zero-width non-joiner
    "\u200d@SUM(A1)",  # zero-width joiner
    "\u2060-1+1",  # word joiner
    "\ufeff=1+1",  # byte order mark
    "\u200e+1",  # left-to-right mark
    "\u200b \uff1d1",  # invisible, space, full-width equals
    "\t1+1",  # a leading tab
    "\r1+1",  # a leading carriage return
    "\t=1+1",
    "\r\n=1+1",
    "\n=1+1",
]


@pytest.mark.parametrize("text", HOSTILE_CELLS)
def test_a_cell_a_spreadsheet_would_run_gets_an_apostrophe(text: str) -> None:
    assert neutralise_formula(text) == "'" + text


@pytest.mark.parametrize("text", ["Russia", " Russia", "a=b", "1-2 km", "\u200bRussia", "19,25%", ""])
def test_harmless_cells_are_left_alone(text: str) -> None:
    assert neutralise_formula(text) == text


def test_exported_claims_keep_every_hostile_quote_as_text(tmp_path: Path) -> None:
    rows = []
    for i, text in enumerate(HOSTILE_CELLS):
        row = Claim(conflict="russia-ukraine", metric="area_gained_km2", actor="Russia",
                    territory="Ukraine").to_dict()
        row.update(claim_id=f"c{i:02d}", value=100 + i, quote=text)
        rows.append(row)
    [path] = export_claims(pd.DataFrame(rows), tmp_path)
    with path.open(encoding="utf-8", newline="") as stream:
        read = {r["claim_id"]: r["quote"] for r in csv.DictReader(stream)}
    assert [read[f"c{i:02d}"] for i in range(len(HOSTILE_CELLS))] == ["'" + t for t in HOSTILE_CELLS]
