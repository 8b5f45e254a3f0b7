"""The files of each chart (tracker/report/outputs.py): print and web PNG, SVG, the CSV of
the points drawn and the JSON sidecar; their atomic replacement and the clean-up of files
no longer made. Real files on a temp disk, from a small ledger of the tests' own."""

from __future__ import annotations

import csv
import io
import json
import struct
from pathlib import Path

import pandas as pd
import pytest

from tracker.model import CLAIM_COLUMNS, Claim
from tracker.publishing import Publishing
from tracker.report import build_report
from tracker.report.outputs import CSV_COLUMNS, MANIFEST_NAME, WEB_WIDTH_PX

PUBLISHING = Publishing(credit="Test desk", licence="CC0-1.0")
SIDECAR_KEYS = {"title", "subtitle", "unit", "definitions", "producers", "sources", "first_date",
                "last_date", "credit", "credit_line", "licence", "alt_text", "files"}


def _row(**fields: object) -> dict[str, object]:
    row = Claim(conflict="testland-war", actor="North", territory="Testland",
                method="curated").to_dict()
    row.update(fields)
    row["claim_id"] = f"id-{row['url']}-{row['metric']}-{row['value']}"
    return row


def _month(month: str, value: float, producer: str, publisher: str, **fields: object) -> dict:
    period = pd.Period(month, "M")
    return _row(metric="area_gained_km2", value=value, period_start=f"{period.start_time:%Y-%m-%d}",
                period_end=f"{period.end_time:%Y-%m-%d}", attribution=producer,
                publisher=publisher, url=f"https://{publisher.lower()}.test/{month}",
                published_at=f"{month}-28", **fields)


def _held(as_of: str, value: float, producer: str, publisher: str, **fields: object) -> dict:
    return _row(metric="share_controlled_pct", value=value, as_of=as_of, attribution=producer,
                publisher=publisher, url=f"https://{publisher.lower()}.test/{as_of}", **fields)


# Three figures per chart at least: fewer are left to the report's summary, not drawn.
def _ledger(*rows: dict) -> pd.DataFrame:
    return pd.DataFrame(list(rows), columns=list(CLAIM_COLUMNS))


@pytest.fixture
def claims() -> pd.DataFrame:
    return _ledger(
        _month("2025-01", 120, "Mapper A", "Daily", definition="assessed advances"),
        # One figure relayed by two publishers: one point, two citations.
        _month("2025-02", 80, "Mapper A", "Daily"),
        _month("2025-02", 80, "Mapper A", "Weekly"),
        _month("2025-03", 95, "Mapper B", "Gazette", qualifier="approx"),
        _held("2025-01-15", 12.5, "Mapper A", "Daily"),
        _held("2025-02-15", 12.7, "Mapper A", "Daily"),
        _held("2025-03-31", 13.0, "Mapper B", "Gazette", value_min=12.8, value_max=13.2,
              qualifier="range"),
    )


def _png_size(path: Path) -> tuple[int, int]:
    return struct.unpack(">II", path.read_bytes()[16:24])


def _contents(folder: Path) -> dict[str, bytes]:
    return {path.name: path.read_bytes() for path in sorted(folder.iterdir())}


def test_every_chart_has_its_five_files(claims, tmp_path):
    result = build_report(claims, tmp_path, publishing=PUBLISHING)
    assert [p.name for p in result.charts] == ["testland-war_area_gained_km2.png",
                                               "testland-war_share_controlled_pct.png"]
    for chart in result.charts:
        stem = chart.name.removesuffix(".png")
        assert _png_size(chart) == (round(11.69 * 200), round(8.27 * 200))
        web_width, web_height = _png_size(tmp_path / f"{stem}_web.png")
        assert abs(web_width - WEB_WIDTH_PX) <= 2 and web_height < web_width
        svg = (tmp_path / f"{stem}.svg").read_text(encoding="utf-8")
        assert "<svg" in svg and "<dc:date>" not in svg and "Matplotlib" not in svg
        for suffix in (".csv", ".json"):
            assert (tmp_path / f"{stem}{suffix}").is_file()
    names = {p.name for p in result.files}
    assert names == {"report.pdf"} | {f"{c.name.removesuffix('.png')}{s}" for c in result.charts
                                      for s in (".png", "_web.png", ".svg", ".csv", ".json")}


def test_the_csv_holds_exactly_the_points_drawn(claims, tmp_path):
    result = build_report(claims, tmp_path, publishing=PUBLISHING)
    for chart in result.charts:
        drawn = result.plotted[result.plotted["chart"] == chart.name]
        table = tmp_path / chart.name.replace(".png", ".csv")
        rows = list(csv.DictReader(io.StringIO(table.read_text(encoding="utf-8"))))
        assert tuple(rows[0]) == CSV_COLUMNS
        assert [int(r["mark"]) for r in rows] == sorted(drawn["mark"].unique())
        citations = drawn.groupby("mark").size()
        assert [int(r["citations"]) for r in rows] == [int(citations[int(r["mark"])]) for r in rows]
    gained = list(csv.DictReader(open(tmp_path / "testland-war_area_gained_km2.csv", encoding="utf-8")))
    assert [(r["period_start"], r["value"], r["producer"]) for r in gained] == [
        ("2025-01-01", "120", "Mapper A"), ("2025-02-01", "80", "Mapper A"),
        ("2025-03-01", "95", "Mapper B")]
    assert gained[1]["citations"] == "2" and gained[1]["first_publisher"] == "Daily"
    assert gained[1]["first_url"] == "https://daily.test/2025-02"
    assert gained[2]["qualifier"] == "approx" and gained[0]["definition"] == "assessed advances"
    held = list(csv.DictReader(open(tmp_path / "testland-war_share_controlled_pct.csv", encoding="utf-8")))
    assert [(r["as_of"], r["value"], r["value_min"], r["value_max"]) for r in held] == [
        ("2025-01-15", "12.5", "", ""), ("2025-02-15", "12.7", "", ""),
        ("2025-03-31", "13", "12.8", "13.2")]


def test_the_sidecar_describes_the_chart(claims, tmp_path):
    build_report(claims, tmp_path, publishing=PUBLISHING)
    gained = json.loads((tmp_path / "testland-war_area_gained_km2.json").read_text(encoding="utf-8"))
    assert SIDECAR_KEYS <= set(gained)
    assert (gained["first_date"], gained["last_date"]) == ("2025-01-01", "2025-03-31")
    assert gained["unit"] == "km²" and gained["definitions"] == ["assessed advances"]
    assert gained["producers"] == ["Mapper A", "Mapper B"]
    assert {"publisher": "Weekly", "url": "https://weekly.test/2025-02"} in gained["sources"]
    assert gained["credit"] == "Test desk"
    assert gained["licence"]["id"] == "CC0-1.0" and gained["licence"]["url"].startswith("https://")
    alt = gained["alt_text"]
    assert alt.startswith("Bar chart") and "North in Testland" in alt and "2025-01-01 to 2025-03-31" in alt
    assert "Mapper B: ≈ 95 km², 2025-03" in alt
    held = json.loads((tmp_path / "testland-war_share_controlled_pct.json").read_text(encoding="utf-8"))
    assert (held["first_date"], held["last_date"]) == ("2025-01-15", "2025-03-31")
    assert held["alt_text"].startswith("Line chart") and "as of 2025-03-31" in held["alt_text"]


def test_two_runs_give_the_same_bytes_and_a_rerun_touches_nothing(claims, tmp_path):
    build_report(claims, tmp_path / "one", publishing=PUBLISHING)
    build_report(claims.iloc[::-1], tmp_path / "two", publishing=PUBLISHING)
    assert _contents(tmp_path / "one") == _contents(tmp_path / "two")
    stamps = {p.name: p.stat().st_mtime_ns for p in (tmp_path / "one").iterdir()}
    build_report(claims, tmp_path / "one", publishing=PUBLISHING)
    assert {p.name: p.stat().st_mtime_ns for p in (tmp_path / "one").iterdir()} == stamps


def test_files_of_a_chart_no_longer_made_are_removed_and_no_other(claims, tmp_path):
    build_report(claims, tmp_path, publishing=PUBLISHING)
    # Files the tracker did not write, one of them named like a chart file.
    (tmp_path / "notes.txt").write_text("mine", encoding="utf-8")
    (tmp_path / "testland-war_my_own.png").write_bytes(b"mine")
    result = build_report(claims, tmp_path, metrics=["area_gained_km2"], publishing=PUBLISHING)
    names = set(_contents(tmp_path))
    assert not [name for name in names if "share_controlled" in name]
    assert {p.name for p in result.removed} == {
        f"testland-war_share_controlled_pct{s}" for s in (".png", "_web.png", ".svg", ".csv", ".json")}
    assert {"notes.txt", "testland-war_my_own.png", "testland-war_area_gained_km2.png"} <= names
    manifest = json.loads((tmp_path / MANIFEST_NAME).read_text(encoding="utf-8"))
    assert manifest["files"] == sorted(p.name for p in result.files)


def test_a_manifest_naming_other_files_deletes_none_of_them(claims, tmp_path):
    (tmp_path / "precious.txt").write_text("mine", encoding="utf-8")
    (tmp_path / MANIFEST_NAME).write_text(json.dumps({"files": ["precious.txt", "../outside.png"]}),
                                          encoding="utf-8")
    (tmp_path.parent / "outside.png").write_bytes(b"mine")
    build_report(claims, tmp_path, publishing=PUBLISHING)
    assert (tmp_path / "precious.txt").exists() and (tmp_path.parent / "outside.png").exists()


def test_a_failing_render_leaves_the_previous_report_whole(claims, tmp_path, monkeypatch):
    build_report(claims, tmp_path, publishing=PUBLISHING)
    before = _contents(tmp_path)
    import tracker.report.outputs as outputs

    rendered: list[str] = []
    real_svg = outputs._svg

    def fail_on_the_second_chart(figure, described):
        rendered.append(described["Title"])
        if len(rendered) == 2:
            raise RuntimeError("renderer crashed")
        return real_svg(figure, described)

    monkeypatch.setattr(outputs, "_svg", fail_on_the_second_chart)
    newer = pd.concat([claims, _ledger(_month("2025-04", 60, "Mapper A", "Daily"))])
    with pytest.raises(RuntimeError, match="renderer crashed"):
        build_report(newer, tmp_path, publishing=PUBLISHING)
    assert len(rendered) == 2  # the first chart's new files were rendered, never written
    assert _contents(tmp_path) == before
