"""CLI conventions: help with an example on every command, exit codes, --data-dir."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from click.testing import CliRunner

from tracker.cli import cli

COMMANDS = sorted(cli.commands)


def test_top_level_help_lists_every_command():
    result = CliRunner().invoke(cli, ["--help"])
    assert result.exit_code == 0
    for name in COMMANDS:
        assert name in result.output


@pytest.mark.parametrize("name", COMMANDS)
def test_every_command_has_help_with_an_example(name: str):
    result = CliRunner().invoke(cli, [name, "--help"])
    assert result.exit_code == 0
    assert "Example" in result.output and f"tracker {name}" in result.output


@pytest.mark.parametrize("name", ["ingest", "report", "export", "validate", "run", "repair",
                                  "reextract"])
def test_commands_that_touch_data_take_data_dir(name: str):
    assert "--data-dir" in CliRunner().invoke(cli, [name, "--help"]).output


def test_extract_needs_exactly_one_input():
    result = CliRunner().invoke(cli, ["extract"])
    assert result.exit_code == 2 and "PATH" in result.output


def test_extract_missing_file_is_a_clear_error(tmp_path: Path):
    result = CliRunner().invoke(cli, ["extract", str(tmp_path / "nope.txt")])
    assert result.exit_code == 2 and "nope.txt" in result.output


def test_extract_batch_reports_bad_lines_and_goes_on(tmp_path: Path):
    batch = tmp_path / "docs.jsonl"
    batch.write_text('{"id": "a", "text": "No figures here.", "published": "2025-01-02"}\n'
                     'not json\n{"id": "b"}\n', encoding="utf-8")
    result = CliRunner().invoke(cli, ["extract", "--jsonl", str(batch), "--format", "jsonl"])
    assert result.exit_code == 1
    assert "docs.jsonl:2" in result.output and "docs.jsonl:3" in result.output
    assert not [line for line in result.stdout.splitlines() if line.startswith("{")]


def test_validate_on_a_clean_ledger(project: Path):
    runner = CliRunner()
    data = str(project / "data")
    env = {"TRACKER_NOW": "2026-01-02T03:04:05Z"}
    assert runner.invoke(cli, ["ingest", "--sources", str(project / "sources.toml"),
                               "--data-dir", data], env=env).exit_code == 0
    result = runner.invoke(cli, ["validate", "--data-dir", data])
    assert result.exit_code == 0 and "2 claim(s), 0 failing" in result.output


def test_validate_flags_a_hand_edited_ledger(project: Path):
    runner = CliRunner()
    data = project / "data"
    runner.invoke(cli, ["ingest", "--sources", str(project / "sources.toml"), "--data-dir", str(data)])
    ledger = data / "processed" / "claims.csv"
    ledger.write_text(ledger.read_text().replace(",19.3,", ",190.3,"), encoding="utf-8")
    result = runner.invoke(cli, ["validate", "--data-dir", str(data)])
    # A damaged ledger is unusable input: every problem is listed with its line and column.
    assert result.exit_code == 2 and "between 0 and 100" in result.output
    assert "column claim_id" in result.output and "does not match the row's content" in result.output
    assert "1 failing" in result.stderr


def test_sources_lists_and_checks(project: Path):
    result = CliRunner().invoke(cli, ["sources", "--sources", str(project / "sources.toml")])
    assert result.exit_code == 0 and "figures" in result.output and "curated" in result.output


def test_extract_jsonl_output_has_doc_id_and_claim_columns(tmp_path: Path):
    batch = tmp_path / "docs.jsonl"
    batch.write_text(json.dumps({"id": "d1", "published": "2025-12-03", "language": "en",
                                 "text": "Russian forces seized about 500 sq km of Ukrainian "
                                         "territory in November, according to an AFP analysis "
                                         "of ISW data."}) + "\n", encoding="utf-8")
    result = CliRunner().invoke(cli, ["extract", "--jsonl", str(batch), "--format", "jsonl"])
    assert result.exit_code == 0
    lines = [json.loads(line) for line in result.stdout.splitlines() if line.startswith("{")]
    assert lines and all(line["doc_id"] == "d1" for line in lines)
    assert {"metric", "value", "qualifier", "actor", "territory", "period_start", "period_end",
            "as_of", "attribution", "quote"} <= set(lines[0])


# --- report options ----------------------------------------------------------------------


def _reported(project: Path) -> tuple[Path, Path]:
    """The project ingested and reported once: its data folder and report folder."""
    runner = CliRunner()
    data, out = project / "data", project / "reports"
    assert runner.invoke(cli, ["ingest", "--sources", str(project / "sources.toml"),
                               "--data-dir", str(data)]).exit_code == 0
    result = runner.invoke(cli, ["report", "--data-dir", str(data), "--out", str(out),
                                 "--sources", str(project / "sources.toml")])
    assert result.exit_code == 0, result.output
    assert (out / "report.pdf").is_file()
    return data, out


def _snapshot(folder: Path) -> dict[str, tuple[bytes, int]]:
    return {p.name: (p.read_bytes(), p.stat().st_mtime_ns) for p in sorted(folder.iterdir())}


@pytest.mark.parametrize("option, typo, meant", [("--metric", "area_gain_km2", "area_gained_km2"),
                                                 ("--conflict", "russia-ukrane", "russia-ukraine"),
                                                 ("--conflict", "Russia–Ukraine", "russia-ukraine")])
def test_report_refuses_an_unknown_value_with_a_suggestion(project: Path, option: str, typo: str,
                                                           meant: str):
    data, out = _reported(project)
    before = _snapshot(out)
    result = CliRunner().invoke(cli, ["report", "--data-dir", str(data), "--out", str(out),
                                      "--sources", str(project / "sources.toml"), option, typo])
    assert result.exit_code == 2
    assert option in result.output and typo in result.output
    assert f"did you mean '{meant}'" in result.output
    assert _snapshot(out) == before  # report.pdf and every other file untouched


def test_report_with_nothing_to_chart_exits_2_and_writes_nothing(project: Path):
    data, _ = _reported(project)
    runner = CliRunner()
    fresh = project / "fresh"
    result = runner.invoke(cli, ["report", "--data-dir", str(data), "--out", str(fresh),
                                 "--since", "2030"])
    assert result.exit_code == 2 and "no figure to chart" in result.output
    assert "Period: 2030" in result.output or "2030" in result.output
    # Run from the wrong folder: a data folder without a ledger.
    result = runner.invoke(cli, ["report", "--data-dir", str(project / "nowhere"), "--out", str(fresh)])
    assert result.exit_code == 2 and "no ledger" in result.output
    assert not fresh.exists()


def test_run_with_nothing_to_chart_still_exports_and_says_so(project: Path):
    """Example sources are never charted: the report has nothing to chart, writes nothing
    and the job exits 4 (not renewed), but the export is written all the same."""
    sources = project / "sources.toml"
    sources.write_text(sources.read_text(encoding="utf-8") + "example = true\n", encoding="utf-8")
    out = project / "reports"
    result = CliRunner().invoke(cli, ["run", "--sources", str(sources), "--data-dir",
                                      str(project / "data"), "--out", str(out)])
    assert result.exit_code == 4
    assert "no figure to chart" in result.output
    assert not (out / "report.pdf").exists()
    assert (out / "export" / "claims.csv").is_file()
