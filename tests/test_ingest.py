"""The ingest job end to end on a real temp disk: bad rows, bad config, re-runs, crashes."""

from __future__ import annotations

import csv
import os
import signal
import subprocess
import sys
import time
from pathlib import Path

import pandas as pd
from click.testing import CliRunner

from tests.conftest import curated_row, write_curated
from tracker.cli import cli
from tracker.schemas import split_valid
from tracker.ledger import read_claims

NOW = {"TRACKER_NOW": "2026-01-02T03:04:05Z"}


def ingest(project: Path, *extra: str):
    runner = CliRunner()
    return runner.invoke(cli, ["ingest", "--sources", str(project / "sources.toml"),
                               "--data-dir", str(project / "data"), *extra], env=NOW)


def ledger(project: Path) -> pd.DataFrame:
    return read_claims(project / "data" / "processed" / "claims.csv")


def test_ingest_stores_claims_raw_bytes_and_sidecar(project: Path):
    result = ingest(project)
    assert result.exit_code == 0, result.output
    claims = ledger(project)
    assert sorted(claims["metric"]) == ["area_gained_km2", "share_controlled_pct"]
    assert set(claims["method"]) == {"curated"}
    raw = list((project / "data" / "raw" / "figures").glob("*.csv"))
    assert len(raw) == 1
    assert raw[0].read_bytes() == (project / "inputs" / "figures.csv").read_bytes()
    sidecar = raw[0].with_suffix(".meta.json").read_text()
    assert '"retrieved_at": "2026-01-02T03:04:05Z"' in sidecar and raw[0].stem in sidecar
    assert set(claims["snapshot_sha256"]) == {raw[0].stem}


def test_second_run_changes_no_processed_byte(project: Path):
    assert ingest(project).exit_code == 0
    processed = project / "data" / "processed"
    before = {p.name: (p.read_bytes(), p.stat().st_mtime_ns) for p in processed.iterdir()}
    assert ingest(project).exit_code == 0
    after = {p.name: (p.read_bytes(), p.stat().st_mtime_ns) for p in processed.iterdir()}
    assert before == after


def test_bad_rows_are_quarantined_good_rows_stored_earlier_ledger_intact(project: Path):
    assert ingest(project).exit_code == 0
    earlier = set(ledger(project)["claim_id"])
    path = project / "inputs" / "figures.csv"
    write_curated(path, [
        curated_row(value="650", url="https://example.org/good"),
        curated_row(value="-20"),
        curated_row(metric="share_controlled_pct", value="140", period_start="", period_end="",
                    as_of="2025-11-30"),
        curated_row(metric="area_seized"),
        curated_row(period_start="2025-12-01", period_end="2025-11-01"),
        curated_row(url=""),
        curated_row(value="seven hundred"),
    ])
    with path.open("a", encoding="utf-8") as handle:
        handle.write("russia-ukraine,area_gained_km2,5\n")  # a truncated line
    result = ingest(project)
    assert result.exit_code == 3  # rows quarantined, every source answered
    messages = [line for line in result.output.splitlines() if "rejected inputs" in line]
    assert len(messages) == 7, result.output
    for expected in ("cannot be negative", "between 0 and 100", "unknown metric",
                     "period_start is after period_end", "url: missing",
                     "is not a number", "fields, expected"):
        assert any(expected in m for m in messages), expected
    # each message names the file and line of its row
    assert {m.split("inputs/figures.csv:")[1].split(":")[0] for m in messages} == {
        "3", "4", "5", "6", "7", "8", "9"}
    claims = ledger(project)
    assert earlier <= set(claims["claim_id"])
    assert 650.0 in set(claims["value"])
    quarantine = pd.read_csv(project / "data" / "processed" / "quarantine.csv")
    assert len(quarantine) == 7 and quarantine["reason"].notna().all()
    _, failing = split_valid(claims)
    assert failing.empty


def test_missing_or_malformed_sources_file_exits_2_and_writes_nothing(project: Path):
    (project / "sources.toml").unlink()
    result = ingest(project)
    assert result.exit_code == 2 and "sources.toml" in result.output
    (project / "sources.toml").write_text("[[source]\nid = 'x'", encoding="utf-8")
    result = ingest(project)
    assert result.exit_code == 2 and "not valid TOML" in result.output
    (project / "sources.toml").write_text('[[source]]\nid = "x"\nkind = "curated"\n', encoding="utf-8")
    result = ingest(project)
    assert result.exit_code == 2 and "'x'" in result.output and "path" in result.output
    assert not (project / "data").exists()


def test_unknown_key_and_kind_are_named(project: Path):
    (project / "sources.toml").write_text(
        '[[source]]\nid = "x"\nkind = "curated"\npath = "a.csv"\npth = "b"\n', encoding="utf-8")
    result = ingest(project)
    assert result.exit_code == 2 and "pth" in result.output
    (project / "sources.toml").write_text('[[source]]\nid = "x"\nkind = "ftp"\n', encoding="utf-8")
    result = ingest(project)
    assert result.exit_code == 2 and "'ftp'" in result.output


def test_a_failing_source_does_not_stop_the_others(project: Path):
    with (project / "sources.toml").open("a", encoding="utf-8") as handle:
        handle.write('\n[[source]]\nid = "gone"\nkind = "curated"\npath = "inputs/missing.csv"\n')
    result = ingest(project)
    assert result.exit_code == 1 and "missing.csv" in result.output
    assert len(ledger(project)) == 2
    health = list(csv.DictReader((project / "data" / "state" / "source_health.csv").open()))
    by_id = {row["source_id"]: row for row in health}
    assert by_id["gone"]["status"] == "failed" and by_id["gone"]["consecutive_failures"] == "1"
    assert by_id["figures"]["status"] == "ok"


def test_sigkill_midway_then_rerun_leaves_a_valid_ledger_without_duplicates(project: Path):
    # Big enough that the job is still running when it is killed.
    rows = [curated_row(value=str(100 + i), url=f"https://example.org/{i}") for i in range(20000)]
    write_curated(project / "inputs" / "figures.csv", rows[:10])
    assert ingest(project).exit_code == 0
    before = (project / "data" / "processed" / "claims.csv").read_bytes()
    write_curated(project / "inputs" / "figures.csv", rows)
    command = [sys.executable, "-m", "tracker", "ingest", "--sources", "sources.toml",
               "--data-dir", "data"]
    env = {**os.environ, **NOW}
    for delay_s in (0.3, 1.0, 2.0):
        process = subprocess.Popen(command, cwd=project, env=env, stdout=subprocess.DEVNULL,
                                   stderr=subprocess.DEVNULL)
        time.sleep(delay_s)
        process.send_signal(signal.SIGKILL)
        process.wait()
        current = (project / "data" / "processed" / "claims.csv").read_bytes()
        # Either the old ledger or a complete new one, never a partial file.
        assert current == before or len(read_claims(project / "data" / "processed" / "claims.csv")) == 20000
    finished = subprocess.run(command, cwd=project, env=env, capture_output=True, text=True)
    assert finished.returncode == 0, finished.stderr
    claims = ledger(project)
    assert len(claims) == 20000 and claims["claim_id"].is_unique
    _, failing = split_valid(claims)
    assert failing.empty
