"""Hostile sources.toml: every value that used to pass the check and fail at run time (exit 1,
state written) is refused up front with exit 2, by `tracker sources` and `tracker ingest`
alike, naming the file, the source (or [settings]) and the key, and nothing is written."""

from __future__ import annotations

from pathlib import Path

import pytest
from click.testing import CliRunner

from tracker.cli import cli

GOOD_SOURCE = '[[source]]\nid = "good"\nkind = "curated"\npath = "figures.csv"\n'


def source(kind: str, body: str, source_id: str = "bad") -> str:
    return f'[[source]]\nid = "{source_id}"\nkind = "{kind}"\n{body}\n'


def refuse(tmp_path: Path, toml: str, *words: str) -> None:
    """Both commands exit 2 with every word in the message, and no data folder appears."""
    sources = tmp_path / "sources.toml"
    sources.write_text(toml, encoding="utf-8")
    data = tmp_path / "data"
    for args in (["sources", "--sources", str(sources)],
                 ["ingest", "--sources", str(sources), "--data-dir", str(data)]):
        result = CliRunner().invoke(cli, args)
        assert result.exit_code == 2, (args[0], result.output)
        message = result.stderr
        assert str(sources) in message, message
        for word in words:
            assert word in message, (word, message)
        assert "Traceback" not in result.output
    assert not data.exists(), sorted(p.name for p in data.rglob("*"))


def accept(tmp_path: Path, toml: str) -> None:
    sources = tmp_path / "sources.toml"
    sources.write_text(toml, encoding="utf-8")
    result = CliRunner().invoke(cli, ["sources", "--sources", str(sources)])
    assert result.exit_code == 0, result.output


# --- URLs: only http(s) with a host; templates hold {id} and nothing else -------------------

URLS = [
    source("article", 'url = "file:///etc/passwd"'),
    source("feed", 'url = "javascript:alert(1)"'),
    source("geojson", 'url = "ftp://example.org/map.geojson"\nactor = "Russia"'),
    source("table", 'url = "https:///series.json"\nmetric = "area_controlled_km2"\nactor = "Russia"\n'
                    'columns = { value = "v", date = "d" }'),
    source("article", 'url = "example.org/page"'),
    source("article", 'url = "https://exa mple.org/"'),
    source("article", 'url = "https://[::1/x"'),
    source("article", 'url = "https://example.org:99999/"'),
    source("article", "url = 5"),
    source("deepstate", 'base_url = "file:///tmp/api"'),
    source("deepstate", 'list_url = "javascript:void(0)"'),
    source("deepstate", 'snapshot_url = "file:///srv/{id}.geojson"'),
    source("deepstate", 'areas_url = "gopher://example.org/{id}"'),
    source("deepstate", 'snapshot_url = "https://example.org/{id}/{kind}"'),
    source("deepstate", 'snapshot_url = "https://example.org/geojson"'),
    source("deepstate", 'areas_url = "https://example.org/{id}/{"'),
    source("deepstate", 'snapshot_url = "https://example.org/{0}"'),
    source("deepstate", "areas_url = ['https://example.org/{id}']"),
    source("deepstate", 'base_url = "https://example.org/{id}/api"'),
]
URL_KEYS = ["url"] * 9 + ["base_url", "list_url", "snapshot_url", "areas_url", "snapshot_url",
                          "snapshot_url", "areas_url", "snapshot_url", "areas_url", "base_url"]


@pytest.mark.parametrize("body, key", list(zip(URLS, URL_KEYS)))
def test_urls_that_are_not_http_are_refused(tmp_path, body, key):
    refuse(tmp_path, body, "'bad'", f"'{key}'")


def test_an_empty_areas_url_is_allowed_and_means_skip(tmp_path):
    accept(tmp_path, source("deepstate", 'areas_url = ""\nbase_url = "https://example.org/api"'))


def test_a_formatted_id_template_is_allowed(tmp_path):
    accept(tmp_path, source("deepstate", 'snapshot_url = "https://mirror.example.org/s/{id}.json"'))


# --- settings: finite, in range, whole numbers where whole ---------------------------------

SETTINGS = [
    ("timeout_s", "0"), ("timeout_s", "nan"), ("timeout_s", "inf"), ("timeout_s", "-1"),
    ("max_request_s", "0"), ("max_request_s", "-inf"), ("backoff_s", "inf"),
    ("backoff_s", "1e300"), ("per_host_delay_s", "inf"), ("max_retry_after_s", "inf"),
    ("check_tolerance_pct", "nan"), ("max_bytes", "-1"), ("max_bytes", "0"),
    ("max_bytes", "1.5"), ("max_host_failures", "0"), ("retries", "2.5"), ("retries", "2.0"),
    ("retries", "true"), ("retries", '"3"'), ("retries", "1000"), ("max_redirects", "1e3"),
    ("allow_private_hosts", '"yes"'), ("allow_private_hosts", "1"),
]


@pytest.mark.parametrize("key, value", SETTINGS)
def test_settings_that_fail_at_run_time_are_refused(tmp_path, key, value):
    refuse(tmp_path, f"[settings]\n{key} = {value}\n\n{GOOD_SOURCE}", "[settings]", f"'{key}'")


def test_sensible_settings_still_pass(tmp_path):
    accept(tmp_path, '[settings]\ntimeout_s = 0.5\nmax_bytes = 1\nretries = 0\nbackoff_s = 0\n'
                     'max_request_s = 30\nmax_host_failures = 1\ncheck_tolerance_pct = 2\n'
                     'contact = "desk@example.org (+44 20 7946 0000)"\n\n' + GOOD_SOURCE)


# --- the contact goes into an HTTP header ---------------------------------------------------

CONTACTS = ['"a@example.org\\r\\nX-Injected: 1"', '"a@example.org\\n"', '"tab\\there"',
            '"nul\\u0000"', '"del\\u007f"', '"Дмитро@example.org"', "5", '["a@example.org"]']


@pytest.mark.parametrize("value", CONTACTS)
def test_contacts_that_would_break_the_header_are_refused(tmp_path, value):
    refuse(tmp_path, f"[settings]\ncontact = {value}\n\n{GOOD_SOURCE}", "[settings]", "'contact'")


# --- denominators: a finite area above 0 ----------------------------------------------------

DENOMINATORS = ["inf", "nan", "-inf", "0", "-5", '"603700"', "true", "1e12"]


@pytest.mark.parametrize("kind", ["geojson", "deepstate"])
@pytest.mark.parametrize("value", DENOMINATORS)
def test_denominators_that_would_store_a_wrong_share_are_refused(tmp_path, kind, value):
    extra = 'path = "map.geojson"\nactor = "Russia"\n' if kind == "geojson" else ""
    refuse(tmp_path, source(kind, f"{extra}denominator_km2 = {value}"), "'bad'", "'denominator_km2'")


# --- ids that would share a folder in data/raw ----------------------------------------------

COLLISIONS = [("maps", "maps-"), ("maps", "maps."), ("a.b", "a.b.-"), ("same", "same")]


@pytest.mark.parametrize("first, second", COLLISIONS)
def test_ids_that_share_a_raw_folder_are_refused(tmp_path, first, second):
    toml = (source("curated", 'path = "a.csv"', first)
            + source("curated", 'path = "b.csv"\nenabled = false', second))
    refuse(tmp_path, toml, repr(second), "'id'")


def test_an_id_too_long_for_a_file_name_is_refused(tmp_path):
    refuse(tmp_path, source("curated", 'path = "a.csv"', "x" * 65), "'id'", "64")


def test_an_id_with_a_trailing_line_break_is_refused(tmp_path):
    refuse(tmp_path, '[[source]]\nid = "abc\\n"\nkind = "curated"\npath = "a.csv"\n', "'id'")


# --- booleans are booleans -----------------------------------------------------------------

BOOLEANS = [("enabled", '"false"'), ("enabled", "0"), ("enabled", '"no"'),
            ("allow_outside", '"true"'), ("allow_outside", "1")]


@pytest.mark.parametrize("key, value", BOOLEANS)
def test_booleans_written_as_text_or_numbers_are_refused(tmp_path, key, value):
    refuse(tmp_path, source("curated", f'path = "a.csv"\n{key} = {value}'), "'bad'", f"'{key}'")


def test_enabled_false_still_skips_the_source(tmp_path):
    sources = tmp_path / "sources.toml"
    sources.write_text(GOOD_SOURCE + source("curated", 'path = "b.csv"\nenabled = false'),
                       encoding="utf-8")
    result = CliRunner().invoke(cli, ["sources", "--sources", str(sources)])
    assert result.exit_code == 0 and "good" in result.output and "bad" not in result.output


# --- text keys given as numbers, lists or tables; dates that are no dates -------------------

GEOJSON = 'path = "map.geojson"\nactor = "Russia"\n'
TABLE = 'path = "t.csv"\nmetric = "area_controlled_km2"\nactor = "Russia"\ncolumns = { value = "v", date = "d" }\n'
TEXT_KEYS = [
    (source("curated", 'path = "a.csv"\nconflict = 5'), "conflict"),
    (source("curated", 'path = "a.csv"\nlanguage = ["en"]'), "language"),
    (source("curated", 'path = "a.csv"\nattribution = { who = "AFP" }'), "attribution"),
    (source("curated", 'path = "a.csv"\npublisher = 1.5'), "publisher"),
    (source("curated", 'path = "a.csv"\npublisher = "AFP\\nInjected"'), "publisher"),
    (source("curated", "path = 5"), "path"),
    (source("curated", 'path = ""'), "path"),
    (source("curated", 'path = "a\\u0000b.csv"'), "path"),
    (source("curated", "path = ['a.csv']"), "path"),
    (source("geojson", 'path = "map.geojson"\nactor = 7'), "actor"),
    (source("geojson", 'path = "map.geojson"\nactor = ""'), "actor"),
    (source("geojson", GEOJSON + "territory = []"), "territory"),
    (source("geojson", GEOJSON + "data_producer = 1"), "data_producer"),
    (source("geojson", GEOJSON + "date_property = 3"), "date_property"),
    (source("geojson", GEOJSON + 'definition = ["x"]'), "definition"),
    (source("geojson", GEOJSON + 'as_of = "2024-13-45"'), "as_of"),
    (source("geojson", GEOJSON + 'as_of = "2024-01-01 or so"'), "as_of"),
    (source("geojson", GEOJSON + "as_of = 1800-01-01"), "as_of"),
    (source("geojson", GEOJSON + "where = { layer = { deep = 1 } }"), "where"),
    (source("geojson", GEOJSON + "where = { layer = [] }"), "where"),
    (source("geojson", GEOJSON + 'metric = "area_gained_km2"'), "metric"),
    (source("geojson", GEOJSON + 'metric = ["area_controlled_km2"]'), "metric"),
    (source("geojson", GEOJSON + 'share_metric = "area_controlled_km2"'), "share_metric"),
    (source("geojson", GEOJSON + "max_bytes = -1"), "max_bytes"),
    (source("geojson", GEOJSON + 'area_method = ["spherical"]'), "area_method"),
    (source("table", TABLE.replace('metric = "area_controlled_km2"', 'metric = ["x"]')), "metric"),
    (source("table", TABLE.replace('value = "v"', "value = 3")), "columns"),
    (source("table", TABLE.replace('actor = "Russia"', "actor = true")), "actor"),
    (source("table", TABLE + "max_bytes = 0.5"), "max_bytes"),
    (source("table", TABLE + "where = { layer = { x = 1 } }"), "where"),
    (source("table", TABLE + "definition = 3"), "definition"),
    (source("article", 'path = "a.txt"\ntitle = 5'), "title"),
    (source("article", 'path = "a.txt"\npublished = "yesterday"'), "published"),
    (source("article", 'path = "a.txt"\npublished = 20240101'), "published"),
    (source("feed", 'url = "https://example.org/rss"\nmax_entries = 1.5'), "max_entries"),
    (source("feed", 'url = "https://example.org/rss"\nkeywords = "captured"'), "keywords"),
    (source("deepstate", 'since = "2024-01-01junk"'), "since"),
    (source("deepstate", "since = 2024"), "since"),
    (source("deepstate", "max_snapshots = 2.5"), "max_snapshots"),
]


@pytest.mark.parametrize("body, key", TEXT_KEYS)
def test_values_of_the_wrong_type_are_refused(tmp_path, body, key):
    refuse(tmp_path, body, "'bad'", key)


def test_the_bundled_sources_file_still_passes():
    repo = Path(__file__).resolve().parents[1]
    result = CliRunner().invoke(cli, ["sources", "--sources", str(repo / "sources.toml")])
    assert result.exit_code == 0, result.output


def test_a_disabled_source_is_checked_too(tmp_path):
    (tmp_path / "sources.toml").write_text(
        '[[source]]\nid = "later"\nkind = "feed"\nurl = "https://example.org/feed"\n'
        'max_entries = 0\nenabled = false\n', encoding="utf-8")
    from click.testing import CliRunner

    from tracker.cli import cli

    result = CliRunner().invoke(cli, ["sources", "--sources", str(tmp_path / "sources.toml")])
    assert result.exit_code == 2 and "'later'" in result.stderr and "max_entries" in result.stderr
