"""`tracker reextract`: the extraction stage run again over the documents kept in data/raw,
on real files in a temp folder: articles (a text file and a folder of HTML pages), a feed
served by a local HTTP server, next to a curated file, a published series and a map."""

from __future__ import annotations

import json
from pathlib import Path

import pandas as pd
import pytest
from click.testing import CliRunner
from pytest_httpserver import HTTPServer

from conftest import curated_row, write_curated
from test_confidence import write_old_ledger, _old_rows_of
from test_job import ARTICLE, SETTINGS, item, rss
from tracker.cli import cli
from tracker.ledger import read_claims, write_claims
from tracker.ledger_file import load_ledger_file
from tracker.model import CLAIM_COLUMNS

NOW = {"TRACKER_NOW": "2026-01-02T03:04:05Z"}
TEXT_SOURCES = {"wire-text", "desk"}


def invoke(*args: str):
    return CliRunner().invoke(cli, list(args), env=NOW)


def box(lon0, lat0, lon1, lat1):
    return [[lon0, lat0], [lon1, lat0], [lon1, lat1], [lon0, lat1], [lon0, lat0]]


def make_project(folder: Path) -> Path:
    """Two article sources (a text file; a folder of two HTML pages), a curated figure, a
    published series (method reported, not from text) and a map (method computed)."""
    (folder / "articles").mkdir(parents=True)
    (folder / "wire.txt").write_text(
        "Kyiv, 3 December. Russian troops took about 505 square kilometres of Ukrainian land "
        "in November, according to an AFP review of ISW maps.\n", encoding="utf-8")
    for name, km2 in (("one", 610), ("two", 720)):
        (folder / "articles" / f"{name}.html").write_text(ARTICLE.format(
            title=f"Front {name}", body=f"Russian forces seized about {km2} square kilometres of "
            "Ukrainian territory in November, according to an AFP analysis of ISW data."),
            encoding="utf-8")
    write_curated(folder / "figures.csv", [curated_row(value="701")])
    (folder / "series.csv").write_text("month_start,month_end,gain\n2025-10-01,2025-10-31,461\n",
                                       encoding="utf-8")
    (folder / "zone.geojson").write_text(json.dumps({"type": "FeatureCollection", "features": [
        {"type": "Feature", "properties": {"day": "2025-10-19"},
         "geometry": {"type": "Polygon", "coordinates": [box(34.4, 31.3, 34.5, 31.4)]}}]}),
        encoding="utf-8")
    (folder / "sources.toml").write_text(
        SETTINGS
        + '[[source]]\nid = "wire-text"\nkind = "article"\npath = "wire.txt"\n'
          'published = "2025-12-03"\npublisher = "Example desk"\nconflict = "russia-ukraine"\nlanguage = "en"\n\n'
        + '[[source]]\nid = "desk"\nkind = "article"\npath = "articles"\nconflict = "russia-ukraine"\n\n'
        + '[[source]]\nid = "figures"\nkind = "curated"\npath = "figures.csv"\n\n'
        + '[[source]]\nid = "gains"\nkind = "table"\npath = "series.csv"\nmetric = "area_gained_km2"\n'
          'actor = "Russia"\nterritory = "Ukraine"\nconflict = "russia-ukraine"\n'
          'columns = { value = "gain", period_start = "month_start", period_end = "month_end" }\n\n'
        + '[[source]]\nid = "zone"\nkind = "geojson"\npath = "zone.geojson"\nactor = "Israel"\n'
          'territory = "Gaza Strip"\nconflict = "israel-gaza"\ndate_property = "day"\n'
          'denominator_km2 = 365\ndata_producer = "Gaza Maps"\n',
        encoding="utf-8")
    return folder


@pytest.fixture(scope="module")
def _ingested(tmp_path_factory: pytest.TempPathFactory) -> Path:
    project = make_project(tmp_path_factory.mktemp("reextract"))
    result = invoke("ingest", "--sources", str(project / "sources.toml"), "--data-dir", str(project / "data"))
    assert result.exit_code == 0, result.output
    return project


@pytest.fixture
def project(_ingested: Path, tmp_path: Path) -> Path:
    """A copy of the project after one ingest (built once)."""
    import shutil

    copy = tmp_path / "p"
    shutil.copytree(_ingested, copy)
    return copy


def reextract(project: Path, *args: str):
    return invoke("reextract", "--sources", str(project / "sources.toml"),
                  "--data-dir", str(project / "data"), *args)


def ledger_path(project: Path) -> Path:
    return project / "data" / "processed" / "claims.csv"


def processed(project: Path) -> dict[str, bytes]:
    folder = project / "data" / "processed"
    return {p.name: p.read_bytes() for p in sorted(folder.iterdir()) if p.is_file()}


def from_text(claims: pd.DataFrame) -> pd.Series:
    return (claims["method"] == "reported") & claims["source_id"].isin(TEXT_SOURCES)


def test_the_project_holds_every_kind_of_claim(project: Path):
    claims = read_claims(ledger_path(project))
    assert from_text(claims).sum() == 3
    assert set(claims.loc[~from_text(claims), "source_id"]) == {"figures", "gains", "zone"}
    assert {"computed", "curated", "reported"} == set(claims["method"])
    assert set(claims.loc[claims["source_id"] == "gains", "method"]) == {"reported"}  # a series


def test_unchanged_reextract_leaves_every_processed_file_byte_identical(project: Path):
    before = processed(project)
    state = (project / "data" / "state" / "derived.json").read_bytes()
    result = reextract(project)
    assert result.exit_code == 0, result.output
    assert "3 stored document(s) of 2 source(s) read, 0 could not be read" in result.stdout
    assert "3 before, 3 after; 0 added, 0 removed, 0 changed" in result.stdout
    assert "ledger unchanged" in result.stdout
    assert processed(project) == before
    assert (project / "data" / "state" / "derived.json").read_bytes() == state
    # And the next scheduled run finds nothing to do.
    assert invoke("ingest", "--sources", str(project / "sources.toml"),
                  "--data-dir", str(project / "data")).exit_code == 0
    assert processed(project) == before


def test_a_deleted_and_an_edited_claim_come_back(project: Path):
    path = ledger_path(project)
    whole, before = path.read_bytes(), processed(project)
    claims = read_claims(path)
    text_rows = claims.index[from_text(claims)]
    claims = claims.drop(index=text_rows[0])
    # A cell outside the claim's identity (the id still matches the row): a valid ledger.
    claims.loc[text_rows[1], "quote"] = "edited by hand"
    claims.loc[text_rows[1], "confidence"] = 0.5
    write_claims(path, claims)
    edited = path.read_bytes()
    assert edited != whole
    dry = reextract(project, "--dry-run")
    assert dry.exit_code == 0, dry.output
    assert "2 before, 3 after; 1 added, 0 removed, 1 changed" in dry.stdout
    assert "dry run: nothing written" in dry.stdout
    assert path.read_bytes() == edited
    result = reextract(project)
    assert result.exit_code == 0, result.output
    assert "2 before, 3 after; 1 added, 0 removed, 1 changed" in result.stdout
    assert "ledger written" in result.stdout
    assert path.read_bytes() == whole
    assert processed(project) == before  # observations and checks rebuilt to match
    # The ledger was replaced behind the job's back (as a restore from a backup would), so
    # the state still says the next ingest must read data/raw again; it then finds the same.
    state = project / "data" / "state" / "derived.json"
    assert json.loads(state.read_text())["clean"] is False
    assert invoke("ingest", "--sources", str(project / "sources.toml"),
                  "--data-dir", str(project / "data")).exit_code == 0
    assert json.loads(state.read_text())["clean"] is True
    assert processed(project) == before


def test_only_claims_read_from_text_are_replaced(project: Path, monkeypatch: pytest.MonkeyPatch):
    import tracker.extract

    path = ledger_path(project)
    claims = read_claims(path)
    others = claims[~from_text(claims)].set_index("claim_id")
    monkeypatch.setattr(tracker.extract, "extract", lambda document: [])  # an extractor that finds nothing
    result = reextract(project)
    assert result.exit_code == 0, result.output
    assert "3 before, 0 after; 0 added, 3 removed, 0 changed" in result.stdout
    assert f"{len(others)} other claim(s) kept as they were" in result.stdout
    after = read_claims(path).set_index("claim_id")
    # The curated figure, the series and the map figures are there, every cell as it was.
    pd.testing.assert_frame_equal(after, others)


def test_a_new_confidence_changes_rows_but_not_ids(project: Path, monkeypatch: pytest.MonkeyPatch):
    import tracker.extract

    path = ledger_path(project)
    claims = read_claims(path)
    extract = tracker.extract.extract

    def calibrated(document):
        found = extract(document)
        for claim in found:
            claim.confidence = 0.875
        return found

    monkeypatch.setattr(tracker.extract, "extract", calibrated)
    result = reextract(project)
    assert result.exit_code == 0, result.output
    assert "3 before, 3 after; 0 added, 0 removed, 3 changed" in result.stdout
    after = read_claims(path)
    assert set(after["claim_id"]) == set(claims["claim_id"])
    assert (after.loc[from_text(after), "confidence"] == 0.875).all()
    assert after.loc[~from_text(after), "confidence"].isna().all()
    exported = project / "export"
    assert invoke("export", "--data-dir", str(project / "data"), "--out", str(exported)).exit_code == 0
    assert sorted(pd.read_csv(exported / "claims.csv")["confidence"].dropna()) == [0.875] * 3


@pytest.mark.parametrize("lose", ["payload", "sidecar"])
def test_a_missing_raw_file_is_named_and_nothing_is_written(project: Path, lose: str):
    path = ledger_path(project)
    claims = read_claims(path)
    text_rows = claims.index[from_text(claims)]
    write_claims(path, claims.drop(index=text_rows[0]))  # a reextract would have something to do
    before = processed(project)
    state = (project / "data" / "state" / "derived.json").read_bytes()
    [sidecar] = (project / "data" / "raw" / "wire-text").glob("*.meta.json")
    [payload] = (project / "data" / "raw" / "wire-text").glob("*.txt")
    (payload if lose == "payload" else sidecar).unlink()
    result = reextract(project)
    assert result.exit_code == 2, result.output
    assert "Traceback" not in result.output
    name = str(payload) if lose == "payload" else str(payload.with_suffix(""))
    assert f"could not read: {name}" in result.stdout
    assert "nothing written" in result.stdout and "nothing written" in result.stderr
    assert "1 could not be read" in result.stdout
    assert processed(project) == before
    assert (project / "data" / "state" / "derived.json").read_bytes() == state


def test_an_altered_raw_file_is_refused_too(project: Path):
    [payload] = (project / "data" / "raw" / "wire-text").glob("*.txt")
    payload.write_text(payload.read_text(encoding="utf-8").replace("505", "905"), encoding="utf-8")
    before = processed(project)
    result = reextract(project)
    assert result.exit_code == 2 and "altered" in result.stdout and str(payload) in result.stdout
    assert processed(project) == before


def test_an_old_layout_ledger_is_rewritten_by_reextract(project: Path):
    path = ledger_path(project)
    current = path.read_bytes()
    rows = _old_rows_of(path)
    # Read from an old ledger, a claim has no confidence; the extractor gives it back.
    scored = sum(1 for row in rows if row["confidence"])
    write_old_ledger(path, [{k: v for k, v in row.items() if k != "confidence"} for row in rows])
    assert load_ledger_file(path).older_layout
    result = reextract(project)
    assert result.exit_code == 0, result.output
    assert f"0 added, 0 removed, {scored} changed" in result.stdout
    assert "ledger written" in result.stdout
    assert path.read_bytes() == current


def test_reextract_refuses_a_damaged_ledger_and_a_missing_data_dir(project: Path, tmp_path: Path):
    path = ledger_path(project)
    path.write_bytes(path.read_bytes()[:-20])
    damaged = path.read_bytes()
    result = reextract(project)
    assert result.exit_code == 2 and "claims.csv:8" in result.stderr and "cut short" in result.stderr
    assert path.read_bytes() == damaged
    result = invoke("reextract", "--sources", str(project / "sources.toml"),
                    "--data-dir", str(tmp_path / "nowhere"))
    assert result.exit_code == 2 and "no raw store" in result.stderr
    assert not (tmp_path / "nowhere").exists()


def test_feed_pages_keep_their_entry_date_and_title_without_a_fetch(tmp_path: Path,
                                                                    httpserver: HTTPServer):
    for name, km2 in (("one", 505), ("two", 610)):
        httpserver.expect_request(f"/{name}").respond_with_data(
            ARTICLE.format(title=f"Page title {name}", body=(
                f"Russian troops took about {km2} square kilometres of Ukrainian land in "
                "November, according to an AFP review of ISW maps.")), content_type="text/html")
    feed = rss(item("Entry one", httpserver.url_for("/one"), "Tue, 02 Dec 2025 08:00:00 GMT"),
               item("Entry two", httpserver.url_for("/two"), "Wed, 03 Dec 2025 08:00:00 GMT"))
    httpserver.expect_request("/feed.xml").respond_with_data(feed, content_type="application/rss+xml")
    (tmp_path / "sources.toml").write_text(
        SETTINGS + f'[[source]]\nid = "wire"\nkind = "feed"\nurl = "{httpserver.url_for("/feed.xml")}"\n'
                   'conflict = "russia-ukraine"\n', encoding="utf-8")
    assert invoke("ingest", "--sources", str(tmp_path / "sources.toml"),
                  "--data-dir", str(tmp_path / "data")).exit_code == 0
    path = ledger_path(tmp_path)
    claims = read_claims(path)
    assert sorted(claims["title"]) == ["Entry one", "Entry two"]
    assert sorted(claims["published_at"]) == ["2025-12-02", "2025-12-03"]
    whole = path.read_bytes()
    write_claims(path, claims.iloc[:1])
    requests = len(httpserver.log)
    result = reextract(tmp_path)
    assert result.exit_code == 0, result.output
    assert "2 stored document(s) of 1 source(s) read" in result.stdout
    assert "1 added, 0 removed, 0 changed" in result.stdout
    assert path.read_bytes() == whole
    assert len(httpserver.log) == requests  # nothing fetched


def test_progress_goes_to_stderr_and_the_summary_to_stdout(project: Path):
    result = reextract(project)
    assert "reextract: 3 stored document(s) of 2 source(s)\n" in result.stderr
    assert all(line.startswith("reextract: ") for line in result.stdout.splitlines())


def test_the_ledger_columns_are_the_claim_columns_after_a_reextract(project: Path):
    reextract(project)
    header = ledger_path(project).read_text(encoding="utf-8").split("\n", 1)[0]
    assert header.split(",") == list(CLAIM_COLUMNS)
