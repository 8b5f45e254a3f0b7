"""The main job on the bundled inputs, as `make run` runs it: outputs exist, re-runs are byte-identical."""

from __future__ import annotations

from pathlib import Path

import pandas as pd
from click.testing import CliRunner

from tracker.cli import cli
from tracker.ledger import read_claims


def run(folder: Path):
    return CliRunner().invoke(cli, ["run", "--sources", str(folder / "sources.toml"),
                                    "--data-dir", str(folder / "data"), "--out", str(folder / "reports")],
                              env={"TRACKER_NOW": "2026-01-02T03:04:05Z"})


def snapshot(folder: Path) -> dict[str, bytes]:
    files = [*(folder / "data" / "processed").rglob("*"), *(folder / "reports").rglob("*")]
    return {str(p.relative_to(folder)): p.read_bytes() for p in files if p.is_file()}


def test_main_job_on_bundled_inputs_then_rerun_is_byte_identical(bundled: Path):
    first = run(bundled)
    assert first.exit_code == 0, first.output
    claims = read_claims(bundled / "data" / "processed" / "claims.csv")
    assert {"curated", "reported"} <= set(claims["method"])
    assert claims["claim_id"].is_unique
    reports = bundled / "reports"
    assert list(reports.glob("*.png")) and (reports / "report.pdf").stat().st_size > 10_000
    exported = pd.read_csv(reports / "export" / "claims.csv")
    assert len(exported) == len(claims)
    before = snapshot(bundled)
    second = run(bundled)
    assert second.exit_code == 0
    assert snapshot(bundled) == before


def test_every_article_figure_keeps_its_quote_and_offsets(bundled: Path):
    assert run(bundled).exit_code == 0
    claims = read_claims(bundled / "data" / "processed" / "claims.csv")
    reported = claims[claims["method"] == "reported"]
    assert len(reported) >= 4
    for _, claim in reported.iterrows():
        assert claim["quote"] and claim["snapshot_sha256"]
        folder = bundled / "data" / "raw" / claim["source_id"]
        (raw,) = [p for p in folder.glob(claim["snapshot_sha256"] + ".*") if not p.name.endswith(".meta.json")]
        assert claim["quote"].split(",")[0][:30] in raw.read_text(encoding="utf-8")
