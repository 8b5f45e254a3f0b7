"""Benchmark of map areas: every DeepState snapshot in ../shared/data, both methods, one core.

For each snapshot: parse, check (validity, repair), classify, measure every category and
the occupied union, exactly what the deepstate source does per new snapshot. Prints seconds
per snapshot (best of --repeat runs) and seconds per million vertices, and the agreement
with DeepState's published areas (area_history.csv). Target: at most 0.2 s per DeepState
snapshot with the spherical method on one core.

    .venv/bin/python benchmarks/bench_areas.py
    .venv/bin/python benchmarks/bench_areas.py --repeat 10 --data ../shared/data
"""

from __future__ import annotations

import os

# One core: keep numpy's and GEOS's helpers from spreading over threads.
for _name in ("OMP_NUM_THREADS", "OPENBLAS_NUM_THREADS", "MKL_NUM_THREADS"):
    os.environ.setdefault(_name, "1")

import argparse  # noqa: E402
import csv  # noqa: E402
import time  # noqa: E402
from datetime import datetime, timezone  # noqa: E402
from pathlib import Path  # noqa: E402

from tracker import geo  # noqa: E402

DEFAULT_DATA = Path(__file__).resolve().parents[1].parent / "shared" / "data"
TARGET_S = 0.2


def published(data: Path) -> dict[int, dict[str, float]]:
    table: dict[int, dict[str, float]] = {}
    path = data / "area_history.csv"
    if not path.exists():
        return table
    with path.open(encoding="utf-8", newline="") as handle:
        for row in csv.DictReader(handle):
            moment = datetime.strptime(row["time_index"], "%Y-%m-%d %H:%M:%S UTC")
            sid = int(moment.replace(tzinfo=timezone.utc).timestamp())
            table.setdefault(sid, {})[row["area_type"]] = float(row["area"])
    return table


def as_published(properties):
    return geo.deepstate_category(properties, as_published=True)


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--data", type=Path, default=DEFAULT_DATA)
    parser.add_argument("--repeat", type=int, default=5)
    args = parser.parse_args()
    try:
        os.sched_setaffinity(0, {min(os.sched_getaffinity(0))})
    except (AttributeError, OSError):
        pass
    snapshots = sorted(p for p in args.data.glob("*.geojson") if p.stem.isdigit())
    if not snapshots:
        print(f"no DeepState snapshots (<id>.geojson) in {args.data}")
        return 2
    reference = published(args.data)
    print(f"{len(snapshots)} DeepState snapshot(s) in {args.data}; best of {args.repeat} runs, one core\n")
    print(f"{'snapshot':<12} {'method':<10} {'vertices':>9} {'s/snapshot':>11} {'s/M vertices':>13} "
          f"{'max |diff| vs DeepState':>24}")
    worst = {"spherical": 0.0, "geodesic": 0.0}
    totals = {"spherical": [0.0, 0], "geodesic": [0.0, 0]}
    for path in snapshots:
        payload = path.read_bytes()
        sid = int(path.stem)
        for method in ("spherical", "geodesic"):
            best = float("inf")
            for _ in range(args.repeat):
                start = time.perf_counter()
                measured = geo.measure_map(payload, method, classify=as_published)
                best = min(best, time.perf_counter() - start)
            vertices = measured.scan.vertices
            diffs = [abs(measured.categories[c].area_km2 - reference[sid][c]) / reference[sid][c] * 100
                     for c in geo.DEEPSTATE_CATEGORIES if sid in reference and c in measured.categories]
            diff = max(diffs) if diffs else float("nan")
            worst[method] = max(worst[method], diff)
            totals[method][0] += best
            totals[method][1] += vertices
            print(f"{sid:<12} {method:<10} {vertices:>9,} {best:>11.3f} {best / vertices * 1e6:>13.2f} "
                  f"{diff:>23.4f}%")
    print()
    for method, (seconds, vertices) in totals.items():
        per = seconds / len(snapshots)
        verdict = "meets" if per <= TARGET_S else "MISSES"
        print(f"{method:<10} mean {per:.3f} s/snapshot, {seconds / vertices * 1e6:.2f} s per million "
              f"vertices, worst category difference {worst[method]:.4f} % "
              + (f"({verdict} the {TARGET_S} s target)" if method == "spherical" else ""))
    kernel(snapshots, args.repeat)
    return 0


def kernel(snapshots: list[Path], repeat: int) -> None:
    """The vectorised spherical formula alone, on every ring of every snapshot at once."""
    import numpy as np

    rings = [ring for path in snapshots
             for feature in geo.scan_features(geo.load_collection(path.read_bytes())).features
             for polygon in feature.polygons for ring in polygon] * 20
    coords = np.concatenate(rings)
    offsets = np.concatenate([[0], np.cumsum([len(r) for r in rings])])
    best = float("inf")
    for _ in range(repeat):
        start = time.perf_counter()
        geo.spherical_ring_areas_m2(coords, offsets)
        best = min(best, time.perf_counter() - start)
    print(f"spherical kernel alone: {len(coords):,} vertices in {best:.3f} s = "
          f"{best / len(coords) * 1e6:.3f} s per million vertices")


if __name__ == "__main__":
    raise SystemExit(main())
