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


@click.command()
@click.argument("path", type=click.Path(dir_okay=False, path_type=Path))
@click.option("--method", type=click.Choice(["spherical", "geodesic"]),
              help="spherical: DeepState's own formula (R = 6,378,137 m); geodesic: WGS84 "
              "ellipsoid, the reference. Default: spherical for DeepState maps, else geodesic.")
@click.option("--denominator", "denominator_km2", type=float,
              help="Territory area (km²) for shares; default 603,700 for DeepState maps, none otherwise.")
@click.option("--as-published/--ukraine-only", default=True, show_default=True,
              help="DeepState maps: group as DeepState's own /areas series does (by colour; it "
                   "counted Transnistria as occupied until 2022-05-29), or count Ukraine's "
                   "territory only, as the tracker's computed claims do.")
@click.option("--format", "output_format", type=click.Choice(["table", "json"]), default="table",
              show_default=True)
def area(path: Path, method: str | None, denominator_km2: float | None, as_published: bool,
         output_format: str) -> None:
    """Print the area of each category of a GeoJSON map (DeepState, ISW, any polygon layer).

    DeepState maps are split into its categories (occupied since and before 24.02.2022, grey
    zone, liberated; satire and areas outside Ukraine listed as other_territories, never
    counted), plus occupied_total, their union. By default the grouping is DeepState's own,
    so the figures can be set beside its published series; --ukraine-only is the grouping
    of the tracker's computed claims. Other maps give 'all' and its union.

    \b
    Examples:
        tracker area ../shared/data/1754251105.geojson --method spherical
        tracker area zone.geojson --denominator 365 --format json
    """
    from tracker import geo

    payload = read_command_file(path)
    classify = None
    if as_published:
        classify = lambda properties: geo.deepstate_category(properties, as_published=True)  # noqa: E731
    try:
        measured = geo.measure_map(payload, method, classify=classify)
    except geo.GeoError as error:
        _fail(f"{path}: {error}")
    if denominator_km2 is not None and denominator_km2 <= 0:
        _fail("--denominator must be a positive area in km²")
    if denominator_km2 is None and measured.deepstate:
        denominator_km2 = geo.DENOMINATORS_KM2["deepstate"]
    rows = _rows(measured, denominator_km2)
    for problem in measured.scan.problems:
        click.echo(f"error: {path}: {problem}", err=True)
    for feature in measured.scan.features:
        if feature.repaired:
            click.echo(f"warning: {path}: feature #{feature.index} ({feature.label}): invalid "
                       f"geometry ({feature.repaired}) repaired before measuring", err=True)
    click.echo(f"{path}: {len(measured.scan.features)} polygon feature(s); "
               f"{measured.scan.skipped_summary()}", err=True)
    if output_format == "json":
        click.echo(json.dumps(rows, indent=1, ensure_ascii=False))
    else:
        click.echo(f"{'category':<28} {'area_km2':>14} {'share_pct':>10} {'features':>9}")
        for row in rows:
            share = "" if row["share_pct"] is None else f"{row['share_pct']:.3f}"
            click.echo(f"{row['category']:<28} {row['area_km2']:>14,.3f} {share:>10} {row['features']:>9}")
        click.echo(f"method: {measured.method}; denominator: "
                   + (f"{denominator_km2:,.0f} km²" if denominator_km2 else "none"))
    # An unmeasurable feature makes the totals incomplete: say so in the exit code.
    sys.exit(EXIT_RECORDED_FAILURES if measured.scan.problems else EXIT_OK)


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
