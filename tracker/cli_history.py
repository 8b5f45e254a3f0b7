"""`tracker history ID`: every reading of a figure and every decision people took on it."""

from __future__ import annotations

import json
import re
from pathlib import Path
from typing import Any

import click

from tracker.cli import _fail, _load_ledger, data_dir_option

_ID = re.compile(r"^[0-9a-f]{16}$")
# What a history line shows of a reading, beside its status.
_SHOWN = ("metric", "value", "value_min", "value_max", "qualifier", "actor", "territory",
          "period_start", "period_end", "as_of", "attribution", "extractor_version", "confidence")


def figure_history(claims: Any, decisions: list, identifier: str,
                   observation_claims: dict[str, list[str]]) -> list[dict[str, Any]]:
    """Per location the identifier names (a claim, a location or an observation): its
    readings oldest first, with their statuses, and the review decisions on it."""
    by_claim = dict(zip(claims["claim_id"], claims["location_id"]))
    if identifier in by_claim:
        locations = [by_claim[identifier]]
    elif identifier in set(claims["location_id"]):
        locations = [identifier]
    elif identifier in observation_claims:
        locations = sorted({by_claim[c] for c in observation_claims[identifier] if c in by_claim})
    else:
        return []
    out = []
    for location in locations:
        rows = claims[claims["location_id"] == location].copy()
        rows = rows.sort_values(["recorded_at", "status_at", "claim_id"], kind="mergesort")
        readings = []
        for record in rows.to_dict("records"):
            readings.append({"claim_id": record["claim_id"], "status": record["status"],
                             "recorded_at": record["recorded_at"], "status_at": record["status_at"],
                             "superseded_by": record["superseded_by"],
                             "source_id": record["source_id"], "quote": record["quote"],
                             **{name: _json_value(record.get(name)) for name in _SHOWN}})
        reviews = [{"at": d.at, "reviewer": d.reviewer, "action": d.action,
                    "claim_id": d.claim_id, "fields": d.fields, "reason": d.reason}
                   for d in decisions if d.location_id == location]
        out.append({"location_id": location, "readings": readings, "reviews": reviews})
    return out


def _json_value(value: Any) -> Any:
    """A ledger cell as JSON: missing (None, NaN, pandas' NA) as null, numpy scalars as Python."""
    from tracker.view import plain_value

    value = plain_value(value)
    return value.item() if hasattr(value, "item") else value


def _observation_claims(data_dir: Path) -> dict[str, list[str]]:
    """observation_id -> its claim ids, from data/processed/observations.csv if present."""
    from tracker.ledger import read_table

    path = Path(data_dir) / "processed" / "observations.csv"
    if not path.is_file():
        return {}
    table = read_table(path)
    return {row["observation_id"]: [c for c in row["claim_ids"].split(";") if c]
            for row in table.to_dict("records")}


@click.command()
@click.argument("identifier", metavar="CLAIM_OR_OBSERVATION")
@data_dir_option
@click.option("--format", "output_format", type=click.Choice(["table", "json"]), default="table",
              show_default=True, help="table: one line per reading and decision; json: all fields.")
def history(identifier: str, data_dir: Path, output_format: str) -> None:
    """Every reading of a figure and every review decision on it, oldest first.

    CLAIM_OR_OBSERVATION is a claim_id, a location_id or an observation_id (16 hex
    characters, as in claims.csv and observations.csv). A figure is where it was read: a
    newer extractor's reading of the same place, or an edited curated row, supersedes the
    earlier one, which stays in the ledger with its status.

    \b
    Example:
        tracker history 3f2a9c0d1e4b5a6c --data-dir data
        tracker history 3f2a9c0d1e4b5a6c --format json
    """
    from tracker.review.log import read_decisions

    if not _ID.match(identifier):
        _fail(f"{identifier!r} is not an id: expected 16 hex characters (a claim_id, "
              "location_id or observation_id)")
    claims = _load_ledger(data_dir)
    decisions, problems = read_decisions(data_dir)
    for problem in problems:
        click.echo(f"warning: {problem}", err=True)
    found = figure_history(claims, decisions, identifier, _observation_claims(data_dir))
    if not found:
        _fail(f"{identifier}: no claim, location or observation with this id in "
              f"{Path(data_dir) / 'processed'}")
    if output_format == "json":
        click.echo(json.dumps(found, ensure_ascii=False, indent=1, default=str))
        return
    from tracker.ledger import format_number

    for figure in found:
        click.echo(f"figure at location {figure['location_id']}:")
        for r in figure["readings"]:
            when = r["as_of"] or f"{r['period_start'] or '?'}..{r['period_end'] or '?'}"
            value = (format_number(r["value"]) if r["value"] is not None
                     else f"{format_number(r['value_min'])}-{format_number(r['value_max'])}")
            by = f" by {r['superseded_by']}" if r["superseded_by"] else ""
            since = f" since {r['status_at']}" if r["status"] != "active" and r["status_at"] else ""
            click.echo(f"  {r['recorded_at'] or '(before history)':<20} {r['claim_id']} "
                       f"{r['metric']} {value} {r['actor']} {r['territory']} {when} "
                       f"({r['attribution'] or 'no attribution'}; extractor "
                       f"{r['extractor_version'] or '-'}): {r['status']}{by}{since}")
        for d in figure["reviews"]:
            detail = json.dumps(d["fields"], ensure_ascii=False, sort_keys=True) if d["fields"] else ""
            reason = f" ({d['reason']})" if d["reason"] else ""
            click.echo(f"  {d['at']:<20} review by {d['reviewer']}: {d['action']} of "
                       f"{d['claim_id']} {detail}{reason}".rstrip())
