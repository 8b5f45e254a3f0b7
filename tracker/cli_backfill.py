"""`tracker backfill SOURCE_ID --since DATE`: fill a DeepState source's past from its mirror.

One run of the ingest with only that source read (its mirror, not the list nor /last),
every other source of the file kept known, so their stored figures stay as they are.
Which days are fetched is tracker/backfill.py's; how, tracker/sources/deepstate.py's.
"""

from __future__ import annotations

import dataclasses
from datetime import date
from pathlib import Path

import click

from tracker.cli import (
    EXIT_OK,
    EXIT_QUARANTINED,
    EXIT_SOURCE_FAILED,
    _fail,
    _finish,
    _ingest,
    _now,
    data_dir_option,
    verbosity_options,
)


@click.command()
@click.argument("source_id")
@click.option("--since", required=True, metavar="YYYY-MM-DD",
              help="First map day to backfill (2022-01-01 or later).")
@click.option("--until", default=None, metavar="YYYY-MM-DD",
              help="Last map day to backfill.  [default: yesterday, UTC]")
@click.option("--sources", "sources_path", type=click.Path(path_type=Path),
              default=Path("sources.toml"), show_default=True,
              help="The sources file naming the source and its mirror_url.")
@data_dir_option
@verbosity_options
def backfill(source_id: str, since: str, until: str | None, sources_path: Path,
             data_dir: Path) -> None:
    """Fetch a DeepState source's missing days from its mirror of daily copies.

    Only days with no stored map (no snapshot of that UTC day, no earlier copy) are
    fetched, oldest first, at most max_backfill_days a run; a day the mirror lacks is
    listed and skipped. The source's figures are then derived as in `tracker ingest`.

    Exit codes: 0 done; 1 the source failed; 2 unknown source, not a deepstate source,
    no mirror_url, or a bad date (nothing written); 3 copies were quarantined.

    \b
    Example (cyterat's daily unions, dated to the evening before the file's date):
        tracker backfill deepstate --since 2024-07-01 --sources sources.toml --data-dir data
    """
    import sys

    sys.exit(_finish(lambda: _backfill(source_id, since, until, sources_path, data_dir)))


def _backfill(source_id: str, since_text: str, until_text: str | None, sources_path: Path,
              data_dir: Path) -> int:
    from tracker import backfill as days
    from tracker.config import ConfigError
    from tracker.sources import load_sources
    from tracker.sources.deepstate import BACKFILL_ONLY, KIND

    try:
        config = load_sources(sources_path)
    except ConfigError as error:
        _fail(str(error))
    everyone = config.sources + config.disabled
    source = next((s for s in everyone if s.id == source_id), None)
    if source is None:
        _fail(f"{sources_path}: no source {source_id!r} (sources: "
              f"{', '.join(s.id for s in everyone) or 'none'})")
    if source.kind != KIND:
        _fail(f"{sources_path}: source {source_id!r} is a {source.kind} source; backfill reads "
              f"{KIND} sources")
    if not source.options.get("mirror_url"):
        _fail(f"{sources_path}: source {source_id!r} has no mirror_url to backfill from")
    since = _day("--since", since_text)
    until = _day("--until", until_text) if until_text else days.default_until(_now())
    if since < days.FIRST_DAY:
        _fail(f"--since {since}: DeepStateMap begins in 2022; give {days.FIRST_DAY} or later")
    if until < since:
        _fail(f"--until {until} is before --since {since}")
    one = dataclasses.replace(source, options={
        **source.options, BACKFILL_ONLY: True, "backfill_since": since.isoformat(),
        "backfill_until": until.isoformat()})
    # The others stay known (disabled): their stored figures are neither read nor retracted.
    config = dataclasses.replace(config, sources=[one],
                                 disabled=[s for s in everyone if s.id != source_id])
    code, _ = _ingest(sources_path, data_dir, config=config)
    return {0: EXIT_OK, 1: EXIT_SOURCE_FAILED, 3: EXIT_QUARANTINED}.get(code, code)


def _day(option: str, text: str) -> date:
    from tracker.backfill import parse_day

    try:
        return parse_day(text)
    except ValueError as error:
        _fail(f"{option}: {error}")
