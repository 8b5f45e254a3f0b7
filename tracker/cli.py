"""Command line: a thin layer over the library functions.

Exit codes: 0 done; 1 done with failures that were recorded (bad rows, failing sources);
2 unusable input or configuration, nothing written. The scheduled commands (`ingest`, `run`,
`backfill`) tell a scheduler more (see EXIT_* below and the README's table): 1 a source
failed this run, 3 rows were quarantined this run (every source answered), 4 the report
or export could not be renewed.
"""

from __future__ import annotations

import csv
import functools
import io
import json
import os
import re
import sys
from datetime import date, datetime, timezone
from pathlib import Path
from typing import NoReturn

import click

from tracker import __version__

EXIT_OK, EXIT_RECORDED_FAILURES, EXIT_UNUSABLE = 0, 1, 2
# Codes of the scheduled commands. When several apply, a failing source comes first, then
# a report or export not renewed, then quarantined rows: the recipes in deploy/ treat 3 as
# success (the digest lists the rows), so 3 must never hide a failure that needs a person.
EXIT_SOURCE_FAILED = EXIT_RECORDED_FAILURES
EXIT_QUARANTINED = 3
EXIT_OUTPUT_FAILED = 4

data_dir_option = click.option(
    "--data-dir", type=click.Path(file_okay=False, path_type=Path), default=Path("data"),
    show_default=True, help="Folder holding raw/, processed/ and state/.")


def _now() -> datetime:
    """The run's clock reading; TRACKER_NOW (ISO 8601) pins it for reproducible runs."""
    pinned = os.environ.get("TRACKER_NOW")
    if pinned:
        try:
            moment = datetime.fromisoformat(pinned.replace("Z", "+00:00"))
        except ValueError:
            raise click.UsageError(f"TRACKER_NOW={pinned!r} is not an ISO 8601 date-time") from None
        if moment.tzinfo is None:
            return moment.replace(tzinfo=timezone.utc)
        # Retrieval times are written in UTC: '2026-01-01T02:00:00+02:00' is midnight UTC.
        return moment.astimezone(timezone.utc)
    return datetime.now(timezone.utc)


class _Output:
    """How much a command prints on stderr: 0 errors only (--quiet), 1 progress (the
    default), 2 also timings and the run's digest (--verbose). The job's log
    (data/state/logs/ingest.log) always gets the progress, whatever is printed."""

    level = 1


def _progress(message: str) -> None:
    if _Output.level >= 1:
        click.echo(message, err=True)


def _warn(message: str) -> None:
    if _Output.level >= 1:
        click.echo(f"warning: {message}", err=True)


def _detail(message: str) -> None:
    if _Output.level >= 2:
        click.echo(message, err=True)


def verbosity_options(command):
    """--quiet and --verbose, for the commands a scheduler runs (ingest, run, backfill)."""
    @functools.wraps(command)
    def wrapper(*args, quiet: bool, verbose: bool, **kwargs):
        if quiet and verbose:
            raise click.UsageError("--quiet and --verbose cannot be used together")
        _Output.level = 0 if quiet else 2 if verbose else 1
        try:
            return command(*args, **kwargs)
        finally:
            _Output.level = 1  # tests run many commands in one process
    wrapper = click.option("--verbose", "-v", is_flag=True,
                           help="Also print each step's time and the run's digest.")(wrapper)
    return click.option("--quiet", "-q", is_flag=True,
                        help="Print errors only (progress still goes to the job's log).")(wrapper)


class CommandFailed(Exception):
    """A command cannot go on; `code` is its exit code (see the module docstring)."""

    def __init__(self, message: str, code: int = EXIT_UNUSABLE) -> None:
        super().__init__(message)
        self.code = code


def _fail(message: str, code: int = EXIT_UNUSABLE) -> NoReturn:
    raise CommandFailed(message, code)


def _finish(step) -> int:
    """Run one command's body: its exit code, or the code of the failure it reported.

    Foreseeable faults of the disk (full, read-only, a file that cannot be replaced) are
    reported in one line like every other error, never as a traceback."""
    try:
        return step()
    except CommandFailed as failure:
        click.echo(f"error: {failure}", err=True)
        return failure.code
    except OSError as error:
        where = f"{error.filename}: " if error.filename else ""
        click.echo(f"error: {where}{error.strerror or error}", err=True)
        return EXIT_UNUSABLE


# A scheduled job waits for another one at most this long; longer means something is stuck.
MAX_WAIT_S = 24 * 3600.0


def _not_nan(param: click.Parameter, value: float) -> float:
    if value != value:  # FloatRange lets NaN through: every comparison with it is false
        raise click.BadParameter("must be a number of seconds", param=param)
    return value


class _Commands(click.Group):
    """The command group; a CommandFailed from any command ends in one line and its code."""

    def invoke(self, ctx: click.Context):
        try:
            return super().invoke(ctx)
        except CommandFailed as failure:
            click.echo(f"error: {failure}", err=True)
            ctx.exit(failure.code)


@click.group(cls=_Commands, context_settings={"help_option_names": ["-h", "--help"]})
@click.version_option(__version__, prog_name="tracker")
def cli() -> None:
    """Track cited figures of territory held and taken in wars.

    \b
    Example: ingest the bundled sources, then chart and export them
        tracker ingest && tracker report && tracker export
    """


# --- extract ------------------------------------------------------------------------------


@cli.command()
@click.argument("path", required=False, type=click.Path(allow_dash=True, dir_okay=False))
@click.option("--jsonl", "jsonl_path", type=click.Path(exists=True, dir_okay=False, allow_dash=True),
              help="Batch: one document per line (id, text, published, language, url, publisher).")
@click.option("--published", help="Publication date YYYY-MM-DD (resolves 'in November', 'now').")
@click.option("--language", help="ISO 639-1 code (en, fr, de, nl, no, uk); detected when absent.")
@click.option("--url", default="", help="URL of the document, for the citation.")
@click.option("--publisher", default="", help="Publisher of the document, for the citation.")
@click.option("--format", "output_format", type=click.Choice(["table", "jsonl", "csv"]),
              default="table", show_default=True)
def extract(path: str | None, jsonl_path: str | None, published: str | None, language: str | None,
            url: str, publisher: str, output_format: str) -> None:
    """Print the territorial claims cited in one document (text or HTML file, or - for stdin).

    \b
    Examples:
        tracker extract article.txt --published 2025-12-03 --format jsonl
        tracker extract --jsonl docs.jsonl --format jsonl
    """
    from tracker.documents import read_article
    from tracker.extract import EXTRACTOR_VERSION, failures
    from tracker.extract import extract as run_extract
    from tracker.model import CLAIM_COLUMNS, Document

    if (path is None) == (jsonl_path is None):
        raise click.UsageError("give a PATH (or -) or --jsonl FILE, not both")
    problems = 0
    rows: list[dict] = []
    if jsonl_path:
        documents, problems = _read_jsonl_documents(jsonl_path)
    else:
        payload = sys.stdin.buffer.read() if path == "-" else read_command_file(path)
        article = read_article(payload, url=url)
        documents = [Document(text=article.text, doc_id=path or "-", url=url or article.url,
                              publisher=publisher or article.publisher, title=article.title,
                              published=published or article.published,
                              language=language or article.language)]
    failed_before = failures()
    for number, document in enumerate(documents, start=1):
        if len(documents) >= 200 and number % 200 == 0:
            _progress(f"extract: {number}/{len(documents)} documents")
        for claim in run_extract(document):
            record = {"doc_id": document.doc_id, **claim.to_dict()}
            record["extractor_version"] = record["extractor_version"] or EXTRACTOR_VERSION
            rows.append(record)
    _print_claims(rows, output_format, ["doc_id", *CLAIM_COLUMNS])
    failed = failures() - failed_before
    if failed:
        _progress(f"extract: the extractor failed on {failed} document(s); each is named in a warning above")
    if problems or failed:
        sys.exit(EXIT_RECORDED_FAILURES)


# What a command reads from a path typed on its command line: far above any article or
# map, low enough that a mistyped path to a disk image cannot exhaust memory.
MAX_COMMAND_FILE_BYTES = 512 * 1024 * 1024


def read_command_file(path: str | Path) -> bytes:
    """A file named on the command line: regular files only (a FIFO or /dev/zero is
    refused, never opened), at most MAX_COMMAND_FILE_BYTES; failures end the command."""
    from tracker.store import StoreError, read_regular_file

    try:
        return read_regular_file(Path(path), MAX_COMMAND_FILE_BYTES, label=str(path))
    except StoreError as error:
        _fail(str(error))


def _read_jsonl_documents(path: str):
    from tracker.model import Document

    handle = sys.stdin if path == "-" else open(path, encoding="utf-8", errors="replace")
    documents, problems = [], 0
    with handle:
        for line_number, line in enumerate(handle, start=1):
            if not line.strip():
                continue
            try:
                item = json.loads(line)
                if not isinstance(item, dict) or not isinstance(item.get("text"), str):
                    raise ValueError("expected an object with a 'text' string")
            except ValueError as error:
                click.echo(f"error: {path}:{line_number}: skipped, not a document: {error}", err=True)
                problems += 1
                continue
            documents.append(Document(
                text=item["text"], doc_id=str(item.get("id", line_number)),
                url=str(item.get("url") or ""), publisher=str(item.get("publisher") or ""),
                published=item.get("published") or None, language=item.get("language") or None,
                conflict=str(item.get("conflict") or ""), title=str(item.get("title") or "")))
    return documents, problems


def _print_claims(rows: list[dict], output_format: str, columns: list[str]) -> None:
    if output_format == "jsonl":
        for row in rows:
            click.echo(json.dumps(row, ensure_ascii=False))
    elif output_format == "csv":
        buffer = io.StringIO()
        writer = csv.DictWriter(buffer, fieldnames=columns, lineterminator="\n")
        writer.writeheader()
        writer.writerows(rows)
        click.echo(buffer.getvalue(), nl=False)
    else:
        if not rows:
            click.echo("no claims found", err=True)
            return
        for row in rows:
            value = row["value"] if row["value"] is not None else f"{row['value_min']}-{row['value_max']}"
            when = row["as_of"] or f"{row['period_start']}..{row['period_end']}"
            # The extractor's calibrated confidence; '-' when it gave none.
            confidence = "-" if row.get("confidence") is None else f"{row['confidence']:.2f}"
            click.echo(f"{row['metric']:<28} {value!s:>10} {row['qualifier']:<8} {row['actor']:<10} "
                       f"{row['territory']:<22} {when:<22} {confidence:>4} {row['attribution']}")


# --- ingest, report, export, validate, run -------------------------------------------------------


@cli.command()
@click.option("--sources", "sources_path", type=click.Path(path_type=Path), default=Path("sources.toml"),
              show_default=True, help="The sources to read.")
@data_dir_option
@click.option("--wait", "wait_s", type=click.FloatRange(0, MAX_WAIT_S), default=0.0, show_default=True,
              callback=lambda ctx, param, value: _not_nan(param, value),
              help="Seconds to wait for another running job to finish before giving up (at most a day).")
@verbosity_options
def ingest(sources_path: Path, data_dir: Path, wait_s: float) -> None:
    """Read every source, keep the raw bytes, extract and store the claims.

    Exit codes: 0 done; 1 a source failed this run; 2 unusable configuration or data
    folder (nothing written); 3 rows were quarantined this run.

    \b
    Example:
        tracker ingest --sources sources.toml --data-dir data
    """
    sys.exit(_finish(lambda: _ingest(sources_path, data_dir, wait_s)[0]))


def _ingest(sources_path: Path, data_dir: Path, wait_s: float = 0.0, config=None):
    """(exit code, IngestResult) of one ingest; `config` when the caller loaded it."""
    from tracker.config import ConfigError
    from tracker.pipeline import run_ingest
    from tracker.sources import load_sources
    from tracker.store import StoreError

    if config is None:
        try:
            config = load_sources(sources_path)
        except ConfigError as error:
            _fail(str(error))
    now = _now()
    try:
        log = _open_log(data_dir)
    except OSError as error:
        _fail(f"{data_dir}: cannot write the job's log: {error.strerror}")

    def progress(message: str) -> None:
        _progress(message)
        try:
            log.write(f"{now:%Y-%m-%dT%H:%M:%SZ} {message}\n")
        except OSError:
            pass  # a full disk must not stop the job for its log; the ledger writes say so

    with log:
        try:
            result = run_ingest(config, data_dir, now, progress=progress, wait_s=wait_s)
        except StoreError as error:
            _fail(f"{error}; the stored ledger is unchanged")
        except OSError as error:
            where = f"{error.filename}: " if error.filename else ""
            _fail(f"{where}{error.strerror or error}; the stored ledger is unchanged")
        progress(f"ingest: {result.summary()}")
    if _Output.level == 0:
        # The progress lines that said so were not printed: errors are.
        for outcome in result.outcomes:
            if not outcome.ok:
                click.echo(f"error: source {outcome.source_id} failed: {outcome.error}", err=True)
    return result.exit_code, result


def _open_log(data_dir: Path):
    """The job's log, data/state/logs/ingest.log (operational state, appended to)."""
    folder = Path(data_dir) / "state" / "logs"
    folder.mkdir(parents=True, exist_ok=True)
    return (folder / "ingest.log").open("a", encoding="utf-8")


def _known_metrics(ctx: click.Context, param: click.Parameter,
                   values: tuple[str, ...]) -> tuple[str, ...]:
    """--metric: only metrics the tracker knows (tracker.model.METRICS), checked before
    anything is read, with the nearest name offered for a typo."""
    from tracker.model import METRICS

    for value in values:
        if value not in METRICS:
            raise click.BadParameter(f"{value!r} is not a metric{_did_you_mean(value, METRICS)} "
                                     f"(metrics: {', '.join(METRICS)}); nothing written",
                                     ctx=ctx, param=param)
    return values


def _did_you_mean(value: str, known) -> str:
    """'; did you mean 'area_gained_km2'?' for the closest known names, else ''.

    `known`: names, or a mapping of spellings to the name each stands for."""
    import difflib

    spellings = known if isinstance(known, dict) else {name: name for name in known}
    close = difflib.get_close_matches(value.lower(), sorted(spellings), n=4, cutoff=0.6)
    names = list(dict.fromkeys(spellings[spelling] for spelling in close))[:2]
    return f"; did you mean {' or '.join(repr(name) for name in names)}?" if names else ""


@cli.command()
@data_dir_option
@click.option("--out", type=click.Path(file_okay=False, path_type=Path), default=Path("reports"),
              show_default=True, help="Folder for the charts (PNG, SVG, CSV, JSON) and the PDF.")
@click.option("--sources", "sources_path", type=click.Path(path_type=Path),
              default=Path("sources.toml"), show_default=True,
              help="sources.toml whose [settings] give the credit and licence printed on every "
                   "chart, and whose example sources are never charted (defaults when the file "
                   "does not exist).")
@click.option("--conflict", help="Only this conflict, as the ledger names it (e.g. russia-ukraine).")
@click.option("--since", help="Only figures dated on or after YYYY, YYYY-MM or YYYY-MM-DD.")
@click.option("--until", help="Only figures dated on or before YYYY, YYYY-MM or YYYY-MM-DD.")
@click.option("--metric", "metrics", multiple=True, callback=_known_metrics,
              help="Only this metric (repeatable), e.g. area_gained_km2.")
@click.option("--reviewed-only", is_flag=True,
              help="Chart machine-read figures only once a person confirmed or corrected them "
                   "(curated and computed figures are always charted).")
def report(data_dir: Path, out: Path, sources_path: Path, conflict: str | None, since: str | None,
           until: str | None, metrics: tuple[str, ...], reviewed_only: bool) -> None:
    """Chart every current figure and write a PDF per conflict section: latest figures
    and changes since the last report, charts, flagged figures, references.

    Each chart is written as <conflict>_<metric>.png (print, A4 at 200 dpi), _web.png
    (1200 px wide), .svg, .csv (the points drawn) and .json (title, sources, dates,
    credit, licence, alt text). Files of charts no longer made are removed; other files
    in the folder are left alone. A selection with nothing to chart exits 2 and writes
    nothing.

    Figures are those of the current view: review decisions applied (a corrected figure
    with its corrected value), rejected, superseded and retracted readings left out;
    machine-read figures nobody checked yet carry a dotted ring.

    \b
    Example:
        tracker report --out reports --conflict russia-ukraine --since 2024-01-01
        tracker report --metric area_gained_km2 --metric share_controlled_pct
        tracker report --reviewed-only --out reports/reviewed
    """
    sys.exit(_finish(lambda: _report(data_dir, out, conflict, since, until, list(metrics) or None,
                                     reviewed_only=reviewed_only, sources_path=sources_path)))


_WINDOW_BOUND = re.compile(r"\d{4}(-\d{2}(-\d{2})?)?")


def _check_window(option: str, text: str | None) -> None:
    """--since/--until: YYYY, YYYY-MM or YYYY-MM-DD naming a real day or month."""
    if text is None:
        return
    try:
        if not _WINDOW_BOUND.fullmatch(text):
            raise ValueError
        date.fromisoformat((text + "-01-01")[:10] if len(text) < 10 else text)
    except ValueError:
        _fail(f"{option} {text!r}: expected a date as YYYY, YYYY-MM or YYYY-MM-DD")


def _report(data_dir: Path, out: Path, conflict: str | None = None, since: str | None = None,
            until: str | None = None, metrics: list[str] | None = None, *,
            reviewed_only: bool = False, sources_path: Path | None = None,
            publishing=None) -> int:
    """Write the report; exit 2, with nothing written, when the options or the data folder
    leave nothing to chart (a typo must never replace a good report with an empty one).
    `publishing`: the settings of the sources file, when the caller has read it already."""
    from tracker.store import StoreError

    _check_window("--since", since)
    _check_window("--until", until)
    publishing = publishing or _publishing(sources_path)
    from tracker import unchanged_outputs as unchanged

    inputs = unchanged.fingerprint(data_dir, "report", {
        "conflict": conflict, "since": since, "until": until, "metrics": metrics,
        "reviewed_only": reviewed_only}, publishing)
    kept = unchanged.kept_files(out, inputs)
    if kept is not None:
        # Same ledger, tables, reviews, options, settings and code: the same bytes.
        _progress(f"report: inputs unchanged since the report in {out}: its {len(kept)} "
                  "file(s) kept")
        return EXIT_OK
    from tracker.report import build_report  # matplotlib: only when something is drawn
    from tracker.report.build import NothingToChart
    from tracker.report.stored import stored_report

    try:
        # What the job built and checked, when the ledger is the one it checked: only what
        # is drawn is read whole (tracker/report/stored.py), the same bytes out.
        result = stored_report(data_dir, out, conflict=conflict, since=since, until=until,
                               metrics=metrics, reviewed_only=reviewed_only, progress=_progress,
                               warn=_warn,
                               publishing=publishing)
        if result is None:
            # Any other ledger is checked in full. The whole view, filtered by build_report,
            # so that the report can say how many rejected and unchecked figures it leaves out.
            view = _load_view(data_dir, purpose="report")
            result = build_report(view, out, conflict=conflict, since=since, until=until,
                                  metrics=metrics, progress=_progress,
                                  checks=_load_checks(data_dir), reviewed_only=reviewed_only,
                                  publishing=publishing)
    except StoreError as error:
        _fail(str(error))
    except NothingToChart as empty:
        _fail(_nothing_to_chart(data_dir, conflict, str(empty)))
    unchanged.remember(out, inputs, result.files)
    _progress(f"report: {len(result.charts)} chart(s), {len(result.files)} file(s) in {out}"
              + (f", {len(result.removed)} no longer made removed" if result.removed else ""))
    return EXIT_OK


def _nothing_to_chart(data_dir: Path, conflict: str | None, detail: str) -> str:
    """Why a report has nothing to chart: a --conflict the ledger does not hold (with the
    nearest names), else what was selected."""
    kept = "nothing written; existing report files are left as they are"
    if conflict:
        known = _ledger_conflicts(data_dir)
        if conflict not in known:
            listed = ", ".join(sorted(known)) or "none"
            return (f"--conflict {conflict!r} is not a conflict of the ledger"
                    f"{_did_you_mean_conflict(conflict, known)} (conflicts in the ledger: "
                    f"{listed}); {kept}")
    return f"{detail}; check --conflict, --metric, --since and --until; {kept}"


def _did_you_mean_conflict(value: str, known: set[str]) -> str:
    """The nearest conflicts of the ledger to `value`, by slug or by the name the report
    prints ('Russia–Ukraine' or 'russia ukraine' lead to 'russia-ukraine')."""
    from tracker.report.identity import conflict_name

    def key(text: str) -> str:  # case, dashes and spaces do not tell conflicts apart
        return re.sub(r"[\s_–—-]+", "-", text.strip().casefold())

    by_key = {key(spelling): slug for slug in sorted(known) for spelling in (slug, conflict_name(slug))}
    return _did_you_mean(key(value), by_key)


def _ledger_conflicts(data_dir: Path) -> set[str]:
    """Every conflict named in the ledger (any status): read only after a report came out
    empty, so that a valid report never pays for a second pass over the ledger."""
    path = Path(data_dir) / "processed" / "claims.csv"
    try:
        with path.open(newline="", encoding="utf-8") as handle:
            return {row.get("conflict") or "" for row in csv.DictReader(handle)} - {""}
    except (OSError, csv.Error, UnicodeDecodeError):
        return set()


@cli.command()
@data_dir_option
@click.option("--out", type=click.Path(file_okay=False, path_type=Path),
              default=Path("reports/export"), show_default=True, help="Folder for the CSV files.")
@click.option("--reviewed-only", is_flag=True,
              help="claims.csv (and observations, checks) keep machine-read figures only once a "
                   "person confirmed or corrected them; rejected figures are left out too.")
@click.option("--parquet", is_flag=True, help="Also write Parquet files (needs pyarrow: pip install .[parquet]).")
@click.option("--sqlite", is_flag=True, help="Also write an SQLite database of the same tables.")
@click.option("--sources", "sources_path", type=click.Path(path_type=Path),
              default=Path("sources.toml"), show_default=True,
              help="sources.toml whose [settings] give the credit and licence written into "
                   "datapackage.json and the datasette metadata (defaults when it is absent).")
def export(data_dir: Path, out: Path, reviewed_only: bool, parquet: bool, sqlite: bool,
           sources_path: Path) -> None:
    """Write claims.csv (current figures with their review status), history.csv (every
    reading with its status), observations.csv (and checks.csv when present) with a
    datapackage.json describing every column; optionally Parquet and SQLite.

    \b
    Example:
        tracker export --out reports/export --sqlite
        tracker export --reviewed-only --out reports/export-reviewed
    """
    sys.exit(_finish(lambda: _export(data_dir, out, parquet=parquet, sqlite=sqlite,
                                     reviewed_only=reviewed_only, sources_path=sources_path)))


def _publishing(sources_path: Path | None):
    """The publishing settings of a sources file (exit 2 when it is invalid)."""
    from tracker.config import ConfigError
    from tracker.publishing import load_publishing

    try:
        return load_publishing(sources_path)
    except ConfigError as error:
        _fail(str(error))


def _export(data_dir: Path, out: Path, *, parquet: bool = False, sqlite: bool = False,
            reviewed_only: bool = False, sources_path: Path | None = None,
            publishing=None) -> int:
    from tracker import unchanged_outputs as unchanged
    from tracker.config import ConfigError
    from tracker.store import StoreError

    publishing = publishing or _publishing(sources_path)
    inputs = unchanged.fingerprint(data_dir, "export", {
        "reviewed_only": reviewed_only, "parquet": parquet, "sqlite": sqlite}, publishing)
    kept = unchanged.kept_files(out, inputs)
    if kept is not None:
        _progress(f"export: inputs unchanged since the export in {out}: its {len(kept)} "
                  "file(s) kept")
        return EXIT_OK
    from tracker.export import export_data_dir  # pandas: only when something is written

    # The whole ledger goes to history.csv; the current view to claims.csv. A missing,
    # empty or damaged ledger is refused (exit 2) before anything is written.
    try:
        written = export_data_dir(data_dir, out, reviewed_only=reviewed_only, parquet=parquet,
                                  sqlite=sqlite, publishing=publishing, warn=_warn)
    except (StoreError, ImportError, ConfigError) as error:
        _fail(str(error))
    unchanged.remember(out, inputs, written)
    _progress("export: " + ", ".join(str(p) for p in written))
    return EXIT_OK


def _load_checks(data_dir: Path):
    """data/processed/checks.csv as text, or None when no check has been run."""
    from tracker.ledger import read_table
    from tracker.store import StoreError

    path = Path(data_dir) / "processed" / "checks.csv"
    if not path.exists():
        return None
    try:
        return read_table(path)
    except StoreError as error:
        _fail(str(error))


@cli.command()
@data_dir_option
def validate(data_dir: Path) -> None:
    """Check the stored ledger: its structure, every cell, every claim_id against the
    row's content and every schema rule; list each problem with its line and column.

    Exit 0 when the ledger is sound, 2 when it is damaged (see `tracker repair`).

    \b
    Example:
        tracker validate --data-dir data
    """
    from tracker.ledger import audit_ledger, problem_line

    path = Path(data_dir) / "processed" / "claims.csv"
    if not path.is_file():
        _fail(f"{path}: no ledger (check --data-dir, or run `tracker ingest` first)")
    rows, problems, older_layout = audit_ledger(path)
    for problem in problems:
        click.echo(problem)
    claims = "?" if rows is None else rows
    failing = len({problem_line(problem) for problem in problems})
    click.echo(f"validate: {claims} claim(s), {failing} failing"
               + ("; `tracker repair` rebuilds the ledger from data/raw and the sources"
                  if problems else "")
               + ("; written in an older column layout, before the `confidence` or the "
                  "history columns (read with them empty and every row active; the next "
                  "`tracker ingest` or `tracker reextract` rewrites it)"
                  if older_layout else ""), err=True)
    sys.exit(EXIT_UNUSABLE if problems else EXIT_OK)


@cli.command()
@click.option("--sources", "sources_path", type=click.Path(path_type=Path), default=Path("sources.toml"),
              show_default=True, help="The sources to read.")
@data_dir_option
@click.option("--out", type=click.Path(file_okay=False, path_type=Path), default=Path("reports"),
              show_default=True, help="Folder for charts, PDF and the export/ CSVs.")
@verbosity_options
def run(sources_path: Path, data_dir: Path, out: Path) -> None:
    """The main job: ingest, then report, then export, then the digest of what changed.

    The digest (OUT/digest.md and digest.json) is written, and sent as [notify] in the
    sources file says, only when the run found something: new or revised figures, copies
    that disagree, failed checks, a source failing runs in a row, quarantined rows.

    Exit codes: 0 done; 1 a source failed this run; 2 unusable configuration or data folder
    (nothing written); 3 rows were quarantined this run; 4 the report or export was not
    renewed.

    \b
    Example (what `make run` does):
        tracker run --sources sources.toml --data-dir data --out reports
    """
    sys.exit(_run(sources_path, data_dir, out))


def _run(sources_path: Path, data_dir: Path, out: Path) -> int:
    """Ingest, then report and export, then the digest; a failing report never stops the
    export. The exit code: 2 when the ingest could not run (nothing written); 1 when a
    source failed; 4 when the report or export was not renewed; 3 when rows were
    quarantined; 0 when all went well."""
    import time

    from tracker.config import ConfigError
    from tracker.digest import read_health, read_quarantined
    from tracker.sources import load_sources

    try:
        config = load_sources(sources_path)
    except ConfigError as error:
        click.echo(f"error: {error}", err=True)
        return EXIT_UNUSABLE
    health_before = read_health(data_dir)
    quarantined_before = read_quarantined(data_dir)
    ingested = {}

    def ingest_step() -> int:
        code, ingested["result"] = _ingest(sources_path, data_dir, config=config)
        return code

    started = time.monotonic()
    code = _finish(ingest_step)
    if code == EXIT_UNUSABLE or "result" not in ingested:
        return EXIT_UNUSABLE
    _detail(f"time: ingest {time.monotonic() - started:.1f} s")
    # A report with nothing to chart writes nothing and counts as a failed step (exit 4):
    # the export still runs, and the code says the report was not renewed.
    outputs_failed = False
    # The sources file is read once a run: the report and export take its settings from it.
    from tracker.publishing import publishing_from_config

    publishing = publishing_from_config(config)
    for name, step in (("report", lambda: _report(data_dir, out, publishing=publishing)),
                       ("export", lambda: _export(data_dir, out / "export", publishing=publishing))):
        started = time.monotonic()
        if _finish(step) != EXIT_OK:
            outputs_failed = True
        _detail(f"time: {name} {time.monotonic() - started:.1f} s")
    started = time.monotonic()
    try:
        if _finish(lambda: _digest(config, data_dir, out, ingested["result"], health_before,
                                   quarantined_before, outputs_failed)) != EXIT_OK:
            outputs_failed = True
    except Exception as error:  # the data and reports are stored: say so, do not crash
        click.echo(f"error: the digest could not be made: {error.__class__.__name__}: {error}",
                   err=True)
        outputs_failed = True
    _detail(f"time: digest {time.monotonic() - started:.1f} s")
    if code == EXIT_SOURCE_FAILED:
        return code
    return EXIT_OUTPUT_FAILED if outputs_failed else code


def _digest(config, data_dir: Path, out: Path, result, health_before: dict,
            quarantined_before: frozenset, outputs_failed: bool) -> int:
    """Write reports/digest.md and .json when the run changed something, and send them
    (tracker/notify.py). A notice that cannot be delivered is recorded in digest.json and
    the job's log; it never fails the run."""
    from tracker.digest import (RunFacts, build_digest, failure_count, gather, read_health,
                                render_markdown)
    from tracker.digest import subject as digest_subject
    from tracker.digest import write_digest
    from tracker.notify import send_digest

    facts = RunFacts(
        run_at=_now().strftime("%Y-%m-%dT%H:%M:%SZ"), exit_code=result.exit_code,
        added_ids=result.added_ids, superseded_ids=result.superseded_ids,
        retracted_ids=result.retracted_ids,
        failed_sources={o.source_id: o.error for o in result.outcomes if not o.ok},
        quarantined=list(result.rejected), quarantined_before=quarantined_before,
        failures_before={k: failure_count(v) for k, v in health_before.items()},
        health_after=read_health(data_dir),
        example_sources=frozenset(s.id for s in config.sources if s.example),
        outputs_failed=outputs_failed)
    digest = build_digest(facts, gather(data_dir, facts), failing_runs=config.notify.failing_runs,
                          tolerance_pct=config.settings.check_tolerance_pct)
    if not digest["changed"]:
        _progress(f"digest: nothing changed; {out / 'digest.md'} left as it was, nothing sent")
        return EXIT_OK
    text = render_markdown(digest)
    _detail(text)
    notices = send_digest(digest_subject(digest), text, digest, config.notify, config.settings,
                          os.environ)
    written = write_digest(out, digest, [_notice_record(n) for n in notices])
    lines = [f"digest: {digest_subject(digest)}; {written[0]}"]
    for notice in notices:
        lines.append(f"    notice {notice}")
        if not notice.ok:
            click.echo(f"error: the digest's notice by {notice.channel} was not sent: "
                       f"{notice.detail}", err=True)
    try:
        with _open_log(data_dir) as log:
            log.writelines(f"{facts.run_at} {line}\n" for line in lines)
    except OSError:
        pass  # the log is advisory; digest.json has the notices
    for line in lines:
        _progress(line)
    return EXIT_OK


def _notice_record(notice) -> dict[str, str]:
    return {"channel": notice.channel, "ok": bool(notice.ok), "detail": notice.detail}


@cli.command()
@data_dir_option
@click.option("--fail-after", "fail_after", type=click.IntRange(1, 100_000), default=3,
              show_default=True, help="Exit 1 when a source has failed this many runs in a row.")
@click.option("--format", "output_format", type=click.Choice(["table", "json"]), default="table",
              show_default=True)
def health(data_dir: Path, fail_after: int, output_format: str) -> None:
    """Show each source's health after the last runs (data/state/source_health.csv).

    Exit codes: 0 no source has failed --fail-after runs in a row; 1 some have (they are
    listed on stderr); 2 no run has been recorded in this data folder.

    \b
    Example (the scheduled CI workflow's last step):
        tracker health --data-dir data --fail-after 3
    """
    from tracker.digest import failure_count, read_health

    rows = read_health(data_dir)
    if not rows:
        _fail(f"{Path(data_dir) / 'state' / 'source_health.csv'}: no run recorded (or the file "
              "is unreadable); run `tracker ingest` first")
    failing = [source_id for source_id, row in sorted(rows.items())
               if failure_count(row) >= fail_after]
    if output_format == "json":
        click.echo(json.dumps([rows[k] for k in sorted(rows)], indent=1, ensure_ascii=False))
    else:
        click.echo(f"{'source':<32} {'status':<7} {'failed runs':>11}  last success")
        for source_id, row in sorted(rows.items()):
            click.echo(f"{source_id:<32} {row.get('status', ''):<7} "
                       f"{row.get('consecutive_failures', ''):>11}  {row.get('last_success_at') or 'never'}")
    for source_id in failing:
        row = rows[source_id]
        click.echo(f"error: source {source_id} has failed {row.get('consecutive_failures')} runs "
                   f"in a row (last success {row.get('last_success_at') or 'never'}): "
                   f"{row.get('error', '')}", err=True)
    sys.exit(EXIT_RECORDED_FAILURES if failing else EXIT_OK)


@cli.command()
@click.option("--sources", "sources_path", type=click.Path(path_type=Path), default=Path("sources.toml"),
              show_default=True, help="The sources to read again.")
@data_dir_option
def repair(sources_path: Path, data_dir: Path) -> None:
    """Rebuild a damaged ledger: keep its sound rows, set the damaged file aside in
    data/state/damaged/, then read every source and every stored document again.

    Exit 0 when the ledger was sound or is whole again; 1 when some rows could not be
    rebuilt (they are listed, and kept in the damaged copy); 2 on unusable configuration.

    \b
    Example (after `tracker validate` reported damage):
        tracker repair --sources sources.toml --data-dir data
    """
    sys.exit(_finish(lambda: _repair(sources_path, data_dir)))


def _repair(sources_path: Path, data_dir: Path) -> int:
    from tracker.config import ConfigError
    from tracker.repair import repair as run_repair
    from tracker.sources import load_sources
    from tracker.store import StoreError

    try:
        config = load_sources(sources_path)
    except ConfigError as error:
        _fail(str(error))
    try:
        result = run_repair(config, data_dir, _now(), progress=_progress)
    except StoreError as error:
        _fail(str(error))
    if not result.damage:
        _progress("repair: the ledger is sound; nothing to repair")
        return EXIT_OK
    _progress(f"repair: damage found: {result.damage}")
    if result.dropped_lines:
        _progress("repair: line(s) dropped: " + ", ".join(map(str, result.dropped_lines)))
    _progress(f"repair: {result.ingest.summary()}")
    for identifier in result.lost_ids:
        click.echo(f"not rebuilt: {identifier} (see {result.set_aside})")
    _progress(f"repair: {len(result.lost_ids)} claim(s) could not be rebuilt"
              if result.lost_ids else "repair: every readable claim is in the ledger again")
    return result.exit_code


@cli.command()
@click.option("--sources", "sources_path", type=click.Path(path_type=Path), default=Path("sources.toml"),
              show_default=True, help="The sources whose stored documents are read again.")
@data_dir_option
@click.option("--source", "source_ids", multiple=True, metavar="ID",
              help="Only the documents of this article or feed source (repeatable).")
@click.option("--since", metavar="YYYY-MM-DD", default=None,
              help="Only documents first retrieved on or after this day.")
@click.option("--dry-run", is_flag=True, help="Print the summary; write nothing.")
def reextract(sources_path: Path, data_dir: Path, source_ids: tuple[str, ...], since: str | None,
              dry_run: bool) -> None:
    """Run the current extractor again over the articles and feed pages kept in data/raw.

    A reading that did not change keeps its row (same claim_id, nothing rewritten); a
    reading that changed is added and supersedes the old one, which stays in the ledger
    with its status (see `tracker history`); a figure the extractor no longer reads is
    superseded by nothing. Maps, curated figures and series are not touched, and nothing
    is fetched. Each document keeps the metadata it was read with (address, retrieval time,
    the feed entry's date and title, the source's publisher, language and conflict).
    Prints documents read and n new, n superseded, n unchanged. A stored document that
    cannot be read is named and nothing is written (exit 2); exit 1 when new readings were
    refused by the schema (they are listed). `tracker ingest` does this by itself once
    after the extractor changes.

    \b
    Example (after upgrading the extractor; look first, then write):
        tracker reextract --sources sources.toml --data-dir data --dry-run
        tracker reextract --sources sources.toml --data-dir data --source wire --since 2025-11-01
    """
    _check_window("--since", since)
    sys.exit(_finish(lambda: _reextract(sources_path, data_dir, dry_run, source_ids, since or "")))


def _reextract(sources_path: Path, data_dir: Path, dry_run: bool,
               source_ids: tuple[str, ...] = (), since: str = "") -> int:
    from tracker.config import ConfigError
    from tracker.reextract import reextract as run_reextract
    from tracker.sources import load_sources
    from tracker.store import StoreError

    try:
        config = load_sources(sources_path)
    except ConfigError as error:
        _fail(str(error))
    if not (Path(data_dir) / "raw").is_dir():
        _fail(f"{Path(data_dir) / 'raw'}: no raw store (check --data-dir, or run `tracker ingest` first)")
    try:
        result = run_reextract(config, data_dir, dry_run=dry_run, source_ids=source_ids,
                               since=since, now=_now().strftime("%Y-%m-%dT%H:%M:%SZ"),
                               progress=_progress)
    except ValueError as error:
        _fail(f"{sources_path}: {error}")
    except StoreError as error:
        _fail(f"{error}; the stored ledger is unchanged")
    for problem in result.unreadable:
        click.echo(f"could not read: {problem}")
    for origin, reason in result.rejected:
        _progress(f"rejected {origin}: {reason}")
    for line in result.summary_lines():
        click.echo(line)
    if result.unreadable:
        _fail(f"{len(result.unreadable)} stored document(s) could not be read; nothing written")
    return result.exit_code


@cli.command("sources")
@click.option("--sources", "sources_path", type=click.Path(path_type=Path), default=Path("sources.toml"),
              show_default=True, help="The sources file to check.")
def list_sources(sources_path: Path) -> None:
    """Check sources.toml and list its sources.

    \b
    Example:
        tracker sources --sources sources.toml
    """
    from tracker.config import ConfigError
    from tracker.sources import load_sources

    try:
        config = load_sources(sources_path)
    except ConfigError as error:
        _fail(str(error))
    for source in config.sources:
        target = source.options.get("path") or source.options.get("url") or ""
        click.echo(f"{source.id:<28} {source.kind:<10} {target}")


def _load_ledger(data_dir: Path, purpose: str = ""):
    """The checked ledger; for a report or an export, refuse a missing or empty one rather
    than overwrite good outputs with empty ones (a mistyped --data-dir)."""
    from tracker.ledger import read_claims
    from tracker.store import StoreError

    path = Path(data_dir) / "processed" / "claims.csv"
    if purpose and not path.is_file():
        _fail(f"{path}: no ledger; nothing to {purpose} (check --data-dir, or run "
              "`tracker ingest` first); existing outputs are left as they are")
    try:
        claims = read_claims(path)
    except StoreError as error:
        _fail(str(error))
    if purpose and claims.empty:
        _fail(f"{path}: the ledger holds no claim; nothing to {purpose}; existing outputs "
              "are left as they are")
    return claims


def _load_view(data_dir: Path, purpose: str = "", reviewed_only: bool = False):
    """The current view of the checked ledger (tracker/view.py): active readings with the
    review decision in force applied; with `reviewed_only`, only the rows
    `charted(view, reviewed_only=True)` keeps. A missing or empty ledger is refused as by
    _load_ledger."""
    return _view_of(_load_ledger(data_dir, purpose), data_dir, reviewed_only)


def _view_of(ledger, data_dir: Path, reviewed_only: bool = False):
    """`ledger`'s current view with the decisions of data/review/decisions.jsonl.

    A damaged line of the review log is a warning, never a failure: the log is append-only
    and a line cut short by a crash must not stop the reports of every other decision."""
    from tracker.review.log import read_decisions
    from tracker.view import charted, current_view

    decisions, problems = read_decisions(data_dir)
    for problem in problems:
        click.echo(f"warning: {problem}", err=True)
    view = current_view(ledger, decisions)
    return charted(view, reviewed_only=True) if reviewed_only else view


def main() -> None:
    # pandera imports hypothesis (0.7 s) whenever it is installed, to offer data synthesis
    # the tracker never uses; where the test extra installed it, every scheduled run paid
    # that. Only the console command does this, so tests that use hypothesis keep it.
    sys.modules.setdefault("hypothesis", None)  # type: ignore[arg-type]
    cli(prog_name="tracker")


from tracker.cli_maps import area, check  # noqa: E402
from tracker.cli_review import review  # noqa: E402,F401  (registers itself on cli)

cli.add_command(area)
cli.add_command(check)

from tracker.cli_history import history  # noqa: E402

cli.add_command(history)

import tracker.cli_review_data  # noqa: E402,F401  (registers `eval` and `review export`)

from tracker.cli_backfill import backfill  # noqa: E402

cli.add_command(backfill)
