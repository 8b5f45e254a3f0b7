"""A run with nothing new keeps the report and export it made (tracker/unchanged_outputs.py),
and draws or writes them again as soon as an input or one of their files differs."""

from __future__ import annotations

from pathlib import Path

from click.testing import CliRunner

from tracker.cli import cli


def invoke(*args: str):
    return CliRunner().invoke(cli, list(args), env={"TRACKER_NOW": "2026-01-02T03:04:05Z"})


def run(folder: Path):
    return invoke("run", "--sources", str(folder / "sources.toml"), "--data-dir",
                  str(folder / "data"), "--out", str(folder / "reports"))


def report(folder: Path):
    return invoke("report", "--sources", str(folder / "sources.toml"), "--data-dir",
                  str(folder / "data"), "--out", str(folder / "reports"))


def test_nothing_new_keeps_both_and_a_changed_file_or_setting_makes_them_again(project: Path):
    assert run(project).exit_code == 0
    reports = project / "reports"
    pdf = (reports / "report.pdf").read_bytes()
    second = run(project)
    assert second.exit_code == 0, second.output
    assert "report: inputs unchanged" in second.output
    assert "export: inputs unchanged" in second.output
    # A file of the report changed by hand: the report is drawn again, the same bytes.
    (reports / "report.pdf").write_bytes(b"%PDF-1.4 damaged")
    again = report(project)
    assert again.exit_code == 0 and "inputs unchanged" not in again.output
    assert (reports / "report.pdf").read_bytes() == pdf
    # An export file removed: the export is written again.
    (reports / "export" / "claims.csv").unlink()
    exported = invoke("export", "--sources", str(project / "sources.toml"), "--data-dir",
                      str(project / "data"), "--out", str(reports / "export"))
    assert exported.exit_code == 0 and "inputs unchanged" not in exported.output
    assert (reports / "export" / "claims.csv").is_file()
    # A publishing setting changed: every chart carries the credit, so all are drawn again.
    sources = project / "sources.toml"
    sources.write_text(sources.read_text(encoding="utf-8").replace(
        "[settings]\n", '[settings]\ncredit = "Another desk"\n'), encoding="utf-8")
    redrawn = report(project)
    assert redrawn.exit_code == 0 and "inputs unchanged" not in redrawn.output
    assert (reports / "report.pdf").read_bytes() != pdf


def test_other_options_are_other_inputs(project: Path):
    assert run(project).exit_code == 0
    narrowed = invoke("report", "--sources", str(project / "sources.toml"), "--data-dir",
                      str(project / "data"), "--out", str(project / "reports"),
                      "--metric", "area_gained_km2")
    assert narrowed.exit_code == 0 and "inputs unchanged" not in narrowed.output
    assert "inputs unchanged" in invoke(
        "report", "--sources", str(project / "sources.toml"), "--data-dir",
        str(project / "data"), "--out", str(project / "reports"),
        "--metric", "area_gained_km2").output


def test_a_new_figure_makes_them_again(project: Path):
    from conftest import curated_row, write_curated

    assert run(project).exit_code == 0
    write_curated(project / "inputs" / "figures.csv", [
        curated_row(), curated_row(period_start="2025-10-01", period_end="2025-10-31", value="461")])
    result = run(project)
    assert result.exit_code == 0, result.output
    assert "inputs unchanged" not in result.output
