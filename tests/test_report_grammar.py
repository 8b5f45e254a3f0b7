"""The grammar of the charts, read off the drawn matplotlib artists: bar widths, floating
ranges, broken lines, one line per definition, stable producer colours, charts too small
to draw, thinned dense series, axis limits, rounding and the footer."""

from __future__ import annotations

import math

import matplotlib
import numpy as np
import pandas as pd
import pytest
from matplotlib.dates import date2num
from matplotlib.figure import Figure
from matplotlib.lines import Line2D
from matplotlib.patches import Rectangle
from matplotlib.text import Text

from tracker.model import CLAIM_COLUMNS, Claim
from tracker.publishing import Publishing
from tracker.report import build_report
from tracker.report.charts import STYLE, draw_chart
from tracker.report.identity import conflict_name, producer_colour
from tracker.report.points import DENSE_POINTS, Selection, definition_key, select_points
from tracker.report.text import footer_text, number_text, value_text, with_point_columns

_counter = iter(range(1, 10**6))


def claim(**fields: object) -> dict[str, object]:
    """One current ledger row of made-up figures, with a unique claim_id."""
    row = Claim(conflict="russia-ukraine", actor="Northland", territory="Southland",
                method="curated").to_dict()
    number = next(_counter)
    row.update(claim_id=f"g{number:015d}", url=f"https://paper{number}.example/story",
               publisher=f"Paper {number}")
    row.update(fields)
    return row


def month_flow(month: str, value: float | None, producer: str, **fields: object) -> dict[str, object]:
    period = pd.Period(month, "M")
    return claim(metric="area_gained_km2", value=value, attribution=producer,
                 period_start=f"{period.start_time:%Y-%m-%d}",
                 period_end=f"{period.end_time:%Y-%m-%d}", **fields)


def stock(as_of: str, value: float | None, producer: str, **fields: object) -> dict[str, object]:
    return claim(metric="area_controlled_km2", value=value, attribution=producer, as_of=as_of,
                 **fields)


def ledger(rows: list[dict[str, object]]) -> pd.DataFrame:
    return pd.DataFrame(rows, columns=list(CLAIM_COLUMNS))


def drawn(selection: Selection, metric: str, **options: object) -> Figure:
    chart = next(c for c in selection.charts if c.metric == metric)
    citations = selection.rows[selection.rows["chart"] == chart.file_name]
    with matplotlib.rc_context(STYLE):
        return draw_chart(chart, selection.points(chart), citations, **options)


def data_lines(figure: Figure) -> list[Line2D]:
    """Lines of the axes that join figures (more than one x), legend keys excluded."""
    axes = figure.axes[0]
    return [line for line in axes.lines if len(line.get_xdata()) > 1 and line.get_linestyle() != "None"]


def bars(figure: Figure) -> list[Rectangle]:
    return [p for p in figure.axes[0].patches if isinstance(p, Rectangle)]


# Bars -----------------------------------------------------------------------------------

@pytest.fixture
def flows() -> pd.DataFrame:
    return ledger([
        # Three producers in March, one alone in April, two in May.
        month_flow("2025-03", 300, "ISW"), month_flow("2025-03", 320, "DeepState"),
        month_flow("2025-03", 310, "Maple Monitor"),
        month_flow("2025-04", 500, "ISW"),
        month_flow("2025-05", 210, "ISW"), month_flow("2025-05", 260, "DeepState"),
        # A reported range, 400 to 450: no bar from zero up to a made-up 425.
        month_flow("2025-06", None, "Maple Monitor", value_min=400, value_max=450, qualifier="range"),
    ])


def test_every_bar_of_a_chart_has_the_same_width_and_a_lone_bar_is_centred(flows):
    figure = drawn(select_points(flows), "area_gained_km2")
    widths = [round(bar.get_width(), 9) for bar in bars(figure)]
    assert len(widths) == 7
    assert len(set(widths)) == 1
    # The April bar, alone in its month, sits in the middle of the month, no wider.
    april = [b for b in bars(figure) if b.get_height() == 500]
    centre = april[0].get_x() + april[0].get_width() / 2
    middle = (date2num(pd.Timestamp("2025-04-01")) + date2num(pd.Timestamp("2025-05-01"))) / 2
    assert centre == pytest.approx(middle)


def test_a_range_is_a_bar_floating_from_its_minimum_to_its_maximum(flows):
    figure = drawn(select_points(flows), "area_gained_km2")
    floating = [b for b in bars(figure) if b.get_y() != 0]
    assert len(floating) == 1
    assert floating[0].get_y() == 400
    assert floating[0].get_y() + floating[0].get_height() == 450
    # Every other bar stands on the zero baseline, and the y axis starts there.
    assert all(b.get_y() == 0 for b in bars(figure) if b is not floating[0])
    assert figure.axes[0].get_ylim()[0] == 0


def test_axis_limits_hug_the_data_with_a_little_padding(flows):
    figure = drawn(select_points(flows), "area_gained_km2")
    low, high = figure.axes[0].get_xlim()
    first, last = date2num(pd.Timestamp("2025-03-01")), date2num(pd.Timestamp("2025-07-01"))
    pad = max(10.0, (last - first) * 0.03)
    assert first - pad - 1e-6 <= low < first
    assert last < high <= last + pad + 1e-6
    assert figure.axes[0].get_ylim()[1] <= 500 * 1.2


# Lines ----------------------------------------------------------------------------------

def test_a_long_gap_breaks_the_line_and_regular_spacing_does_not():
    regular = [stock(f"2024-{m:02d}-01", 1000 + 10 * m, "Maple Monitor") for m in range(1, 7)]
    after_gap = [stock(f"2026-{m:02d}-01", 1200 + 10 * m, "Maple Monitor") for m in range(1, 4)]
    gapped = data_lines(drawn(select_points(ledger(regular + after_gap)), "area_controlled_km2"))
    assert len(gapped) == 1
    y = np.asarray(gapped[0].get_ydata(), dtype=float)
    assert np.isnan(y).sum() == 1  # one break, between June 2024 and January 2026
    assert np.nanmax(y[: int(np.argmax(np.isnan(y)))]) == 1060
    whole = data_lines(drawn(select_points(ledger(regular)), "area_controlled_km2"))
    assert not np.isnan(np.asarray(whole[0].get_ydata(), dtype=float)).any()


def test_two_definitions_of_one_producer_are_two_lines_of_its_colour():
    total = "occupied_total: held area, older occupation included"
    recent = "occupied_after_24_02_2022: held area taken since the invasion"
    rows = [stock(f"2025-{m:02d}-01", 110_000 + 100 * m, "DeepState", definition=total) for m in range(1, 5)]
    rows += [stock(f"2025-{m:02d}-01", 66_000 + 100 * m, "DeepState", definition=recent) for m in range(1, 5)]
    selection = select_points(ledger(rows))
    assert set(selection.rows["series"]) == {"DeepState — occupied_total",
                                            "DeepState — occupied_after_24_02_2022"}
    lines = data_lines(drawn(selection, "area_controlled_km2"))
    assert len(lines) == 2
    assert {line.get_color() for line in lines} == {producer_colour("DeepState")}
    assert lines[0].get_linestyle() != lines[1].get_linestyle()
    # Neither line jumps between 66,000 and 110,000: each holds one definition.
    for line in lines:
        y = np.asarray(line.get_ydata(), dtype=float)
        assert np.nanmax(y) - np.nanmin(y) < 1000
    labels = [t.get_text() for t in drawn(selection, "area_controlled_km2").axes[0].get_legend().get_texts()]
    assert any("occupied_total" in label for label in labels)
    assert any("occupied_after_24_02_2022" in label for label in labels)


def test_definition_key_is_the_identifier_before_the_colon_else_the_text():
    assert definition_key("occupied_total: the whole area") == "occupied_total"
    assert definition_key("incl. Crimea: older areas") == "incl. Crimea: older areas"
    assert definition_key("  gross   gains ") == "gross gains"
    assert definition_key(None) == ""


def test_a_range_on_a_line_chart_is_a_vertical_bar_and_no_point_on_the_line():
    rows = [stock(f"2025-{m:02d}-01", 1000 + m, "Maple Monitor") for m in range(1, 5)]
    rows.append(stock("2025-05-01", None, "Maple Monitor", value_min=1100, value_max=1300,
                      qualifier="range"))
    figure = drawn(select_points(ledger(rows)), "area_controlled_km2")
    (line,) = data_lines(figure)
    assert 1200 not in list(line.get_ydata())  # no point at the midpoint nobody reported
    segments = [c for c in figure.axes[0].collections if hasattr(c, "get_segments")]
    ends = [tuple(seg[:, 1]) for c in segments for seg in c.get_segments()]
    assert (1100, 1300) in ends


# Identity -------------------------------------------------------------------------------

def test_a_producer_keeps_its_colour_whatever_else_is_charted(flows):
    one = drawn(select_points(flows), "area_gained_km2")
    other_rows = [month_flow("2025-0" + str(m), 100 * m, name)
                  for m in (1, 2, 3) for name in ("Aardvark Watch", "Maple Monitor", "Zebra Maps")]
    two = drawn(select_points(ledger(other_rows)), "area_gained_km2")

    def colour_of(figure: Figure, name: str) -> str:
        legend = figure.axes[0].get_legend()
        for handle, text in zip(legend.legend_handles, legend.get_texts()):
            if text.get_text() == name:
                return matplotlib.colors.to_hex(handle.get_facecolor())
        raise AssertionError(name)

    assert colour_of(one, "Maple Monitor") == colour_of(two, "Maple Monitor")
    assert colour_of(one, "DeepState") == producer_colour("DeepState").lower()
    # An override wins, for that producer only.
    three = drawn(select_points(flows), "area_gained_km2", colours={"DeepState": "#123456"})
    assert colour_of(three, "DeepState") == "#123456"
    assert colour_of(three, "ISW") == colour_of(one, "ISW")


def test_known_producers_take_the_table_s_colour_and_names_are_human():
    assert producer_colour("DeepState (Ukrainian monitoring group)") == producer_colour("DeepState")
    assert producer_colour("ISW") != producer_colour("DeepState")
    assert producer_colour("Unknown Desk") == producer_colour("unknown  desk")
    assert conflict_name("russia-ukraine") == "Russia–Ukraine"
    assert conflict_name("north-kivu") == "North Kivu"


# Small and dense charts -------------------------------------------------------------------

def test_fewer_than_three_figures_make_no_chart_but_keep_their_marks(tmp_path):
    rows = [stock("2025-01-01", 1000, "Maple Monitor"), stock("2025-02-01", 1010, "Maple Monitor"),
            *[month_flow(f"2025-0{m}", 100 * m, "ISW") for m in (1, 2, 3)]]
    selection = select_points(ledger(rows))
    small = [c.metric for c in selection.summary_only]
    assert small == ["area_controlled_km2"]
    assert [c.metric for c in selection.drawn_charts] == ["area_gained_km2"]
    stocks = selection.rows[selection.rows["metric"] == "area_controlled_km2"]
    assert sorted(stocks["mark"]) == [4, 5]
    result = build_report(ledger(rows), tmp_path)
    assert [p.name for p in result.charts] == ["russia-ukraine_area_gained_km2.png"]
    assert not (tmp_path / "russia-ukraine_area_controlled_km2.png").exists()
    assert set(result.plotted["mark"]) == {1, 2, 3, 4, 5}


def test_a_daily_series_is_a_plain_line_with_marks_on_its_latest_and_flagged_figures():
    days = pd.date_range("2025-01-01", periods=DENSE_POINTS + 20, freq="D")
    rows = [stock(f"{day:%Y-%m-%d}", 100_000 + i, "Maple Monitor", method="computed", url="",
                  definition="occupied_total: measured on the map") for i, day in enumerate(days)]
    # A cited figure on a day of its own: a second series of one point, labelled.
    rows.append(stock("2025-02-10", 100_500, "ISW"))
    selection = select_points(ledger(rows))
    daily = selection.rows[selection.rows["attribution"] == "Maple Monitor"]
    assert daily["dense"].all()
    assert daily["labelled"].sum() == 1
    assert daily.loc[daily["labelled"], "as_of"].item() == f"{days[-1]:%Y-%m-%d}"
    figure = drawn(selection, "area_controlled_km2")
    (line,) = data_lines(figure)
    assert len(line.get_xdata()) == len(days)
    assert line.get_marker() in ("None", "", None)
    marked = [l for l in figure.axes[0].lines if l.get_linestyle() == "None"]
    assert sum(len(l.get_xdata()) for l in marked) <= 2  # the latest daily one and the ISW one
    marks = [t.get_text() for t in figure.axes[0].texts]
    assert len(marks) == 2


def test_a_short_chart_labels_every_figure():
    rows = [stock(f"2025-{m:02d}-01", 1000 + m, "Maple Monitor") for m in range(1, 6)]
    selection = select_points(ledger(rows))
    assert selection.rows["labelled"].all() and not selection.rows["dense"].any()
    assert len(drawn(selection, "area_controlled_km2").axes[0].texts) == 5


# Words, sizes and footer ----------------------------------------------------------------

def test_values_are_rounded_as_published():
    assert number_text(118_917.6, "km²") == "118,918"
    assert number_text(19.254, "%") == "19.25"
    assert number_text(18.0, "%") == "18"
    assert number_text(14.55, "km²/day") == "14.6"
    point = with_point_columns(ledger([stock("2025-01-01", 66_012.4, "ISW")]).assign(mark=1)).iloc[0]
    assert value_text(point) == "66,012 km²"


def test_no_text_on_a_chart_is_under_eight_points_and_the_footer_credits_and_dates(flows):
    publishing = Publishing(credit="Made-up Desk", licence="CC-BY-4.0")
    figure = drawn(select_points(flows), "area_gained_km2", publishing=publishing)
    texts = [t for t in figure.findobj(Text) if t.get_text().strip() and t.get_visible()]
    assert min(t.get_fontsize() for t in texts) >= 8
    words = "\n".join(t.get_text() for t in texts)
    assert "Made-up Desk · Licence: CC BY 4.0 · Data to 2025-06-30" in words
    assert "Russia–Ukraine" in words


def test_a_producer_publishing_its_own_figure_is_named_once():
    rows = ledger([month_flow("2025-01", 10, "DeepState", publisher="DeepState"),
                   month_flow("2025-02", 20, "ISW", publisher="ISW"),
                   month_flow("2025-03", 30, "ISW", publisher="Daily Example")])
    assert footer_text(rows) == "Sources: DeepState; ISW (own site; via Daily Example)."


def test_example_sources_are_left_out_first_and_counted(flows):
    rows = flows.copy()
    rows.loc[0, "source_id"] = "example-text"
    rows.loc[1, "source_id"] = "example-text"
    selection = select_points(rows, excluded_source_ids=frozenset({"example-text"}))
    assert selection.example_left_out == 2
    assert not set(rows.loc[:1, "claim_id"]) & set(selection.rows["claim_id"])
    assert selection.ledger_count == len(rows) - 2
    assert select_points(rows).example_left_out == 0


def test_line_breaks_are_nan_not_a_straight_segment():
    # The helper itself: a gap of a year breaks even a sparse series.
    from tracker.report.charts import broken_line

    x, y = broken_line(pd.Series([0.0, 30.0, 60.0, 500.0]), pd.Series([1.0, 2.0, 3.0, 4.0]))
    assert math.isnan(y[3]) and x[-1] == 500.0
    x, y = broken_line(pd.Series([0.0, 200.0, 400.0]), pd.Series([1.0, 2.0, 3.0]))
    assert not any(map(math.isnan, y))


def test_two_definitions_of_one_day_are_no_flag_but_a_revision_in_a_series_is():
    """A map's two definitions of one day name each other as conflicting copies
    (observations ignore definitions): that labels nothing; a revised figure does."""
    days = pd.date_range("2025-01-01", periods=DENSE_POINTS + 10, freq="D")
    rows = []
    for i, day in enumerate(days):
        for name, base in (("occupied_total", 110_000), ("occupied_after_24_02_2022", 66_000)):
            rows.append(stock(f"{day:%Y-%m-%d}", base + i, "Maple Monitor", method="computed", url="",
                              definition=f"{name}: measured on the map",
                              published_at=f"{day:%Y-%m-%d}"))
    # A cited figure revised a month later by its producer: both are flagged.
    rows.append(stock("2025-01-15", 100_000, "ISW", published_at="2025-01-16"))
    rows.append(stock("2025-01-15", 100_400, "ISW", published_at="2025-02-20"))
    selection = select_points(ledger(rows))
    points = selection.rows.drop_duplicates("mark")
    maps = points[points["attribution"] == "Maple Monitor"]
    assert maps["dense"].all()
    assert maps["labelled"].sum() == 2  # the latest of each definition
    cited = points[points["attribution"] == "ISW"]
    assert cited["labelled"].all() and not cited["dense"].any()


def test_no_producer_colour_is_a_red_that_could_stand_beside_a_green():
    import colorsys

    from tracker.report.identity import FALLBACK_PALETTE, known_colours

    for colour in {*known_colours().values(), *FALLBACK_PALETTE}:
        hue, lightness, saturation = colorsys.rgb_to_hls(*matplotlib.colors.to_rgb(colour))
        is_red = saturation > 0.4 and 0.1 < lightness < 0.9 and (hue < 25 / 360 or hue > 345 / 360)
        assert not is_red, colour
    # Yellow does not read on white: none either.
    assert all(abs(colorsys.rgb_to_hls(*matplotlib.colors.to_rgb(c))[0] - 1 / 6) > 0.03
               or colorsys.rgb_to_hls(*matplotlib.colors.to_rgb(c))[1] < 0.4
               for c in {*known_colours().values(), *FALLBACK_PALETTE})
