"""Reports and exports of the current view: review decisions applied, rejected figures never
charted, machine-read figures nobody checked marked apart, history kept in the export.

The data folder is built by a real ingest (the CLI) of four short articles written for these
tests and one curated row, then people's decisions are appended to the real review log: one
figure confirmed, one corrected, one rejected, one left unreviewed.
"""

from __future__ import annotations

import csv
import json
import re
import shutil
import zlib
from pathlib import Path

import pandas as pd
import pytest
from click.testing import CliRunner

from conftest import curated_row, write_curated
from tracker.cli import cli
from tracker.export import export_all
from tracker.ledger import read_claims, write_claims
from tracker.model import CLAIM_COLUMNS
from tracker.report import build_report
from tracker.report.build import _chart_figure
from tracker.report.charts import unchecked_points
from tracker.report.points import select_points
from tracker.report.text import latest_lines, reference_entries
from tracker.review.log import LOG_PATH, Decision, append_decision, read_decisions
from tracker.view import REVIEW_COLUMNS, VIEW_COLUMNS, current_view, reading_fields

NOW = {"TRACKER_NOW": "2026-01-02T08:00:00Z"}
CHART = "russia-ukraine_area_gained_km2.png"

# One monthly gain per article, each in words of its own; value -> (file, month, text).
ARTICLES = {
    310: ("july.txt", "2025-08-03", "Kyiv, 2 August. Russian troops seized 310 square kilometres "
          "in Ukraine in July 2025, according to an AFP analysis of ISW data.\n"),
    388: ("august.txt", "2025-09-02", "Kyiv, 1 September. Moscow's army took 388 square kilometres "
          "of land in Ukraine in August 2025, according to AFP calculations based on ISW maps.\n"),
    433: ("september.txt", "2025-10-02", "Kyiv, 1 October. Russia seized 433 square kilometres in "
          "Ukraine during September 2025, AFP said after analysing data from the Institute for the "
          "Study of War.\n"),
    512: ("october.txt", "2025-11-02", "Kyiv, 1 November. Russian forces captured 512 square "
          "kilometres of Ukrainian territory in October 2025, according to an analysis of ISW data "
          "by AFP.\n"),
}
CURATED_VALUE = 701.0  # November 2025, an analyst's row: checked by definition
CORRECTED_TO = 443.0
REJECT_REASON = "-not a monthly figure"  # a reason a spreadsheet would run: neutralised


def _sources(root: Path) -> Path:
    body = '[settings]\ncontact = "test@example.org"\n'
    for value, (name, published, text) in ARTICLES.items():
        (root / "inputs" / name).write_text(text, encoding="utf-8")
        body += (f'\n[[source]]\nid = "{name[:-4]}"\nkind = "article"\npath = "inputs/{name}"\n'
                 f'published = "{published}"\nconflict = "russia-ukraine"\n')
    write_curated(root / "inputs" / "figures.csv", [curated_row(value=str(int(CURATED_VALUE)))])
    body += '\n[[source]]\nid = "figures"\nkind = "curated"\npath = "inputs/figures.csv"\n'
    path = root / "sources.toml"
    path.write_text(body, encoding="utf-8")
    return path


def _decide(data: Path, row: dict, action: str, **fields: object) -> None:
    append_decision(data, Decision(action=action, claim_id=row["claim_id"],
                                   location_id=row["location_id"], reviewer="Ana Reviewer",
                                   at="2026-01-05T10:00:00Z", reading=reading_fields(row), **fields))


@pytest.fixture(scope="module")
def reviewed_data(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """data/ after a real ingest and four kinds of review outcome (built once, copied per test)."""
    root = tmp_path_factory.mktemp("reviewed")
    (root / "inputs").mkdir()
    sources = _sources(root)
    data = root / "data"
    result = CliRunner().invoke(cli, ["ingest", "--sources", str(sources), "--data-dir", str(data)],
                                env=NOW)
    assert result.exit_code == 0, result.output
    ledger = read_claims(data / "processed" / "claims.csv")
    by_value = {float(r["value"]): r for r in ledger.to_dict("records")}
    assert set(by_value) == {*map(float, ARTICLES), CURATED_VALUE}, by_value.keys()
    _decide(data, by_value[388.0], "confirm")
    _decide(data, by_value[433.0], "correct", fields={"value": CORRECTED_TO}, reason="typo in the story")
    _decide(data, by_value[512.0], "reject", reason=REJECT_REASON)
    return data


@pytest.fixture
def data(reviewed_data: Path, tmp_path: Path) -> Path:
    copy = tmp_path / "data"
    shutil.copytree(reviewed_data, copy)
    return copy


def _ids(data: Path) -> dict[float, str]:
    """The claim_id of each ingested figure, by the value the extractor read."""
    ledger = read_claims(data / "processed" / "claims.csv")
    return dict(zip(ledger["value"], ledger["claim_id"]))


def _view(data: Path) -> pd.DataFrame:
    decisions, problems = read_decisions(data)
    assert not problems
    return current_view(read_claims(data / "processed" / "claims.csv"), decisions)


def _csv(path: Path) -> list[dict[str, str]]:
    with path.open(encoding="utf-8", newline="") as stream:
        return list(csv.DictReader(stream))


def _export(data: Path, out: Path, *args: str) -> None:
    result = CliRunner().invoke(cli, ["export", "--data-dir", str(data), "--out", str(out), *args])
    assert result.exit_code == 0, result.output


# --- export -------------------------------------------------------------------------------


def test_export_carries_the_review_of_every_current_figure(data: Path, tmp_path: Path):
    ids = _ids(data)
    out = tmp_path / "export"
    _export(data, out)
    with (out / "claims.csv").open(encoding="utf-8", newline="") as stream:
        header = next(csv.reader(stream))
    assert tuple(header) == VIEW_COLUMNS  # claim columns (history ones included), then review
    rows = {r["claim_id"]: r for r in _csv(out / "claims.csv")}
    assert set(rows) == set(ids.values())  # every current figure, the rejected one too
    assert {r["status"] for r in rows.values()} == {"active"}

    confirmed, corrected = rows[ids[388.0]], rows[ids[433.0]]
    rejected, unreviewed = rows[ids[512.0]], rows[ids[310.0]]
    curated = rows[ids[CURATED_VALUE]]
    assert (confirmed["review_status"], confirmed["reviewed_by"], confirmed["reviewed_at"]) == (
        "confirmed", "Ana Reviewer", "2026-01-05T10:00:00Z")
    assert (corrected["review_status"], corrected["value"], corrected["review_reason"]) == (
        "corrected", "443", "typo in the story")
    assert rejected["review_status"] == "rejected" and rejected["value"] == "512"
    assert rejected["review_reason"] == "'" + REJECT_REASON  # neutralised for spreadsheets
    for row in (unreviewed, curated):
        assert (row["review_status"], row["reviewed_by"], row["reviewed_at"], row["review_reason"]) == (
            "unreviewed", "", "", "")


def test_observations_and_checks_leave_the_rejected_figure_out(data: Path, tmp_path: Path):
    ids = _ids(data)
    out = tmp_path / "export"
    _export(data, out)
    observations = _csv(out / "observations.csv")
    counted = {c for row in observations for c in row["claim_ids"].split(";")}
    assert ids[512.0] not in counted
    assert {float(r["value"]) for r in observations} == {310.0, 388.0, CORRECTED_TO, CURATED_VALUE}
    # The ingest wrote checks.csv before anyone rejected the figure: the export leaves it out.
    stored = _csv(data / "processed" / "checks.csv")
    assert ids[512.0] in {r["claim_id"] for r in stored}
    exported = {r["claim_id"] for r in _csv(out / "checks.csv")}
    assert exported == {r["claim_id"] for r in stored} - {ids[512.0]} and exported


def test_history_csv_has_every_ledger_row_and_the_package_describes_it(data: Path, tmp_path: Path):
    out = tmp_path / "export"
    _export(data, out)
    ledger = read_claims(data / "processed" / "claims.csv")
    history = _csv(out / "history.csv")
    assert sorted(r["claim_id"] for r in history) == sorted(ledger["claim_id"])
    assert tuple(history[0]) == CLAIM_COLUMNS
    # The history keeps what was read: the corrected figure's reading still says 433.
    assert {float(r["value"]) for r in history} == {*map(float, ARTICLES), CURATED_VALUE}
    package = json.loads((out / "datapackage.json").read_text(encoding="utf-8"))
    resources = {r["name"]: r for r in package["resources"]}
    assert set(resources) == {"claims", "observations", "checks", "history"}
    claims_fields = {f["name"]: f for f in resources["claims"]["schema"]["fields"]}
    for name in (*REVIEW_COLUMNS, "location_id", "status", "status_at", "superseded_by"):
        assert claims_fields[name]["description"].strip(), name
    # The ledger's status, not a check's outcome (one name, two tables).
    assert "superseded" in claims_fields["status"]["description"]
    assert "claim_id" in claims_fields["superseded_by"]["description"]
    assert claims_fields["reviewed_at"]["type"] == "datetime"
    assert "rejected" in claims_fields["review_status"]["description"]
    history_fields = {f["name"] for f in resources["history"]["schema"]["fields"]}
    assert history_fields == set(CLAIM_COLUMNS)
    assert resources["history"]["schema"]["primaryKey"] == ["claim_id"]


def test_reviewed_only_export_drops_unchecked_machine_reads_and_keeps_curated(data: Path, tmp_path: Path):
    ids = _ids(data)
    out = tmp_path / "reviewed"
    _export(data, out, "--reviewed-only", "--sqlite")
    kept = {r["claim_id"]: r for r in _csv(out / "claims.csv")}
    assert set(kept) == {ids[388.0], ids[433.0], ids[CURATED_VALUE]}
    assert kept[ids[CURATED_VALUE]]["method"] == "curated"
    assert kept[ids[CURATED_VALUE]]["review_status"] == "unreviewed"
    assert {float(r["value"]) for r in _csv(out / "observations.csv")} == {388.0, CORRECTED_TO, CURATED_VALUE}
    assert len(_csv(out / "history.csv")) == len(ids)  # the history is whole all the same
    package = json.loads((out / "datapackage.json").read_text(encoding="utf-8"))
    assert "--reviewed-only" in package["description"]
    [claims] = [r for r in package["resources"] if r["name"] == "claims"]
    assert "--reviewed-only" in claims["title"]


def test_a_damaged_review_line_is_a_warning_not_a_failure(data: Path, tmp_path: Path):
    log = data / LOG_PATH
    log.write_bytes(log.read_bytes() + b'{"action": "confirm", "claim_id": "cut sho')
    result = CliRunner().invoke(cli, ["export", "--data-dir", str(data), "--out", str(tmp_path / "e")])
    assert result.exit_code == 0, result.output
    assert re.search(r"warning: .*decisions\.jsonl:4: damaged review decision skipped", result.stderr)
    statuses = {r["review_status"] for r in _csv(tmp_path / "e" / "claims.csv")}
    assert statuses == {"unreviewed", "confirmed", "corrected", "rejected"}


# --- report -------------------------------------------------------------------------------


def test_charted_points_leave_out_the_rejected_and_mark_the_unchecked(data: Path):
    ids = _ids(data)
    selection = select_points(_view(data))
    [chart] = [c for c in selection.charts if c.file_name == CHART]
    points = selection.points(chart)  # what draw_chart draws, one row per point
    assert sorted(points["value"]) == [310.0, 388.0, CORRECTED_TO, CURATED_VALUE]
    assert ids[512.0] not in set(selection.rows["claim_id"])
    ringed = points.loc[unchecked_points(points), "value"].tolist()
    assert ringed == [310.0]  # the only machine-read figure nobody checked
    assert selection.rejected_count == 1
    # The chart draws one dotted ring, for that point, and explains it in its legend.
    figure = _chart_figure(selection, chart)
    [axes] = figure.axes
    rings = [c for c in axes.collections if len(c.get_offsets()) and c.get_linestyle()[0][1]]
    assert sum(len(c.get_offsets()) for c in rings) == 1
    labels = [t.get_text() for t in axes.get_legend().get_texts()]
    assert "machine-read, not yet checked by a person" in labels


def test_report_text_says_who_checked_each_figure(data: Path, tmp_path: Path):
    result = build_report(_view(data), tmp_path)
    heads = {line.split("]")[0] + "]": line for entry in reference_entries(result.plotted)
             for line in entry[:1]}
    by_value = {float(v): f"[{m}]" for v, m in zip(result.plotted["value"], result.plotted["mark"])}
    assert "confirmed by Ana Reviewer on 2026-01-05" in heads[by_value[388.0]]
    assert "corrected by Ana Reviewer" in heads[by_value[CORRECTED_TO]]
    assert "443 km²" in heads[by_value[CORRECTED_TO]]
    assert "not yet checked by a person" in heads[by_value[310.0]]
    assert "checked" not in heads[by_value[CURATED_VALUE]]
    latest = [line for entry in latest_lines(result.plotted, select_points(_view(data)).charts)
              for line in entry]
    assert any("701 km²" in line for line in latest)
    assert not any("512" in line for line in latest)
    # The PDF explains the ring in one line (Helvetica text, searchable in its streams).
    assert "dotted grey ring" in _pdf_text(result.pdf)
    assert not (result.plotted["review_status"] == "rejected").any()


def test_reviewed_only_report_charts_only_checked_figures(data: Path, tmp_path: Path):
    out = tmp_path / "reports"
    result = CliRunner().invoke(cli, ["report", "--data-dir", str(data), "--out", str(out),
                                      "--reviewed-only"])
    assert result.exit_code == 0, result.output
    assert (out / "report.pdf").exists() and (out / CHART).exists()
    plotted = build_report(_view(data), tmp_path / "direct", reviewed_only=True).plotted
    assert sorted(plotted["value"]) == [388.0, CORRECTED_TO, CURATED_VALUE]
    assert not plotted["unchecked"].any()


def test_superseded_reading_is_history_only(data: Path, tmp_path: Path):
    ids = _ids(data)
    ledger = read_claims(data / "processed" / "claims.csv")
    old = ledger["claim_id"] == ids[310.0]
    ledger.loc[old, "status"] = "superseded"
    ledger.loc[old, "status_at"] = "2026-01-03T00:00:00Z"
    write_claims(data / "processed" / "claims.csv", ledger)

    out = tmp_path / "export"
    _export(data, out)
    assert ids[310.0] not in {r["claim_id"] for r in _csv(out / "claims.csv")}
    history = {r["claim_id"]: r for r in _csv(out / "history.csv")}
    assert history[ids[310.0]]["status"] == "superseded"
    assert history[ids[310.0]]["status_at"] == "2026-01-03T00:00:00Z"
    assert len(history) == len(ids)

    plotted = build_report(read_claims(data / "processed" / "claims.csv"), tmp_path / "r").plotted
    assert ids[310.0] not in set(plotted["claim_id"])
    assert 310.0 not in set(plotted["value"])
    # Ledger rows given without a view are their current view: the same rows are left out.
    written = export_all(read_claims(data / "processed" / "claims.csv"), tmp_path / "plain")
    assert tmp_path / "plain" / "history.csv" in written
    assert ids[310.0] not in {r["claim_id"] for r in _csv(tmp_path / "plain" / "claims.csv")}


def _pdf_text(path: Path) -> str:
    """The text of a PDF's content streams (matplotlib writes them deflated)."""
    text = []
    for stream in re.findall(rb"stream\r?\n(.*?)\r?\nendstream", path.read_bytes(), re.S):
        try:
            text.append(zlib.decompress(stream).decode("latin-1"))
        except zlib.error:
            continue
    return "".join(text)
