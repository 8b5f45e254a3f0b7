"""The report's flagged figures, change tracking, computed series and checks."""

from __future__ import annotations

import json
import shutil
import subprocess

import pandas as pd
import pytest
from click.testing import CliRunner

from tracker.cli import cli
from tracker.ledger import write_claims

from conftest import as_stored
from tracker.model import CLAIM_COLUMNS, Claim
from tracker.report import build_report, references_lines

AFP = "AFP analysis of ISW data"


def row(claim_id: str, **fields: object) -> dict[str, object]:
    record = Claim(claim_id=claim_id, conflict="russia-ukraine", metric="area_gained_km2",
                   actor="Russia", territory="Ukraine", attribution=AFP, method="curated",
                   url=f"https://example.org/{claim_id}", publisher=f"Paper {claim_id}").to_dict()
    record.update(fields)
    return record


def month(claim_id: str, start: str, end: str, value: float, **fields: object) -> dict[str, object]:
    return row(claim_id, period_start=start, period_end=end, value=value, **fields)


def share(claim_id: str, as_of: str, value: float, **fields: object) -> dict[str, object]:
    return row(claim_id, metric="share_controlled_pct", as_of=as_of, value=value, **fields)


@pytest.fixture
def claims() -> pd.DataFrame:
    rows = [
        month("aaaaaaaaaaaaaaa1", "2024-10-01", "2024-10-27", 478, flags="partial_period"),
        month("aaaaaaaaaaaaaaa2", "2024-10-01", "2024-10-31", 610, published_at="2024-12-02"),
        month("aaaaaaaaaaaaaaa3", "2024-11-01", "2024-11-30", 725, published_at="2024-12-02"),
        month("aaaaaaaaaaaaaaa4", "2024-11-01", "2024-11-30", 725, published_at="2024-12-03",
              quote="Russia took 725 km2 in November"),
        share("aaaaaaaaaaaaaaa5", "2026-01-01", 19.24, attribution="DeepState"),
        share("aaaaaaaaaaaaaaa6", "2026-01-01", 19.25, attribution="DeepState"),
        # The same producer's map measured by the tracker: a computed series beside the cited one.
        share("aaaaaaaaaaaaaaa7", "2025-12-01", 19.11, attribution="DeepState", method="computed",
              definition="spherical polygon area, DeepState occupied categories", url="",
              source_id="deepstate-maps"),
        share("aaaaaaaaaaaaaaa8", "2026-01-01", 19.26, attribution="DeepState", method="computed",
              definition="spherical polygon area, DeepState occupied categories", url="",
              source_id="deepstate-maps"),
    ]
    return pd.DataFrame(rows, columns=list(CLAIM_COLUMNS))


def test_flagged_table_lists_revisions_and_conflicting_copies_with_marks(claims, tmp_path):
    result = build_report(claims, tmp_path)
    marks = result.plotted.drop_duplicates("observation_id").set_index("value")["mark"]
    issues = {(r[0], r[3]) for r in result.flagged}
    assert (f"[{marks[478]}]", "revised (partial first release)") in issues
    assert (f"[{marks[610]}]", "revision") in issues
    assert (f"[{marks[19.24]}]", "conflicting copies") in issues
    assert (f"[{marks[19.25]}]", "conflicting copies") in issues
    assert not any("725" in r[1] for r in result.flagged)  # two relays of one figure: no flag
    lines = references_lines(result.plotted)
    assert any(line.startswith(f"[{marks[610]}]") for line in lines)


def test_references_have_one_entry_per_observation_with_its_citations(claims, tmp_path):
    result = build_report(claims, tmp_path)
    lines = references_lines(result.plotted)
    heads = [line for line in lines if line.startswith("[")]
    assert len(heads) == result.plotted["observation_id"].nunique() == result.plotted["mark"].max()
    november = [h for h in heads if "725 km²" in h]
    assert len(november) == 1  # two citations, one point
    assert sum("Paper aaaaaaaaaaaaaaa3" in line or "Paper aaaaaaaaaaaaaaa4" in line for line in lines) == 2
    assert any(f"— {AFP}" in head for head in heads)  # each figure names its producer once
    assert any("“Russia took 725 km2 in November”" in line for line in lines)
    computed = [h for h in heads if "computed from map geometry" in h]
    assert len(computed) == 2
    assert any("source deepstate-maps" in line for line in lines)


def test_computed_figures_are_their_own_series(claims, tmp_path):
    result = build_report(claims, tmp_path)
    shares = result.plotted[result.plotted["metric"] == "share_controlled_pct"]
    assert set(shares["method"]) == {"curated", "computed"}
    # A computed 19.26 on the same date as the cited 19.24/19.25 is neither a copy nor a revision.
    computed_rows = [r for r in result.flagged if "19.26" in r[1]]
    assert computed_rows == []


def test_changes_since_the_previous_report_and_stable_reruns(claims, tmp_path):
    first = build_report(claims, tmp_path)
    state = json.loads(first.state.read_text(encoding="utf-8"))
    [entry] = state.values()
    assert entry["baseline"] is None and entry["current"]
    pdf_before = first.pdf.read_bytes()
    build_report(claims, tmp_path)  # same data: the same comparison, the same bytes
    assert first.pdf.read_bytes() == pdf_before
    newer = pd.concat([claims, pd.DataFrame(
        [month("aaaaaaaaaaaaaaa9", "2024-12-01", "2024-12-31", 476, published_at="2025-01-03")],
        columns=list(CLAIM_COLUMNS))], ignore_index=True)
    second = build_report(newer, tmp_path)
    assert second.pdf.read_bytes() != pdf_before
    [entry] = json.loads(second.state.read_text(encoding="utf-8")).values()
    assert entry["baseline"] == next(iter(state.values()))["current"]
    changed = [k for k in entry["current"] if entry["current"][k] != entry["baseline"].get(k)]
    assert len(changed) == 1 and "AFP analysis of ISW data" in changed[0]
    assert entry["current"][changed[0]]["figure"].startswith("476 km²")


@pytest.mark.skipif(shutil.which("pdftotext") is None, reason="pdftotext (poppler) not installed")
def test_pdf_text_has_the_changes_the_table_and_failed_checks(claims, tmp_path):
    checks = pd.DataFrame([
        {"claim_id": "aaaaaaaaaaaaaaa3", "status": "exceeds_tolerance", "detail": "12.3 % above the map"},
        {"claim_id": "aaaaaaaaaaaaaaa2", "status": "ok", "detail": "within 5 %"},
    ])
    build_report(claims, tmp_path)
    newer = claims.assign(value=claims["value"].where(claims["claim_id"] != "aaaaaaaaaaaaaaa8", 19.3))
    result = build_report(newer, tmp_path, checks=checks)
    text = subprocess.run(["pdftotext", "-layout", str(result.pdf), "-"], capture_output=True,
                          text=True, check=True).stdout
    assert "What changed since the previous report" in text
    assert "19.26 %" in text and "19.3 %" in text  # the computed series moved
    assert "Flagged figures" in text
    assert "check exceeds_tolerance" in text and "12.3 % above the map" in text
    assert "within 5 %" not in text  # a passing check is not flagged


def test_cli_report_reads_checks_when_present_and_rejects_a_bad_window(claims, tmp_path):
    data = tmp_path / "data"
    stored = as_stored(claims)
    write_claims(data / "processed" / "claims.csv", stored)
    out = tmp_path / "reports"
    result = CliRunner().invoke(cli, ["report", "--data-dir", str(data), "--out", str(out)])
    assert result.exit_code == 0, result.output
    third = stored.loc[claims["claim_id"].eq("aaaaaaaaaaaaaaa3").to_numpy(), "claim_id"].iloc[0]
    pd.DataFrame([{"claim_id": third, "status": "impossible", "detail": "too big"}]).to_csv(
        data / "processed" / "checks.csv", index=False)
    result = CliRunner().invoke(cli, ["report", "--data-dir", str(data), "--out", str(out),
                                      "--conflict", "russia-ukraine", "--metric", "area_gained_km2"])
    assert result.exit_code == 0, result.output
    assert "report: 1 chart(s)" in result.output
    result = CliRunner().invoke(cli, ["report", "--data-dir", str(data), "--out", str(out),
                                      "--since", "last spring"])
    assert result.exit_code == 2
    assert "YYYY-MM-DD" in result.output


def test_footer_names_the_producers_plotted_and_says_what_was_computed(claims, tmp_path):
    from tracker.report import footer_text

    result = build_report(claims, tmp_path)
    shares = result.plotted[result.plotted["chart"] == "russia-ukraine_share_controlled_pct.png"]
    assert footer_text(shares) == (
        "Sources: DeepState (via Paper aaaaaaaaaaaaaaa5, Paper aaaaaaaaaaaaaaa6, computed from its maps)."
    )
