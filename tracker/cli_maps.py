"""Commands for maps: `tracker area` (areas of a map file) and `tracker check` (reconciliation)."""

from __future__ import annotations

import json
import sys
from pathlib import Path

import click

from tracker.cli import (
    EXIT_OK,
    EXIT_RECORDED_FAILURES,
    _fail,
    _load_view,
    data_dir_option,
    read_command_file,
)


def _parse_where(items: tuple[str, ...]) -> dict[str, list[str]]:
    """--where key=value options as a where table: every key must match; a key given twice
    lists alternatives (folder=A --where folder=B picks either)."""
    where: dict[str, list[str]] = {}
    for item in items:
        key, sep, value = item.partition("=")
        if not sep or not key.strip():
            _fail(f"--where {item!r}: write property=value (e.g. layer_type=ukraine_control_map)")
        where.setdefault(key.strip(), []).append(value.strip())
    return where


@click.command()
@click.argument("path", type=click.Path(dir_okay=False, path_type=Path))
@click.option("--method", type=click.Choice(["spherical", "geodesic"]),
              help="spherical: DeepState's own formula (R = 6,378,137 m); geodesic: WGS84 "
              "ellipsoid, the reference. Default: spherical for DeepState maps, else geodesic.")
@click.option("--denominator", "denominator_km2", type=float,
              help="Territory area (km²) for shares; default 603,700 for DeepState maps, none otherwise.")
@click.option("--where", "where_items", multiple=True, metavar="KEY=VALUE",
              help="Measure only the features whose property KEY is VALUE (a KML Placemark's "
                   "folder, name or styleUrl, an ISW layer_type, ...). Repeatable: all keys "
                   "must match; the same key twice lists alternatives.")
@click.option("--as-published/--ukraine-only", default=True, show_default=True,
              help="DeepState maps: group as DeepState's own /areas series does (by colour; it "
                   "counted Transnistria as occupied until 2022-05-29), or count Ukraine's "
                   "territory only, as the tracker's computed claims do. Other maps: no effect.")
@click.option("--format", "output_format", type=click.Choice(["table", "json"]), default="table",
              show_default=True)
def area(path: Path, method: str | None, denominator_km2: float | None, where_items: tuple[str, ...],
         as_published: bool, output_format: str) -> None:
    """Print the areas of a map file: GeoJSON, KML or KMZ (DeepState, ISW, AMK, any polygon layer).

    DeepState maps are split into its categories (occupied since and before 24.02.2022, grey
    zone, liberated; satire and areas outside Ukraine listed as other_territories, never
    counted), plus occupied_total, their union. By default the grouping is DeepState's own,
    so the figures can be set beside its published series; --ukraine-only is the grouping
    of the tracker's computed claims. Any other map is measured as what it is: 'all' (the
    selected polygons) and all_union (their union, overlaps counted once). The format is
    read from the content, not the file name.

    \b
    Examples:
        tracker area 1754251105.geojson --method spherical     # a DeepState snapshot
        tracker area zone.geojson --denominator 365 --format json
        tracker area 2026-02-01.kml --where "folder=Confirmed Russian controlled territory"
        tracker area isw.geojson --where layer_type=ukraine_control_map --denominator 603628
    """
    from tracker import geo

    where = _parse_where(where_items)
    if denominator_km2 is not None and denominator_km2 <= 0:
        _fail("--denominator must be a positive area in km²")
    payload = read_command_file(path)
    try:
        measured = geo.measure_map(payload, method, where=where, as_published=as_published)
    except geo.GeoError as error:
        _fail(f"{path}: {error}")
    scan = measured.scan
    if not measured.selected and not measured.problems:
        if where and scan.features:
            _fail(f"{path}: --where left out all {len(scan.features)} polygon feature(s); "
                  + _values_hint(scan.features, where))
        _fail(f"{path}: no polygon feature to measure ({scan.total} feature(s); "
              f"{scan.skipped_summary()})")
    if denominator_km2 is None and measured.deepstate:
        denominator_km2 = geo.DENOMINATORS_KM2["deepstate"]
    rows = _rows(measured, denominator_km2)
    for problem in measured.problems:
        click.echo(f"error: {path}: {problem}", err=True)
    ignored = len(scan.problems) - len(measured.problems)
    if ignored:
        click.echo(f"{path}: {ignored} unmeasurable feature(s) outside --where ignored", err=True)
    if measured.truncated:
        click.echo(f"{'error' if measured.truncated_for_sure else 'warning'}: {path}: "
                   f"{measured.truncated}", err=True)
    for feature in scan.features:
        if feature.repaired and geo.feature_matches(feature.properties, where):
            click.echo(f"warning: {path}: feature #{feature.index} ({feature.label}): invalid "
                       f"geometry ({feature.repaired}) repaired before measuring", err=True)
    selection = (f"{measured.selected} of {len(scan.features)} polygon feature(s) selected by "
                 f"--where, {measured.left_out} left out" if where
                 else f"{len(scan.features)} polygon feature(s)")
    click.echo(f"{path}: {measured.format.upper()} {'DeepState ' if measured.deepstate else ''}map; "
               f"{selection}; {scan.skipped_summary()}", err=True)
    if output_format == "json":
        click.echo(json.dumps(rows, indent=1, ensure_ascii=False))
    else:
        click.echo(f"{'category':<28} {'area_km2':>14} {'share_pct':>10} {'features':>9}")
        for row in rows:
            share = "" if row["share_pct"] is None else f"{row['share_pct']:.3f}"
            click.echo(f"{row['category']:<28} {row['area_km2']:>14,.3f} {share:>10} {row['features']:>9}")
        click.echo(f"method: {measured.method}; denominator: "
                   + (f"{denominator_km2:,.0f} km²" if denominator_km2 else "none")
                   + (f"; selected: {measured.selected}, left out by --where: {measured.left_out}"
                      if where else ""))
    # An unmeasurable feature or a map cut short makes the totals incomplete: say so in the
    # exit code.
    incomplete = measured.problems or measured.truncated_for_sure
    sys.exit(EXIT_RECORDED_FAILURES if incomplete else EXIT_OK)


def _values_hint(features: list, where: dict[str, list[str]]) -> str:
    """The values the map has for the --where keys, so a typo can be seen and fixed."""
    parts = []
    for key in where:
        values = sorted({str(f.properties[key]) for f in features if key in f.properties})
        if not values:
            parts.append(f"no polygon has a property {key!r}")
        else:
            shown = ", ".join(repr(v) for v in values[:8]) + (", ..." if len(values) > 8 else "")
            parts.append(f"{key!r} takes the values {shown}")
    return "; ".join(parts)


def _rows(measured, denominator_km2: float | None) -> list[dict]:
    from tracker import geo

    order = list(geo.DEEPSTATE_CATEGORIES) + [geo.OTHER] if measured.deepstate else []
    names = [c for c in order if c in measured.categories] + sorted(
        c for c in measured.categories if c not in order)
    if measured.deepstate:
        names += [c for c in geo.DEEPSTATE_CATEGORIES if c not in measured.categories]
    rows = []
    for name in names:
        found = measured.categories.get(name)
        value = found.area_km2 if found else 0.0
        rows.append(_row(name, value, found.features if found else 0, measured.method,
                         denominator_km2, counted=name != geo.OTHER))
    for name, value in measured.union_km2.items():
        members = [c for c in measured.categories if (name == "all" or c in geo.OCCUPIED_CATEGORIES)]
        count = sum(measured.categories[c].features for c in members)
        rows.append(_row(f"{name}_union" if name == "all" else name, value, count,
                         measured.method, denominator_km2, counted=True))
    return rows


def _row(category: str, area_km2: float, features: int, method: str,
         denominator_km2: float | None, counted: bool) -> dict:
    from tracker import geo

    share = round(geo.share_pct(area_km2, denominator_km2), 4) if denominator_km2 else None
    return {"category": category, "area_km2": round(area_km2, 3), "share_pct": share,
            "denominator_km2": denominator_km2, "method": method, "features": features,
            "counted": counted}


@click.command()
@data_dir_option
@click.option("--tolerance", "tolerance_pct", type=float, default=5.0, show_default=True,
              help="Largest difference (percent) between a reported and a computed figure.")
def check(data_dir: Path, tolerance_pct: float) -> None:
    """Compare reported figures with figures computed from maps; write processed/checks.csv.

    \b
    Example:
        tracker check --data-dir data --tolerance 5
    """
    from tracker.checks import build_checks, save_checks

    if tolerance_pct < 0:
        _fail("--tolerance must be 0 or more")
    from tracker.view import charted

    # The figures the ingest job checks too: the current view (people's corrections
    # applied, superseded and retracted readings out), never a rejected figure.
    claims = charted(_load_view(data_dir))
    checks = build_checks(claims, tolerance_pct)
    changed = save_checks(checks, data_dir)
    counts = checks["status"].value_counts().to_dict() if not checks.empty else {}
    for row in checks[checks["status"].isin(["exceeds_tolerance", "impossible"])].itertuples():
        click.echo(f"{row.status:<18} {row.claim_id} {row.metric} {row.actor} {row.time}: "
                   f"reported {row.reported_value:g}"
                   + (f", computed {row.computed_value:g} ({row.difference_pct:+.1f} %)"
                      if row.computed_value == row.computed_value and row.computed_value is not None
                      and row.difference_pct == row.difference_pct else "")
                   + (f"; {row.detail}" if row.detail else ""))
    summary = ", ".join(f"{counts.get(s, 0)} {s}" for s in
                        ("ok", "exceeds_tolerance", "impossible", "no_computed"))
    click.echo(f"check: {len(checks)} figure(s): {summary}; "
               f"{Path(data_dir) / 'processed' / 'checks.csv'}{'' if changed else ' (unchanged)'}",
               err=True)
    sys.exit(EXIT_OK)


__all__ = ["area", "check"]
