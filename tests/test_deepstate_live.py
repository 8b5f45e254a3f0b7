"""DeepState as it is today: the list answers 401, /last is polled every run and builds the
history one map a run, and a mirror of daily copies (laid out like cyterat/deepstate-map-
data) fills the days before. A real local HTTP server (pytest-httpserver) plays DeepState
and the mirror; the maps are small squares near 48N 37E written here."""

from __future__ import annotations

import json
import re
from datetime import date, datetime, timedelta, timezone
from pathlib import Path

import pytest
from click.testing import CliRunner
from werkzeug import Response

from tracker import backfill, geo
from tracker.cli import cli  # first: tracker.cli imports and registers tracker.cli_backfill
from tracker.cli_backfill import backfill as backfill_command
from tracker.pipeline import run_ingest
from tracker.sources import load_sources
from conftest import csv_table as table, ledger_rows as claims

FAST = ('[settings]\ncontact = "t@example.org"\nper_host_delay_s = 0\nretries = 0\n'
        'allow_private_hosts = true\n')  # the test server is on loopback
NOW = datetime(2026, 1, 5, 12, 0, tzinfo=timezone.utc)
LAST_1 = int(datetime(2026, 1, 4, 20, 0, tzinfo=timezone.utc).timestamp())  # yesterday evening
LAST_2 = int(datetime(2026, 1, 5, 21, 0, tzinfo=timezone.utc).timestamp())
FIRST_MAP_DAY = date(2025, 11, 28)
GAP_DAY = date(2025, 12, 9)       # the mirror has no file for it
CORRUPT_DAY = date(2025, 12, 14)  # the mirror's file is cut short


def box(lon0, lat0, lon1, lat1):
    return [[lon0, lat0], [lon1, lat0], [lon1, lat1], [lon0, lat1], [lon0, lat0]]


def deepstate_map(east: float) -> dict:
    """A DeepState-styled map: occupied square east of 37E, Crimea-like, satire, a point."""
    def feature(ring, name, fill):
        return {"type": "Feature", "geometry": {"type": "Polygon", "coordinates": [ring]},
                "properties": {"name": name, "fill": fill}}
    return {"type": "FeatureCollection", "features": [
        feature(box(37.0, 47.5, east, 48.0), "Окуповано /// Occupied /// geoJSON.status.occupied\n",
                "#a52714"),
        feature(box(34.0, 45.0, 34.5, 45.5), "Крим /// Occupied Crimea /// geoJSON.territories.crimea",
                "#880e4f"),
        feature(box(30.0, 62.0, 32.0, 64.0), "Карелія /// Karelia /// geoJSON.territories.karelia",
                "#ff5252"),
        {"type": "Feature", "geometry": {"type": "Point", "coordinates": [37.5, 48.2, 0]},
         "properties": {"name": "unit", "icon": "x"}},
    ]}


def last_body(sid: int, east: float, pad: int = 0) -> bytes:
    return json.dumps({"id": sid, "datetime": "04.01 о 22:00", "map": deepstate_map(east),
                       "pad": "x" * pad}, ensure_ascii=False).encode("utf-8")


def union_map(east: float) -> bytes:
    """A cyterat-style day: one MultiPolygon, empty properties, the occupied union."""
    return json.dumps({"type": "FeatureCollection",
                       "crs": {"type": "name", "properties": {"name": "urn:ogc:def:crs:OGC:1.3:CRS84"}},
                       "features": [{"type": "Feature", "properties": {}, "geometry": {
                           "type": "MultiPolygon",
                           "coordinates": [[box(37.0, 47.5, east, 48.0)], [box(34.0, 45.0, 34.5, 45.5)]]}}]}
                      ).encode()


def east_of(day: date) -> float:
    return 38.0 + 0.001 * (day - FIRST_MAP_DAY).days


class DeepState:
    """The server's answers, changed between runs by the test."""

    def __init__(self, httpserver, mirror_days: dict[date, bytes]) -> None:
        self.last = last_body(LAST_1, 38.5)
        self.server = httpserver
        httpserver.expect_request("/api/history/public").respond_with_data("no", status=401)
        httpserver.expect_request("/api/history/last").respond_with_handler(
            lambda request: Response(self.last, content_type="application/json"))
        httpserver.expect_request(re.compile(r"^/api/history/\d+/areas$")).respond_with_json(
            [{"hash": "#a52714", "area": 7000.0, "percent": "1.1", "type": "occupied_after_24_02_2022"},
             {"hash": "#880e4f", "area": 12000.0, "percent": "2.0", "type": "occupied_to_24_02_2022"}])
        for day, payload in mirror_days.items():  # named by the file (scrape) day: map day + 1
            name = f"deepstatemap_data_{day + timedelta(days=1):%Y%m%d}.geojson"
            httpserver.expect_request(f"/mirror/data/{name}").respond_with_data(payload)
        httpserver.expect_request(re.compile(r"^/mirror/")).respond_with_data("404: Not Found", status=404)

    def requests(self, prefix: str) -> list[str]:
        return [request.path for request, _ in self.server.log if request.path.startswith(prefix)]


def cyterat_days(until: date = date(2026, 1, 5)) -> dict[date, bytes]:
    days = {day: union_map(east_of(day)) for day in backfill.day_range(FIRST_MAP_DAY, until)}
    del days[GAP_DAY]
    days[CORRUPT_DAY] = days[CORRUPT_DAY][:-25]
    return days


def source_text(httpserver, extra: str = "") -> str:
    return ('[[source]]\nid = "ds"\nkind = "deepstate"\n'
            f'base_url = "{httpserver.url_for("/api/history")}"\n'
            f'mirror_url = "{httpserver.url_for("/mirror/data")}/deepstatemap_data_{{date:%Y%m%d}}.geojson"\n'
            'mirror_format = "occupied_union"\nmirror_day_offset = -1\n' + extra)


def write_sources(folder: Path, body: str, settings: str = FAST) -> Path:
    path = folder / "sources.toml"
    path.write_text(settings + "\n" + body, encoding="utf-8")
    return path


def ingest(folder: Path, sources: Path, now: datetime = NOW, messages: list | None = None):
    return run_ingest(load_sources(sources), folder / "data", now,
                      progress=(messages.append if messages is not None else lambda m: None))




def sidecars(folder: Path) -> list[dict]:
    raw = folder / "data" / "raw" / "ds"
    return [json.loads(p.read_text()) for p in raw.glob("*.meta.json")] if raw.exists() else []


# --- the scheduled job: /last every run, the mirror once -------------------------------------


def test_closed_list_last_and_mirror_backfill_build_the_history_once(tmp_path, httpserver):
    server = DeepState(httpserver, cyterat_days())
    sources = write_sources(tmp_path, source_text(httpserver, 'backfill_since = "2025-11-28"\n'))
    messages: list[str] = []
    first = ingest(tmp_path, sources, messages=messages)
    [outcome] = first.outcomes
    assert outcome.ok, outcome.error
    assert "    list closed (HTTP 401); using /last" in messages
    assert any(f"/last: new snapshot {LAST_1} (2026-01-04 20:00 UTC" in m for m in messages)
    assert any(m.startswith("    day 1/") for m in messages)
    # 2025-11-28 .. 2026-01-04 is 38 days; 2026-01-04 has the /last snapshot: not fetched
    mirror = server.requests("/mirror/")
    assert len(mirror) == 37 and not any("20260105" in path for path in mirror)
    assert [m for m in messages if "mirror lacks" in m] == ["    mirror lacks 1 day(s): 2025-12-09"]

    # the raw store: /last's exact bytes under <last_url>#<id>, 35 mirror days, one /areas
    kept = sidecars(tmp_path)
    [snapshot] = [s for s in kept if s["content_type"] == "application/geo+json"]
    assert snapshot["origin"] == httpserver.url_for("/api/history/last") + f"#{LAST_1}"
    assert (tmp_path / "data" / snapshot["path"]).read_bytes() == server.last
    union = [s for s in kept if s["content_type"] == "application/geo+json; mirror=occupied_union"]
    assert len(union) == 35  # 37 asked, one missing, one corrupt
    assert not any("20251215" in s["origin"] for s in union)  # the corrupt file is not kept
    assert sum(s["content_type"] == "application/json" for s in kept) == 1

    # the quarantine names the corrupt day's URL and what is wrong; the gap is no row
    [(origin, reason)] = first.rejected
    assert origin.endswith("/mirror/data/deepstatemap_data_20251215.geojson")
    assert "mirror day 2025-12-14" in reason and "truncated" in reason and "not stored" in reason
    assert first.exit_code == 3

    rows = claims(tmp_path)
    last_rows = [r for r in rows if r["as_of"] == "2026-01-04"]
    totals = [r for r in last_rows if r["metric"] == "area_controlled_km2" and r["method"] == "computed"
              and r["definition"].startswith("occupied_total")]
    [total] = totals
    assert total["url"] == httpserver.url_for("/api/history/last") + f"#{LAST_1}"
    assert "Tuzla" not in total["definition"] and f"snapshot {LAST_1}" in total["quote"]
    assert {r["value"] for r in last_rows if r["method"] == "reported"} == {"19000"}
    unions = [r for r in rows if r["metric"] == "area_controlled_km2" and "mirror's daily union" in r["definition"]]
    assert len(unions) == 35 and all("Tuzla (about 4 km²)" in r["definition"] for r in unions)
    assert not any(r["as_of"] in ("2025-12-09", "2025-12-14", "2026-01-04") for r in unions)
    first_day = next(r for r in unions if r["as_of"] == "2025-11-28")
    assert first_day["url"].endswith("/mirror/data/deepstatemap_data_20251129.geojson")
    assert "mirror file deepstatemap_data_20251129.geojson" in first_day["quote"]
    # both squares of the union are counted: the /last map (occupied square 0.5° wider,
    # the same Crimea) exceeds the first mirror day by that strip alone
    strip = json.dumps({"type": "FeatureCollection", "features": [{"type": "Feature", "properties": {},
                        "geometry": {"type": "Polygon", "coordinates": [box(38.0, 47.5, 38.5, 48.0)]}}]})
    strip_km2 = geo.measure_map(strip.encode(), "spherical").union_km2["all"]
    assert float(total["value"]) - float(first_day["value"]) == pytest.approx(strip_km2, rel=1e-4)
    [gain] = [r for r in rows if r["metric"] == "area_gained_km2"]
    assert (gain["period_start"], gain["period_end"]) == ("2025-12-01", "2025-12-31")
    assert "mirror day 2025-11-30 to mirror day 2025-12-31" in gain["quote"]
    assert "Tuzla" in gain["definition"] and 0 < float(gain["value"]) < 300

    # the second run: the same /last, nothing new, not one request to the mirror
    ledger = (tmp_path / "data" / "processed" / "claims.csv").read_bytes()
    messages.clear()
    second = ingest(tmp_path, sources, messages=messages)
    assert second.outcomes[0].ok and second.claims_new == 0 and second.rejected == []
    assert len(server.requests("/mirror/")) == 37
    assert len(server.requests("/api/history/last")) == 2
    assert any(f"/last: snapshot {LAST_1} (2026-01-04) already stored" in m for m in messages)
    assert (tmp_path / "data" / "processed" / "claims.csv").read_bytes() == ledger
    assert len(sidecars(tmp_path)) == len(kept)

    # the next day: a new /last snapshot is stored; the day before it is already stored
    server.last = last_body(LAST_2, 38.6)
    third = ingest(tmp_path, sources, now=NOW + timedelta(days=1))
    assert third.outcomes[0].ok and third.rejected == []
    assert len(server.requests("/mirror/")) == 37  # 2026-01-05 is /last's: not fetched
    origins = {s["origin"] for s in sidecars(tmp_path)}
    assert httpserver.url_for("/api/history/last") + f"#{LAST_2}" in origins
    assert any(r["as_of"] == "2026-01-05" and r["method"] == "computed" for r in claims(tmp_path))


def test_a_snapshot_id_that_goes_backwards_is_rejected_and_not_stored(tmp_path, httpserver):
    server = DeepState(httpserver, {})
    sources = write_sources(tmp_path, source_text(httpserver))
    server.last = last_body(LAST_2, 38.6)
    assert ingest(tmp_path, sources, now=NOW + timedelta(days=1)).outcomes[0].ok
    ledger = (tmp_path / "data" / "processed" / "claims.csv").read_bytes()
    stored = len(sidecars(tmp_path))
    server.last = last_body(LAST_1, 38.5)  # an older map, served as the newest
    result = ingest(tmp_path, sources, now=NOW + timedelta(days=1))
    assert result.outcomes[0].ok
    [(origin, reason)] = result.rejected
    assert origin.endswith(f"/api/history/last#{LAST_1}")
    assert f"snapshot id went backwards: {LAST_1} after {LAST_2}" in reason
    assert len(sidecars(tmp_path)) == stored
    assert (tmp_path / "data" / "processed" / "claims.csv").read_bytes() == ledger
    quarantined = table(tmp_path / "data" / "processed" / "quarantine.csv")
    assert any("went backwards" in row["reason"] for row in quarantined)


@pytest.mark.parametrize("body, words", [
    (last_body(LAST_1, 38.5)[:-30], "truncated"),
    (b'{"datetime": "04.01", "map": {"type": "FeatureCollection", "features": []}}', "no snapshot 'id'"),
    (b'{"id": "1767556800", "map": {"type": "FeatureCollection", "features": []}}', "not a whole number"),
    (b'{"id": 1767556800.5, "map": {"type": "FeatureCollection", "features": []}}', "not a whole number"),
    (b'{"id": 99999999999, "map": {"type": "FeatureCollection", "features": []}}', "outside"),
    (b'{"id": 1767556800, "map": {"type": "Feature", "geometry": null}}', "not a GeoJSON FeatureCollection"),
    (b'{"id": 1767556800, "map": [1, 2]}', "not a GeoJSON FeatureCollection"),
    (b'[1767556800]', "not a JSON object"),
])
def test_a_bad_last_answer_is_quarantined_and_nothing_stored_is_lost(tmp_path, httpserver, body, words):
    server = DeepState(httpserver, {})
    sources = write_sources(tmp_path, source_text(httpserver))
    assert ingest(tmp_path, sources).outcomes[0].ok  # a good /last first
    ledger = (tmp_path / "data" / "processed" / "claims.csv").read_bytes()
    stored = sidecars(tmp_path)
    server.last = body
    result = ingest(tmp_path, sources)
    assert result.outcomes[0].ok and result.exit_code == 3
    [(origin, reason)] = result.rejected
    assert origin == httpserver.url_for("/api/history/last")
    assert reason.startswith("ds: /last: ") and words in reason and "nothing stored" in reason
    assert sidecars(tmp_path) == stored
    assert (tmp_path / "data" / "processed" / "claims.csv").read_bytes() == ledger


def test_oversized_last_with_the_list_closed_fails_the_source_naming_both_urls(tmp_path, httpserver):
    server = DeepState(httpserver, {})
    sources = write_sources(tmp_path, source_text(httpserver), FAST + "max_bytes = 20000\n")
    assert ingest(tmp_path, sources).outcomes[0].ok
    ledger = (tmp_path / "data" / "processed" / "claims.csv").read_bytes()
    server.last = last_body(LAST_2, 38.6, pad=50_000)
    result = ingest(tmp_path, sources, now=NOW + timedelta(days=1))
    [outcome] = result.outcomes
    assert not outcome.ok and result.exit_code == 1
    assert httpserver.url_for("/api/history/public") in outcome.error
    assert httpserver.url_for("/api/history/last") in outcome.error
    assert "20000-byte cap" in outcome.error and "HTTP 401" in outcome.error
    [health] = table(tmp_path / "data" / "state" / "source_health.csv")
    assert health["status"] == "failed" and "/api/history/last" in health["error"]
    assert (tmp_path / "data" / "processed" / "claims.csv").read_bytes() == ledger
    assert not any(str(LAST_2) in s["origin"] for s in sidecars(tmp_path))


def test_an_open_list_behaves_as_before_and_last_adds_only_new_snapshots(tmp_path, httpserver):
    listed = int(datetime(2026, 1, 3, 20, tzinfo=timezone.utc).timestamp())
    httpserver.expect_request("/api/history/public").respond_with_json([{"id": listed}])
    httpserver.expect_request(f"/api/history/{listed}/geojson").respond_with_data(
        json.dumps(deepstate_map(38.4)))
    httpserver.expect_request("/api/history/last").respond_with_data(last_body(listed, 38.4))
    sources = write_sources(tmp_path, source_text(httpserver, 'areas_url = ""\n'))
    messages: list[str] = []
    result = ingest(tmp_path, sources, messages=messages)
    assert result.outcomes[0].ok and result.rejected == []
    assert not any("list closed" in m for m in messages)
    assert any(f"/last: snapshot {listed} (2026-01-03) already stored" in m for m in messages)
    [kept] = sidecars(tmp_path)  # the /geojson body only; /last showed the same snapshot
    assert kept["origin"].endswith(f"/api/history/{listed}/geojson")


def test_a_broken_list_is_quarantined_while_last_keeps_the_run_going(tmp_path, httpserver):
    httpserver.expect_request("/api/history/public").respond_with_data("<html>maintenance")
    httpserver.expect_request("/api/history/last").respond_with_data(last_body(LAST_1, 38.5))
    sources = write_sources(tmp_path, source_text(httpserver, 'areas_url = ""\n'))
    result = ingest(tmp_path, sources)
    assert result.outcomes[0].ok
    [(origin, reason)] = result.rejected
    assert origin == httpserver.url_for("/api/history/public")
    assert "snapshot list not read" in reason and "not JSON" in reason
    assert any(r["as_of"] == "2026-01-04" for r in claims(tmp_path))


def test_a_full_deepstate_mirror_is_classified_and_a_wrong_format_is_refused(tmp_path, httpserver):
    days = {date(2025, 12, 30): json.dumps(deepstate_map(38.3)).encode(),
            date(2025, 12, 31): union_map(38.3)}  # a union where a full map is expected
    DeepState(httpserver, days)
    sources = write_sources(tmp_path, source_text(httpserver, 'areas_url = ""\nmax_backfill_days = 3\n')
                            .replace('"occupied_union"', '"deepstate"'))
    messages: list[str] = []
    result = ingest(tmp_path, sources, messages=messages)
    assert result.outcomes[0].ok
    # no backfill_since on the source: the scheduled run does not touch the mirror
    assert not any("mirror" in m for m in messages)
    code = CliRunner(env={"TRACKER_NOW": "2026-01-05T12:00:00Z"}).invoke(cli, ["backfill",
        "ds", "--since", "2025-12-30", "--until", "2026-01-03", "--sources", str(sources),
        "--data-dir", str(tmp_path / "data")])
    assert code.exit_code == 3, code.output
    assert "2 day(s) left for later runs (max_backfill_days = 3)" in code.output
    rows = claims(tmp_path)
    full = [r for r in rows if r["as_of"] == "2025-12-30" and r["method"] == "computed"]
    # a full map: the total, its share and the post-2022 category, Karelia left out
    assert len(full) == 3 and all("mirror copy" in r["title"] for r in full)
    assert any(r["definition"].startswith("occupied_after_24_02_2022") for r in full)
    quarantined = table(tmp_path / "data" / "processed" / "quarantine.csv")
    assert any("mirror day 2025-12-31" in r["reason"] and "occupied_union" in r["reason"]
               for r in quarantined)


# --- tracker backfill --------------------------------------------------------------------------


def run_backfill(folder: Path, sources: Path, *args: str):
    return CliRunner(env={"TRACKER_NOW": "2026-01-05T12:00:00Z"}).invoke(
        cli, ["backfill", *args, "--sources", str(sources), "--data-dir", str(folder / "data")])


def test_backfill_command_fills_only_that_source_and_keeps_the_others(tmp_path, httpserver):
    server = DeepState(httpserver, cyterat_days())
    (tmp_path / "figures.csv").write_text(
        "metric,value,actor,territory,as_of,url,conflict\n"
        "area_controlled_km2,116000,Russia,Ukraine,2025-12-01,https://example.org/a,russia-ukraine\n",
        encoding="utf-8")
    curated = '[[source]]\nid = "figures"\nkind = "curated"\npath = "figures.csv"\n\n'
    sources = write_sources(tmp_path, curated + source_text(httpserver))
    first = ingest(tmp_path, sources)
    assert all(o.ok for o in first.outcomes)
    assert server.requests("/mirror/") == []  # no backfill_since: the mirror is not read
    (tmp_path / "figures.csv").write_text("metric,value\n", encoding="utf-8")  # would retract
    last_polls = len(server.requests("/api/history/last"))

    result = run_backfill(tmp_path, sources, "ds", "--since", "2025-12-01", "--until", "2025-12-20")
    assert result.exit_code == 3, result.output  # the corrupt day is quarantined
    assert "day 20/20" in result.output and "mirror lacks 1 day(s): 2025-12-09" in result.output
    assert len(server.requests("/api/history/last")) == last_polls  # only the mirror is read
    assert len(server.requests("/mirror/")) == 20
    rows = claims(tmp_path)
    assert [r["status"] for r in rows if r["source_id"] == "figures"] == ["active"]
    as_of = {r["as_of"] for r in rows if "mirror's daily union" in r["definition"]}
    assert len(as_of) == 18 and "2025-12-09" not in as_of and "2025-12-14" not in as_of

    # again: the stored days are not asked; the lacking and broken ones are, once more
    again = run_backfill(tmp_path, sources, "ds", "--since", "2025-12-01", "--until", "2025-12-20")
    assert again.exit_code == 3, again.output
    assert len(server.requests("/mirror/")) == 22
    # the scheduled run remembers both (older than a week): it does not ask for them
    sources.write_text(sources.read_text().replace('mirror_day_offset = -1\n',
                                                   'mirror_day_offset = -1\nbackfill_since = "2025-12-01"\n'
                                                   'backfill_until = "2025-12-20"\n'))
    ingest(tmp_path, sources)
    assert len(server.requests("/mirror/")) == 22
    state = json.loads((tmp_path / "data" / "state" / "deepstate_mirror_skipped_ds.json").read_text())
    assert state["days"] == ["2025-12-09", "2025-12-14"]


def test_backfill_command_refuses_bad_input_with_exit_2(tmp_path, httpserver):
    (tmp_path / "map.geojson").write_text('{"type": "FeatureCollection", "features": []}')
    sources = write_sources(tmp_path, source_text(httpserver) + '\n[[source]]\nid = "isw"\nkind = "geojson"\n'
                            'path = "map.geojson"\nactor = "Russia"\n\n'
                            '[[source]]\nid = "plain"\nkind = "deepstate"\nbase_url = "https://example.org/api"\n')
    for args, words in [
        (["nope", "--since", "2025-12-01"], "no source 'nope'"),
        (["isw", "--since", "2025-12-01"], "is a geojson source"),
        (["plain", "--since", "2025-12-01"], "no mirror_url"),
        (["ds", "--since", "2025-13-01"], "--since"),
        (["ds", "--since", "yesterday"], "not a date"),
        (["ds", "--since", "2021-12-31"], "2022-01-01 or later"),
        (["ds", "--since", "2025-12-10", "--until", "2025-12-01"], "before --since"),
    ]:
        result = run_backfill(tmp_path, sources, *args)
        assert result.exit_code == 2, (args, result.output)
        assert words in result.output, (args, result.output)
    assert not (tmp_path / "data" / "processed").exists()
    assert cli.commands["backfill"] is backfill_command
    assert "Example" in CliRunner().invoke(cli, ["backfill", "--help"]).output


def test_backfill_stops_at_a_failing_mirror_and_leaves_the_days_for_later(tmp_path, httpserver):
    httpserver.expect_request(re.compile(r"^/mirror/")).respond_with_data("down", status=503)
    sources = write_sources(tmp_path, source_text(httpserver))
    result = run_backfill(tmp_path, sources, "ds", "--since", "2025-12-01", "--until", "2025-12-10",
                          "--quiet")
    assert result.exit_code == 3, result.output
    assert "day 1/10" not in result.output  # --quiet: the progress goes to the job's log only
    log = (tmp_path / "data" / "state" / "logs" / "ingest.log").read_text(encoding="utf-8")
    assert "day 1/10: 2025-12-01" in log and "backfill stopped" in log
    [row] = table(tmp_path / "data" / "processed" / "quarantine.csv")
    assert "HTTP 503" in row["reason"] and "10 day(s) left for later runs" in row["reason"]
    assert len([p for p, _ in httpserver.log]) == 1


# --- options and the pure parts -----------------------------------------------------------------


@pytest.mark.parametrize("extra, words", [
    ('mirror_url = "https://m.example.org/{day}.json"\n', "mirror_url"),
    ('mirror_url = "https://m.example.org/{date:%Y}.json"\n', "does not tell one day"),
    ('mirror_url = "file:///srv/{date}.json"\n', "http"),
    ('mirror_url = "https://m.example.org/{date}.json"\nmirror_format = "union"\n', "mirror_format"),
    ('mirror_url = "https://m.example.org/{date}.json"\nmirror_day_offset = 30\n', "mirror_day_offset"),
    ('mirror_url = "https://m.example.org/{date}.json"\nmax_backfill_days = -1\n', "max_backfill_days"),
    ('backfill_since = "2025-01-01"\n', "needs 'mirror_url'"),
    ('mirror_url = "https://m.example.org/{date}.json"\nbackfill_since = "2021-06-01"\n', "2022-01-01"),
    ('last_url = "ftp://x.example.org/last"\n', "last_url"),
])
def test_bad_mirror_and_last_options_are_configuration_errors(tmp_path, extra, words):
    from tracker.config import ConfigError

    sources = write_sources(tmp_path, '[[source]]\nid = "ds"\nkind = "deepstate"\n' + extra)
    with pytest.raises(ConfigError, match=re.escape(words)):
        load_sources(sources)


def test_last_url_defaults_to_base_url_and_a_mirror_list_polls_none():
    from tracker.sources.deepstate import last_url

    assert last_url({}) == "https://deepstatemap.live/api/history/last"
    assert last_url({"base_url": "https://m.example.org/api/"}) == "https://m.example.org/api/last"
    assert last_url({"list_url": "https://m.example.org/index.json"}) == ""
    assert last_url({"list_url": "https://m.example.org/i.json", "last_url": "https://m.example.org/l"}) \
        == "https://m.example.org/l"
    assert last_url({"last_url": ""}) == ""


def test_days_to_fetch_skips_stored_and_known_missing_days_oldest_first():
    since, until = date(2024, 7, 1), date(2024, 7, 10)
    stored = {date(2024, 7, 2), date(2024, 7, 5), date(2023, 1, 1)}
    assert backfill.days_to_fetch(since, until, stored, {date(2024, 7, 9)}) == [
        date(2024, 7, d) for d in (1, 3, 4, 6, 7, 8, 10)]
    assert backfill.days_to_fetch(until, since, ()) == []
    assert backfill.days_to_fetch(date(2021, 12, 30), date(2022, 1, 1), ()) == [date(2022, 1, 1)]
    assert len(backfill.day_range(date(2024, 2, 28), date(2024, 3, 1))) == 3  # a leap year


def test_mirror_days_are_keyed_at_noon_utc_and_named_by_the_file_date():
    day = date(2024, 7, 8)
    key = backfill.day_key(day)
    assert key == int(datetime(2024, 7, 8, 12, tzinfo=timezone.utc).timestamp())
    assert backfill.key_day(key) == day and backfill.key_day(1720471259) == day  # 20:40 UTC
    template = "https://raw.githubusercontent.com/cyterat/deepstate-map-data/main/data/deepstatemap_data_{date:%Y%m%d}.geojson"
    assert backfill.fill_mirror_url(template, backfill.file_day(day, -1)).endswith("deepstatemap_data_20240709.geojson")
    assert backfill.fill_mirror_url("https://m.example.org/{date}.json", day) == "https://m.example.org/2024-07-08.json"
    assert backfill.default_until(datetime(2026, 1, 5, 0, 30, tzinfo=timezone.utc)) == date(2026, 1, 4)
    from tracker.sources.deepstate import snapshot_id

    assert snapshot_id(backfill.fill_mirror_url(template, day) + f"#{key}") == key


def test_missing_days_are_remembered_only_once_the_mirror_had_time_to_publish():
    now = datetime(2026, 1, 5, 12, tzinfo=timezone.utc)
    days = [date(2025, 12, 1), date(2025, 12, 28), date(2025, 12, 29), date(2026, 1, 4)]
    assert backfill.settled_missing(days, now) == [date(2025, 12, 1), date(2025, 12, 28)]
    with pytest.raises(ValueError, match="no such day"):
        backfill.parse_day("2025-02-30")


# --- the real maps in ../shared/data (read in place, never copied) ----------------------------

SHARED_DATA = Path(__file__).resolve().parents[1].parent / "shared" / "data"
needs_shared = pytest.mark.skipif(not (SHARED_DATA / "deepstatemap_data_20240709.geojson").exists(),
                                  reason="../shared/data (real DeepState maps) is not present")
# cyterat file day -> the area of its union by DeepState's method (../shared/data/SOURCES.md)
CYTERAT_KM2 = {"20240709": 109_313.6, "20250804": 114_250.3, "20251130": 115_684.2,
               "20260201": 116_392.1, "20260822": 116_936.5}


@needs_shared
def test_real_cyterat_days_and_a_real_last_snapshot(tmp_path, httpserver):
    """The real snapshot 1720471259 served as /last, then cyterat's five files backfilled:
    the day /last already has is not fetched, the others measure as SOURCES.md says, and
    the union leaves out Tuzla (the full map's total is 4.4 km² more on the same map)."""
    sid = 1720471259  # 2024-07-08 20:40 UTC, the map of cyterat's 20240709 file
    wrapped = (b'{"id": 1720471259, "datetime": "08.07 \xd0\xbe 23:40", "map": '
               + (SHARED_DATA / f"{sid}.geojson").read_bytes() + b"}")
    httpserver.expect_request("/api/history/public").respond_with_data("no", status=401)
    httpserver.expect_request("/api/history/last").respond_with_data(wrapped)
    for day in CYTERAT_KM2:
        httpserver.expect_request(f"/mirror/data/deepstatemap_data_{day}.geojson").respond_with_data(
            (SHARED_DATA / f"deepstatemap_data_{day}.geojson").read_bytes())
    sources = write_sources(tmp_path, source_text(httpserver, 'areas_url = ""\n'))
    now = datetime(2026, 8, 23, 6, tzinfo=timezone.utc)
    assert ingest(tmp_path, sources, now=now).outcomes[0].ok
    env = {"TRACKER_NOW": "2026-08-23T06:00:00Z"}
    for day in CYTERAT_KM2:
        map_day = (datetime.strptime(day, "%Y%m%d") - timedelta(days=1)).strftime("%Y-%m-%d")
        result = CliRunner(env=env).invoke(cli, ["backfill",
            "ds", "--since", map_day, "--until", map_day, "--sources", str(sources),
            "--data-dir", str(tmp_path / "data")])
        assert result.exit_code == 0, result.output
    fetched = [r.path for r, _ in httpserver.log if r.path.startswith("/mirror/")]
    assert len(fetched) == 4 and not any("20240709" in path for path in fetched)
    rows = claims(tmp_path)
    unions = {r["url"].rsplit("_", 1)[-1][:8]: float(r["value"]) for r in rows
              if r["metric"] == "area_controlled_km2" and "mirror's daily union" in r["definition"]}
    assert unions == pytest.approx({d: v for d, v in CYTERAT_KM2.items() if d != "20240709"}, abs=0.1)
    [full] = [float(r["value"]) for r in rows if r["as_of"] == "2024-07-08"
              and r["metric"] == "area_controlled_km2" and r["definition"].startswith("occupied_total")]
    assert full - CYTERAT_KM2["20240709"] == pytest.approx(4.4, abs=0.2)  # Tuzla
