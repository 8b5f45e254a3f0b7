"""The report: charts and PDF from a small hand-written ledger, in real temp directories."""

from __future__ import annotations

import struct
from pathlib import Path

import pandas as pd
import pytest

from tracker.model import CLAIM_COLUMNS, Claim
from tracker.report import PLOTTED_COLUMNS, build_report, footer_text, references_lines

AFP = "AFP analysis of ISW data"


def claim_row(**fields: object) -> dict[str, object]:
    """One ledger row: the Claim defaults, overridden by `fields`, with a unique id."""
    row = Claim(conflict="russia-ukraine", actor="Russia", territory="Ukraine").to_dict()
    row.update(fields)
    row["claim_id"] = row["claim_id"] or f"id-{row['url']}-{row['metric']}-{row['value']}"
    return row


def monthly(month: str, value: float, attribution: str, publisher: str, **fields: object) -> dict:
    start = pd.Period(month, "M")
    return claim_row(
        metric="area_gained_km2", value=value, period_start=f"{start.start_time:%Y-%m-%d}",
        period_end=f"{start.end_time:%Y-%m-%d}", attribution=attribution, publisher=publisher,
        url=f"https://{publisher.lower().replace(' ', '')}.example/{month}", published_at=f"{month}-28",
        **fields,
    )


def share(as_of: str, value: float, attribution: str, publisher: str, **fields: object) -> dict:
    return claim_row(
        metric="share_controlled_pct", value=value, as_of=as_of, attribution=attribution,
        publisher=publisher, url=f"https://{publisher.lower()}.example/{as_of}", **fields,
    )


@pytest.fixture
def claims() -> pd.DataFrame:
    rows = [
        monthly("2024-10", 610, AFP, "Moscow Times"),
        # One AFP figure relayed by two outlets: one point, two citations.
        monthly("2024-11", 725, AFP, "Moscow Times", quote="Russia took 725 km2 in November"),
        monthly("2024-11", 725, AFP, "Arab News", quote="=725 km2, a record"),
        monthly("2024-11", 730, "DeepState", "Kyiv Independent"),
        # A first release covering 1-27 October only, hedged.
        claim_row(metric="area_gained_km2", value=478, qualifier="approx", period_start="2024-10-01",
                  period_end="2024-10-27", attribution=AFP, publisher="SpaceWar",
                  url="https://spacewar.example/oct"),
        # A range, and a quote with dollar signs that must not be read as TeX.
        claim_row(metric="area_gained_km2", value_min=150, value_max=200, qualifier="range",
                  period_start="2024-12-01", period_end="2024-12-31", attribution="UK MoD",
                  publisher="HuffPost UK", url="https://huffpost.example/dec",
                  quote="It cost $5bn and $3bn"),
        # Another territory for the same metric: not the most cited pair, so not plotted.
        claim_row(metric="area_gained_km2", value=155, period_start="2024-07-01",
                  period_end="2024-07-30", territory="Donetsk oblast",
                  attribution="Donetsk analyst", publisher="Local Paper", url="https://local.example/x"),
        share("2024-10-27", 18.2, AFP, "SpaceWar"),
        share("2024-11-30", 18.4, AFP, "Moscow Times", qualifier="at_least"),
        share("2025-01-01", 19.25, "DeepState", "online.ua", qualifier="approx"),
        claim_row(conflict="israel-gaza", metric="share_controlled_pct", value=53, actor="Israel",
                  territory="Gaza Strip", as_of="2025-10-10", attribution="IDF",
                  publisher="Times of Israel", url="https://toi.example/x"),
        # Unplottable: a stock without a date, a flow without a period.
        claim_row(metric="share_controlled_pct", value=20, attribution=AFP, url="https://x.example/1"),
        claim_row(metric="area_gained_km2", value=99, attribution=AFP, url="https://x.example/2"),
    ]
    return pd.DataFrame(rows, columns=list(CLAIM_COLUMNS))


def test_writes_one_chart_per_conflict_and_metric_and_the_pdf(claims, tmp_path):
    messages: list[str] = []
    result = build_report(claims, tmp_path, progress=messages.append)
    # The one Israel-Gaza figure makes no chart (fewer than three): it stays in the
    # plotted rows, with its mark, for the summary and the references.
    assert [p.name for p in result.charts] == [
        "russia-ukraine_area_gained_km2.png",
        "russia-ukraine_share_controlled_pct.png",
    ]
    assert "israel-gaza_share_controlled_pct.png" in set(result.plotted["chart"])
    assert not (tmp_path / "israel-gaza_share_controlled_pct.png").exists()
    assert all(p.stat().st_size > 10_000 for p in result.charts)
    assert result.pdf == tmp_path / "report.pdf"
    assert result.pdf.read_bytes().startswith(b"%PDF")
    assert [m for m in messages if m.startswith("chart written")] == [
        f"chart written: {p}" for p in result.charts
    ]


def test_png_is_print_resolution(claims, tmp_path):
    chart = build_report(claims, tmp_path).charts[0]
    width_px, height_px = struct.unpack(">II", chart.read_bytes()[16:24])
    assert (width_px, height_px) == (round(11.69 * 200), round(8.27 * 200))


def test_plotted_has_one_row_per_citation_with_a_shared_mark_for_duplicates(claims, tmp_path):
    plotted = build_report(claims, tmp_path).plotted
    assert tuple(plotted.columns) == PLOTTED_COLUMNS
    november = plotted[plotted["period_start"] == "2024-11-01"]
    afp = november[november["attribution"] == AFP]
    assert sorted(afp["publisher"]) == ["Arab News", "Moscow Times"]
    assert afp["mark"].nunique() == 1
    deepstate_mark = november.loc[november["attribution"] == "DeepState", "mark"].item()
    assert deepstate_mark != afp["mark"].iloc[0]
    assert sorted(plotted["mark"].unique()) == list(range(1, plotted["mark"].nunique() + 1))


def test_only_the_most_cited_actor_and_territory_and_dated_figures_are_plotted(claims, tmp_path):
    plotted = build_report(claims, tmp_path).plotted
    gains = plotted[plotted["metric"] == "area_gained_km2"]
    assert set(zip(gains["actor"], gains["territory"])) == {("Russia", "Ukraine")}
    assert "https://x.example/1" not in set(plotted["url"])
    assert "https://x.example/2" not in set(plotted["url"])


def test_partial_periods_are_flagged(claims, tmp_path):
    plotted = build_report(claims, tmp_path).plotted
    partial = plotted.loc[plotted["is_partial"], "url"].tolist()
    assert partial == ["https://spacewar.example/oct"]


def test_references_list_every_plotted_point_and_all_its_citations(claims, tmp_path):
    plotted = build_report(claims, tmp_path).plotted
    lines = references_lines(plotted)
    heads = [line for line in lines if line.startswith("[")]
    assert [h.split("]")[0] for h in heads] == [f"[{m}" for m in sorted(plotted["mark"].unique())]
    for _, citation in plotted.iterrows():
        assert any(citation["url"] in line and citation["publisher"] in line for line in lines)
    assert any(line.startswith("[") and "150–200 km²" in line for line in lines)
    assert any("≈ 478 km²" in line and "(partial)" in line for line in lines)


def test_footer_names_exactly_the_attributions_and_publishers_plotted(claims, tmp_path):
    plotted = build_report(claims, tmp_path).plotted
    gains = plotted[plotted["chart"] == "russia-ukraine_area_gained_km2.png"]
    assert footer_text(gains) == (
        "Sources: AFP analysis of ISW data (via Arab News, Moscow Times, SpaceWar); "
        "DeepState (via Kyiv Independent); UK MoD (via HuffPost UK)."
    )
    assert "Donetsk analyst" not in footer_text(plotted)


def test_footer_falls_back_to_the_web_site_when_publisher_is_missing():
    rows = pd.DataFrame([claim_row(attribution="DeepState", url="https://www.pravda.com.ua/a")])
    assert footer_text(rows) == "Sources: DeepState (via pravda.com.ua)."


def test_same_data_gives_byte_identical_files_whatever_the_row_order(claims, tmp_path):
    first = build_report(claims, tmp_path / "a")
    shuffled = claims.sample(frac=1, random_state=7)
    second = build_report(shuffled, tmp_path / "b")
    written = [*first.charts, first.pdf]
    assert [p.name for p in written] == [p.name for p in [*second.charts, second.pdf]]
    for path in written:
        assert path.read_bytes() == (tmp_path / "b" / path.name).read_bytes(), path.name
    pd.testing.assert_frame_equal(first.plotted, second.plotted)


def test_filters_by_conflict_metric_and_window(claims, tmp_path):
    result = build_report(claims, tmp_path, conflict="russia-ukraine", since="2024-11",
                          until="2024-11", metrics=["area_gained_km2"])
    # Two November figures are too few for a chart: none is drawn, both are in the summary.
    assert result.charts == []
    assert set(result.plotted["chart"]) == {"russia-ukraine_area_gained_km2.png"}
    assert set(result.plotted["period_start"]) == {"2024-11-01"}


def test_a_malformed_window_is_a_clear_error(claims, tmp_path):
    with pytest.raises(ValueError, match="YYYY-MM-DD"):
        build_report(claims, tmp_path, since="last spring")


def test_empty_ledger_writes_nothing(tmp_path):
    """Nothing to chart is an error, raised before any file is written: an empty report
    must not replace a good one (the CLI exits 2 with the message)."""
    from tracker.report.build import NothingToChart

    out = tmp_path / "reports"
    for ledger in (pd.DataFrame(), pd.DataFrame(columns=list(CLAIM_COLUMNS))):
        with pytest.raises(NothingToChart, match="no figure to chart"):
            build_report(ledger, out)
    assert not out.exists()


def test_no_temporary_files_are_left_behind(claims, tmp_path):
    build_report(claims, tmp_path)
    assert not [p for p in Path(tmp_path).iterdir()
                if p.name.startswith(".") and p.name not in (".last_report.json", ".report_files.json")]
    assert not [p for p in Path(tmp_path).iterdir() if p.name.endswith(".tmp")]


def test_a_missing_date_prints_as_a_question_mark_whatever_marks_it():
    """A frame marks a missing date with None or NaN depending on its other cells; the
    flagged table prints '?' for either (it printed 'nan' for NaN)."""
    from tracker.report.flagged import figure_text

    row = dict(metric="area_gained_km2", value=300.0, value_min=float("nan"),
               value_max=float("nan"), qualifier="exact", period_end="2025-02-28",
               actor="Russia", territory="Ukraine")
    for missing in (None, "", float("nan")):
        assert figure_text({**row, "period_start": missing, "as_of": missing}) == (
            "300 km² area gained, Russia in Ukraine, ? to 2025-02-28")
