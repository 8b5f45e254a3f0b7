"""The files of each chart, as an editor publishes them, and their replacement on disk.

Every chart is written five times over, all named after its print PNG
(`<conflict>_<metric>.png`, the name reports always had):

    <stem>.png        print size: A4 landscape at 200 dpi (as in report.pdf)
    <stem>_web.png    web size: about 1200 px wide
    <stem>.svg        vector, for layout tools and the web
    <stem>.csv        exactly the points drawn, one row per point (its first citation)
    <stem>.json       sidecar: title, subtitle, unit, definitions, producers, sources,
                      first and last data date, credit and licence, alt text

The same ledger gives the same bytes: PNG and SVG carry no date and no tool name, SVG ids
come from the fixed `svg.hashsalt` of charts.STYLE, and the JSON is written with sorted
keys and without floats (values are given as the chart prints them).

A report replaces its files only once all of them are rendered (report_files), each with
an atomic os.replace, and removes the files the previous report wrote that this one does
not make. What it wrote is kept in `.report_files.json` beside them: files the tracker did
not write are never removed.
"""

from __future__ import annotations

import csv
import io
import json
import re
from collections.abc import Iterable
from pathlib import Path

import pandas as pd
from matplotlib.figure import Figure

from tracker.publishing import Publishing
from tracker.report.charts import PNG_DPI
from tracker.report.points import ChartSpec
from tracker.report.text import (
    attribution_of,
    chart_subtitle,
    chart_title,
    metric_label,
    metric_unit,
    plural,
    publisher_of,
    time_text,
    value_text,
)
from tracker.store import write_if_changed

WEB_WIDTH_PX = 1200
MANIFEST_NAME = ".report_files.json"

# Dates and tool names would make two runs on the same data differ byte for byte.
PNG_METADATA: dict[str, str | None] = {"Software": None}
SVG_METADATA: dict[str, str | None] = {"Date": None, "Creator": None}

# Columns of <stem>.csv: one row per point drawn, described by its first citation.
CSV_COLUMNS: tuple[str, ...] = (
    "mark", "metric", "actor", "territory", "period_start", "period_end", "as_of",
    "value", "value_min", "value_max", "unit", "qualifier", "producer", "definition",
    "method", "unchecked", "observation_id", "citations", "first_publisher", "first_url",
)

# Only names of this shape are ever removed as "no longer made": a manifest edited by
# hand (or by anything else) cannot make the report delete another file.
_OWNED_NAME = re.compile(r"[a-z0-9-]+_[a-z0-9_]+(?:_web\.png|\.png|\.svg|\.csv|\.json)|report\.pdf")


def chart_stem(chart: ChartSpec) -> str:
    """'russia-ukraine_area_gained_km2': the print PNG's name without '.png'."""
    return chart.file_name.removesuffix(".png")


def chart_files(figure: Figure, chart: ChartSpec, points: pd.DataFrame, citations: pd.DataFrame,
                publishing: Publishing) -> dict[str, bytes]:
    """The five files of one chart, by file name, rendered in memory.

    `points`: one row per mark (Selection.points), `citations`: every citation of the
    chart. Call inside `matplotlib.rc_context(charts.STYLE)`: the SVG ids need its salt."""
    stem = chart_stem(chart)
    names = {"png": chart.file_name, "web": f"{stem}_web.png", "svg": f"{stem}.svg",
             "csv": f"{stem}.csv", "json": f"{stem}.json"}
    # Title, description and rights travel inside the images too, for a copy found alone.
    described = {"Title": chart_title(chart), "Description": alt_text(chart, points),
                 "Rights": publishing.credit_line()}
    print_png = _png(figure, PNG_DPI, described)
    return {
        names["png"]: print_png,
        names["web"]: _web_png(print_png, described),
        names["svg"]: _svg(figure, described),
        names["csv"]: points_csv(points, citations),
        names["json"]: sidecar_json(chart, points, citations, publishing, sorted(names.values())),
    }


def _png(figure: Figure, dpi: float, described: dict[str, str]) -> bytes:
    # PNG names the rights "Copyright" (a registered keyword of the format).
    text = {"Title": described["Title"], "Description": described["Description"],
            "Copyright": described["Rights"]}
    out = io.BytesIO()
    figure.savefig(out, format="png", dpi=dpi, metadata={**PNG_METADATA, **text})
    return out.getvalue()


def _web_png(print_png: bytes, described: dict[str, str]) -> bytes:
    """The print PNG scaled down to WEB_WIDTH_PX wide. Resampling the rendered page costs
    a tenth of drawing the chart again (text layout dominates matplotlib's drawing), and
    from twice the size the Lanczos filter keeps text as sharp as a direct render."""
    from PIL import Image, PngImagePlugin  # Pillow: already under matplotlib

    with Image.open(io.BytesIO(print_png)) as image:
        height = round(image.height * WEB_WIDTH_PX / image.width)
        web = image.convert("RGBA").resize((WEB_WIDTH_PX, height), Image.Resampling.LANCZOS)
    info = PngImagePlugin.PngInfo()
    for key, value in (("Title", described["Title"]), ("Description", described["Description"]),
                       ("Copyright", described["Rights"])):
        info.add_itxt(key, value)
    out = io.BytesIO()
    web.save(out, format="PNG", pnginfo=info, optimize=False)
    return out.getvalue()


def _svg(figure: Figure, described: dict[str, str]) -> bytes:
    out = io.BytesIO()
    figure.savefig(out, format="svg", metadata={**SVG_METADATA, **described})
    return out.getvalue()


# --- the CSV of the points drawn -----------------------------------------------------------


def points_csv(points: pd.DataFrame, citations: pd.DataFrame) -> bytes:
    """One row per point drawn, in mark order, with its number of citations and the
    publisher and URL of its first one."""
    points = points.sort_values("mark", kind="mergesort")
    counts = citations.groupby("mark").size() if len(citations) else pd.Series(dtype="int64")
    flow = points["_is_flow"].astype(bool)
    # Column by column: a daily map series has thousands of points per chart.
    columns = [
        points["mark"].astype(int), points["metric"], points["actor"], points["territory"],
        _days(points["_start"].where(flow)), _days(points["_end"].where(flow)),
        _days(points["_as_of"].where(~flow)),
        points["value"].map(_number), points["value_min"].map(_number),
        points["value_max"].map(_number), points["metric"].map(lambda m: metric_unit(str(m))),
        points["_qualifier"], _producers(points), points["definition"].map(_text),
        points["method"], points["unchecked"].map(lambda u: "yes" if bool(u) else "no"),
        points["observation_id"], points["mark"].map(lambda m: int(counts.get(m, 1))),
        _publishers(points), points["url"].map(_text),
    ]
    out = io.StringIO()
    writer = csv.writer(out, lineterminator="\n")
    writer.writerow(CSV_COLUMNS)
    writer.writerows(zip(*(list(column) for column in columns)))
    return out.getvalue().encode("utf-8")


def _days(moments: pd.Series) -> list[str]:
    return [_day(moment) for moment in moments]


def _producers(rows: pd.DataFrame) -> pd.Series:
    """attribution_of per row (the name printed, 'unattributed' when there is none)."""
    return rows["attribution"].map(lambda name: attribution_of({"attribution": name}))


def _publishers(rows: pd.DataFrame) -> list[str]:
    """publisher_of per row (the publisher, else the web site of the URL)."""
    return [publisher_of({"publisher": publisher, "url": url})
            for publisher, url in zip(rows["publisher"], rows["url"])]


def _number(value: object) -> str:
    """Shortest text reading back as the same float; whole numbers without '.0'."""
    if value is None or pd.isna(value):
        return ""
    number = float(value)
    return str(int(number)) if number.is_integer() and abs(number) < 1e15 else repr(number)


def _day(moment: object) -> str:
    return "" if moment is None or pd.isna(moment) else f"{moment:%Y-%m-%d}"


def _text(value: object) -> str:
    return "" if value is None or (not isinstance(value, str) and pd.isna(value)) else str(value)


# --- the JSON sidecar ----------------------------------------------------------------------


def sidecar_json(chart: ChartSpec, points: pd.DataFrame, citations: pd.DataFrame,
                 publishing: Publishing, files: list[str]) -> bytes:
    """What a chart copied out of the report needs beside it, as sorted-key JSON."""
    first, last = data_dates(points)
    sidecar = {
        "title": chart_title(chart),
        "subtitle": chart_subtitle(chart, points, len(citations)),
        "conflict": chart.conflict,
        "metric": chart.metric,
        "actor": chart.actor,
        "territory": chart.territory,
        "unit": metric_unit(chart.metric),
        "definitions": _distinct(citations["definition"].map(_text)),
        "producers": _distinct(_producers(points)),
        "sources": _sources(citations),
        "first_date": first,
        "last_date": last,
        "points": len(points),
        "citations": len(citations),
        "credit": publishing.credit,
        "credit_line": publishing.credit_line(),
        "licence": {"id": publishing.licence, "title": publishing.licence_title,
                    "url": publishing.licence_link},
        "alt_text": alt_text(chart, points),
        "files": files,
    }
    return (json.dumps(sidecar, indent=1, sort_keys=True, ensure_ascii=False) + "\n").encode("utf-8")


def data_dates(points: pd.DataFrame) -> tuple[str, str]:
    """First and last day the plotted figures cover: a flow's period, a stock's date."""
    starts = points["_start"].where(points["_is_flow"], points["_as_of"])
    ends = points["_end"].where(points["_is_flow"], points["_as_of"])
    return _day(starts.min()), _day(ends.max())


def _distinct(values: Iterable[str]) -> list[str]:
    return sorted({value for value in values if value})


def _sources(citations: pd.DataFrame) -> list[dict[str, str]]:
    """Every publisher of a plotted citation with its URLs (computed figures: none)."""
    cited = citations.loc[citations["method"] != "computed", ["publisher", "url"]].drop_duplicates()
    pairs = set(zip(_publishers(cited), cited["url"].map(_text)))
    return [{"publisher": publisher, "url": url} for publisher, url in sorted(pairs)]


def alt_text(chart: ChartSpec, points: pd.DataFrame) -> str:
    """A description of the chart from its data: kind, what, where, period, producers and
    the latest figure of each, for readers who cannot see it."""
    first, last = data_dates(points)
    kind = "Bar chart" if chart.is_flow else "Line chart"
    per = "per reported period" if chart.is_flow else "at the date each figure refers to"
    producers = _distinct(_producers(points))
    text = (f"{kind} of {metric_label(chart.metric).lower()} ({metric_unit(chart.metric)}) by "
            f"{chart.actor or 'an unnamed actor'} in {chart.territory or 'an unnamed territory'} "
            f"({chart.conflict or 'unspecified conflict'}), {per}, from {first} to {last}: "
            f"{plural(len(points), 'figure')} from {plural(len(producers), 'producer')} "
            f"({', '.join(producers)}).")
    latest = [f"{name}: {value_text(point)}, {time_text(point)}"
              for name, point in _latest_per_producer(points)]
    if latest:
        text += " Latest figure of each: " + "; ".join(latest) + "."
    unchecked = int(points["unchecked"].fillna(False).astype(bool).sum())
    if unchecked:
        text += (f" {plural(unchecked, 'figure')} (dotted ring) "
                 f"{'is' if unchecked == 1 else 'are'} machine-read and not yet checked by a person.")
    return text


def _latest_per_producer(points: pd.DataFrame) -> list[tuple[str, pd.Series]]:
    """Per producer (alphabetical), its most recent point; ties to the highest mark."""
    ordered = points.assign(_producer=_producers(points))
    ordered = ordered.sort_values(["_producer", "_ref", "mark"], kind="mergesort")
    return [(name, group.iloc[-1]) for name, group in ordered.groupby("_producer", sort=True)]


# --- replacing the report's files ----------------------------------------------------------


def report_files(out_dir: Path, files: dict[str, bytes]) -> tuple[list[Path], list[Path]]:
    """Write `files` (name -> bytes) into `out_dir`, each replaced atomically and only
    when its bytes change, and remove what the previous report wrote and this one does
    not make. Returns the paths written (changed or not) and the paths removed.

    The manifest first names the old and the new files together, so that a crash half-way
    leaves every file the tracker wrote listed for the next report to clean up."""
    out_dir = Path(out_dir)
    out_dir.mkdir(parents=True, exist_ok=True)
    previous = read_manifest(out_dir)
    made = sorted(files)
    _write_manifest(out_dir, sorted(set(previous) | set(made)))
    for name in made:
        write_if_changed(out_dir / name, files[name])
    removed = [out_dir / name for name in previous if name not in files and _removable(out_dir, name)]
    for path in removed:
        path.unlink(missing_ok=True)
    _write_manifest(out_dir, made)
    return [out_dir / name for name in made], removed


def read_manifest(out_dir: Path) -> list[str]:
    """The files the last report wrote in `out_dir`; none when there is no readable list."""
    try:
        listed = json.loads((Path(out_dir) / MANIFEST_NAME).read_text(encoding="utf-8"))["files"]
    except (OSError, ValueError, KeyError, TypeError):
        return []
    return [name for name in listed if isinstance(name, str)] if isinstance(listed, list) else []


def _write_manifest(out_dir: Path, names: list[str]) -> None:
    payload = {"files": names,
               "note": "Files the last `tracker report` wrote here; the next report removes "
                       "those it no longer makes, and no other file."}
    text = json.dumps(payload, indent=1, sort_keys=True, ensure_ascii=False) + "\n"
    write_if_changed(Path(out_dir) / MANIFEST_NAME, text.encode("utf-8"))


def _removable(out_dir: Path, name: str) -> bool:
    """A plain file directly in `out_dir` with a name the report gives its files."""
    path = out_dir / name
    return (_OWNED_NAME.fullmatch(name) is not None and path.is_file()
            and not path.is_symlink())
