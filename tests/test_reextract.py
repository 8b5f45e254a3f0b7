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
from werkzeug import Response

from conftest import curated_row, file_contents, write_curated
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
    return file_contents(project / "data" / "processed")


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
    assert "0 new, 0 superseded, 3 unchanged" in result.stdout
    assert "ledger unchanged" in result.stdout
    assert processed(project) == before
    assert (project / "data" / "state" / "derived.json").read_bytes() == state
    # And the next scheduled run finds nothing to do.
    assert invoke("ingest", "--sources", str(project / "sources.toml"),
                  "--data-dir", str(project / "data")).exit_code == 0
    assert processed(project) == before


def test_a_deleted_claim_comes_back_and_an_unchanged_reading_keeps_its_row(project: Path):
    path = ledger_path(project)
    whole, before = path.read_bytes(), processed(project)
    claims = read_claims(path)
    text_rows = claims.index[from_text(claims)]
    write_claims(path, claims.drop(index=text_rows[0]))
    dry = reextract(project, "--dry-run")
    assert dry.exit_code == 0, dry.output
    assert "1 new, 0 superseded, 2 unchanged" in dry.stdout
    assert "dry run: nothing written" in dry.stdout
    result = reextract(project)
    assert result.exit_code == 0, result.output
    assert "1 new, 0 superseded, 2 unchanged" in result.stdout and "ledger written" in result.stdout
    assert path.read_bytes() == whole  # same clock: the row comes back byte for byte
    assert processed(project) == before  # observations and checks rebuilt to match
    # A cell outside the reading's identity edited by hand: the same reading, so no churn.
    claims = read_claims(path)
    claims.loc[text_rows[1], "quote"] = "edited by hand"
    write_claims(path, claims)
    edited = path.read_bytes()
    result = reextract(project)
    assert "0 new, 0 superseded, 3 unchanged" in result.stdout and "ledger unchanged" in result.stdout
    assert path.read_bytes() == edited
    # The ledger was replaced behind the job's back (as a restore from a backup would), so
    # the state still says the next ingest must read data/raw again; it then finds the same.
    state = project / "data" / "state" / "derived.json"
    assert json.loads(state.read_text())["clean"] is False
    assert invoke("ingest", "--sources", str(project / "sources.toml"),
                  "--data-dir", str(project / "data")).exit_code == 0
    assert json.loads(state.read_text())["clean"] is True


def test_an_extractor_that_finds_nothing_supersedes_only_text_readings(
        project: Path, monkeypatch: pytest.MonkeyPatch):
    import tracker.extract

    path = ledger_path(project)
    claims = read_claims(path)
    others = claims[~from_text(claims)].set_index("claim_id")
    monkeypatch.setattr(tracker.extract, "extract", lambda document: [])
    result = reextract(project)
    assert result.exit_code == 0, result.output
    assert "0 new, 3 superseded, 0 unchanged" in result.stdout
    after = read_claims(path).set_index("claim_id")
    assert len(after) == len(claims)  # nothing removed
    text = after.loc[claims.loc[from_text(claims), "claim_id"]]
    assert set(text["status"]) == {"superseded"} and set(text["superseded_by"]) == {""}
    assert set(text["status_at"]) == {NOW["TRACKER_NOW"]}
    # The curated figure, the series and the map figures are there, every cell as it was.
    pd.testing.assert_frame_equal(after.loc[others.index], others)
    observed = pd.read_csv(project / "data" / "processed" / "observations.csv", dtype=str)
    assert not set(";".join(observed["claim_ids"]).split(";")) & set(text.index)


def _moved_to_donetsk(extract):
    def reading(document):
        found = extract(document)
        for claim in found:
            claim.territory = "Donetsk oblast"
        return found
    return reading


def test_a_changed_reading_supersedes_the_old_one_at_its_place(project: Path,
                                                               monkeypatch: pytest.MonkeyPatch):
    import tracker.extract

    path = ledger_path(project)
    first = read_claims(path)
    old = first[from_text(first)].set_index("claim_id")
    monkeypatch.setattr(tracker.extract, "extract", _moved_to_donetsk(tracker.extract.extract))
    result = reextract(project)
    assert result.exit_code == 0, result.output
    assert "3 new, 3 superseded, 0 unchanged" in result.stdout
    after = read_claims(path).set_index("claim_id")
    assert len(after) == len(first) + 3
    for claim, row in old.iterrows():
        newer = after.loc[after.loc[claim, "superseded_by"]]
        assert after.loc[claim, "status"] == "superseded"
        assert newer["location_id"] == row["location_id"] and newer["status"] == "active"
        assert newer["territory"] == "Donetsk oblast" and newer["value"] == row["value"]
    # Again with the same extractor: no churn.
    again = reextract(project)
    assert "0 new, 0 superseded, 3 unchanged" in again.stdout and "ledger unchanged" in again.stdout
    # The change undone: the first readings are active again, the second ones superseded.
    monkeypatch.undo()
    back = reextract(project)
    assert "0 new, 3 superseded, 0 unchanged, 3 active again" in back.stdout
    final = read_claims(path).set_index("claim_id")
    assert set(final.loc[old.index, "status"]) == {"active"}
    assert (final["status"] == "active").sum() == len(first)
    # tracker history shows both readings of one place, oldest first.
    shown = invoke("history", old.index[0], "--data-dir", str(project / "data"))
    assert shown.exit_code == 0, shown.output
    assert shown.stdout.count("\n  ") == 2 and "Donetsk oblast" in shown.stdout
    assert "superseded by " + old.index[0] in shown.stdout


def test_source_and_since_limit_what_is_read(project: Path, monkeypatch: pytest.MonkeyPatch):
    import tracker.extract

    monkeypatch.setattr(tracker.extract, "extract", _moved_to_donetsk(tracker.extract.extract))
    only = reextract(project, "--source", "wire-text", "--dry-run")
    assert only.exit_code == 0, only.output
    assert "1 stored document(s) of 1 source(s) read" in only.stdout
    assert "1 new, 1 superseded, 0 unchanged" in only.stdout
    later = reextract(project, "--since", "2026-01-03", "--dry-run")
    assert "0 stored document(s)" in later.stdout and "0 new, 0 superseded, 0 unchanged" in later.stdout
    earlier = reextract(project, "--since", "2026-01", "--dry-run")
    assert "3 new, 3 superseded, 0 unchanged" in earlier.stdout
    for bad, message in ((("--source", "figures"), "not an article or feed source"),
                         (("--since", "2026-13-01"), "expected a date")):
        refused = reextract(project, *bad)
        assert refused.exit_code == 2 and message in refused.stderr


def test_a_new_extractor_version_makes_the_next_ingest_read_stored_pages_once(
        tmp_path: Path, httpserver: HTTPServer, monkeypatch: pytest.MonkeyPatch):
    import tracker.extract

    httpserver.expect_request("/one").respond_with_data(ARTICLE.format(
        title="Page one", body="Russian troops took about 505 square kilometres of Ukrainian "
        "land in November, according to an AFP review of ISW maps."), content_type="text/html")
    httpserver.expect_request("/feed.xml").respond_with_data(
        rss(item("Entry one", httpserver.url_for("/one"), "Tue, 02 Dec 2025 08:00:00 GMT")),
        content_type="application/rss+xml")
    (tmp_path / "sources.toml").write_text(
        SETTINGS + f'[[source]]\nid = "wire"\nkind = "feed"\nurl = "{httpserver.url_for("/feed.xml")}"\n'
                   'conflict = "russia-ukraine"\n', encoding="utf-8")
    ingest = ("ingest", "--sources", str(tmp_path / "sources.toml"), "--data-dir", str(tmp_path / "data"))
    assert invoke(*ingest).exit_code == 0
    first = read_claims(ledger_path(tmp_path))
    monkeypatch.setattr(tracker.extract, "extract", _moved_to_donetsk(tracker.extract.extract))
    # A page already read is not read again by a scheduled run with the same extractor...
    same = invoke(*ingest)
    assert same.exit_code == 0 and "(unchanged)" in same.output
    # ...but once after the extractor changed, from data/raw, without fetching it.
    monkeypatch.setattr(tracker.extract, "EXTRACTOR_VERSION", "9.9.9")
    pages = sum(1 for request, _ in httpserver.log if request.path == "/one")
    result = invoke(*ingest)
    assert result.exit_code == 0, result.output
    assert "the extractor changed (0.5.0 -> 9.9.9)" in result.stderr
    assert "1 new claim(s), 1 superseded" in result.output
    assert sum(1 for request, _ in httpserver.log if request.path == "/one") == pages
    state = json.loads((tmp_path / "data" / "state" / "derived.json").read_text())
    assert state["extractor_version"] == "9.9.9"
    after = read_claims(ledger_path(tmp_path)).set_index("claim_id")
    assert after.loc[first["claim_id"].iloc[0], "status"] == "superseded"
    quiet = invoke(*ingest)
    assert "the extractor changed" not in quiet.output and "(unchanged)" in quiet.output


def test_a_new_confidence_alone_changes_no_row(project: Path, monkeypatch: pytest.MonkeyPatch):
    import tracker.extract

    path = ledger_path(project)
    whole = path.read_bytes()
    extract = tracker.extract.extract

    def calibrated(document):
        found = extract(document)
        for claim in found:
            claim.confidence = 0.875
        return found

    monkeypatch.setattr(tracker.extract, "extract", calibrated)
    result = reextract(project)
    assert result.exit_code == 0, result.output
    assert "0 new, 0 superseded, 3 unchanged" in result.stdout
    assert path.read_bytes() == whole


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
    current = read_claims(path)
    rows = _old_rows_of(path)
    write_old_ledger(path, [{k: v for k, v in row.items() if k != "confidence"} for row in rows])
    assert load_ledger_file(path).older_layout
    result = reextract(project)
    assert result.exit_code == 0, result.output
    assert "0 new, 0 superseded, 3 unchanged" in result.stdout
    assert "ledger written" in result.stdout
    rewritten = read_claims(path)
    assert not load_ledger_file(path).older_layout
    # Every row active at the place it was read; the rows keep what the old file held.
    assert list(rewritten["location_id"]) == list(current["location_id"])
    assert set(rewritten["status"]) == {"active"} and set(rewritten["recorded_at"]) == {""}


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
    assert "1 new, 0 superseded, 1 unchanged" in result.stdout
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


def test_a_source_that_fails_in_the_upgrade_run_is_read_again_at_the_next_run(
        tmp_path: Path, httpserver: HTTPServer, monkeypatch: pytest.MonkeyPatch):
    import tracker.extract

    httpserver.expect_request("/one").respond_with_data(ARTICLE.format(
        title="Page one", body="Russian troops took about 505 square kilometres of Ukrainian "
        "land in November, according to an AFP review of ISW maps."), content_type="text/html")
    feed = rss(item("Entry one", httpserver.url_for("/one"), "Tue, 02 Dec 2025 08:00:00 GMT"))
    serving = {"feed": True}
    httpserver.expect_request("/feed.xml").respond_with_handler(
        lambda request: Response(feed, content_type="application/rss+xml") if serving["feed"]
        else Response("down", status=404))
    (tmp_path / "sources.toml").write_text(
        SETTINGS + f'[[source]]\nid = "wire"\nkind = "feed"\nurl = "{httpserver.url_for("/feed.xml")}"\n'
                   'conflict = "russia-ukraine"\n', encoding="utf-8")
    ingest = ("ingest", "--sources", str(tmp_path / "sources.toml"), "--data-dir", str(tmp_path / "data"))
    assert invoke(*ingest).exit_code == 0
    state_path = tmp_path / "data" / "state" / "derived.json"
    monkeypatch.setattr(tracker.extract, "extract", _moved_to_donetsk(tracker.extract.extract))
    monkeypatch.setattr(tracker.extract, "EXTRACTOR_VERSION", "9.9.9")
    serving["feed"] = False
    failed = invoke(*ingest)
    assert failed.exit_code == 1 and "the extractor changed" in failed.output
    state = json.loads(state_path.read_text())
    assert state["extractor_version"] == "9.9.9" and state["sources_behind"] == ["wire"]
    assert set(read_claims(ledger_path(tmp_path))["status"]) == {"active"}  # nothing re-read yet
    serving["feed"] = True
    caught_up = invoke(*ingest)
    assert caught_up.exit_code == 0, caught_up.output
    assert "the extractor changed" not in caught_up.output and "1 superseded" in caught_up.output
    assert json.loads(state_path.read_text())["sources_behind"] == []
    quiet = invoke(*ingest)
    assert "(unchanged)" in quiet.output
