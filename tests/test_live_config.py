"""sources.live.toml, the configuration the recipes run: it loads, covers the six languages
with keyword filters, reads DeepState as it is today, and `make run` stays offline."""

from __future__ import annotations

import tomllib
from pathlib import Path

from tracker.sources import load_sources

REPO = Path(__file__).resolve().parents[1]


def test_the_live_configuration_loads_with_feeds_in_six_languages():
    config = load_sources(REPO / "sources.live.toml")
    feeds = [s for s in config.sources if s.kind == "feed"]
    assert {s.language for s in feeds} == {"en", "fr", "de", "nl", "no", "uk"}
    for feed in feeds:
        assert feed.options["url"].startswith("https://"), feed.id
        assert feed.options.get("keywords"), f"{feed.id} fetches every article of its feed"
    (deepstate,) = [s for s in config.sources if s.kind == "deepstate"]
    # The list is closed: the source must not depend on it, and backfills from a mirror.
    assert "list_url" not in deepstate.options and deepstate.options["mirror_url"].startswith("https://")
    assert not any(s.example for s in config.sources)
    assert any(s.kind == "curated" for s in config.sources)


def test_make_run_reads_local_files_only_and_the_recipes_run_the_live_configuration():
    bundled = tomllib.loads((REPO / "sources.toml").read_text(encoding="utf-8"))
    assert all("url" not in source for source in bundled["source"])
    makefile = (REPO / "Makefile").read_text(encoding="utf-8")
    assert "tracker run --sources sources.toml --data-dir data --out reports" in makefile
    live_command = "tracker run --sources sources.live.toml --data-dir data/live --out reports/live"
    assert live_command in makefile
    for recipe in ("deploy/crontab.example", "deploy/tracker-ingest.service",
                   ".github/workflows/scheduled-ingest.yml"):
        assert live_command in (REPO / recipe).read_text(encoding="utf-8"), recipe
