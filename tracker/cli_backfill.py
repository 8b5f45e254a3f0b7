"""`tracker backfill`: fill the past, from a DeepState mirror or from WARC news archives.

`tracker backfill SOURCE_ID --since DATE`: one run of the ingest with only that DeepState
source read (its mirror, not the list nor /last), every other source of the file kept
known, so their stored figures stay as they are. Which days are fetched is
tracker/backfill.py's; how, tracker/sources/deepstate.py's.

`tracker backfill ARCHIVE... [--sample N] [--merge]`: WARC archives read on Dask
(tracker/archive_backfill.py); `--merge` then runs the ingest with the sources file's
`archives` source alone (tracker/sources/archives.py), the same way.
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
@click.argument("targets", nargs=-1, metavar="SOURCE_ID | ARCHIVE...")
@click.option("--since", default=None, metavar="YYYY-MM-DD",
              help="A DeepState source: first map day to backfill (2022-01-01 or later).")
@click.option("--until", default=None, metavar="YYYY-MM-DD",
              help="A DeepState source: last map day to backfill.  [default: yesterday, UTC]")
@click.option("--sources", "sources_path", type=click.Path(path_type=Path),
              default=Path("sources.toml"), show_default=True,
              help="The sources file: the DeepState source and its mirror_url; the "
                   "`archives` source --merge fills; the [settings] archive URLs are read with.")
@data_dir_option
@click.option("--workers", type=click.IntRange(1, 4096), default=None,
              help="Archives: local Dask workers (one process each).  [default: the machine's cores]")
@click.option("--scheduler", default=None, metavar="tcp://HOST:8786",
              help="Archives: run on this existing Dask scheduler instead of a local cluster "
                   "(data/backfill/ must then be on storage every worker sees).")
@click.option("--conflict", default="",
              help="Archives: the conflict of every figure (default: guessed per page).")
@click.option("--sample", "sample_n", type=click.IntRange(1, 100_000), default=None,
              metavar="N", help="Archives: keep a review sample of N pages with claims "
                                "(the same N pages on every run: a hash of each page ranks it).")
@click.option("--merge", is_flag=True,
              help="Archives: merge the claims of every archive done into the ledger (the "
                   "sources file's `archives` source), after reading ARCHIVE... if given.")
@verbosity_options
def backfill(targets: tuple[str, ...], since: str | None, until: str | None,
             sources_path: Path, data_dir: Path, workers: int | None, scheduler: str | None,
             conflict: str, sample_n: int | None, merge: bool) -> None:
    """Fill the past: a DeepState source from its mirror (with --since), or cited
    figures from WARC news archives (files, globs or URLs, without --since), then
    merged into the ledger with --merge.

    A DeepState source: only days with no stored map (no snapshot of that UTC day, no
    earlier copy) are fetched, oldest first, at most max_backfill_days a run; a day the
    mirror lacks is listed and skipped. The source's figures are then derived as in
    `tracker ingest`.

    WARC archives (.warc or .warc.gz files, globs, or http(s) URLs streamed with the
    sources file's [settings], never saved whole): each archive is a task on a Dask
    cluster (local, or --scheduler). HTML responses with a cue of an area figure are
    read as articles and their claims written as Parquet under
    DATA_DIR/backfill/claims/archive=NAME/, with archive, record offset, WARC-Target-URI,
    WARC-Date and payload digest. Archives done (data/backfill/manifest.json) are not read
    again; a stopped run resumes. --sample N
    lists N pages with claims in DATA_DIR/backfill/sample.csv for people to review.

    --merge validates the claims of every archive done and merges them into the ledger as
    the figures of the sources file's `archives` source (add one: [[source]] id =
    "archives", kind = "archives"); rows refused go to the quarantine, sampled pages are
    kept for the review page (tracker review, then /?sample=1).

    Exit codes: 0 done; 1 the source or an archive failed; 2 unknown source, not a
    deepstate source, no mirror_url, a bad date, an archive that is not a file, or no
    `archives` source to merge into (nothing written); 3 rows were quarantined.

    \b
    Examples:
        tracker backfill deepstate --since 2024-07-01 --sources sources.toml --data-dir data
        tracker backfill 'archives/CC-NEWS-2025*.warc.gz' --workers 2 --sample 200
        tracker backfill https://archive.example.org/news-2025-01.warc.gz --sources sources.toml
        tracker backfill --merge --sources sources.toml --data-dir data
    """
    import sys

    if since is not None or until is not None:
        if len(targets) != 1:
            raise click.UsageError("--since/--until backfill one DeepState source: give its id alone")
        if merge or sample_n:
            raise click.UsageError("--merge and --sample are for archives, not a DeepState source")
        sys.exit(_finish(lambda: _backfill(targets[0], since, until, sources_path, data_dir)))
    if not targets and not merge:
        raise click.UsageError("give a DeepState source with --since, archives to read, "
                               "or --merge")
    if not targets and sample_n:
        raise click.UsageError("--sample is taken while reading archives: give them too")

    def run() -> int:
        merging = _merge_config(sources_path) if merge else None  # refused before any reading
        code = EXIT_OK
        if targets:
            code = _archives(list(targets), data_dir, workers, scheduler, conflict,
                             sample_n or 0, _http_settings(sources_path, merging))
        if merging is not None:
            merged, _ = _ingest(sources_path, data_dir, config=merging)
            code = max(code, merged, key=lambda c: (c == EXIT_SOURCE_FAILED, c))
        return code

    sys.exit(_finish(run))


def _merge_config(sources_path: Path):
    """The sources file with its `archives` source alone read, every other kept known (so
    their figures are neither read nor retracted)."""
    from tracker.config import ConfigError
    from tracker.sources import load_sources
    from tracker.sources.archives import KIND

    try:
        config = load_sources(sources_path)
    except ConfigError as error:
        _fail(f"{error} (--merge merges into the sources file's `archives` source)")
    everyone = config.sources + config.disabled
    mergers = [s for s in config.sources if s.kind == KIND]
    if len(mergers) != 1:
        found = "none" if not mergers else ", ".join(s.id for s in mergers)
        _fail(f"{sources_path}: --merge needs exactly one enabled source of kind "
              f"'{KIND}' (found: {found}); add one, so that its figures stay known on "
              f"every run:\n\n[[source]]\nid = \"archives\"\nkind = \"{KIND}\"")
    return dataclasses.replace(config, sources=mergers,
                               disabled=[s for s in everyone if s is not mergers[0]])


def _http_settings(sources_path: Path, config=None):
    """The [settings] archives at URLs are streamed with: the sources file's when there is
    one (contact, timeouts, retries, allow_private_hosts), else the defaults."""
    from tracker.config import ConfigError, Settings
    from tracker.sources import load_sources

    if config is not None:
        return config.settings
    if not sources_path.is_file():
        return Settings()
    try:
        return load_sources(sources_path).settings
    except ConfigError as error:
        _fail(str(error))


def _archives(targets: list[str], data_dir: Path, workers: int | None, scheduler: str | None,
              conflict: str, sample_n: int = 0, settings=None) -> int:
    from tracker.archive_backfill import BackfillError, resolve_archives, run_backfill
    from tracker.cli import _progress

    try:
        import dask.distributed  # noqa: F401
        import pyarrow  # noqa: F401
        import warcio  # noqa: F401
    except ImportError as error:
        _fail(f"backfilling archives needs the 'archives' extra ({error.name} is missing): "
              "pip install -e '.[archives]'")

    try:
        archives = resolve_archives(targets)
    except BackfillError as error:
        _fail(f"{error} (a DeepState source is backfilled with --since)")
    try:
        result = run_backfill(archives, data_dir, workers=workers, scheduler=scheduler,
                              conflict=conflict, sample_n=sample_n, settings=settings,
                              progress=_progress)
    except BackfillError as error:
        _fail(str(error))
    _progress(f"backfill: {len(result.done)} archive(s) read, {result.skipped} already done, "
              f"{len(result.failed)} failed; {result.claims:,} claim(s) written under "
              f"{Path(data_dir) / 'backfill'}")
    return EXIT_SOURCE_FAILED if result.failed else EXIT_OK


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
    if since_text is None:
        _fail("--since is required to backfill a DeepState source (the first map day)")
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
