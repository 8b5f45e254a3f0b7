"""The run's digest (tracker/digest.py): what it lists, when it is written, and through
`tracker run` on a real temp folder: new figures, revisions, copies that disagree, failed
checks, sources failing runs in a row, and the exit codes a scheduler reads."""

from __future__ import annotations

import json
from pathlib import Path

from click.testing import CliRunner

from conftest import curated_row, write_curated
from tracker.cli import cli
from tracker.digest import MAX_LISTED, RunFacts, Tables, build_digest, render_markdown


def _row(claim_id: str, value: str = "701", source_id: str = "figures", **fields: str) -> dict:
    row = {"claim_id": claim_id, "conflict": "russia-ukraine", "metric": "area_gained_km2",
           "value": value, "qualifier": "exact", "actor": "Russia", "territory": "Ukraine",
           "period_start": "2025-11-01", "period_end": "2025-11-30", "as_of": "",
           "attribution": "AFP analysis of ISW data", "publisher": "Example (AFP)",
           "url": "https://example.org/a", "source_id": source_id}
    row.update(fields)
    return row


def _health(count: int, status: str = "failed") -> dict[str, str]:
    return {"source_id": "feed", "status": status, "consecutive_failures": str(count),
            "last_success_at": "2026-01-01T00:00:00Z", "error": "HTTP 503"}


# --- the pure core ----------------------------------------------------------------------


def test_new_figures_exclude_example_sources_and_revisions_show_before_and_after():
    tables = Tables(claims={"a": _row("a"), "b": _row("b", source_id="example"),
                            "old": _row("old", "690"), "new": _row("new", "720")})
    facts = RunFacts(run_at="2026-01-02T03:04:05Z", exit_code=0, added_ids=["a", "b", "new"],
                     superseded_ids={"old": "new"}, example_sources=frozenset({"example"}))
    digest = build_digest(facts, tables)
    assert digest["changed"]
    assert [f["claim_id"] for f in digest["new_figures"]] == ["a"]  # "new" is a revision
    assert digest["counts"]["example_figures_not_listed"] == 1
    (revision,) = digest["revisions"]
    assert (revision["previous"]["value"], revision["current"]["value"]) == ("690", "720")
    text = render_markdown(digest)
    assert "## New figures (1)" in text and "690 → 720" in text
    assert "1 new figure, 1 revision" in text


def test_a_run_that_found_nothing_is_no_change():
    facts = RunFacts(run_at="2026-01-02T03:04:05Z", exit_code=0,
                     health_after={"feed": _health(0, "ok")}, failures_before={"feed": 0})
    assert not build_digest(facts, Tables())["changed"]


def test_a_failing_source_alerts_at_the_threshold_and_every_threshold_runs_after():
    def digest(count: int) -> dict:
        facts = RunFacts(run_at="t", exit_code=1, failures_before={"feed": count - 1},
                         health_after={"feed": _health(count)}, failed_sources={"feed": "HTTP 503"})
        return build_digest(facts, Tables(), failing_runs=3)

    alerts = [count for count in range(1, 10)
              if any(s["alert"] for s in digest(count)["sources_failing"])]
    assert alerts == [3, 6, 9]
    assert digest(2)["sources_failing"] == []
    # A failing source is still a change to tell on those runs only (with the failure).
    assert [count for count in range(1, 10) if digest(count)["changed"]] == [3, 6, 9]
    recovered = build_digest(RunFacts(run_at="t", exit_code=0, failures_before={"feed": 4},
                                      health_after={"feed": _health(0, "ok")}), Tables())
    assert recovered["changed"] and recovered["sources_recovered"] == [
        {"source_id": "feed", "failed_runs": 4}]


def _observation(observation_id: str, value: str, attribution: str = "DeepState",
                 definition: str = "", **fields: str) -> dict[str, str]:
    row = {"observation_id": observation_id, "conflict": "russia-ukraine",
           "metric": "area_controlled_km2", "value": value, "actor": "Russia",
           "territory": "Ukraine", "as_of": "2025-08-08", "period_start": "", "period_end": "",
           "attribution": attribution, "definition": definition, "conflicts_with": "",
           "revision_of": "", "superseded_by": "", "publishers": attribution}
    row.update(fields)
    return row


def test_a_maps_two_definitions_are_no_conflict_but_producers_apart_are_a_disagreement():
    total = _observation("o-total", "114348", definition="occupied_total: all occupied",
                         conflicts_with="o-after")
    after = _observation("o-after", "70379", definition="occupied_after_24_02_2022: since 2022",
                         conflicts_with="o-total")
    quoted_far = _observation("o-isw", "100000", attribution="ISW")
    quoted_near = _observation("o-wire", "113000", attribution="Wire analysis")
    tables = Tables(claims={"c1": _row("c1", "114348", metric="area_controlled_km2")},
                    observations={o["observation_id"]: o for o in (total, after, quoted_far, quoted_near)},
                    observation_of={"c1": "o-total"},
                    same_figure={"o-total": ["o-isw", "o-wire"]})
    digest = build_digest(RunFacts(run_at="t", exit_code=0, added_ids=["c1"]), tables,
                          tolerance_pct=5.0)
    assert digest["conflicts"] == []
    (disagreement,) = digest["disagreements"]
    assert sorted(f["observation_id"] for f in disagreement["figures"]) == ["o-isw", "o-total"]
    assert "Sources that disagree by more than 5 % (1)" in render_markdown(digest)
    # Two copies of one definition that disagree are listed.
    twin = _observation("o-twin", "114900", definition="occupied_total: all occupied",
                        conflicts_with="o-total")
    tables.observations["o-twin"] = twin
    tables.observations["o-total"]["conflicts_with"] = "o-after o-twin"
    digest = build_digest(RunFacts(run_at="t", exit_code=0, added_ids=["c1"]), tables)
    assert [sorted(f["observation_id"] for f in c["figures"]) for c in digest["conflicts"]] == [
        ["o-total", "o-twin"]]


def test_long_lists_are_cut_in_the_text_but_whole_in_the_json():
    claims = {f"c{n:03d}": _row(f"c{n:03d}", str(n)) for n in range(MAX_LISTED + 7)}
    digest = build_digest(RunFacts(run_at="t", exit_code=0, added_ids=list(claims)),
                          Tables(claims=claims))
    assert len(digest["new_figures"]) == MAX_LISTED + 7
    assert "and 7 more" in render_markdown(digest)


# --- through `tracker run` -----------------------------------------------------------------


def run(folder: Path, *options: str, now: str = "2026-01-02T03:04:05Z"):
    return CliRunner().invoke(cli, ["run", "--sources", str(folder / "sources.toml"),
                                    "--data-dir", str(folder / "data"),
                                    "--out", str(folder / "reports"), *options],
                              env={"TRACKER_NOW": now})


def test_the_digest_tells_new_figures_then_stays_as_it_was_when_nothing_changed(project: Path):
    first = run(project)
    assert first.exit_code == 0, first.output
    digest_md = project / "reports" / "digest.md"
    text = digest_md.read_text(encoding="utf-8")
    assert "run of 2026-01-02T03:04:05Z" in text and "## New figures (2)" in text
    assert "area_gained_km2 701" in text and "share_controlled_pct 19.3" in text
    document = json.loads((project / "reports" / "digest.json").read_text(encoding="utf-8"))
    assert document["counts"]["new_figures"] == 2 and document["notices"] == []
    before = (digest_md.read_bytes(), (project / "reports" / "digest.json").read_bytes())
    second = run(project, now="2026-01-03T03:04:05Z")
    assert second.exit_code == 0, second.output
    assert "digest: nothing changed" in second.output
    assert (digest_md.read_bytes(), (project / "reports" / "digest.json").read_bytes()) == before


def test_revisions_copies_that_disagree_and_failed_checks_are_listed(project: Path):
    assert run(project).exit_code == 0
    write_curated(project / "inputs" / "figures.csv", [
        curated_row(value="720"),  # the row edited: the stored reading is replaced
        curated_row(metric="share_controlled_pct", value="19.3", period_start="",
                    period_end="", as_of="2025-11-30"),
        # Two copies of one release, a day apart, that disagree.
        curated_row(period_start="2025-10-01", period_end="2025-10-31", value="461",
                    publisher="Wire A (AFP)", url="https://example.org/w1", published_at="2025-11-01"),
        curated_row(period_start="2025-10-01", period_end="2025-10-31", value="416",
                    publisher="Wire B (AFP)", url="https://example.org/w2", published_at="2025-11-02"),
        # More than all of Ukraine: a check fails whatever any map says.
        curated_row(metric="area_controlled_km2", value="700000", period_start="", period_end="",
                    as_of="2025-11-30", url="https://example.org/big"),
    ])
    result = run(project, now="2026-01-03T03:04:05Z")
    assert result.exit_code == 0, result.output
    digest = json.loads((project / "reports" / "digest.json").read_text(encoding="utf-8"))
    assert [(r["previous"]["value"], r["current"]["value"]) for r in digest["revisions"]
            if r["kind"] == "reading_replaced"] == [("701", "720")]
    (conflict,) = digest["conflicts"]
    assert sorted(f["value"] for f in conflict["figures"]) == ["416", "461"]
    assert [c["status"] for c in digest["failed_checks"]] == ["impossible"]
    text = (project / "reports" / "digest.md").read_text(encoding="utf-8")
    assert "701 → 720" in text and "Copies of one release that disagree (1)" in text


def _add_failing_source(project: Path) -> None:
    with (project / "sources.toml").open("a", encoding="utf-8") as handle:
        handle.write('\n[[source]]\nid = "gone"\nkind = "curated"\npath = "inputs/missing.csv"\n')


def test_exit_codes_quiet_output_and_a_source_failing_runs_in_a_row(project: Path):
    _add_failing_source(project)
    days = [run(project, "--quiet", now=f"2026-01-0{day}T03:00:00Z") for day in (1, 2, 3)]
    assert [r.exit_code for r in days] == [1, 1, 1]
    # --quiet: the failure is printed, progress is not.
    assert days[1].output.strip().splitlines() == [
        line for line in days[1].output.strip().splitlines() if line.startswith("error:")]
    assert "source gone failed" in days[1].output
    digest = json.loads((project / "reports" / "digest.json").read_text(encoding="utf-8"))
    assert digest["run_at"] == "2026-01-03T03:00:00Z"
    assert [(s["source_id"], s["consecutive_failures"]) for s in digest["sources_failing"]] == [("gone", 3)]
    health = CliRunner().invoke(cli, ["health", "--data-dir", str(project / "data"), "--fail-after", "3"])
    assert health.exit_code == 1 and "source gone has failed 3 runs in a row" in health.output
    assert CliRunner().invoke(cli, ["health", "--data-dir", str(project / "data"),
                                    "--fail-after", "4"]).exit_code == 0


def test_quarantined_rows_exit_3_and_an_unusable_configuration_exits_2(project: Path):
    write_curated(project / "inputs" / "figures.csv", [curated_row(), curated_row(value="not a number")])
    result = run(project)
    assert result.exit_code == 3, result.output
    digest = json.loads((project / "reports" / "digest.json").read_text(encoding="utf-8"))
    assert digest["counts"]["rows_quarantined"] == 1
    # The same bad row again (the file touched, read again): exit 3 again, but not news.
    before = (project / "reports" / "digest.json").read_bytes()
    write_curated(project / "inputs" / "figures.csv", [curated_row(), curated_row(value="not a number")])
    again = run(project, now="2026-01-03T03:04:05Z")
    assert again.exit_code == 3, again.output
    assert "digest: nothing changed" in again.output
    assert (project / "reports" / "digest.json").read_bytes() == before
    (project / "sources.toml").write_text("[[source]]\nid = 1\n", encoding="utf-8")
    assert run(project).exit_code == 2


def test_quiet_and_verbose_together_are_refused(project: Path):
    result = run(project, "--quiet", "--verbose")
    assert result.exit_code == 2 and "cannot be used together" in result.output


def test_verbose_prints_step_times_and_the_digest(project: Path):
    result = run(project, "--verbose")
    assert result.exit_code == 0, result.output
    assert "time: ingest" in result.output and "time: report" in result.output
    assert "# Tracker digest" in result.output


def test_the_digest_is_posted_when_something_changed_and_a_failed_post_is_recorded(
        project: Path, httpserver):
    with (project / "sources.toml").open("a", encoding="utf-8") as handle:
        handle.write("\n[notify]\nwebhook_format = \"text\"\n")
    sources = project / "sources.toml"
    sources.write_text(sources.read_text(encoding="utf-8").replace(
        "[settings]\n", "[settings]\nallow_private_hosts = true\nretries = 0\n"), encoding="utf-8")
    env = {"TRACKER_WEBHOOK_URL": httpserver.url_for("/hook/T0/SECRET")}
    httpserver.expect_request("/hook/T0/SECRET", method="POST").respond_with_data("ok")

    def run_with_hook(now: str):
        return CliRunner().invoke(cli, ["run", "--sources", str(sources), "--data-dir",
                                        str(project / "data"), "--out", str(project / "reports")],
                                  env={"TRACKER_NOW": now, **env})

    assert run_with_hook("2026-01-02T03:04:05Z").exit_code == 0
    (posted, _), = httpserver.log
    assert "2 new figures" in posted.get_json()["text"]
    assert run_with_hook("2026-01-03T03:04:05Z").exit_code == 0
    assert len(httpserver.log) == 1  # nothing changed, nothing sent
    httpserver.clear()
    httpserver.expect_request("/hook/T0/SECRET", method="POST").respond_with_data("down", status=500)
    write_curated(project / "inputs" / "figures.csv", [curated_row(value="720")])
    result = run_with_hook("2026-01-04T03:04:05Z")
    assert result.exit_code == 0, result.output  # the run succeeds all the same
    (notice,) = json.loads((project / "reports" / "digest.json").read_text(encoding="utf-8"))["notices"]
    assert notice["channel"] == "webhook" and not notice["ok"] and "500" in notice["detail"]
    assert "SECRET" not in notice["detail"] and "SECRET" not in result.output
