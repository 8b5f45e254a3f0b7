"""The ledger and its derived tables against hostile content, damage and stale state.

Each family of attack that once lost or corrupted data is a test here, with its repro as
the fixture: a carriage return from a feed, a ledger re-saved or cut short by another
tool, derived tables left stale by a crash, an empty or mistyped data folder, a chart
footer with hundreds of publishers.
"""

from __future__ import annotations

import csv
import os
import io
import json
import shutil
from pathlib import Path

import pytest
from click.testing import CliRunner
from pytest_httpserver import HTTPServer
from werkzeug import Response

from conftest import curated_row, write_curated
from test_job import ARTICLE, SETTINGS, item, rss
from tracker.cli import cli
from tracker.ledger import read_claims, write_claims
from tracker.ledger_file import LedgerError, load_ledger_file
from tracker.model import CLAIM_COLUMNS

NOW = {"TRACKER_NOW": "2026-01-02T03:04:05Z"}
FIGURE = ("Russian troops took about {km2} square kilometres of Ukrainian land in November, "
          "according to an AFP review of ISW maps.")


def invoke(*args: str, env: dict | None = None):
    return CliRunner().invoke(cli, list(args), env=env or NOW)


def ingest(folder: Path):
    return invoke("ingest", "--sources", str(folder / "sources.toml"), "--data-dir", str(folder / "data"))


def ledger_path(folder: Path) -> Path:
    return folder / "data" / "processed" / "claims.csv"


def files_under(folder: Path) -> dict[str, bytes]:
    return {str(p.relative_to(folder)): p.read_bytes() for p in sorted(folder.rglob("*")) if p.is_file()}


# --- 1. content a source sends ---------------------------------------------------------------


def test_a_carriage_return_in_a_feed_title_cannot_split_a_ledger_row(tmp_path: Path,
                                                                     httpserver: HTTPServer):
    for name, km2 in (("first", 505), ("second", 610)):
        httpserver.expect_request(f"/{name}").respond_with_data(
            ARTICLE.format(title=name, body=FIGURE.format(km2=km2)), content_type="text/html")
    entries = [item("Part one&#13;part two", httpserver.url_for("/first"))]
    httpserver.expect_request("/feed.xml").respond_with_handler(
        lambda request: Response(rss(*entries), content_type="application/rss+xml"))
    (tmp_path / "sources.toml").write_text(
        SETTINGS + f'[[source]]\nid = "wire"\nkind = "feed"\nurl = "{httpserver.url_for("/feed.xml")}"\n'
                   'conflict = "russia-ukraine"\n', encoding="utf-8")
    assert ingest(tmp_path).exit_code == 0
    first = load_ledger_file(ledger_path(tmp_path))
    [title] = {row[CLAIM_COLUMNS.index("title")] for row in first.rows}
    assert title == "Part one\npart two"  # the control character became a plain line end
    entries.append(item("Another&#13;title\x0b", httpserver.url_for("/second")))
    second = ingest(tmp_path)
    assert second.exit_code == 0, second.output
    rows = load_ledger_file(ledger_path(tmp_path)).rows  # checked: ids match content
    assert len(rows) == 2 and not any(r[0] == "part two" for r in rows)
    assert set(map(tuple, first.rows)) <= set(map(tuple, rows))  # the first row is intact
    assert invoke("validate", "--data-dir", str(tmp_path / "data")).exit_code == 0


def test_every_text_cell_survives_the_ledger_byte_for_byte(tmp_path: Path):
    hostile = ["a\rb", "c\r\nd", "nul\x00here", "bell\x07", "\x85next line", "line\u2028sep",
               '"quoted", with comma', " leading and trailing ", "=1+1", "tab\there", "é€😀"]
    rows = []
    for number, text in enumerate(hostile):
        row = {name: "" for name in CLAIM_COLUMNS}
        row.update(metric="area_gained_km2", value=100.0 + number, actor="Russia", qualifier="exact",
                   method="reported", period_start="2025-11-01", period_end="2025-11-30",
                   source_id="s", url=f"https://example.org/{number}", quote=text, title=text,
                   publisher=text, attribution=text, flags="")
        rows.append(row)
    import pandas as pd

    from conftest import as_stored

    frame = as_stored(pd.DataFrame(rows))
    path = tmp_path / "claims.csv"
    write_claims(path, frame)
    back = read_claims(path).set_index("claim_id")
    for _, row in frame.iterrows():
        for column in ("quote", "title", "publisher", "attribution"):
            assert back.loc[row["claim_id"], column] == row[column]


# --- 2. a damaged ledger is refused, then repaired ---------------------------------------------


def _rewrite(path: Path, change) -> None:
    rows = list(csv.reader(io.StringIO(path.read_text(encoding="utf-8"), newline="")))
    change(rows)
    buffer = io.StringIO()
    csv.writer(buffer, lineterminator="\n").writerows(rows)
    path.write_text(buffer.getvalue(), encoding="utf-8")


def _set_cell(column: str, text: str, line: int = 2):
    def change(rows):
        rows[line - 1][rows[0].index(column)] = text
    return change


DAMAGE = {
    # A spreadsheet re-save: the number gains a group separator.
    "group separator": lambda p: _rewrite(p, _set_cell("value", "108,651")),
    "cut short": lambda p: p.write_bytes(p.read_bytes()[:-25]),
    "extra column": lambda p: _rewrite(p, lambda rows: [r.append("x") for r in rows]),
    "column named twice": lambda p: _rewrite(p, lambda rows: rows[0].__setitem__(5, "value")),
    "missing column": lambda p: _rewrite(p, lambda rows: [r.pop(3) for r in rows]),
    "columns reordered": lambda p: _rewrite(p, lambda rows: [r.insert(1, r.pop(2)) for r in rows]),
    "hand-edited figure": lambda p: _rewrite(p, _set_cell("value", "700")),
    "hand-edited actor": lambda p: _rewrite(p, _set_cell("actor", "Ukraine")),
    "not a date": lambda p: _rewrite(p, _set_cell("as_of", "30/11/2025", line=3)),
    "short row": lambda p: p.write_bytes(p.read_bytes() + b"abc,def\n"),
    "row twice": lambda p: p.write_bytes(p.read_bytes() + p.read_bytes().splitlines(True)[1]),
    "not UTF-8": lambda p: p.write_bytes(p.read_bytes().replace(b"Russia", b"Russ\xe9a", 1)),
    "quote left open": lambda p: p.write_bytes(p.read_bytes() + b'"unclosed,\n'),
    "bare carriage return": lambda p: p.write_bytes(p.read_bytes().replace(b"Example (AFP)", b"Exa\rmple", 1)),
    "empty": lambda p: p.write_bytes(b""),
    "share beyond 100": lambda p: _rewrite(p, _set_cell("value", "190.3", line=3)),
}


@pytest.fixture(scope="module")
def _stored_template(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """A curated project after one full run (built once: a report takes seconds)."""
    project = tmp_path_factory.mktemp("stored")
    (project / "sources.toml").write_text(
        '[settings]\ncontact = "test@example.org"\n\n'
        '[[source]]\nid = "figures"\nkind = "curated"\npath = "inputs/figures.csv"\n',
        encoding="utf-8")
    write_curated(project / "inputs" / "figures.csv", [
        curated_row(metric="area_controlled_km2", value="108651", period_start="", period_end="",
                    as_of="2025-11-30", url="https://example.org/held"),
        curated_row(metric="share_controlled_pct", value="19.3", period_start="", period_end="",
                    as_of="2025-11-30"),
        curated_row(),
    ])
    result = invoke("run", "--sources", str(project / "sources.toml"), "--data-dir",
                    str(project / "data"), "--out", str(project / "reports"))
    assert result.exit_code == 0, result.output
    return project


@pytest.fixture
def stored_project(_stored_template: Path, tmp_path: Path) -> Path:
    """A copy of the project after one full run: ledger, derived tables, report, export."""
    copy = tmp_path / "stored"
    shutil.copytree(_stored_template, copy)
    return copy


@pytest.mark.parametrize("damage", sorted(DAMAGE))
def test_a_damaged_ledger_stops_every_command_and_repair_restores_it(stored_project: Path, damage: str):
    project, data = stored_project, stored_project / "data"
    path = ledger_path(project)
    good = path.read_bytes()
    DAMAGE[damage](path)
    damaged = path.read_bytes()
    assert damaged != good
    before = files_under(project)

    result = ingest(project)
    assert result.exit_code == 2, result.output
    assert "claims.csv" in result.stderr and "Traceback" not in result.output
    if damage != "empty":
        assert "claims.csv:" in result.stderr  # the line is named
    for command in (["report", "--out", str(project / "reports")],
                    ["export", "--out", str(project / "reports" / "export")],
                    ["validate"]):
        outcome = invoke(*command, "--data-dir", str(data))
        assert outcome.exit_code == 2, (command, outcome.output)
    changed = {k for k, v in files_under(project).items() if before.get(k) != v}
    # Nothing was read or written but the job's own log and lock state.
    assert changed <= {"data/state/logs/ingest.log"}, changed

    repaired = invoke("repair", "--sources", str(project / "sources.toml"), "--data-dir", str(data))
    assert repaired.exit_code == 0, repaired.output
    assert path.read_bytes() == good  # every figure came back from its source
    [kept] = (data / "state" / "damaged").iterdir()
    assert kept.read_bytes() == damaged  # the damaged file is set aside, not lost
    assert invoke("validate", "--data-dir", str(data)).exit_code == 0
    assert invoke("repair", "--sources", str(project / "sources.toml"), "--data-dir", str(data)).exit_code == 0


def test_repair_names_what_it_could_not_rebuild(stored_project: Path):
    project, data = stored_project, stored_project / "data"
    path = ledger_path(project)
    good = load_ledger_file(path)
    # The figure's source is gone, and the ledger is damaged elsewhere.
    write_curated(project / "inputs" / "figures.csv", [curated_row()])
    DAMAGE["cut short"](path)
    result = invoke("repair", "--sources", str(project / "sources.toml"), "--data-dir", str(data))
    assert result.exit_code == 1, result.output
    lost = [line.split()[2] for line in result.stdout.splitlines() if line.startswith("not rebuilt")]
    assert len(lost) == 1 and lost[0] in good.claim_ids
    assert lost[0] not in load_ledger_file(path).claim_ids


def test_a_ledger_that_breaks_the_schema_is_never_written(tmp_path: Path):
    import pandas as pd

    from conftest import as_stored

    row = {name: "" for name in CLAIM_COLUMNS}
    row.update(metric="area_controlled_km2", value=1e308, actor="Russia", qualifier="exact",
               method="reported", as_of="2025-11-30", url="https://example.org/x")
    path = tmp_path / "claims.csv"
    with pytest.raises(LedgerError, match="larger than any country"):
        write_claims(path, as_stored(pd.DataFrame([row])))
    assert not path.exists()
    row.update(value=500.0, claim_id="0123456789abcdef")  # an id that does not hash the row
    with pytest.raises(LedgerError, match="does not match"):
        write_claims(path, pd.DataFrame([row]))
    assert not path.exists()


# --- 3. derived tables and extraction state cannot go stale ------------------------------------


def test_derived_tables_lost_or_edited_are_rebuilt(stored_project: Path):
    processed = stored_project / "data" / "processed"
    built = {name: (processed / name).read_bytes() for name in ("observations.csv", "checks.csv")}
    (processed / "observations.csv").unlink()
    (processed / "checks.csv").write_text("check_id\nstale\n", encoding="utf-8")
    assert ingest(stored_project).exit_code == 0
    assert {name: (processed / name).read_bytes() for name in built} == built
    state = json.loads((stored_project / "data" / "state" / "derived.json").read_text())
    assert state["clean"] is True


def test_a_run_killed_after_the_ledger_was_written_is_completed_by_the_next(stored_project: Path):
    processed = stored_project / "data" / "processed"
    observations = (processed / "observations.csv").read_bytes()
    state_path = stored_project / "data" / "state" / "derived.json"
    state = json.loads(state_path.read_text())
    # As a run leaves it when killed between the ledger and the derived tables: a new
    # ledger, the old observations, and the state still marked as running.
    write_curated(stored_project / "inputs" / "figures.csv", [
        curated_row(), curated_row(value="650", url="https://example.org/b")])
    assert ingest(stored_project).exit_code == 0
    changed_observations = (processed / "observations.csv").read_bytes()
    assert changed_observations != observations
    (processed / "observations.csv").write_bytes(observations)
    state_path.write_text(json.dumps({**state, "clean": False}))
    assert ingest(stored_project).exit_code == 0
    assert (processed / "observations.csv").read_bytes() == changed_observations


def test_feed_claims_lost_from_the_ledger_are_read_again_from_data_raw(tmp_path: Path,
                                                                        httpserver: HTTPServer):
    for name, km2 in (("one", 505), ("two", 610)):
        httpserver.expect_request(f"/{name}").respond_with_data(
            ARTICLE.format(title=name, body=FIGURE.format(km2=km2)), content_type="text/html")
    feed = rss(item("one", httpserver.url_for("/one")), item("two", httpserver.url_for("/two")))
    httpserver.expect_request("/feed.xml").respond_with_data(feed, content_type="application/rss+xml")
    (tmp_path / "sources.toml").write_text(
        SETTINGS + f'[[source]]\nid = "wire"\nkind = "feed"\nurl = "{httpserver.url_for("/feed.xml")}"\n'
                   'conflict = "russia-ukraine"\n', encoding="utf-8")
    assert ingest(tmp_path).exit_code == 0
    path = ledger_path(tmp_path)
    whole = path.read_bytes()
    claims = read_claims(path)
    assert len(claims) == 2
    # A restore from an older backup: one figure is gone, while both pages are kept in raw.
    write_claims(path, claims.iloc[:1])
    pages_fetched = sum(1 for request, _ in httpserver.log if request.path in ("/one", "/two"))
    result = ingest(tmp_path)
    assert result.exit_code == 0, result.output
    assert path.read_bytes() == whole
    assert sum(1 for request, _ in httpserver.log if request.path in ("/one", "/two")) == pages_fetched


# --- 4. report and export never overwrite good outputs with nothing ----------------------------


def test_report_and_export_refuse_a_missing_or_empty_ledger(stored_project: Path, tmp_path: Path):
    reports = stored_project / "reports"
    before = files_under(reports)
    wrong = tmp_path / "no-such-data"
    for command in (["report", "--out", str(reports)], ["export", "--out", str(reports / "export")]):
        result = invoke(*command, "--data-dir", str(wrong))
        assert result.exit_code == 2 and "no ledger" in result.stderr, result.output
    empty = tmp_path / "empty-data"
    (empty / "processed").mkdir(parents=True)
    (empty / "processed" / "claims.csv").write_text(",".join(CLAIM_COLUMNS) + "\n")
    result = invoke("export", "--data-dir", str(empty), "--out", str(reports / "export"))
    assert result.exit_code == 2 and "holds no claim" in result.stderr
    assert files_under(reports) == before


def test_hundreds_of_publishers_do_not_stop_the_report(project: Path):
    rows = [curated_row(url=f"https://example.org/{n}", publisher=f"Relay number {n}")
            for n in range(250)]
    rows.append(curated_row(url="https://example.org/long", publisher="Very long site name " * 1000))
    write_curated(project / "inputs" / "figures.csv", rows)
    result = invoke("run", "--sources", str(project / "sources.toml"), "--data-dir",
                    str(project / "data"), "--out", str(project / "reports"))
    assert result.exit_code == 0, result.output
    assert (project / "reports" / "report.pdf").stat().st_size > 0
    assert (project / "reports" / "export" / "claims.csv").exists()


def test_a_failing_report_never_stops_the_export(stored_project: Path):
    reports = stored_project / "reports"
    shutil.rmtree(reports / "export")
    (reports / "report.pdf").unlink()
    (reports / "report.pdf").mkdir()  # the report cannot be replaced
    result = invoke("run", "--sources", str(stored_project / "sources.toml"), "--data-dir",
                    str(stored_project / "data"), "--out", str(reports))
    assert result.exit_code == 4, result.output
    assert "Traceback" not in result.output and "report.pdf" in result.stderr
    assert (reports / "export" / "claims.csv").exists()


# --- 5. the clock and the command line ---------------------------------------------------------


def test_a_pinned_clock_with_an_offset_is_stored_in_utc(project: Path):
    result = invoke("ingest", "--sources", str(project / "sources.toml"), "--data-dir",
                    str(project / "data"), env={"TRACKER_NOW": "2026-01-02T05:00:00+02:00"})
    assert result.exit_code == 0, result.output
    assert set(read_claims(ledger_path(project))["retrieved_at"]) == {"2026-01-02T03:00:00Z"}


@pytest.mark.parametrize("wait", ["-1", "nan", "inf", "1e9"])
def test_an_unbounded_wait_is_refused(project: Path, wait: str):
    result = invoke("ingest", "--sources", str(project / "sources.toml"), "--data-dir",
                    str(project / "data"), "--wait", wait)
    assert result.exit_code == 2
    assert not (project / "data").exists()


# --- 6. curated citations and damaged operational state ----------------------------------------


@pytest.mark.parametrize("url", ["javascript:alert(1)", "file:///etc/passwd", "ftp://example.org/x",
                                 "https://", "example.org/page", "https://exa mple.org/x",
                                 "https://[broken/x"])
def test_a_curated_figure_needs_a_web_address_a_reader_can_open(project: Path, url: str):
    write_curated(project / "inputs" / "figures.csv", [curated_row(url=url), curated_row()])
    result = ingest(project)
    assert result.exit_code == 3 and "url:" in result.stderr, result.output
    assert list(read_claims(ledger_path(project))["url"]) == ["https://example.org/a"]


@pytest.mark.parametrize("name, content", [
    ("source_health.csv", b"source_id,consecutive_failures\nfigures,lots\n\xff\xfe,\n"),
    ("derived.json", b"{not json"),
    ("derived.json", b'{"ledger_sha256": 5, "tables": [], "clean": "yes"}'),
])
def test_damaged_operational_state_is_rebuilt_not_fatal(stored_project: Path, name: str, content: bytes):
    state = stored_project / "data" / "state"
    ledger = ledger_path(stored_project).read_bytes()
    (state / name).write_bytes(content)
    result = ingest(stored_project)
    assert result.exit_code == 0 and "Traceback" not in result.output, result.output
    assert ledger_path(stored_project).read_bytes() == ledger
    assert json.loads((state / "derived.json").read_text())["clean"] is True
    assert "figures" in (state / "source_health.csv").read_text(encoding="utf-8")


@pytest.mark.parametrize("content", [b"[1, 2", b"[1, 2]", b'"text"', b"null",
                                     b'{"https://example.org/a": [1], "https://example.org/b": {"etag": 5}}'])
def test_a_damaged_http_cache_only_costs_full_downloads(tmp_path: Path, content: bytes):
    from tracker.http import ValidatorCache

    path = tmp_path / "http_cache.json"
    path.write_bytes(content)
    cache = ValidatorCache(path)
    assert cache.get("https://example.org/a") == {} and cache.get("https://example.org/b") == {}
    cache.put("https://example.org/c", '"v1"', "")
    cache.save()
    assert ValidatorCache(path).get("https://example.org/c") == {"etag": '"v1"', "last_modified": ""}


def test_a_data_folder_that_cannot_be_written_is_one_line_and_exit_2(project: Path):
    # As root a read-only mode does not stop a write, so a file stands where a folder must be.
    (project / "data").mkdir()
    (project / "data" / "state").write_text("not a folder")
    result = ingest(project)
    assert result.exit_code == 2 and "Traceback" not in result.output
    [line] = result.stderr.splitlines()
    assert line.startswith("error: ") and str(project / "data") in line and "Not a directory" in line
    assert not (project / "data" / "processed").exists()


def test_a_derived_table_that_cannot_be_replaced_is_recorded_and_completed_later(stored_project: Path):
    processed = stored_project / "data" / "processed"
    ledger = ledger_path(stored_project).read_bytes()
    built = (processed / "observations.csv").read_bytes()
    (processed / "observations.csv").unlink()
    (processed / "observations.csv").mkdir()
    result = ingest(stored_project)
    assert result.exit_code == 1 and "observations.csv" in result.stderr, result.output
    assert "Traceback" not in result.output
    assert ledger_path(stored_project).read_bytes() == ledger
    (processed / "observations.csv").rmdir()
    assert ingest(stored_project).exit_code == 0
    assert (processed / "observations.csv").read_bytes() == built


@pytest.mark.parametrize("command", ["extract", "area"])
def test_a_command_refuses_a_device_or_a_fifo_named_on_its_command_line(tmp_path: Path, command: str):
    fifo = tmp_path / "pipe"
    os.mkfifo(fifo)
    for target in (str(fifo), "/dev/zero"):
        result = invoke(command, target)
        assert result.exit_code == 2, result.output
        assert "not a regular file" in result.stderr and target in result.stderr
