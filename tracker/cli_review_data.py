"""Commands on reviewed figures: `tracker review export` (labelled items in the gold
corpus's format) and `tracker eval --reviewed` (the current extractor scored against them).

Registered at the bottom of this module: `eval` on the main group, `export` on the `review`
group of tracker/cli_review.py when that module is there.
"""

from __future__ import annotations

import importlib.util
import json
import sys
from collections import Counter
from pathlib import Path
from typing import TYPE_CHECKING

import click

from tracker.cli import (
    EXIT_OK,
    EXIT_RECORDED_FAILURES,
    _fail,
    _finish,
    _progress,
    cli,
    data_dir_option,
)

if TYPE_CHECKING:
    from tracker.config import Config
    from tracker.review.gold import ReviewedSet, Skipped

DEFAULT_SOURCES = Path("sources.toml")

include_partial_option = click.option(
    "--include-partial", is_flag=True,
    help="Keep documents with machine-read figures nobody reviewed (marked \"partial\": true; "
         "their unreviewed figures are listed under \"unreviewed\" and not scored).")
sources_option = click.option(
    "--sources", "sources_path", type=click.Path(dir_okay=False, path_type=Path), default=None,
    help="sources.toml, for each source's language and default attribution as at ingest "
         "(default: ./sources.toml when there is one; without it the article's own language "
         "or a guessed one).")


def _config(sources_path: Path | None) -> Config | None:
    from tracker.config import ConfigError
    from tracker.sources import load_sources

    if sources_path is None:
        if not DEFAULT_SOURCES.is_file():
            return None
        sources_path = DEFAULT_SOURCES
    try:
        return load_sources(sources_path)
    except ConfigError as error:
        _fail(str(error))


def _collect(data_dir: Path, include_partial: bool, sources_path: Path | None) -> ReviewedSet:
    from tracker.review.gold import collect_reviewed
    from tracker.store import StoreError

    config = _config(sources_path)
    try:
        reviewed = collect_reviewed(data_dir, include_partial=include_partial, config=config)
    except StoreError as error:
        _fail(str(error))
    for problem in reviewed.problems:
        click.echo(f"warning: {problem}", err=True)
    return reviewed


def _nothing_reviewed(data_dir: Path, reviewed: ReviewedSet, purpose: str) -> None:
    """Stop (exit 2) when no document can be used, saying why."""
    from tracker.review.log import LOG_PATH

    log = Path(data_dir) / LOG_PATH
    if not reviewed.decided_figures:
        where = (f"none of the {reviewed.decisions} decision(s) in {log} is on a figure read from "
                 "text that the ledger holds now") if reviewed.decisions else f"{log} holds no decision"
        _fail(f"no reviewed figures: {where}; nothing to {purpose} (review figures with "
              "`tracker review` first, or check --data-dir)")
    if not reviewed.documents:
        for skipped in reviewed.skipped:
            click.echo(f"skipped {skipped}", err=True)
        _fail(f"none of the {len(reviewed.skipped)} reviewed document(s) can be used "
              f"({_reason_counts(reviewed.skipped)}); nothing to {purpose}")


def _reason_counts(skipped: list[Skipped]) -> str:
    kinds = Counter(s.reason.split(":")[0] for s in skipped)
    return ", ".join(f"{n} {kind}" for kind, n in sorted(kinds.items()))


def _exit_code(reviewed: ReviewedSet) -> int:
    # Damaged log lines and documents that could not be read are failures that were
    # recorded (printed); partial documents left out are a choice, not a failure.
    unreadable = [s for s in reviewed.skipped if not s.reason.startswith("partially reviewed")]
    return EXIT_RECORDED_FAILURES if reviewed.problems or unreadable else EXIT_OK


# --- tracker review export --------------------------------------------------------------


@click.command("export")
@data_dir_option
@click.option("--out", type=click.Path(dir_okay=False, path_type=Path), default=Path("reviewed.jsonl"),
              show_default=True, help="The JSON Lines file to write (replaced atomically).")
@include_partial_option
@sources_option
def review_export(data_dir: Path, out: Path, include_partial: bool, sources_path: Path | None) -> None:
    """Write the reviewed figures as labelled items in the gold corpus's JSON Lines format.

    One item per document with at least one decision: its text as the extractor read it,
    the confirmed and corrected figures as claims (with the reviewed values), rejected
    figures under "distractors" (not claims), and the decisions behind it (reviewer, time)
    under "decisions". A document with figures nobody reviewed is skipped unless
    --include-partial. Items are in order of id. Prints how many items and claims were
    written and which documents were skipped and why. Exit 1 when damaged log lines or
    unreadable documents were skipped, 2 when there is nothing to export (nothing written).

    \b
    Example (then score the extractor on it with the corpus's own scorer):
        tracker review export --data-dir data --out reviewed.jsonl
        python3 ../shared/gold/score.py reviewed.jsonl --cmd 'tracker extract --jsonl {input} --format jsonl'
    """
    sys.exit(_finish(lambda: _export(data_dir, out, include_partial, sources_path)))


def _export(data_dir: Path, out: Path, include_partial: bool, sources_path: Path | None) -> int:
    from tracker.store import atomic_write_bytes

    reviewed = _collect(data_dir, include_partial, sources_path)
    _nothing_reviewed(data_dir, reviewed, "export")
    payload = "".join(json.dumps(item, ensure_ascii=False) + "\n" for item in reviewed.items)
    atomic_write_bytes(out, payload.encode("utf-8"))
    rejected = sum(len(item["distractors"]) for item in reviewed.items)
    partial = sum(1 for item in reviewed.items if item.get("partial"))
    click.echo(f"review export: wrote {len(reviewed.items)} item(s) with {reviewed.claims} claim(s) "
               f"to {out} ({rejected} rejected figure(s) as distractors"
               + (f", {partial} partial item(s)" if partial else "") + ")")
    if reviewed.skipped:
        click.echo(f"review export: {len(reviewed.skipped)} document(s) skipped: "
                   f"{_reason_counts(reviewed.skipped)}")
        for skipped in reviewed.skipped:
            click.echo(f"skipped {skipped}", err=True)
    else:
        click.echo("review export: no document skipped")
    return _exit_code(reviewed)


# --- tracker eval --reviewed ------------------------------------------------------------


@click.command("eval")
@click.option("--reviewed", is_flag=True,
              help="Score against the figures people reviewed (the only mode for now).")
@data_dir_option
@click.option("--complete-only", is_flag=True,
              help="Score only documents whose every machine-read figure was reviewed (by "
                   "default a document counts as soon as one figure was: the extractor's "
                   "readings at figures nobody reviewed are left out of the score).")
@sources_option
def eval_command(reviewed: bool, data_dir: Path, complete_only: bool, sources_path: Path | None) -> None:
    """Score the current extractor against reviewed figures: precision, recall and F1 of
    core matches (metric, actor, value) and of full matches (qualifier, time, territory and
    attribution right too), overall and per month of review, with their counts.

    The extractor reads each reviewed document's text again, given what the ingest gave it;
    a confirmed figure read the same way is a hit, a corrected one a miss (a corrected
    value, metric or actor also a false claim), a rejected one read again a false claim.
    Matching follows the gold corpus's rules, as `make eval`. Exit 2 when there are no
    reviewed figures, 1 when damaged log lines or unreadable documents were skipped.

    \b
    Example:
        tracker eval --reviewed --data-dir data
    """
    # Reviewers check figures, not whole documents: requiring every figure of a document
    # to be reviewed would leave most reviews out of the score.
    sys.exit(_finish(lambda: _evaluate(reviewed, data_dir, not complete_only, sources_path)))


def _evaluate(reviewed: bool, data_dir: Path, include_partial: bool, sources_path: Path | None) -> int:
    from tracker.extract import EXTRACTOR_VERSION, extract
    from tracker.review.evaluate import evaluate_set, format_report

    if not reviewed:
        _fail("give --reviewed: scoring against the figures people reviewed is the only mode of "
              "`tracker eval` for now (the gold corpus is scored by `make eval`)")
    collected = _collect(data_dir, include_partial, sources_path)
    _nothing_reviewed(data_dir, collected, "score")
    _progress(f"eval: running extractor {EXTRACTOR_VERSION} over {len(collected.documents)} "
              "reviewed document(s)")
    click.echo(format_report(evaluate_set(collected, extract, EXTRACTOR_VERSION)))
    if collected.skipped:
        click.echo(f"{len(collected.skipped)} reviewed document(s) not scored: "
                   f"{_reason_counts(collected.skipped)}")
        for skipped in collected.skipped:
            click.echo(f"skipped {skipped}", err=True)
    return _exit_code(collected)


# --- registration -----------------------------------------------------------------------

cli.add_command(eval_command)

# The `review` group lives in tracker/cli_review.py (the review page's commands); until that
# module exists, `review export` is not reachable from the command line.
if importlib.util.find_spec("tracker.cli_review") is not None:
    from tracker import cli_review

    _review_group = getattr(cli_review, "review", None)
    if isinstance(_review_group, click.Group):
        _review_group.add_command(review_export)

__all__ = ["eval_command", "review_export"]
