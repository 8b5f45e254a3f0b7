"""Draw one chart per metric: bars for flows, lines for stocks, one colour per source.

Encodings shared by both kinds of chart, explained in each legend:
- colour: the attribution (who produced the figure), so disagreement between sources shows;
- hatching (bars) or an open marker (lines): a hedged figure (approx, at least, at most);
- a triangle: at least (▲, could be more) or at most (▼, could be less);
- a bracket: a range, from its minimum to its maximum;
- a pale dashed bar: a period shorter than the month it sits in (partial month);
- a small number: the point's mark in the references of report.pdf;
- computed from map geometry (method "computed"): a dashed step line with square markers,
  or a white bar outlined in the source's colour, beside the reported figures;
- a dotted grey ring around a point or just beyond the end of a bar: a machine-read figure (read
  from text by the extractor) that no person has checked yet. Figures a reviewer confirmed
  or corrected, curated figures and computed ones have none. A ring rather than an open
  marker, because open markers and white bars already say "hedged" and "computed", and a
  ring combines with every other encoding on both kinds of chart.
"""

from __future__ import annotations

import textwrap

import matplotlib

matplotlib.use("Agg")

import matplotlib.dates as mdates  # noqa: E402  (the backend is chosen first)
import pandas as pd  # noqa: E402
from matplotlib.axes import Axes  # noqa: E402
from matplotlib.colors import to_hex, to_rgb  # noqa: E402
from matplotlib.figure import Figure  # noqa: E402
from matplotlib.lines import Line2D  # noqa: E402
from matplotlib.patches import Patch  # noqa: E402
from matplotlib.ticker import FuncFormatter  # noqa: E402
from matplotlib.transforms import offset_copy  # noqa: E402

from tracker.report.points import ChartSpec  # noqa: E402
from tracker.report.text import (  # noqa: E402
    chart_subtitle,
    chart_title,
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
    "svg.hashsalt": "tracker-report",
    "pdf.fonttype": 42,  # TrueType: text stays selectable and searchable in the PDF
    "text.parse_math": False,  # a "$" in a quote or a publisher name is not TeX
    "axes.spines.top": False,
    "axes.spines.right": False,
    "hatch.linewidth": 0.6,
}

PALETTE: tuple[str, ...] = tuple(to_hex(c) for c in matplotlib.colormaps["tab10"].colors)

_HEDGED = ("approx", "at_least", "at_most")
_TRIANGLES = {"at_least": "^", "at_most": "v"}
_EDGE = "#222222"
_LEFT, _RIGHT = 0.07, 0.97
_FOOTER_WRAP_CHARS = 205
_FOOTER_MAX_LINES = 8  # 0.017 of the page each: the axes keep more than half the page
_SUBTITLE_WRAP_CHARS = 165
_AXES_TOP = 0.78  # leaves room above the axes for the legend, outside the data
_SLOT_FILL = 0.84  # share of a month slot covered by its bars; the rest separates months
UNCHECKED_LABEL = "machine-read, not yet checked by a person"
_RING = {"s": 110, "facecolors": "none", "edgecolors": "#555555", "linewidths": 1.0,
         "linestyles": (0, (1, 1.5))}  # a dotted ring about 10 pt across
_RING_GAP_PT = 6.5  # a ring's centre beyond a bar's end: its radius and a little air


def attribution_colours(attributions: list[str]) -> dict[str, str]:
    """A fixed colour per source across all charts of one report (sorted names)."""
    return {name: PALETTE[i % len(PALETTE)] for i, name in enumerate(sorted(set(attributions)))}


def draw_chart(
    chart: ChartSpec, points: pd.DataFrame, citations: pd.DataFrame, colours: dict[str, str]
) -> Figure:
    """The chart of one metric: `points` one row per mark, `citations` every citation."""
    figure = Figure(figsize=PAGE_SIZE_IN)
    footer = bounded_footer(footer_text(citations))
    footer_lines = footer.count("\n") + 1
    bottom = 0.08 + 0.017 * footer_lines  # room for date labels plus the wrapped footer
    axes = figure.add_axes((_LEFT, bottom, _RIGHT - _LEFT, _AXES_TOP - bottom))
    _draw_headings(figure, chart, points, len(citations), footer)
    if chart.is_flow:
        _draw_bars(axes, points, colours)
    else:
        _draw_lines(axes, points, colours)
    _style_axes(axes, chart)
    _add_legend(axes, points, colours, is_flow=chart.is_flow)
    return figure


def _draw_headings(
    figure: Figure, chart: ChartSpec, points: pd.DataFrame, citation_count: int, footer: str
) -> None:
    figure.text(_LEFT, 0.955, chart_title(chart), fontsize=15, fontweight="bold", va="top")
    subtitle = _wrap(chart_subtitle(chart, points, citation_count), _SUBTITLE_WRAP_CHARS)
    figure.text(_LEFT, 0.915, subtitle, fontsize=9, color="#333333", va="top")
    figure.text(_LEFT, 0.015, footer, fontsize=7, color="#444444", va="bottom")


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
    axes.set_ylabel(f"{metric_label(chart.metric)} ({metric_unit(chart.metric)})")
    # Thousands separated as in the text ("118,000 km²"), decimals only when needed.
    axes.yaxis.set_major_formatter(FuncFormatter(lambda value, _position: number_text(value)))
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


def _bar_slots(points: pd.DataFrame) -> pd.DataFrame:
    """Place each flow: its slot (the month of its midpoint, or its whole period when it
    is longer than a month) split into side-by-side lanes, one per figure in the slot."""
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
    placed["_width"] = slot_days * _SLOT_FILL / placed["_lanes"]
    left = placed["_slot_start"].map(_day_number) + slot_days * (1 - _SLOT_FILL) / 2
    placed["_x"] = left + placed["_width"] * (placed["_lane"] + 0.5)
    return placed


def is_computed(points: pd.DataFrame) -> pd.Series:
    """Figures computed from map geometry rather than cited from a text."""
    return points["method"].astype(str).eq("computed")


def _draw_bars(axes: Axes, points: pd.DataFrame, colours: dict[str, str]) -> None:
    placed = _bar_slots(points).assign(_computed=lambda f: is_computed(f))
    # One bar() call per look (source, partial, hedged, computed): thousands of bars
    # drawn one call each would dominate the report's run time.
    looks = ["attribution", "is_partial", "_hedged", "_computed"]
    placed["_hedged"] = placed["_qualifier"].isin(_HEDGED)
    for (attribution, partial, hedged, computed), bars in placed.groupby(looks, sort=True):
        colour = colours[attribution]
        face = "white" if computed else (_lighten(colour, 0.55) if partial else colour)
        axes.bar(
            bars["_x"], bars["_y"], width=bars["_width"], color=face,
            edgecolor=colour if computed else _EDGE, linewidth=1.3 if computed else 0.5,
            linestyle="--" if partial else "-", hatch="////" if hedged else None,
        )
    _draw_hedges(axes, placed)
    _draw_unchecked(axes, placed, beyond_tip=True)
    _draw_marks(axes, placed, rotation=90, ring_beyond_tip=True)


def _draw_lines(axes: Axes, points: pd.DataFrame, colours: dict[str, str]) -> None:
    points = points.assign(_computed=is_computed(points), _x=points["_as_of"].map(_day_number))
    for (attribution, computed), series in points.groupby(["attribution", "_computed"], sort=True):
        series = series.sort_values(["_as_of", "mark"], kind="mergesort")
        colour = colours[attribution]
        if computed:
            # A map-derived series changes when the map does: a dashed step line.
            axes.plot(series["_x"], series["_y"], color=colour, linewidth=1.3, linestyle="--",
                      drawstyle="steps-post", zorder=2)
        else:
            axes.plot(series["_x"], series["_y"], color=colour, linewidth=1.4, zorder=2)
        for qualifier, group in series.groupby("_qualifier", sort=True):
            marker = "s" if computed else _TRIANGLES.get(str(qualifier), "o")
            open_face = computed or str(qualifier) in _HEDGED
            axes.plot(group["_x"], group["_y"], linestyle="none", marker=marker,
                      markersize=4.5 if computed else 6,
                      markerfacecolor="white" if open_face else colour, markeredgecolor=colour,
                      markeredgewidth=1.4, zorder=3)
    _draw_hedges(axes, points, triangles=False)
    _draw_unchecked(axes, points)
    _draw_marks(axes, points, rotation=0)


def unchecked_points(points: pd.DataFrame) -> pd.Series:
    """Points drawn with the ring: machine-read figures no person has checked yet."""
    if "unchecked" not in points.columns:
        return pd.Series(False, index=points.index)
    return points["unchecked"].fillna(False).astype(bool)


def _tips(points: pd.DataFrame) -> pd.Series:
    """Where a point's furthest drawing ends: its value, or the end of its range bracket."""
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


def _draw_hedges(axes: Axes, points: pd.DataFrame, *, triangles: bool = True) -> None:
    """A bracket for a range; on bars, a triangle for at least / at most (points have _x)."""
    low, high, y = points["value_min"], points["value_max"], points["_y"]
    ranged = low.notna() & high.notna() & (low != high)
    if ranged.any():
        axes.errorbar(points.loc[ranged, "_x"], y[ranged],
                      yerr=[(y - low)[ranged].clip(lower=0), (high - y)[ranged].clip(lower=0)],
                      fmt="none", ecolor=_EDGE, elinewidth=0.9, capsize=2.5, zorder=4)
    if triangles:
        for qualifier, marker in _TRIANGLES.items():
            chosen = points["_qualifier"] == qualifier
            if chosen.any():
                axes.plot(points.loc[chosen, "_x"], y[chosen], linestyle="none", marker=marker,
                          markersize=4, color=_EDGE, zorder=4)


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
            gap = 3
        axes.annotate(
            str(mark), (x, tip), xytext=(0, -gap if below else gap), textcoords="offset points",
            rotation=rotation, ha="center", va="top" if below else "bottom", fontsize=6,
            color="#333333",
        )


def _add_legend(axes: Axes, points: pd.DataFrame, colours: dict[str, str], *, is_flow: bool) -> None:
    computed = is_computed(points)
    handles: list[object] = []
    for name in sorted(points.loc[~computed, "attribution"].unique()):
        handles.append(Patch(facecolor=colours[name], edgecolor=_EDGE, linewidth=0.5, label=name)
                       if is_flow else Line2D([], [], color=colours[name], marker="o", label=name))
    for name in sorted(points.loc[computed, "attribution"].unique()):
        label = f"{name}, computed from map geometry"
        handles.append(Patch(facecolor="white", edgecolor=colours[name], linewidth=1.3, label=label)
                       if is_flow else Line2D([], [], color=colours[name], linestyle="--", marker="s",
                                              markerfacecolor="white", label=label))
    handles += _encoding_handles(axes, points, is_flow=is_flow)
    # Above the axes, so that the legend never hides a bar or a point.
    axes.legend(handles=handles, loc="lower left", bbox_to_anchor=(0, 1.01), ncols=4,
                fontsize=7.5, frameon=False, borderaxespad=0)


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
    if (points["value_min"].notna() & points["value_max"].notna()).any():
        handles.append(Line2D([], [], marker="_", markersize=8, color=_EDGE, linestyle="-",
                              label="range (minimum to maximum)"))
    if is_flow and points["is_partial"].any():
        handles.append(Patch(facecolor="#dddddd", edgecolor=_EDGE, linestyle="--", linewidth=0.5,
                             label="partial period (not whole months)"))
    if unchecked_points(points).any():
        # An empty scatter of the axes: the legend draws a collection's key with its dotted
        # edge, which a Line2D marker cannot have.
        handles.append(axes.scatter([], [], label=UNCHECKED_LABEL, **_RING))
    return handles
