"""Draw one chart per metric: bars for flows, lines for stocks, one colour per producer.

Encodings shared by both kinds of chart, explained in each legend:
- colour: the attribution (who produced the figure), so disagreement between sources shows;
  each producer keeps its colour in every chart and edition (identity.py);
- line style and marker (lines): the definition, when one producer has several (points.py
  `series`); two definitions are two lines, never one line zig-zagging between them;
- hatching (bars) or an open marker (lines): a hedged figure (approx, at least, at most);
- a triangle: at least (▲, could be more) or at most (▼, could be less);
- a floating bar (flows) or a vertical bar with caps (stocks): a reported range, from its
  minimum to its maximum; no bar from zero, no point at a midpoint nobody reported;
- a pale dashed bar: a period shorter than the month it sits in (partial month);
- a small number: the point's mark in the references of report.pdf (on a dense chart only
  the latest of each series and the flagged ones: points.py `labelled`);
- a gap in a line: no figure for much longer than the series' usual spacing (or a year);
- computed from map geometry (method "computed"): a step line with open square markers,
  or a white bar outlined in the source's colour, beside the reported figures;
- a dotted grey ring around a point or just beyond the end of a bar: a machine-read figure (read
  from text by the extractor) that no person has checked yet. Figures a reviewer confirmed
  or corrected, curated figures and computed ones have none. A ring rather than an open
  marker, because open markers and white bars already say "hedged" and "computed", and a
  ring combines with every other encoding on both kinds of chart.
"""

from __future__ import annotations

import math
import textwrap
from collections.abc import Mapping

import matplotlib

matplotlib.use("Agg")

import matplotlib.dates as mdates  # noqa: E402  (the backend is chosen first)
import pandas as pd  # noqa: E402
from matplotlib.axes import Axes  # noqa: E402
from matplotlib.colors import to_hex, to_rgb  # noqa: E402
from matplotlib.figure import Figure  # noqa: E402
from matplotlib.lines import Line2D  # noqa: E402
from matplotlib.patches import Patch  # noqa: E402
from matplotlib.ticker import FuncFormatter, MaxNLocator  # noqa: E402
from matplotlib.transforms import offset_copy  # noqa: E402

from tracker.publishing import Publishing  # noqa: E402
from tracker.report.identity import producer_colours  # noqa: E402
from tracker.report.points import ChartSpec  # noqa: E402
from tracker.report.text import (  # noqa: E402
    chart_subtitle,
    chart_title,
    data_stamp,
    footer_text,
    metric_label,
    metric_unit,
    number_text,
)

# A4 landscape: the same size on screen, in the PNG and as a PDF page.
PAGE_SIZE_IN = (11.69, 8.27)
PNG_DPI = 200

# Fixed fonts and no time-based or random state: the same data gives the same bytes.
STYLE: dict[str, object] = {
    "font.family": "DejaVu Sans",
    "font.size": 9,
    "xtick.labelsize": 9,
    "ytick.labelsize": 9,
    "axes.labelsize": 10,
    "legend.fontsize": 9,
    "svg.hashsalt": "tracker-report",
    # SVG text as text, not glyph outlines: an editor can correct or translate a label in a
    # layout tool, screen readers and search read it, and drawing it costs a fifth.
    "svg.fonttype": "none",
    "pdf.fonttype": 42,  # TrueType: text stays selectable and searchable in the PDF
    "text.parse_math": False,  # a "$" in a quote or a publisher name is not TeX
    "axes.spines.top": False,
    "axes.spines.right": False,
    "hatch.linewidth": 0.6,
}

_HEDGED = ("approx", "at_least", "at_most")
_TRIANGLES = {"at_least": "^", "at_most": "v"}
_EDGE = "#222222"
_LEFT, _RIGHT = 0.08, 0.97
# Readable when printed: nothing under 8 pt (footer, marks), axes and legend at 9-10 pt.
_TITLE_PT, _SUBTITLE_PT, _LEGEND_PT, _FOOTER_PT, _MARK_PT = 15, 10, 9, 8, 8
_FOOTER_WRAP_CHARS = 165  # of 8 pt text across the page
_FOOTER_LINE = 0.019  # of the page height per footer line (8 pt and leading)
_FOOTER_MAX_LINES = 7  # the axes keep more than half the page
_SUBTITLE_WRAP_CHARS = 130
_LEGEND_COLUMNS = 3
_LEGEND_ROW = 0.03  # of the page height per legend row (9 pt)
_AXES_TOP = 0.83  # below the title and subtitle; the legend takes its rows from here
_SLOT_FILL = 0.84  # share of a month slot covered by its bars; the rest separates months
_MARKER_PT = 7  # line markers, larger than matplotlib's 6 so that they read when printed
# Line styles and markers of a producer's definitions, in order of their names.
_DEFINITION_STYLES: tuple[tuple[object, str], ...] = (
    ("-", "o"), ((0, (5, 2)), "D"), ((0, (1, 1.5)), "P"), ((0, (6, 2, 1, 2)), "X"), ((0, (3, 3)), "*"),
    ((0, (8, 2, 1, 2, 1, 2)), "h"), ((0, (1, 3)), "p"), ((0, (10, 3)), "d"),
)
# A line is broken where its figures are further apart than this many times its usual
# (median) spacing, and always beyond a year: a line promises the values in between.
_GAP_FACTOR = 3.0
_GAP_MAX_DAYS = 365
# Space around the data: a share of the span on each side of x and y, at least a few days.
_X_PAD_SHARE, _X_PAD_MIN_DAYS = 0.03, 10.0
_Y_PAD_SHARE = 0.08
_Y_MARK_ROOM = 0.12  # above the highest bar: its mark (rotated numbers) and a triangle
_LEGEND_DEFINITION_CHARS = 40
UNCHECKED_LABEL = "machine-read, not yet checked by a person"
_RING = {"s": 130, "facecolors": "none", "edgecolors": "#555555", "linewidths": 1.0,
         "linestyles": (0, (1, 1.5))}  # a dotted ring about 11 pt across
_RING_GAP_PT = 7  # a ring's centre beyond a bar's end: its radius and a little air


def attribution_colours(attributions: list[str],
                        overrides: Mapping[str, str] | None = None) -> dict[str, str]:
    """Each producer's colour, the same in every chart, selection and edition (identity.py);
    `overrides` (producer -> colour) wins over the repository's table."""
    return producer_colours(attributions, overrides)


def draw_chart(
    chart: ChartSpec,
    points: pd.DataFrame,
    citations: pd.DataFrame,
    colours: Mapping[str, str] | None = None,
    publishing: Publishing = Publishing(),
) -> Figure:
    """The chart of one metric: `points` one row per mark, `citations` every citation.

    `colours` overrides producer colours (producer -> colour); every other producer keeps
    its own (identity.py). `publishing` gives the credit and licence of the footer."""
    colours = attribution_colours(list(points["attribution"]), colours)
    points = _with_series(points)
    figure = Figure(figsize=PAGE_SIZE_IN)
    footer = bounded_footer(footer_text(citations))
    footer_lines = footer.count("\n") + 2  # the sources, then credit, licence and data stamp
    bottom = 0.075 + _FOOTER_LINE * footer_lines  # room for date labels plus the footer
    axes = figure.add_axes((_LEFT, bottom, _RIGHT - _LEFT, _AXES_TOP - bottom))
    _draw_headings(figure, chart, points, len(citations))
    _draw_footer(figure, footer, _stamp_line(publishing, points))
    draw = _draw_bars if chart.is_flow else _draw_lines
    _set_limits(axes, draw(axes, points, colours), is_flow=chart.is_flow)
    _style_axes(axes, chart)
    rows = _add_legend(axes, points, colours, is_flow=chart.is_flow)
    # The legend sits above the axes, never on the data: the axes give it their top.
    top = _AXES_TOP - _LEGEND_ROW * rows
    axes.set_position((_LEFT, bottom, _RIGHT - _LEFT, top - bottom))
    return figure


def _with_series(points: pd.DataFrame) -> pd.DataFrame:
    """Points with the grammar columns of points.py (series, dense, labelled), derived when
    a caller gives plain rows: each producer and kind one series, nothing thinned."""
    points = points.copy()
    if "series" not in points.columns:
        kind = is_computed(points).map({True: ", computed from map geometry", False: ""})
        points["series"] = points["attribution"].astype(str) + kind
    for column, default in (("dense", False), ("labelled", True)):
        if column not in points.columns:
            points[column] = default
        points[column] = points[column].fillna(default).astype(bool)
    return points


def _stamp_line(publishing: Publishing, points: pd.DataFrame) -> str:
    """'<credit> · Licence: CC BY 4.0 · Data to 2025-11-30'."""
    return " · ".join(part for part in (publishing.credit_line(), data_stamp(points)) if part)


def _draw_headings(figure: Figure, chart: ChartSpec, points: pd.DataFrame,
                   citation_count: int) -> None:
    figure.text(_LEFT, 0.965, chart_title(chart), fontsize=_TITLE_PT, fontweight="bold", va="top")
    subtitle = _wrap(chart_subtitle(chart, points, citation_count), _SUBTITLE_WRAP_CHARS)
    figure.text(_LEFT, 0.925, subtitle, fontsize=_SUBTITLE_PT, color="#333333", va="top")


def _draw_footer(figure: Figure, sources: str, stamp: str) -> None:
    figure.text(_LEFT, 0.012 + _FOOTER_LINE, sources, fontsize=_FOOTER_PT, color="#444444",
                va="bottom")
    figure.text(_LEFT, 0.012, _wrap(stamp, _FOOTER_WRAP_CHARS).split("\n")[0], fontsize=_FOOTER_PT,
                color="#444444", va="bottom")


def bounded_footer(sources: str, max_lines: int = _FOOTER_MAX_LINES) -> str:
    """The wrapped footer, cut to `max_lines` so that it can never crowd out the chart.

    Hundreds of publishers, or one page naming itself with thousands of characters,
    would otherwise push the axes below the page; every citation stays listed in full in
    the references, which the last line points to."""
    closing = " Numbers on the chart are marks in the references of report.pdf."
    lines = _wrap(sources + closing, _FOOTER_WRAP_CHARS).split("\n")
    if len(lines) <= max_lines:
        return "\n".join(lines)
    kept = lines[: max_lines - 1]
    kept[-1] = kept[-1][: _FOOTER_WRAP_CHARS - 2].rstrip(" ,;") + " …"
    return "\n".join([*kept, "More sources than fit here: every citation is in the references "
                                "of report.pdf; numbers on the chart are its marks."])


def _wrap(text: str, width: int) -> str:
    # Slugs such as "russia-ukraine" must not be split at their hyphen.
    return textwrap.fill(text, width, break_on_hyphens=False)


def _style_axes(axes: Axes, chart: ChartSpec) -> None:
    _month_axis(axes, mid_month=chart.is_flow)
    unit = metric_unit(chart.metric)
    axes.set_ylabel(f"{metric_label(chart.metric)} ({unit})")
    # Thousands separated as in the text ("118,000 km²"), rounded as the figures are
    # published (whole km², shares to two decimals): no tick at a precision nobody gave.
    axes.yaxis.set_major_locator(MaxNLocator(nbins=8, integer=unit in ("km²", "count")))
    axes.yaxis.set_major_formatter(FuncFormatter(lambda value, _position: number_text(value, unit)))
    axes.grid(axis="y", color="#dddddd", linewidth=0.6)
    axes.set_axisbelow(True)
    if chart.is_flow:
        axes.axhline(0, color=_EDGE, linewidth=0.8)


def _month_axis(axes: Axes, *, mid_month: bool) -> None:
    """Month ticks (every 1-12 months), the year under January and under the first tick.

    Bars sit inside their month, so their ticks go mid-month, under the bars; a generic
    date locator would put ticks on arbitrary days ("15") that read as dates of figures.
    """
    first, last = axes.get_xlim()
    months = max(1.0, (last - first) / 30.44)
    step = next((n for n in (1, 2, 3, 4, 6, 12) if months / n <= 14), None)
    if step is None:
        axes.xaxis.set_major_locator(mdates.YearLocator(max(1, round(months / 12 / 12))))
        axes.xaxis.set_major_formatter(mdates.DateFormatter("%Y"))
        return
    # Counting from January keeps January (and its year label) among the ticks.
    axes.xaxis.set_major_locator(
        mdates.MonthLocator(bymonth=range(1, 13, step), bymonthday=15 if mid_month else 1)
    )
    axes.xaxis.set_major_formatter(FuncFormatter(_month_label))


def _month_label(x: float, position: int | None) -> str:
    moment = mdates.num2date(x)
    if position == 0 or moment.month <= 1:
        return f"{moment:%b}\n{moment:%Y}"
    return f"{moment:%b}"


def _day_number(moment: pd.Timestamp) -> float:
    return float(mdates.date2num(moment.to_pydatetime()))


def _lighten(colour: str, amount: float) -> str:
    """Blend with white: a pale version of a series colour for partial periods."""
    return to_hex(tuple(c + (1 - c) * amount for c in to_rgb(colour)))


def _ranged(points: pd.DataFrame) -> pd.Series:
    """Points reported as a range (a minimum and a different maximum)."""
    low, high = points["value_min"], points["value_max"]
    return low.notna() & high.notna() & (low != high)


def _set_limits(axes: Axes, points: pd.DataFrame, *, is_flow: bool) -> None:
    """Axis limits from the data, with a little air: x from the first to the last figure
    (a bar's whole slot), y around the values and ranges; flows from a zero baseline."""
    if points.empty:
        return
    if is_flow:
        first_day, last_day = points["_left"].min(), points["_right"].max()
    else:
        first_day, last_day = points["_x"].min(), points["_x"].max()
    x_pad = max(_X_PAD_MIN_DAYS, (last_day - first_day) * _X_PAD_SHARE)
    axes.set_xlim(first_day - x_pad, last_day + x_pad)
    values = pd.concat([points["_y"], points["value_min"], points["value_max"]]).dropna()
    low, high = float(values.min()), float(values.max())
    if is_flow:
        low, high = min(low, 0.0), max(high, 0.0)
        span = (high - low) or 1.0
        axes.set_ylim(low - (span * _Y_MARK_ROOM if low < 0 else 0), high + span * _Y_MARK_ROOM)
        return
    span = (high - low) or max(abs(high) * 0.1, 1.0)
    axes.set_ylim(low - span * _Y_PAD_SHARE, high + span * _Y_PAD_SHARE)


def _bar_slots(points: pd.DataFrame) -> pd.DataFrame:
    """Place each flow: its slot (the month of its midpoint, or its whole period when it
    is longer than a month) split into lanes, one per figure in the slot.

    Every bar of a chart has one width: the narrowest slot's fill divided by the most
    lanes any slot has. A lone figure is no wider than one of four sharing a month, so
    width never reads as weight; the lanes of a slot sit centred in it."""
    placed = points.copy()
    middle = placed["_start"] + (placed["_end"] - placed["_start"]) / 2
    monthly = placed["_span"] == "month"
    month_start = middle.dt.to_period("M").dt.start_time
    placed["_slot_start"] = month_start.where(monthly, placed["_start"])
    month_end = month_start + pd.offsets.MonthBegin(1)
    placed["_slot_end"] = month_end.where(monthly, placed["_end"] + pd.Timedelta(days=1))
    # Within a slot: sources alphabetically, a whole period before a partial one.
    placed = placed.sort_values(["_slot_start", "attribution", "_days", "mark"],
                                ascending=[True, True, False, True], kind="mergesort")
    placed["_lane"] = placed.groupby("_slot_start").cumcount()
    placed["_lanes"] = placed.groupby("_slot_start")["_lane"].transform("size")
    slot_days = (placed["_slot_end"] - placed["_slot_start"]).dt.days
    width = float(slot_days.min()) * _SLOT_FILL / int(placed["_lanes"].max()) if len(placed) else 0.0
    placed["_width"] = width
    centre = placed["_slot_start"].map(_day_number) + slot_days / 2
    placed["_x"] = centre + width * (placed["_lane"] - (placed["_lanes"] - 1) / 2)
    placed["_left"] = placed["_slot_start"].map(_day_number)
    placed["_right"] = placed["_slot_end"].map(_day_number)
    return placed


def is_computed(points: pd.DataFrame) -> pd.Series:
    """Figures computed from map geometry rather than cited from a text."""
    return points["method"].astype(str).eq("computed")


def _bar_extent(placed: pd.DataFrame) -> tuple[pd.Series, pd.Series]:
    """Bottom and height of each bar: from zero to its value, or, for a range, floating
    from its minimum to its maximum (no bar up to a midpoint nobody reported)."""
    ranged = _ranged(placed)
    bottom = placed["value_min"].where(ranged, 0.0).astype(float)
    height = (placed["value_max"] - placed["value_min"]).where(ranged, placed["_y"]).astype(float)
    return bottom, height


def _draw_bars(axes: Axes, points: pd.DataFrame, colours: dict[str, str]) -> pd.DataFrame:
    """Draw the bars; returns the points as placed (_x, _left, _right)."""
    placed = _bar_slots(points).assign(_computed=lambda f: is_computed(f))
    placed["_bottom"], placed["_height"] = _bar_extent(placed)
    # One bar() call per look (source, partial, hedged, computed): thousands of bars
    # drawn one call each would dominate the report's run time.
    looks = ["attribution", "is_partial", "_hedged", "_computed"]
    placed["_hedged"] = placed["_qualifier"].isin(_HEDGED)
    for (attribution, partial, hedged, computed), bars in placed.groupby(looks, sort=True):
        colour = colours[attribution]
        face = "white" if computed else (_lighten(colour, 0.55) if partial else colour)
        axes.bar(
            bars["_x"], bars["_height"], bottom=bars["_bottom"], width=bars["_width"], color=face,
            edgecolor=colour if computed else _EDGE, linewidth=1.3 if computed else 0.5,
            linestyle="--" if partial else "-", hatch="////" if hedged else None,
        )
    _draw_triangles(axes, placed)
    _draw_unchecked(axes, placed[placed["labelled"] | ~placed["dense"]], beyond_tip=True)
    _draw_marks(axes, placed[placed["labelled"]], rotation=90, ring_beyond_tip=True)
    return placed


def _line_styles(points: pd.DataFrame) -> dict[str, tuple[object, str]]:
    """Per series, its line style and marker: a producer's definitions (of one kind) in
    the order of their names take the styles of _DEFINITION_STYLES in turn."""
    styles: dict[str, tuple[object, str]] = {}
    kinds = points.drop_duplicates("series").sort_values("series", kind="mergesort")
    for _, group in kinds.groupby(["attribution", is_computed(kinds)], sort=True):
        for index, name in enumerate(group["series"]):
            styles[name] = _DEFINITION_STYLES[index % len(_DEFINITION_STYLES)]
    return styles


def broken_line(x: pd.Series, y: pd.Series) -> tuple[list[float], list[float]]:
    """The line's x and y (sorted by x) with NaN where it breaks: a gap longer than
    _GAP_FACTOR times the median spacing, or than _GAP_MAX_DAYS."""
    xs, ys = x.tolist(), y.tolist()
    if len(xs) < 2:
        return xs, ys
    steps = [b - a for a, b in zip(xs, xs[1:])]
    usual = sorted(steps)[len(steps) // 2] if len(steps) % 2 else (
        sorted(steps)[len(steps) // 2 - 1] + sorted(steps)[len(steps) // 2]) / 2
    limit = min(_GAP_MAX_DAYS, _GAP_FACTOR * usual) if usual > 0 else _GAP_MAX_DAYS
    out_x, out_y = [xs[0]], [ys[0]]
    for step, nx, ny in zip(steps, xs[1:], ys[1:]):
        if step > limit:
            out_x.append(math.nan)
            out_y.append(math.nan)
        out_x.append(nx)
        out_y.append(ny)
    return out_x, out_y


def _draw_lines(axes: Axes, points: pd.DataFrame, colours: dict[str, str]) -> pd.DataFrame:
    """Draw one line per series; returns the points as placed (_x)."""
    points = points.assign(_computed=is_computed(points), _x=points["_as_of"].map(_day_number))
    styles = _line_styles(points)
    ranged = _ranged(points)
    for name, series in points.groupby("series", sort=True):
        series = series.sort_values(["_as_of", "mark"], kind="mergesort")
        colour = colours[series["attribution"].iloc[0]]
        linestyle, marker = styles[name]
        computed = bool(series["_computed"].iloc[0])
        dense = bool(series["dense"].iloc[0])
        # A range is no point on the line: it stands apart as a bar from min to max.
        single = series[~ranged.loc[series.index]]
        line_x, line_y = broken_line(single["_x"], single["_y"])
        # A map-derived series changes when the map does: a step line.
        axes.plot(line_x, line_y, color=colour, linewidth=1.2 if dense else 1.6, linestyle=linestyle,
                  drawstyle="steps-post" if computed else "default", zorder=2)
        _draw_ranges(axes, series[ranged.loc[series.index]], colour)
        # A daily series shows no marker per figure: only its labelled points get one.
        shown = single[single["labelled"]] if dense else single
        for qualifier, group in shown.groupby("_qualifier", sort=True):
            shape = "s" if computed else _TRIANGLES.get(str(qualifier), marker)
            open_face = computed or str(qualifier) in _HEDGED
            axes.plot(group["_x"], group["_y"], linestyle="none", marker=shape,
                      markersize=_MARKER_PT - 1 if computed else _MARKER_PT,
                      markerfacecolor="white" if open_face else colour, markeredgecolor=colour,
                      markeredgewidth=1.4, zorder=3)
    visible = points[points["labelled"] | ~points["dense"]]
    _draw_unchecked(axes, visible)
    _draw_marks(axes, points[points["labelled"]], rotation=0)
    return points


def _draw_ranges(axes: Axes, ranges: pd.DataFrame, colour: str) -> None:
    """A reported range on a line chart: a bar from its minimum to its maximum, capped."""
    if ranges.empty:
        return
    axes.vlines(ranges["_x"], ranges["value_min"], ranges["value_max"], colors=colour,
                linewidth=2.4, zorder=3)
    for end in ("value_min", "value_max"):
        axes.plot(ranges["_x"], ranges[end], linestyle="none", marker="_", markersize=9,
                  markeredgewidth=1.6, color=colour, zorder=3)


def unchecked_points(points: pd.DataFrame) -> pd.Series:
    """Points drawn with the ring: machine-read figures no person has checked yet."""
    if "unchecked" not in points.columns:
        return pd.Series(False, index=points.index)
    return points["unchecked"].fillna(False).astype(bool)


def _tips(points: pd.DataFrame) -> pd.Series:
    """Where a point's furthest drawing ends: its value, or the end of its range."""
    tips = []
    for y, low, high in zip(points["_y"], points["value_min"], points["value_max"]):
        below = y < 0
        tip = low if below else high
        tips.append(y if pd.isna(tip) else (min(tip, y) if below else max(tip, y)))
    return pd.Series(tips, index=points.index, dtype="float64")


def _draw_unchecked(axes: Axes, points: pd.DataFrame, *, beyond_tip: bool = False) -> None:
    """A dotted ring for each unchecked point (points have _x): around a line's marker, or
    just beyond the end of a bar, where it stands on white rather than on the bar."""
    chosen = unchecked_points(points)
    if not chosen.any():
        return
    if not beyond_tip:
        axes.scatter(points.loc[chosen, "_x"], points.loc[chosen, "_y"], zorder=5, **_RING)
        return
    tips = _tips(points)
    for sign in (1, -1):
        side = chosen & ((points["_y"] < 0) == (sign < 0))
        if side.any():
            shifted = offset_copy(axes.transData, fig=axes.figure, y=sign * _RING_GAP_PT,
                                  units="points")
            axes.scatter(points.loc[side, "_x"], tips[side], zorder=5, transform=shifted, **_RING)


def _draw_triangles(axes: Axes, points: pd.DataFrame) -> None:
    """On bars, a triangle at the end of an at-least or at-most figure (points have _x)."""
    for qualifier, marker in _TRIANGLES.items():
        chosen = points["_qualifier"] == qualifier
        if chosen.any():
            axes.plot(points.loc[chosen, "_x"], points.loc[chosen, "_y"], linestyle="none",
                      marker=marker, markersize=5, color=_EDGE, zorder=4)


def _draw_marks(axes: Axes, points: pd.DataFrame, *, rotation: int,
                ring_beyond_tip: bool = False) -> None:
    """Each point's reference number, just beyond its top (or below a negative bar), and
    beyond the ring of an unchecked point."""
    for x, y, tip, mark, ring in zip(points["_x"], points["_y"], _tips(points), points["mark"],
                                     unchecked_points(points)):
        below = y < 0
        if ring and ring_beyond_tip:
            gap = 2 * _RING_GAP_PT + 1
        elif ring and tip == y:
            gap = _RING_GAP_PT
        else:
            gap = 4
        axes.annotate(
            str(mark), (x, tip), xytext=(0, -gap if below else gap), textcoords="offset points",
            rotation=rotation, ha="center", va="top" if below else "bottom", fontsize=_MARK_PT,
            color="#333333",
        )


def _series_label(name: str, attribution: str, computed: bool, several: bool) -> str:
    """The legend text of a series: its producer (and kind), and its definition only when
    the producer has several in this chart."""
    label = f"{attribution}, computed from map geometry" if computed else attribution
    if several and " — " in name:
        definition = name.split(" — ", 1)[1]
        label += " — " + textwrap.shorten(definition, _LEGEND_DEFINITION_CHARS, placeholder=" …")
    return label


def _add_legend(axes: Axes, points: pd.DataFrame, colours: dict[str, str], *, is_flow: bool) -> int:
    """The legend above the axes; returns its number of rows."""
    computed = is_computed(points)
    handles: list[object] = []
    if is_flow:
        # Bars show producers; definitions are told apart in the references.
        for name in sorted(points.loc[~computed, "attribution"].unique()):
            handles.append(Patch(facecolor=colours[name], edgecolor=_EDGE, linewidth=0.5, label=name))
        for name in sorted(points.loc[computed, "attribution"].unique()):
            handles.append(Patch(facecolor="white", edgecolor=colours[name], linewidth=1.3,
                                 label=f"{name}, computed from map geometry"))
    else:
        handles += _line_handles(points.assign(_computed=computed), colours)
    handles += _encoding_handles(axes, points, is_flow=is_flow)
    # Above the axes, so that the legend never hides a bar or a point.
    # Three columns fit labels of up to about 40 characters at 9 pt; longer ones take two.
    longest = max((len(h.get_label()) for h in handles), default=0)
    columns = _LEGEND_COLUMNS if longest <= 40 else 2
    axes.legend(handles=handles, loc="lower left", bbox_to_anchor=(0, 1.01), ncols=columns,
                fontsize=_LEGEND_PT, frameon=False, borderaxespad=0)
    return math.ceil(len(handles) / columns)


def _line_handles(points: pd.DataFrame, colours: dict[str, str]) -> list[object]:
    styles = _line_styles(points)
    series = points.drop_duplicates("series").sort_values(["_computed", "series"], kind="mergesort")
    per_kind = series.groupby(["attribution", "_computed"])["series"].transform("size")
    handles: list[object] = []
    for (_, row), count in zip(series.iterrows(), per_kind):
        linestyle, marker = styles[row["series"]]
        computed = bool(row["_computed"])
        colour = colours[row["attribution"]]
        handles.append(Line2D(
            [], [], color=colour, linestyle=linestyle, marker="s" if computed else marker,
            markerfacecolor="white" if computed else colour,
            label=_series_label(row["series"], row["attribution"], computed, count > 1)))
    return handles


def _encoding_handles(axes: Axes, points: pd.DataFrame, *, is_flow: bool) -> list[object]:
    """Legend keys for the encodings this chart actually uses, and only those."""
    qualifiers = set(points["_qualifier"])
    handles: list[object] = []
    if qualifiers & set(_HEDGED):
        if is_flow:
            handles.append(Patch(facecolor="white", edgecolor=_EDGE, hatch="////", linewidth=0.5,
                                 label="hedged figure (approx., at least, at most)"))
        else:
            handles.append(Line2D([], [], marker="o", color=_EDGE, markerfacecolor="white",
                                  linestyle="none", label="hedged figure (open marker)"))
    # Bars carry a filled triangle on top; lines use an open triangle as the point itself.
    triangle_face = _EDGE if is_flow else "white"
    for qualifier, label in (("at_least", "at least (could be more)"), ("at_most", "at most (could be less)")):
        if qualifier in qualifiers:
            handles.append(Line2D([], [], marker=_TRIANGLES[qualifier], color=_EDGE, linestyle="none",
                                  markerfacecolor=triangle_face, label=label))
    if _ranged(points).any():
        handles.append(Patch(facecolor="#bbbbbb", edgecolor=_EDGE, linewidth=0.5,
                             label="range: bar from its minimum to its maximum") if is_flow else
                       Line2D([], [], marker="_", markersize=9, color=_EDGE, linewidth=2.4,
                              label="range (vertical bar: minimum to maximum)"))
    if is_flow and points["is_partial"].any():
        handles.append(Patch(facecolor="#dddddd", edgecolor=_EDGE, linestyle="--", linewidth=0.5,
                             label="partial period (not whole months)"))
    if not points["labelled"].all():
        handles.append(Line2D([], [], color="none", label="numbers: latest and flagged figures "
                              "only (every figure in report.pdf)"))
    if unchecked_points(points).any():
        # An empty scatter of the axes: the legend draws a collection's key with its dotted
        # edge, which a Line2D marker cannot have.
        handles.append(axes.scatter([], [], label=UNCHECKED_LABEL, **_RING))
    return handles
