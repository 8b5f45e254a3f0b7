"""A week of the scheduled job against a local DeepState server: what it stores and tells.

A local server (loopback only) plays DeepStateMap as it is today: the snapshot list answers
401, `/api/history/last` serves the newest map, and a mirror of daily copies (laid out like
cyterat/deepstate-map-data, with a missing and a corrupt day) holds the week before. The
maps are a real DeepState snapshot (`../shared/data/1754251105.geojson`, not copied) with a
rectangle of occupied territory that grows each day, so every new map changes the area by
a known amount. A webhook receiver on the same server counts the digests sent.

Then, as a scheduler would:
  day 0   tracker backfill deepstate --since <a week before>   (the mirror, once)
  day 1-7 tracker run at 03:00 UTC, one new /last snapshot a day, except
          - day 4: DeepState did not update (/last unchanged): nothing new, nothing sent
          - day 5: /last answers a truncated body: quarantined, exit 3
          - day 6: the webhook answers 500: the run succeeds, digest.json records it
  and after each day a second run with nothing new, timed.

Prints a table (exit code, claims, digest subject, notices, wall and CPU time) and leaves
the job's folder for inspection (ledger, charts, digests).

    .venv/bin/python benchmarks/simulate_week.py                 # in a temp folder
    .venv/bin/python benchmarks/simulate_week.py --keep /tmp/week
"""

from __future__ import annotations

import argparse
import copy
import csv
import json
import os
import resource
import shutil
import subprocess
import sys
import tempfile
import threading
import time
from datetime import datetime, timedelta, timezone
from pathlib import Path

from werkzeug.serving import make_server
from werkzeug.wrappers import Request, Response

REPO = Path(__file__).resolve().parents[1]
SHARED = REPO.parent / "shared" / "data"
BASE_SNAPSHOT = SHARED / "1754251105.geojson"
BASE_ID = 1754251105  # 2025-08-03 19:58:25 UTC
FIRST_RUN = datetime(2025, 8, 4, 3, 0, tzinfo=timezone.utc)
DAYS = 7
GROWTH_KM2_PER_DAY = 15.0
OCCUPIED = {"name": "Окуповано /// Occupied /// geoJSON.status.occupied", "fill": "#a52714"}


def grown_map(base: dict, day: int) -> dict:
    """The base map plus an occupied rectangle west of Kramatorsk (held by Ukraine on the
    base date) of about GROWTH_KM2_PER_DAY km² per day."""
    if day == 0:
        return base
    collection = copy.deepcopy(base)
    south, west = 48.60, 37.30
    height_deg = 3.0 / 111.2                      # 3 km north-south
    width_deg = (GROWTH_KM2_PER_DAY * day / 3.0) / 73.5  # km east-west at 48.6°N
    ring = [[west, south], [west + width_deg, south], [west + width_deg, south + height_deg],
            [west, south + height_deg], [west, south]]
    collection["features"].append({"type": "Feature", "properties": dict(OCCUPIED),
                                   "geometry": {"type": "Polygon", "coordinates": [ring]}})
    return collection


class Deepstate:
    """What the local server answers; the script changes it between runs."""

    def __init__(self, base: dict) -> None:
        self.base = base
        self.last: bytes = b""
        self.mirror: dict[str, bytes] = {}
        self.hook_status = 200
        self.hooks: list[dict] = []
        self.requests: list[str] = []

    def __call__(self, environ, start_response):
        request = Request(environ)
        self.requests.append(request.path)
        if request.path == "/api/history/public":
            response = Response("unauthorised", status=401)
        elif request.path == "/api/history/last":
            response = Response(self.last, content_type="application/json")
        elif request.path.startswith("/mirror/"):
            body = self.mirror.get(request.path.rsplit("/", 1)[-1])
            response = (Response(body, content_type="application/geo+json") if body is not None
                        else Response("not found", status=404))
        elif request.path == "/hook":
            self.hooks.append(request.get_json(silent=True) or {})
            response = Response("ok" if self.hook_status == 200 else "error", status=self.hook_status)
        else:
            response = Response("not found", status=404)
        return response(environ, start_response)


def last_body(base: dict, day: int) -> bytes:
    snapshot = BASE_ID + (day - 1) * 86_400
    return json.dumps({"id": snapshot, "datetime": "label", "map": grown_map(base, day - 1)},
                      ensure_ascii=False).encode("utf-8")


def sources_toml(port: int) -> str:
    base = f"http://127.0.0.1:{port}"
    return f"""[settings]
contact = "simulation@example.org"
allow_private_hosts = true
retries = 0
per_host_delay_s = 0

[notify]
failing_runs = 3

[[source]]
id = "deepstate"
kind = "deepstate"
conflict = "russia-ukraine"
base_url = "{base}/api/history"
areas_url = ""
mirror_url = "{base}/mirror/deepstatemap_data_{{date:%Y%m%d}}.geojson"
mirror_format = "deepstate"
mirror_day_offset = -1
"""


def tracker(folder: Path, now: datetime, *args: str, port: int) -> dict:
    env = dict(os.environ, TRACKER_NOW=now.strftime("%Y-%m-%dT%H:%M:%SZ"),
               TRACKER_WEBHOOK_URL=f"http://127.0.0.1:{port}/hook")
    before = resource.getrusage(resource.RUSAGE_CHILDREN)
    started = time.perf_counter()
    done = subprocess.run([str(REPO / ".venv" / "bin" / "tracker"), *args,
                           "--sources", str(folder / "sources.toml"),
                           "--data-dir", str(folder / "data")]
                          + (["--out", str(folder / "reports")] if args[0] == "run" else []),
                          capture_output=True, text=True, env=env)
    wall = time.perf_counter() - started
    after = resource.getrusage(resource.RUSAGE_CHILDREN)
    cpu = (after.ru_utime - before.ru_utime) + (after.ru_stime - before.ru_stime)
    return {"code": done.returncode, "wall_s": wall, "cpu_s": cpu, "stderr": done.stderr}


def digest_line(folder: Path, since: float) -> tuple[str, str]:
    path = folder / "reports" / "digest.json"
    if not path.exists() or path.stat().st_mtime < since:
        return "(unchanged: nothing new)", ""
    digest = json.loads(path.read_text(encoding="utf-8"))
    counts = {k: v for k, v in digest["counts"].items() if v}
    notices = "; ".join(f"{n['channel']} {'sent' if n['ok'] else 'NOT sent: ' + n['detail']}"
                        for n in digest["notices"])
    return json.dumps(counts), notices


def ledger_counts(folder: Path) -> str:
    path = folder / "data" / "processed" / "claims.csv"
    if not path.exists():
        return "-"
    with path.open(encoding="utf-8", newline="") as handle:
        rows = list(csv.DictReader(handle))
    active = [r for r in rows if r["status"] == "active"]
    return f"{len(rows)} rows, {len(active)} active"


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--keep", type=Path, help="Job folder to keep (default: a temp folder, removed).")
    options = parser.parse_args()
    if not BASE_SNAPSHOT.exists():
        raise SystemExit(f"{BASE_SNAPSHOT} is absent: this simulation needs ../shared/data")
    base = json.loads(BASE_SNAPSHOT.read_bytes())
    folder = options.keep or Path(tempfile.mkdtemp(prefix="tracker-week-"))
    if folder.exists() and any(folder.iterdir()):
        raise SystemExit(f"{folder} is not empty")
    folder.mkdir(parents=True, exist_ok=True)
    state = Deepstate(base)
    server = make_server("127.0.0.1", 0, state, threaded=True)
    threading.Thread(target=server.serve_forever, daemon=True).start()
    port = server.server_port
    (folder / "sources.toml").write_text(sources_toml(port), encoding="utf-8")

    # The mirror: the week before day 1, cyterat's layout (file of day D+1 = map of day D),
    # one day missing and one corrupt.
    first_map_day = (FIRST_RUN - timedelta(days=8)).date()
    for offset in range(7):
        map_day = first_map_day + timedelta(days=offset)
        name = f"deepstatemap_data_{(map_day + timedelta(days=1)):%Y%m%d}.geojson"
        if offset == 2:
            continue  # missing on the mirror
        body = json.dumps(base).encode("utf-8")
        state.mirror[name] = body[: len(body) // 2] if offset == 4 else body
    rows = []
    backfill = tracker(folder, FIRST_RUN - timedelta(hours=1), "backfill", "deepstate",
                       "--since", f"{first_map_day}", "--until",
                       f"{first_map_day + timedelta(days=6)}", port=port)
    rows.append(("0 backfill", backfill, ledger_counts(folder), "", ""))
    for day in range(1, DAYS + 1):
        now = FIRST_RUN + timedelta(days=day - 1)
        snapshot_day = day if day < 4 else day - 1  # day 4: DeepState did not update
        body = last_body(base, snapshot_day)
        state.last = body[:5000] if day == 5 else body
        state.hook_status = 500 if day == 6 else 200
        started = time.time()
        result = tracker(folder, now, "run", port=port)
        digest, notices = digest_line(folder, started)
        rows.append((f"{day} run", result, ledger_counts(folder), digest, notices))
        started = time.time()
        again = tracker(folder, now + timedelta(minutes=30), "run", port=port)
        digest, notices = digest_line(folder, started)
        rows.append((f"{day} again", again, ledger_counts(folder), digest, notices))
    server.shutdown()

    print(f"job folder: {folder}")
    print(f"{'step':<10} {'exit':>4} {'wall s':>7} {'cpu s':>6}  {'ledger':<22} digest / notices")
    for step, result, ledger, digest, notices in rows:
        print(f"{step:<10} {result['code']:>4} {result['wall_s']:>7.1f} {result['cpu_s']:>6.1f}  "
              f"{ledger:<22} {digest}" + (f" / {notices}" if notices else ""))
    print(f"webhook POSTs received: {len(state.hooks)}")
    unchanged = [r[1] for r in rows if r[0].endswith("again")]
    print("nothing-new runs: wall " + ", ".join(f"{r['wall_s']:.1f}" for r in unchanged)
          + " s; cpu " + ", ".join(f"{r['cpu_s']:.1f}" for r in unchanged) + " s")
    for step, result, *_ in rows:
        if result["code"] not in (0, 3):
            print(f"--- {step} stderr ---\n{result['stderr'][-3000:]}", file=sys.stderr)
    if not options.keep:
        shutil.rmtree(folder)


if __name__ == "__main__":
    main()
