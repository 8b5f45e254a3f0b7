"""Reviewed figures as gold items (`tracker review export`) and the current extractor scored
against them (`tracker eval --reviewed`), on a data folder built by a real ingest of three
short articles (English, French, German) written for these tests."""

from __future__ import annotations

import json
import re
import shutil
import subprocess
import sys
from pathlib import Path

import pytest
from click.testing import CliRunner

from conftest import SHARED
from tracker.cli import cli
from tracker.cli_review_data import review_export
from tracker.ledger import read_claims
from tracker.review.evaluate import evaluate_reviewed, format_report
from tracker.review.gold import collect_reviewed, reviewed_items
from tracker.review.log import LOG_PATH, Decision, append_decision
from tracker.training.gold import load_items
from tracker.view import reading_fields

NOW = {"TRACKER_NOW": "2026-03-05T06:00:00Z"}

ARTICLES = {
    "en": ("Kyiv, 4 March. Russian forces captured about 420 square kilometres of Ukrainian "
           "territory in February, according to an AFP analysis of ISW data. Russia now controls "
           "19.5 percent of Ukraine, the analysis found.\n"),
    "fr": ("Kiev, 3 mars. Les troupes russes ont conquis 515 km2 en février, selon une analyse de "
           "l'AFP des données de l'ISW. Dans la région de Louhansk, la Russie contrôle désormais "
           "99 % du territoire.\n"),
    "de": ("Kiew, 2. März. Russland hat im Februar rund 380 Quadratkilometer erobert, wie eine "
           "AFP-Auswertung von ISW-Daten zeigt. Moskau kontrolliert nun etwa 19 Prozent der Ukraine.\n"),
}
PUBLISHED = {"en": "2026-03-04", "fr": "2026-03-03", "de": "2026-03-02"}


def invoke(command, *args: str):
    return CliRunner().invoke(command, list(args), env=NOW)


def export(*args: str):
    """`tracker review export ...` through the review group when it is there."""
    if "export" in getattr(cli.get_command(None, "review"), "commands", {}):
        return invoke(cli, "review", "export", *args)
    return invoke(review_export, *args)


@pytest.fixture(scope="module")
def _ingested(tmp_path_factory: pytest.TempPathFactory) -> Path:
    project = tmp_path_factory.mktemp("review-data")
    sources = ['[settings]\ncontact = "t@example.org"\n']
    for language, text in ARTICLES.items():
        (project / f"{language}.txt").write_text(text, encoding="utf-8")
        sources.append(f'[[source]]\nid = "wire-{language}"\nkind = "article"\npath = "{language}.txt"\n'
                       f'published = "{PUBLISHED[language]}"\npublisher = "Example desk"\n'
                       f'conflict = "russia-ukraine"\nlanguage = "{language}"\n')
    (project / "sources.toml").write_text("\n".join(sources), encoding="utf-8")
    result = invoke(cli, "ingest", "--sources", str(project / "sources.toml"),
                    "--data-dir", str(project / "data"))
    assert result.exit_code == 0, result.output
    return project


@pytest.fixture
def project(_ingested: Path, tmp_path: Path) -> Path:
    """A copy of the project after one ingest (built once), with no decision yet."""
    shutil.copytree(_ingested, tmp_path / "p")
    return tmp_path / "p"


def figures(data_dir: Path) -> dict[str, dict]:
    """The ledger's machine-read figures by their number as written ('420', '19.5', ...)."""
    claims = read_claims(data_dir / "processed" / "claims.csv")
    rows = claims[claims["method"] == "reported"].to_dict("records")
    found = {}
    for row in rows:
        language = row["source_id"].split("-")[1]
        text = ARTICLES[language]
        found[text[int(row["number_start"]):int(row["number_end"])]] = row
    assert set(found) == {"420", "19.5", "515", "99", "380", "19"}, found.keys()
    return found


def decide(data_dir: Path, row: dict, action: str, at: str, **extra) -> Decision:
    return append_decision(data_dir, Decision(
        action=action, claim_id=row["claim_id"], location_id=row["location_id"], reviewer="Olena",
        at=at, reading=reading_fields(row), **extra))


def review(data_dir: Path) -> dict[str, dict]:
    """English (reviewed in March): confirm 420, reject 19.5. French (April): correct 515 to
    551, confirm 99. German: confirm 380 only, so the document is partially reviewed."""
    rows = figures(data_dir)
    decide(data_dir, rows["420"], "confirm", "2026-03-10T09:00:00Z")
    decide(data_dir, rows["19.5"], "reject", "2026-03-10T09:01:00Z", reason="a share quoted as context")
    decide(data_dir, rows["515"], "correct", "2026-04-02T10:00:00Z", fields={"value": 551.0})
    decide(data_dir, rows["99"], "confirm", "2026-04-02T10:01:00Z")
    decide(data_dir, rows["380"], "confirm", "2026-04-03T08:00:00Z")
    return rows


def by_language(items: list[dict]) -> dict[str, dict]:
    return {item["language"]: item for item in items}


def test_export_items_hold_the_reviewed_values_and_leave_rejected_figures_out(project: Path) -> None:
    data = project / "data"
    rows = review(data)
    items, skipped = reviewed_items(data)
    assert [item["id"] for item in items] == sorted(item["id"] for item in items)
    english, french = by_language(items)["en"], by_language(items)["fr"]
    assert set(by_language(items)) == {"en", "fr"}
    assert english["text"] == ARTICLES["en"].strip() and french["text"] == ARTICLES["fr"].strip()
    assert english["published"] == "2026-03-04" and english["conflict"] == "russia-ukraine"
    assert english["publisher"] == "Example desk" and english["partial"] is False

    # The confirmed figure, with the fields the corpus uses and its surface as written.
    (confirmed,) = english["claims"]
    assert confirmed["metric"] == "area_gained_km2" and confirmed["value"] == 420
    assert confirmed["qualifier"] == "approx" and confirmed["actor"] == "Russia"
    assert (confirmed["period_start"], confirmed["period_end"], confirmed["as_of"]) == (
        "2026-02-01", "2026-02-28", None)
    assert confirmed["surface"] == "about 420 square kilometres"
    assert confirmed["surface"] in english["text"]
    assert confirmed["review"]["status"] == "confirmed" and confirmed["review"]["reviewer"] == "Olena"
    # The rejected figure is no claim: it is a distractor with the reviewer's reason.
    assert all(claim["value"] != 19.5 for claim in english["claims"])
    assert english["distractors"] == [{
        "surface": "19.5 percent", "kind": "rejected_in_review", "note": "a share quoted as context",
        "review": english["distractors"][0]["review"]}]
    assert {d["action"] for d in english["decisions"]} == {"confirm", "reject"}
    assert {d["at"] for d in english["decisions"]} == {"2026-03-10T09:00:00Z", "2026-03-10T09:01:00Z"}

    # The corrected value replaces the machine's; the number as written is not re-read.
    values = sorted(claim["value"] for claim in french["claims"])
    assert values == [99, 551]
    corrected = next(claim for claim in french["claims"] if claim["value"] == 551)
    assert corrected["surface"] == "515 km2" and corrected["value_original"] is None
    assert corrected["review"]["corrected_fields"] == ["value"]
    assert corrected["review"]["location_id"] == rows["515"]["location_id"]

    # The German document has a figure nobody reviewed: skipped, with the reason.
    (german,) = skipped
    assert german.doc_id.startswith("wire-de:") and "partially reviewed: 1 of 2" in german.reason


def test_partial_documents_are_kept_when_asked_and_marked(project: Path) -> None:
    data = project / "data"
    review(data)
    items, skipped = reviewed_items(data, include_partial=True)
    assert skipped == []
    german = by_language(items)["de"]
    assert german["partial"] is True
    assert [claim["value"] for claim in german["claims"]] == [380]
    assert [figure["surface"] for figure in german["unreviewed"]] == ["etwa 19 Prozent"]
    assert by_language(items)["en"]["partial"] is False


def test_export_command_writes_atomically_what_the_project_and_score_py_read(project: Path) -> None:
    data, out = project / "data", project / "reviewed.jsonl"
    review(data)
    result = export("--data-dir", str(data), "--out", str(out))
    assert result.exit_code == 0, result.output
    assert "wrote 2 item(s) with 3 claim(s)" in result.output
    assert "1 document(s) skipped: 1 partially reviewed" in result.output
    first = out.read_bytes()
    assert export("--data-dir", str(data), "--out", str(out)).exit_code == 0
    assert out.read_bytes() == first  # same log, same bytes
    assert not list(project.glob(".reviewed.jsonl.*"))  # no temporary file left
    items = load_items([out])  # the training code's reader of gold items
    assert [len(item["claims"]) for item in items] == [1, 2]

    result = export("--data-dir", str(data), "--out", str(out), "--include-partial")
    assert result.exit_code == 0, result.output
    assert "wrote 3 item(s) with 4 claim(s)" in result.output and "1 partial item(s)" in result.output


def test_eval_scores_a_correction_as_an_error_and_a_confirmation_as_a_hit(project: Path) -> None:
    data = project / "data"
    review(data)
    evaluation = evaluate_reviewed(data)
    overall = evaluation.overall
    # Gold: 420, 551 (corrected), 99. The extractor reads 420, 19.5 (rejected), 515, 99.
    assert (overall.documents, overall.gold, overall.predicted, overall.hits, overall.full) == (2, 3, 4, 2, 2)
    assert overall.core() == pytest.approx((0.5, 2 / 3, 4 / 7))
    march, april = evaluation.by_month["2026-03"], evaluation.by_month["2026-04"]
    assert list(evaluation.by_month) == ["2026-03", "2026-04"]
    assert (march.gold, march.predicted, march.hits) == (1, 2, 1)  # the rejected figure read again
    assert (april.gold, april.predicted, april.hits) == (2, 2, 1)  # 515 is not the 551 reviewed
    table = format_report(evaluation)
    assert re.search(r"^all\s+2\s+3\s+4\s+2\s+2\s+0\.500\s+0\.667\s+0\.571", table, re.MULTILINE)
    assert re.search(r"^2026-04\s+1\s+2\s+2\s+1\s+1\s+0\.500\s+0\.500\s+0\.500", table, re.MULTILINE)

    # With the partial German document: its reviewed figure is a hit, its unreviewed one
    # (read again by the extractor) is neither right nor wrong.
    evaluation = evaluate_reviewed(data, include_partial=True)
    overall = evaluation.overall
    assert (overall.documents, overall.gold, overall.predicted, overall.hits, overall.ignored) == (3, 4, 5, 3, 1)

    # The command scores partial documents by default; --complete-only as the export does.
    result = invoke(cli, "eval", "--reviewed", "--data-dir", str(data))
    assert result.exit_code == 0, result.output
    assert re.search(r"^all\s+3\s+4\s+5\s+3\s+", result.output, re.MULTILINE)
    result = invoke(cli, "eval", "--reviewed", "--complete-only", "--data-dir", str(data))
    assert result.exit_code == 0, result.output
    assert re.search(r"^all\s+2\s+3\s+4\s+2\s+2\s+0\.500\s+0\.667\s+0\.571", result.output, re.MULTILINE)
    assert "1 reviewed document(s) not scored: 1 partially reviewed" in result.output


def test_a_corrected_field_is_a_core_hit_but_no_full_match(project: Path) -> None:
    data = project / "data"
    rows = figures(data)
    decide(data, rows["420"], "correct", "2026-05-01T12:00:00Z", fields={"territory": "Donetsk oblast"})
    decide(data, rows["19.5"], "confirm", "2026-05-01T12:01:00Z")
    overall = evaluate_reviewed(data).overall
    assert (overall.gold, overall.predicted, overall.hits, overall.full) == (2, 2, 2, 1)
    assert overall.fields["territory"] == 1 and overall.fields["qualifier"] == 2
    assert overall.full_match() == pytest.approx((0.5, 0.5, 0.5))


def test_damaged_log_lines_are_reported_and_skipped(project: Path) -> None:
    data, out = project / "data", project / "reviewed.jsonl"
    review(data)
    log = data / LOG_PATH
    lines = log.read_bytes().split(b"\n")
    # A line edited into nonsense in the middle, and a last line cut short by a crash.
    log.write_bytes(b"\n".join(lines[:2] + [b'{"action": "confirm", "claim_id": 7}'] + lines[2:])
                    + b'{"action": "reject", "claim_')
    reviewed = collect_reviewed(data)
    assert [re.sub(r"^.*decisions\.jsonl:", "", p)[:2] for p in reviewed.problems] == ["3:", "7:"]
    assert reviewed.decisions == 5 and len(reviewed.items) == 2
    assert evaluate_reviewed(data).overall.hits == 2

    result = export("--data-dir", str(data), "--out", str(out))
    assert result.exit_code == 1, result.output  # done, with the damaged lines recorded
    assert "decisions.jsonl:3: damaged review decision skipped" in result.output
    assert "decisions.jsonl:7: damaged review decision skipped" in result.output
    assert len(load_items([out])) == 2
    result = invoke(cli, "eval", "--reviewed", "--data-dir", str(data))
    assert result.exit_code == 1 and "decisions.jsonl:7: damaged" in result.output


def test_nothing_reviewed_or_no_mode_exits_2_and_writes_nothing(project: Path) -> None:
    data, out = project / "data", project / "reviewed.jsonl"
    result = export("--data-dir", str(data), "--out", str(out))
    assert result.exit_code == 2 and "no reviewed figures" in result.output and not out.exists()
    result = invoke(cli, "eval", "--reviewed", "--data-dir", str(data))
    assert result.exit_code == 2 and "no reviewed figures" in result.output
    result = invoke(cli, "eval", "--data-dir", str(data))
    assert result.exit_code == 2 and "--reviewed" in result.output and "only mode" in result.output
    # Only the partial German document reviewed: nothing complete to export.
    decide(data, figures(data)["380"], "confirm", "2026-04-03T08:00:00Z")
    result = export("--data-dir", str(data), "--out", str(out))
    assert result.exit_code == 2 and "partially reviewed" in result.output and not out.exists()


def test_commands_are_registered_with_help_and_examples() -> None:
    result = CliRunner().invoke(cli, ["eval", "--help"])
    assert result.exit_code == 0 and "tracker eval --reviewed --data-dir data" in result.output
    result = CliRunner().invoke(review_export, ["--help"])
    assert result.exit_code == 0 and "tracker review export --data-dir data --out reviewed.jsonl" in result.output
    try:
        from tracker.cli_review import review as review_group
    except ImportError:
        pytest.skip("tracker/cli_review.py (the review group) is not there yet")
    assert review_group.get_command(None, "export") is review_export


GOLD_SCORER = SHARED / "gold" / "score.py"


@pytest.mark.skipif(not GOLD_SCORER.is_file(), reason="../shared/gold/score.py is absent")
def test_the_corpus_scorer_reads_the_export_and_agrees_with_eval(project: Path) -> None:
    data, out = project / "data", project / "reviewed.jsonl"
    review(data)
    assert export("--data-dir", str(data), "--out", str(out)).exit_code == 0
    tracker = Path(sys.executable).with_name("tracker")
    done = subprocess.run([sys.executable, str(GOLD_SCORER), str(out), "--cmd",
                           f"{tracker} extract --jsonl {{input}} --format jsonl"],
                          capture_output=True, text=True, timeout=300)
    assert done.returncode == 0, done.stderr
    assert "core P 0.500 R 0.667 F1 0.571; full-match F1 0.571" in done.stdout
    assert re.search(r"lang:fr\s+2\s+2\s+1\s", done.stdout)
    overall = evaluate_reviewed(data).overall
    assert f"core P {overall.core()[0]:.3f} R {overall.core()[1]:.3f}" in done.stdout
    assert json.loads(out.read_text(encoding="utf-8").splitlines()[0])["claims"]
