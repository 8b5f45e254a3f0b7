"""Choose what the report plots: filter the current view, pick one actor/territory per
chart, plot one point per observation (tracker/observations.py: all citations of one
figure), and number the points.

The report works on the current view of the ledger (tracker/view.py): active readings
with the review decision in force applied, so a corrected figure is plotted with its
corrected values and superseded or retracted readings never are. What may be plotted is
`charted(view)`: never a rejected figure; with `reviewed_only`, no machine-read figure
that no person confirmed or corrected.

Everything here is pure pandas: no drawing, no files. The output keeps one row per
citation (so footers and references can name every publisher) with the observation and
point it belongs to (`observation_id`, `mark`), the chart that shows it (`chart`), its
review columns and whether its point is `unchecked`: every citation of the figure is
machine-read (method `reported`) and unreviewed, so the charts mark it apart.

Chart grammar decided here, so that the PDF can say what the charts show:
- `series`: the line (or bar colour and look) a point belongs to. One series per producer,
  definition and kind (cited or computed from maps) within a chart: two definitions of one
  producer ("occupied_total", "occupied_after_24_02_2022") are two lines, never one that
  zig-zags between them.
- a chart with fewer than MIN_CHART_POINTS figures is not drawn: its figures go to the
  summary (`Selection.summary_only`), keeping their marks so the references cite them.
- `dense`: the point's series has more than DENSE_POINTS figures (a daily map series) and
  is drawn as a plain line; `labelled`: its mark is printed on the chart (all of them in
  a chart of at most DENSE_POINTS figures, else only the latest of each series and the
  flagged ones: revised, superseded or conflicting).
"""

from __future__ import annotations

import re
from collections.abc import Mapping
from dataclasses import dataclass, field

import pandas as pd

from tracker.export import as_view
from tracker.model import METRICS, is_flow
from tracker.observations import build_observations, claim_observation_ids, partial_flows
from tracker.view import VIEW_COLUMNS, charted

DATE_COLUMNS: tuple[str, ...] = ("period_start", "period_end", "as_of")

# Columns of ReportResult.plotted: the current view's columns (claim, then review) plus
# where each citation is shown and whether its point is machine-read and unchecked.
PLOTTED_COLUMNS: tuple[str, ...] = VIEW_COLUMNS + (
    "observation_id", "mark", "chart", "is_partial", "unchecked", "series", "dense", "labelled")

# A flow over more than this many days is not a monthly figure; mixing yearly totals with
# monthly bars would dwarf them, so a chart keeps only the more common kind of period.
_MONTHLY_MAX_DAYS = 31

# Two points make a segment, not a trend: a chart needs three figures to be drawn.
MIN_CHART_POINTS = 3
# About what an A4-landscape axis holds side by side: 40 numbers of 8 pt (three digits and
# a gap, about 6 mm each) fill its 25 cm. Past that, marks and markers would overlap, so a
# chart prints only the marks a reader needs (latest per series, flagged figures) and a
# series this long is drawn as a plain line.
DENSE_POINTS = 40
# Observation links that make a figure worth pointing at on a dense chart.
_FLAG_COLUMNS: tuple[str, ...] = ("revision_of", "superseded_by", "conflicts_with")


@dataclass(frozen=True)
class ChartSpec:
    """One chart: a metric for one actor/territory pair within one conflict."""

    conflict: str
    metric: str
    actor: str
    territory: str
    file_name: str
    other_pairs_count: int  # figures of this metric left out: other actor/territory
    other_spans_count: int  # figures left out: flows over a different kind of period
    drawn: bool = True  # False: fewer than MIN_CHART_POINTS figures, shown in the summary only

    @property
    def is_flow(self) -> bool:
        return is_flow(self.metric)


@dataclass
class Selection:
    """The citations to plot (`rows`, one per citation) and the charts they form."""

    rows: pd.DataFrame
    charts: list[ChartSpec]
    ledger_count: int  # current figures (active readings) given, rejected ones included
    # Observations in the selected scope, plotted or not: every one (select_points), or
    # those of the charted series, all the report reads (tracker/report/stored.py).
    observations: pd.DataFrame
    # The observation of every charted claim (select_points), or of the claims of those
    # observations (stored.py).
    claim_observations: dict[str, str] = field(default_factory=dict)
    rejected_count: int = 0  # current figures a reviewer rejected: never plotted
    unchecked_left_out: int = 0  # with reviewed_only: machine-read figures nobody checked
    reviewed_only: bool = False
    example_left_out: int = 0  # current rows of example sources (Publishing), never charted

    @property
    def summary_only(self) -> list[ChartSpec]:
        """Charts too small to draw: their figures (marks kept) go to the summary."""
        return [chart for chart in self.charts if not chart.drawn]

    @property
    def drawn_charts(self) -> list[ChartSpec]:
        return [chart for chart in self.charts if chart.drawn]

    def points(self, chart: ChartSpec) -> pd.DataFrame:
        """One row per point of `chart` (its first citation), in mark order."""
        rows = self.rows[self.rows["chart"] == chart.file_name]
        return rows.drop_duplicates("mark").reset_index(drop=True)

    def plotted(self) -> pd.DataFrame:
        """The public view: ledger columns plus mark, chart and is_partial."""
        return self.rows.loc[:, list(PLOTTED_COLUMNS)].reset_index(drop=True)


def select_points(
    claims: pd.DataFrame,
    *,
    conflict: str | None = None,
    since: str | None = None,
    until: str | None = None,
    metrics: list[str] | None = None,
    reviewed_only: bool = False,
    excluded_source_ids: frozenset[str] = frozenset(),
) -> Selection:
    """Filter the current view and arrange the plottable claims into numbered chart points.

    `claims` is a current view (tracker/view.py current_view) or ledger rows, whose
    current view is then taken with no decision applied (see tracker.export.as_view).
    Rows of `excluded_source_ids` (example sources, Publishing.example_source_ids) are
    dropped first, as if the ledger did not hold them, and counted."""
    view, examples = without_examples(as_view(claims), excluded_source_ids)
    shown = charted(view, reviewed_only)
    rejected = int((view["review_status"] == "rejected").sum())
    left_out = len(charted(view)) - len(shown) if reviewed_only else 0
    ledger = _sorted_claims(shown)
    # Revisions are linked over every charted row, so a window never hides what a figure revises.
    keys = claim_observation_ids(ledger)
    observations = build_observations(ledger, normalised=True, ids=keys)
    frame = plot_rows(ledger, keys)
    in_scope = _filter(frame, conflict=conflict, since=since, until=until, metrics=metrics)
    scoped = observations[observations["observation_id"].isin(set(in_scope["_key"]))]
    frame, charts = _assign_charts(_plottable(in_scope))
    frame = numbered(frame, charts, flag_links(scoped))
    return Selection(rows=frame, charts=charts, ledger_count=len(view),
                     observations=scoped.reset_index(drop=True),
                     claim_observations=dict(zip(ledger["claim_id"], keys)), rejected_count=rejected,
                     unchecked_left_out=left_out, reviewed_only=reviewed_only,
                     example_left_out=examples)


def without_examples(view: pd.DataFrame, source_ids: frozenset[str]) -> tuple[pd.DataFrame, int]:
    """`view` without the rows of `source_ids`, and how many there were."""
    if not source_ids or "source_id" not in view.columns:
        return view, 0
    example = view["source_id"].astype(str).isin(source_ids)
    return view[~example], int(example.sum())


def flag_links(observations: pd.DataFrame) -> dict[str, tuple[str, ...]]:
    """Per observation revised by, superseding or conflicting with others, those others."""
    links: dict[str, tuple[str, ...]] = {}
    if observations.empty:
        return links
    columns = [c for c in _FLAG_COLUMNS if c in observations.columns]
    cells = observations[columns].astype(object).where(observations[columns].notna(), "")
    for oid, *texts in zip(observations["observation_id"], *(cells[c] for c in columns)):
        others = tuple(other for text in texts for other in str(text).split(";") if other.strip())
        if others:
            links[str(oid)] = others
    return links


def _sorted_claims(view: pd.DataFrame) -> pd.DataFrame:
    """Rows of the current view (storage types, review columns), sorted.

    Rows are sorted so that the same ledger in any row order gives the same report.
    """
    frame = view
    order = ["claim_id", "url", "publisher", "published_at", "quote"]
    # A row repeated in the ledger is one citation, not two.
    frame = frame.drop_duplicates()
    return frame.sort_values(order, kind="mergesort").reset_index(drop=True)


def plot_rows(ledger: pd.DataFrame, keys: pd.Series) -> pd.DataFrame:
    """Charted rows (sorted as _sorted_claims sorts them) with the columns that place
    their points, their observation (`_key`: `keys`) and whether that is `unchecked`.

    Row by row, except `unchecked`, which takes every row of an observation: the rows of
    whole observations give the same rows as the whole view does."""
    frame = add_plot_columns(ledger)
    frame["_key"] = keys
    # A figure is checked when a person confirmed or corrected one of its citations, or
    # when it was not machine-read (curated or computed): only the rest is marked apart.
    machine = (frame["method"] == "reported") & (frame["review_status"] == "unreviewed")
    frame["unchecked"] = machine.groupby(frame["_key"]).transform("all").astype(bool)
    return frame


def numbered(frame: pd.DataFrame, charts: list[ChartSpec],
             links: Mapping[str, tuple[str, ...]] | None = None) -> pd.DataFrame:
    """The plotted rows (with their `chart`) numbered, with their series and whether they
    are thinned and labelled (`links`: flag_links of their observations): Selection.rows."""
    frame = frame.copy()
    # Citations of one figure may word its definition differently: the point takes the
    # first series of its citations, whatever their order.
    series = series_names(frame) if len(frame) else pd.Series(dtype=object, index=frame.index)
    frame["series"] = series.groupby(frame["_key"]).transform("min") if len(frame) else series
    frame = _assign_marks(frame, charts) if len(frame) else _no_marks(frame)
    frame["observation_id"] = frame["_key"]
    return thinned(frame, links or {})


def _flagged_in_series(points: pd.DataFrame, links: Mapping[str, tuple[str, ...]]) -> pd.Series:
    """Points revised by, superseding or conflicting with a figure of their own series
    (or one not plotted here). Observations ignore definitions, so a map's two definitions
    of one day name each other as conflicting: that is no flag worth a mark."""
    series_of = dict(zip(points["_key"], points["series"]))
    flagged = [any(series_of.get(other, series) == series for other in links.get(key, ()))
               for key, series in zip(points["_key"], points["series"])]
    return pd.Series(flagged, index=points.index, dtype=bool)


def definition_key(definition: object) -> str:
    """What tells two definitions of one producer apart: the identifier before ': ' when
    the text starts with one ('occupied_total: area of …' -> 'occupied_total'), else the
    whole text (trimmed), '' for none."""
    text = "" if pd.isna(definition) else " ".join(str(definition).split())
    head, colon, _rest = text.partition(": ")
    return head if colon and _IDENTIFIER.fullmatch(head) else text


_IDENTIFIER = re.compile(r"[A-Za-z][A-Za-z0-9_.-]*")


def series_names(frame: pd.DataFrame) -> pd.Series:
    """Per row, its series within its chart (metric, actor and territory are the chart's):
    'DeepState', 'DeepState, computed from map geometry', with ' — <definition>' when
    the figure has a definition: the producer, its kind and its definition."""
    producer = frame["attribution"].astype(str).str.strip().replace("", "unattributed")
    computed = frame["method"].astype(str).eq("computed")
    kind = computed.map({True: ", computed from map geometry", False: ""})
    definition = frame["definition"].map(definition_key) if "definition" in frame.columns else ""
    suffix = pd.Series(definition, index=frame.index).map(lambda d: f" — {d}" if d else "")
    return (producer + kind + suffix).astype(object)


def thinned(frame: pd.DataFrame, links: Mapping[str, tuple[str, ...]]) -> pd.DataFrame:
    """Add `dense` (the row's series has more than DENSE_POINTS figures: drawn as a plain
    line) and `labelled` (its mark is printed: every point of a chart of at most
    DENSE_POINTS figures, else the latest of each series and the flagged ones)."""
    if frame.empty:
        return frame.assign(dense=pd.Series(dtype=bool), labelled=pd.Series(dtype=bool))
    points = frame.drop_duplicates("mark")
    in_series = points.groupby(["chart", "series"])["mark"].transform("size")
    in_chart = points.groupby("chart")["mark"].transform("size")
    time = points["_ref"]
    order = points.assign(_time=time).sort_values(["_time", "mark"], kind="mergesort")
    latest = set(order.groupby(["chart", "series"])["mark"].last())
    labelled = ((in_chart <= DENSE_POINTS) | points["mark"].isin(latest)
                | _flagged_in_series(points, links))
    dense_of = dict(zip(points["mark"], in_series > DENSE_POINTS))
    labelled_of = dict(zip(points["mark"], labelled))
    frame["dense"] = frame["mark"].map(dense_of).astype(bool)
    frame["labelled"] = frame["mark"].map(labelled_of).astype(bool)
    return frame


def _parse_dates(column: pd.Series) -> pd.Series:
    # Only the day matters for placing a figure; a time part or a bad value is not an error.
    text = column.astype(object).where(column.notna(), "").map(str).str.slice(0, 10)
    return pd.to_datetime(text, errors="coerce", format="%Y-%m-%d")


def add_plot_columns(frame: pd.DataFrame) -> pd.DataFrame:
    """Add the helper columns (prefixed `_`) used to place points: y, dates, span.

    Works on normalised ledger rows and on ReportResult.plotted alike.
    """
    frame = placed(frame.copy())
    frame["is_partial"] = partial_flows(frame)
    return frame


def placed(frame: pd.DataFrame) -> pd.DataFrame:
    """Add to `frame` (changed in place and returned) the columns that place a point and
    decide whether and where it is charted: its dates, y, reference time and span.

    Only a figure's own fields are read (metric, values, dates): the citations of one
    observation are placed alike, so observations (one row each) are placed as their
    citations are."""
    frame["_start"] = _parse_dates(frame["period_start"])
    frame["_end"] = _parse_dates(frame["period_end"])
    frame["_as_of"] = _parse_dates(frame["as_of"])
    # A share lost or retaken dated with as_of alone is placed like a stock.
    frame["_is_flow"] = frame["metric"].map(is_flow).astype(bool) & ~(frame["_as_of"].notna() & frame["_end"].isna())
    frame["_y"] = _plot_value(frame)
    frame["_ref"] = frame["_end"].where(frame["_is_flow"], frame["_as_of"])
    frame["_days"] = (frame["_end"] - frame["_start"]).dt.days + 1
    frame["_span"] = frame["_days"].map(lambda d: "month" if d <= _MONTHLY_MAX_DAYS else "long")
    return frame


def _plot_value(frame: pd.DataFrame) -> pd.Series:
    """Height of a point: the value, else the middle of its range, else its one bound."""
    middle = (frame["value_min"] + frame["value_max"]) / 2
    return frame["value"].fillna(middle).fillna(frame["value_min"]).fillna(frame["value_max"])


def _plottable(frame: pd.DataFrame) -> pd.DataFrame:
    """Known metrics with a number and a time: a flow needs its period, a stock its date."""
    has_time = (frame["_start"].notna() & frame["_end"].notna() & (frame["_days"] > 0)).where(
        frame["_is_flow"], frame["_as_of"].notna()
    )
    keep = frame["metric"].isin(METRICS) & frame["_y"].notna() & has_time.astype(bool)
    return frame[keep]


def _bound(text: str, *, end: bool) -> pd.Timestamp:
    """'2025', '2025-06' or '2025-06-30' as the first (or last) day it covers."""
    if not re.fullmatch(r"\d{4}(-\d{2}(-\d{2})?)?", text):
        raise ValueError(f"expected a date as YYYY, YYYY-MM or YYYY-MM-DD, got {text!r}")
    period = pd.Period(text)
    moment = period.end_time if end else period.start_time
    return moment.normalize()


def _filter(
    frame: pd.DataFrame,
    *,
    conflict: str | None,
    since: str | None,
    until: str | None,
    metrics: list[str] | None,
) -> pd.DataFrame:
    if conflict:
        frame = frame[frame["conflict"] == conflict]
    if metrics:
        frame = frame[frame["metric"].isin(metrics)]
    # A flow is kept when its period overlaps the window, a stock when its date is inside.
    first = frame["_start"].where(frame["_is_flow"], frame["_as_of"])
    inside = pd.Series(True, index=frame.index)
    if since:
        inside &= frame["_ref"] >= _bound(since, end=False)
    if until:
        inside &= first <= _bound(until, end=True)
    return frame[inside]


def _assign_charts(frame: pd.DataFrame) -> tuple[pd.DataFrame, list[ChartSpec]]:
    """Keep, per conflict and metric, the most cited actor/territory pair and period kind."""
    kept: list[pd.DataFrame] = []
    charts: list[ChartSpec] = []
    for (conflict, metric), group in frame.groupby(["conflict", "metric"], sort=False):
        actor, territory = _main_pair(group)
        of_pair = group[(group["actor"] == actor) & (group["territory"] == territory)]
        span = _main_span(of_pair)
        shown = of_pair[of_pair["_span"] == span] if is_flow(metric) else of_pair
        spec = ChartSpec(
            conflict=conflict,
            metric=metric,
            actor=actor,
            territory=territory,
            file_name=chart_file_name(conflict, metric),
            other_pairs_count=_count_points(group) - _count_points(of_pair),
            other_spans_count=_count_points(of_pair) - _count_points(shown),
            drawn=_count_points(shown) >= MIN_CHART_POINTS,
        )
        charts.append(spec)
        kept.append(shown.assign(chart=spec.file_name))
    charts.sort(key=_chart_order)
    if not kept:
        return frame.assign(chart=pd.Series(dtype=object)), charts
    return pd.concat(kept), charts


def _main_pair(group: pd.DataFrame) -> tuple[str, str]:
    # Most cited first; ties go to the alphabetically first pair so the choice is stable.
    counts = _citations(group, ["actor", "territory"]).reset_index(name="n")
    best = counts.sort_values(["n", "actor", "territory"], ascending=[False, True, True]).iloc[0]
    return str(best["actor"]), str(best["territory"])


def _main_span(group: pd.DataFrame) -> str:
    counts = _citations(group, "_span")
    return "long" if counts.get("long", 0) > counts.get("month", 0) else "month"


def _citations(group: pd.DataFrame, by: str | list[str]) -> pd.Series:
    """Citations per value of `by`: rows, or the `_n` citations of each row when the rows
    are observations (tracker/report/stored.py)."""
    if "_n" in group.columns:
        return group.groupby(by)["_n"].sum()
    return group.groupby(by).size()


def _count_points(group: pd.DataFrame) -> int:
    return int(group["_key"].nunique())


def _chart_order(spec: ChartSpec) -> tuple[str, int]:
    return spec.conflict, METRICS.index(spec.metric)


def chart_file_name(conflict: str, metric: str) -> str:
    """`russia-ukraine_area_gained_km2.png`: file-system safe, stable across runs."""
    slug = re.sub(r"[^a-z0-9-]+", "-", conflict.lower()).strip("-") or "unspecified"
    return f"{slug}_{metric}.png"


def _assign_marks(frame: pd.DataFrame, charts: list[ChartSpec]) -> pd.DataFrame:
    """Number points 1..N in chart order, then by source and time; one mark per figure."""
    frame = frame.copy()
    frame["_chart_rank"] = frame["chart"].map({c.file_name: i for i, c in enumerate(charts)})
    frame["_qualifier"] = point_qualifiers(frame, "_key")
    point_order = ["_chart_rank", "attribution", "_ref", "_start", "_y", "_key"]
    points = frame.drop_duplicates("_key").sort_values(point_order, kind="mergesort")
    marks = {key: number for number, key in enumerate(points["_key"], start=1)}
    frame["mark"] = frame["_key"].map(marks).astype("int64")
    citation_order = ["mark", "published_at", "publisher", "url", "claim_id"]
    return frame.sort_values(citation_order, kind="mergesort").reset_index(drop=True)


def point_qualifiers(frame: pd.DataFrame, point_column: str) -> pd.Series:
    """Per row, the qualifier its point is drawn with (citations of a point may differ):
    the hedge most citations give, ties alphabetically (vectorised: one pass per frame)."""
    if frame.empty:
        return pd.Series(dtype=object, index=frame.index)
    pairs = pd.DataFrame({"point": frame[point_column].values,
                          "qualifier": frame["qualifier"].replace("", "exact").values})
    counts = pairs.value_counts().reset_index(name="n")
    counts = counts.sort_values(["point", "n", "qualifier"], ascending=[True, False, True],
                                kind="mergesort").drop_duplicates("point")
    best = dict(zip(counts["point"], counts["qualifier"]))
    return frame[point_column].map(best)


def _no_marks(frame: pd.DataFrame) -> pd.DataFrame:
    """The empty selection, with the same columns as a full one."""
    return frame.assign(
        mark=pd.Series(dtype="int64"), chart=pd.Series(dtype=object),
        _qualifier=pd.Series(dtype=object),
    )
