"""A run's digest: what changed, for the people who follow the tracker.

Each run of the scheduled job may find new figures, revisions of stored ones, copies of a
release that disagree, figures that fail a check against a map, or a source that has now
failed several runs in a row. The digest lists these, as `reports/digest.md` (for people
and for the notices of tracker/notify.py) and `reports/digest.json` (for programs).

A run that changed nothing leaves both files as they were and sends nothing: the digest
describes the last run that found something (its time is in the header), and an unchanged
run writes no byte, like the rest of the job.

`build_digest` and `render_markdown` are pure; `gather` reads the run's tables.
"""

from __future__ import annotations

import csv
import json
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, Iterable

DIGEST_MD = "digest.md"
DIGEST_JSON = "digest.json"
# Each list stops here ("and 140 more"): a first run of a new source may add thousands.
MAX_LISTED = 25
FAILED_CHECK_STATUSES = ("exceeds_tolerance", "impossible")
DEFAULT_FAILING_RUNS = 3
DEFAULT_TOLERANCE_PCT = 5.0  # [settings] check_tolerance_pct, as tracker check uses it


@dataclass
class RunFacts:
    """What one run did, as the ingest reported it (tracker/pipeline.py IngestResult)."""

    run_at: str
    exit_code: int  # the ingest's (tracker/pipeline.py IngestResult.exit_code)
    added_ids: list[str] = field(default_factory=list)
    superseded_ids: dict[str, str] = field(default_factory=dict)  # old -> newer ('' none)
    retracted_ids: list[str] = field(default_factory=list)
    failed_sources: dict[str, str] = field(default_factory=dict)  # source id -> error
    quarantined: list[tuple[str, str]] = field(default_factory=list)  # (origin, reason)
    # In quarantine.csv before the run: the same bad answer again (a broken page served
    # every run) is counted, but is not news to tell again.
    quarantined_before: frozenset[tuple[str, str]] = frozenset()
    failures_before: dict[str, int] = field(default_factory=dict)  # consecutive, per source
    health_after: dict[str, dict[str, str]] = field(default_factory=dict)
    example_sources: frozenset[str] = frozenset()
    outputs_failed: bool = False


@dataclass
class Tables:
    """The rows of the run's tables the digest needs (only those about its claims)."""

    claims: dict[str, dict[str, str]] = field(default_factory=dict)  # claim id -> ledger row
    observations: dict[str, dict[str, str]] = field(default_factory=dict)  # id -> row
    # Observations of the same figure (conflict, metric, actor, territory, time) from other
    # producers than a new one's, by the new observation's id: what it may disagree with.
    same_figure: dict[str, list[str]] = field(default_factory=dict)
    observation_of: dict[str, str] = field(default_factory=dict)  # claim id -> observation id
    checks: list[dict[str, str]] = field(default_factory=list)


# --- the pure core -----------------------------------------------------------------------


def build_digest(facts: RunFacts, tables: Tables, failing_runs: int = DEFAULT_FAILING_RUNS,
                 tolerance_pct: float = DEFAULT_TOLERANCE_PCT) -> dict[str, Any]:
    """The digest of one run as a JSON-able dict; `changed` says whether to publish it."""
    newer = {new for new in facts.superseded_ids.values() if new}
    shown = [c for c in facts.added_ids
             if c not in newer and c in tables.claims
             and tables.claims[c].get("source_id") not in facts.example_sources]
    examples = sum(1 for c in facts.added_ids
                   if tables.claims.get(c, {}).get("source_id") in facts.example_sources)
    new_figures = sorted((_figure(tables.claims[c]) for c in shown), key=_figure_order)
    revisions = _revisions(facts, tables)
    conflicts = _conflicts(facts, tables)
    disagreements = _disagreements(facts, tables, tolerance_pct)
    failed_checks = _failed_checks(facts, tables)
    failing, recovered = _source_trouble(facts, failing_runs)
    retracted = [_figure(tables.claims[c]) for c in facts.retracted_ids if c in tables.claims]
    alerts = [s for s in failing if s["alert"]]
    quarantined = [row for row in facts.quarantined if row not in facts.quarantined_before]
    changed = bool(new_figures or revisions or conflicts or disagreements or failed_checks
                   or alerts or recovered or quarantined or retracted)
    return {
        "run_at": facts.run_at,
        "ingest_exit_code": facts.exit_code,
        "changed": changed,
        "counts": {"new_figures": len(new_figures), "revisions": len(revisions),
                   "conflicts": len(conflicts), "disagreements": len(disagreements),
                   "failed_checks": len(failed_checks),
                   "sources_failing": len(failing), "sources_recovered": len(recovered),
                   "rows_quarantined": len(quarantined),
                   "rows_quarantined_again": len(facts.quarantined) - len(quarantined),
                   "figures_retracted": len(retracted),
                   "example_figures_not_listed": examples},
        "new_figures": new_figures,
        "revisions": revisions,
        "conflicts": conflicts,
        "disagreements": disagreements,
        "tolerance_pct": tolerance_pct,
        "failed_checks": failed_checks,
        "sources_failing": failing,
        "sources_recovered": recovered,
        "sources_failed_this_run": [{"source_id": s, "error": e}
                                    for s, e in sorted(facts.failed_sources.items())],
        "quarantined": [{"origin": o, "reason": r} for o, r in quarantined],
        "retracted": retracted,
        "failing_runs": failing_runs,
        "outputs_failed": facts.outputs_failed,
    }


def subject(digest: dict[str, Any]) -> str:
    """One line for an e-mail subject or a chat preview ([notify] subject_prefix goes
    before it)."""
    counts = digest["counts"]
    parts = [f"{counts[key]} {label}" if counts[key] != 1 else f"1 {singular}"
             for key, label, singular in (
                 ("new_figures", "new figures", "new figure"),
                 ("revisions", "revisions", "revision"),
                 ("conflicts", "conflicting copies", "conflicting copy"),
                 ("disagreements", "disagreements between sources", "disagreement between sources"),
                 ("failed_checks", "failed checks", "failed check"),
                 ("sources_failing", "sources failing", "source failing"),
                 ("sources_recovered", "sources recovered", "source recovered"),
                 ("rows_quarantined", "rows quarantined", "row quarantined"),
                 ("figures_retracted", "figures retracted", "figure retracted"))
             if counts[key]]
    return ", ".join(parts) if parts else "no change"


def render_markdown(digest: dict[str, Any]) -> str:
    """The digest as Markdown (also readable as plain text in an e-mail)."""
    lines = [f"# Tracker digest, run of {digest['run_at']}", "", subject(digest), ""]

    def section(title: str, items: list[str], total: int) -> None:
        if not total:
            return
        lines.extend([f"## {title} ({total})", ""])
        lines.extend(f"- {item}" for item in items[:MAX_LISTED])
        if total > MAX_LISTED:
            lines.append(f"- … and {total - MAX_LISTED} more (reports/digest.json lists them all)")
        lines.append("")

    section("New figures", [_figure_line(f) for f in digest["new_figures"]],
            len(digest["new_figures"]))
    section("Revisions", [_revision_line(r) for r in digest["revisions"]], len(digest["revisions"]))
    section("Copies of one release that disagree",
            [_conflict_line(c) for c in digest["conflicts"]], len(digest["conflicts"]))
    section(f"Sources that disagree by more than {digest['tolerance_pct']:g} %",
            [_conflict_line(c) for c in digest["disagreements"]], len(digest["disagreements"]))
    section("Figures that fail a check against a map",
            [_check_line(c) for c in digest["failed_checks"]], len(digest["failed_checks"]))
    section(f"Sources failing {digest['failing_runs']} or more runs in a row",
            [f"{s['source_id']}: {s['consecutive_failures']} runs; last success "
             f"{s['last_success_at'] or 'never'}; {s['error']}" for s in digest["sources_failing"]],
            len(digest["sources_failing"]))
    section("Sources working again",
            [f"{s['source_id']} (after {s['failed_runs']} failed runs)"
             for s in digest["sources_recovered"]], len(digest["sources_recovered"]))
    section("Sources that failed this run",
            [f"{s['source_id']}: {s['error']}" for s in digest["sources_failed_this_run"]],
            len(digest["sources_failed_this_run"]))
    section("Rows quarantined this run (data/processed/quarantine.csv)",
            [f"{q['origin']}: {q['reason']}" for q in digest["quarantined"]],
            len(digest["quarantined"]))
    section("Figures retracted (their source or row was removed)",
            [_figure_line(f) for f in digest["retracted"]], len(digest["retracted"]))
    again = digest["counts"].get("rows_quarantined_again", 0)
    if again:
        lines.extend([f"{again} row(s) quarantined again as in the run before are not listed.", ""])
    examples = digest["counts"]["example_figures_not_listed"]
    if examples:
        lines.extend([f"{examples} new figure(s) from bundled example texts are not listed.", ""])
    if digest["outputs_failed"]:
        lines.extend(["The report or the export could not be renewed this run; see the job's log.", ""])
    return "\n".join(lines).rstrip() + "\n"


def _figure(row: dict[str, str]) -> dict[str, str]:
    keys = ("claim_id", "conflict", "metric", "value", "value_min", "value_max", "qualifier",
            "actor", "territory", "as_of", "period_start", "period_end", "attribution",
            "publisher", "url", "published_at", "source_id", "method")
    return {key: row.get(key, "") for key in keys}


def _figure_order(figure: dict[str, str]) -> tuple:
    return (figure["conflict"], figure["metric"], _when(figure), figure["claim_id"])


def _when(row: dict[str, str]) -> str:
    if row.get("period_start") or row.get("period_end"):
        return f"{row.get('period_start', '')}–{row.get('period_end', '')}"
    return row.get("as_of", "")


def _value(row: dict[str, str]) -> str:
    if row.get("value_min") and row.get("value_max"):
        return f"{row['value_min']}–{row['value_max']}"
    qualifier = row.get("qualifier", "")
    return ("" if qualifier in ("", "exact") else f"{qualifier} ") + str(row.get("value", ""))


def _figure_line(figure: dict[str, str]) -> str:
    who = figure["attribution"] or figure["publisher"] or figure["source_id"]
    return (f"{figure['metric']} {_value(figure)}, {figure['actor']} in {figure['territory']}, "
            f"{_when(figure)}; {who}"
            + (f" ({figure['publisher']})" if figure["publisher"] and figure["publisher"] != who else "")
            + (f" <{figure['url']}>" if figure["url"] else ""))


def _revisions(facts: RunFacts, tables: Tables) -> list[dict[str, Any]]:
    """A stored reading replaced by a newer one (a document or row edited), and a new
    figure that revises an earlier release of its producer (tracker/observations.py)."""
    found = []
    for old, new in sorted(facts.superseded_ids.items()):
        if new and old in tables.claims and new in tables.claims:
            found.append({"kind": "reading_replaced", "previous": _figure(tables.claims[old]),
                          "current": _figure(tables.claims[new])})
    seen = set()
    for claim in facts.added_ids:
        observation = tables.observations.get(tables.observation_of.get(claim, ""))
        if not observation or not observation.get("revision_of") or observation["observation_id"] in seen:
            continue
        seen.add(observation["observation_id"])
        earlier = [o for o in tables.observations.values()
                   if o.get("superseded_by") == observation["observation_id"]]
        found.append({"kind": "producer_revision",
                      "previous": _observation(earlier[0]) if earlier else None,
                      "current": _observation(observation)})
    return found


def _observation(row: dict[str, str]) -> dict[str, str]:
    keys = ("observation_id", "conflict", "metric", "value", "value_min", "value_max",
            "qualifier", "actor", "territory", "as_of", "period_start", "period_end",
            "attribution", "definition", "method", "publishers", "n_citations",
            "first_published_at")
    return {key: row.get(key, "") for key in keys}


def _revision_line(revision: dict[str, Any]) -> str:
    current = revision["current"]
    previous = revision["previous"]
    what = f"{current['metric']}, {current['actor']} in {current['territory']}, {_when(current)}"
    before = _value(previous) if previous else "an earlier release"
    how = ("the stored reading was replaced" if revision["kind"] == "reading_replaced"
           else f"{current['attribution']} revised its figure")
    return f"{what}: {before} → {_value(current)} ({how})"


def _conflicts(facts: RunFacts, tables: Tables) -> list[dict[str, Any]]:
    """Copies of one release that disagree (tracker/observations.py). Observations do not
    tell a producer's definitions apart, so a map's two areas of one day (occupied in all,
    and since 2022 only) name each other: only copies of one definition are listed."""
    found, seen = [], set()
    for observation in _new_observations(facts, tables):
        if not observation.get("conflicts_with"):
            continue
        key = definition_key(observation.get("definition", ""))
        group = frozenset([observation["observation_id"], *(
            other for other in _split(observation["conflicts_with"])
            if other in tables.observations
            and definition_key(tables.observations[other].get("definition", "")) == key)])
        if len(group) < 2 or group in seen:
            continue
        seen.add(group)
        found.append({"figures": [_observation(tables.observations[o]) for o in sorted(group)]})
    return found


def _disagreements(facts: RunFacts, tables: Tables, tolerance_pct: float) -> list[dict[str, Any]]:
    """A new figure and another producer's figure of the same thing (conflict, metric,
    actor, territory, date or period) more than `tolerance_pct` apart. Definitions must
    match, or one side give none (a figure quoted in an article names no definition)."""
    found, seen = [], set()
    for observation in _new_observations(facts, tables):
        key = definition_key(observation.get("definition", ""))
        value = _number(observation.get("value"))
        if value is None:
            continue
        apart = []
        for other_id in tables.same_figure.get(observation["observation_id"], []):
            other = tables.observations.get(other_id)
            other_value = _number(other.get("value")) if other else None
            other_key = definition_key(other.get("definition", "")) if other else ""
            if other_value is None or (key and other_key and key != other_key):
                continue
            scale = max(abs(value), abs(other_value))
            if scale and abs(value - other_value) / scale * 100 > tolerance_pct:
                apart.append(other_id)
        group = frozenset([observation["observation_id"], *apart])
        if apart and group not in seen:
            seen.add(group)
            found.append({"figures": [_observation(tables.observations[o]) for o in sorted(group)]})
    return found


def _new_observations(facts: RunFacts, tables: Tables) -> list[dict[str, str]]:
    """The observations of this run's new claims, each once, in id order."""
    ids = {tables.observation_of[c] for c in facts.added_ids if c in tables.observation_of}
    return [tables.observations[o] for o in sorted(ids) if o in tables.observations]


def _number(value: Any) -> float | None:
    try:
        number = float(value)
    except (TypeError, ValueError):
        return None
    return number if number == number else None


def definition_key(definition: str) -> str:
    """What tells two definitions of one producer apart: the identifier before ': '
    ('occupied_total: area of ...' -> 'occupied_total'), else the whole text; as the
    report's series do (tracker/report/points.py)."""
    from tracker.report.points import definition_key as report_key

    return report_key(definition or "")


def _conflict_line(conflict: dict[str, Any]) -> str:
    figures = conflict["figures"]
    first = figures[0]
    values = "; ".join(f"{_value(f)} ({f['publishers'] or f['attribution']})" for f in figures)
    return (f"{first['metric']}, {first['actor']} in {first['territory']}, {_when(first)}, "
            f"{first['attribution']}: {values}")


def _failed_checks(facts: RunFacts, tables: Tables) -> list[dict[str, str]]:
    added = set(facts.added_ids)
    return sorted((row for row in tables.checks
                   if row.get("status") in FAILED_CHECK_STATUSES
                   and (row.get("claim_id") in added or row.get("computed_claim_id") in added)),
                  key=lambda row: (row.get("metric", ""), row.get("time", ""), row.get("check_id", "")))


def _check_line(check: dict[str, str]) -> str:
    computed = (f", computed {check['computed_value']} ({check['difference_pct']} %)"
                if check.get("computed_value") else "")
    return (f"{check['status']}: {check['metric']} {check['actor']} {check['time']}: reported "
            f"{check['reported_value']}{computed}" + (f"; {check['detail']}" if check.get("detail") else ""))


def _source_trouble(facts: RunFacts, failing_runs: int) -> tuple[list[dict], list[dict]]:
    """Sources failing `failing_runs` runs or more in a row, and those working again.

    A failing source raises the alarm when it reaches the threshold and again every
    `failing_runs` runs after (a daily job with 3: days 3, 6, 9), not every run."""
    failing, recovered = [], []
    for source_id, row in sorted(facts.health_after.items()):
        count = failure_count(row)
        before = facts.failures_before.get(source_id, 0)
        if count >= failing_runs and count > before:
            failing.append({"source_id": source_id, "consecutive_failures": count,
                            "last_success_at": row.get("last_success_at", ""),
                            "error": row.get("error", ""),
                            "alert": (count - failing_runs) % failing_runs == 0})
        elif count == 0 and before >= failing_runs and row.get("status") == "ok":
            recovered.append({"source_id": source_id, "failed_runs": before})
    return failing, recovered


def failure_count(row: dict[str, str]) -> int:
    """A health row's consecutive failures (0 when the cell is empty or damaged)."""
    text = str(row.get("consecutive_failures") or "0")
    return int(text) if text.isdigit() else 0


def _split(cell: str) -> list[str]:
    return [part for part in cell.replace(";", " ").split() if part]


# --- reading the run's tables and writing the digest -------------------------------------


def read_quarantined(data_dir: Path) -> frozenset[tuple[str, str]]:
    """(origin, reason) of the rows in data/processed/quarantine.csv, before a run."""
    return frozenset((row.get("origin", ""), row.get("reason", ""))
                     for row in _read_rows(Path(data_dir) / "processed" / "quarantine.csv"))


def read_health(data_dir: Path) -> dict[str, dict[str, str]]:
    """data/state/source_health.csv of a data folder, by source id (tracker/pipeline.py)."""
    from tracker.pipeline import read_health as read_health_file

    return read_health_file(Path(data_dir) / "state" / "source_health.csv")


def gather(data_dir: Path, facts: RunFacts) -> Tables:
    """The ledger rows of the run's claims and the observations and checks about them.

    Nothing is read when the run stored nothing: an unchanged scheduled run stays cheap."""
    tables = Tables()
    ids = set(facts.added_ids) | set(facts.superseded_ids) | set(facts.retracted_ids)
    ids |= {new for new in facts.superseded_ids.values() if new}
    if not ids:
        return tables
    from tracker.ledger_store import LedgerStore
    from tracker.model import CLAIM_COLUMNS

    with LedgerStore.open(data_dir) as store:
        for cells in store.rows_of(ids):
            row = dict(zip(CLAIM_COLUMNS, cells))
            tables.claims[row["claim_id"]] = row
    processed = Path(data_dir) / "processed"
    added = set(facts.added_ids)
    wanted: set[str] = set()
    observations = _read_rows(processed / "observations.csv")
    for row in observations:
        members = set(_split(row.get("claim_ids", "")))
        if members & added:
            for claim in members & added:
                tables.observation_of[claim] = row["observation_id"]
            wanted.add(row["observation_id"])
            wanted.update(_split(row.get("conflicts_with", "")))
    # Other producers' figures of the same thing, for disagreements between sources.
    new_ids = set(wanted)
    by_figure: dict[tuple, list[str]] = {}
    for row in observations:
        by_figure.setdefault(_figure_key(row), []).append(row["observation_id"])
    rows_by_id = {row["observation_id"]: row for row in observations}
    for observation_id in new_ids:
        row = rows_by_id.get(observation_id)
        if row is None:
            continue
        others = [o for o in by_figure.get(_figure_key(row), [])
                  if rows_by_id[o].get("attribution") != row.get("attribution")]
        if others:
            tables.same_figure[observation_id] = others
            wanted.update(others)
    # The earlier releases the new figures revise, for "before -> after".
    revised = {row["observation_id"] for row in observations if row["observation_id"] in wanted
               and row.get("revision_of")}
    tables.observations = {row["observation_id"]: row for row in observations
                           if row["observation_id"] in wanted or row.get("superseded_by") in revised}
    tables.checks = [row for row in _read_rows(processed / "checks.csv")
                     if row.get("status") in FAILED_CHECK_STATUSES]
    return tables


def _figure_key(row: dict[str, str]) -> tuple:
    return tuple(row.get(k, "") for k in ("conflict", "metric", "actor", "territory", "as_of",
                                          "period_start", "period_end"))


def _read_rows(path: Path) -> list[dict[str, str]]:
    try:
        with path.open(encoding="utf-8", newline="") as handle:
            return list(csv.DictReader(handle))
    except (OSError, csv.Error, UnicodeDecodeError):
        return []  # a derived table the next run rebuilds; the digest says less meanwhile


def write_digest(out: Path, digest: dict[str, Any], notices: Iterable[dict[str, str]] = ()) -> list[Path]:
    """reports/digest.md and reports/digest.json (with the notices sent); atomic writes."""
    from tracker.store import write_if_changed

    out = Path(out)
    out.mkdir(parents=True, exist_ok=True)
    document = dict(digest, notices=list(notices))
    paths = [out / DIGEST_MD, out / DIGEST_JSON]
    write_if_changed(paths[0], render_markdown(digest).encode("utf-8"))
    payload = json.dumps(document, indent=1, ensure_ascii=False, sort_keys=True) + "\n"
    write_if_changed(paths[1], payload.encode("utf-8"))
    return paths

