"""`tracker backfill ARCHIVE...`: cited figures out of WARC archives, one Dask task each.

The extractor is pure and per document, so years of news archives parallelise without
changing it: each archive is one task (`process_archive`) that streams its records
(tracker/warc.py), keeps HTML responses that carry a cue of an area figure, reads each
page's main text as the `article` source does, extracts its claims and writes them as
Parquet under `data/backfill/claims/archive=<name>/conflict=<conflict>/`, each row with its
provenance (archive, record offset, WARC-Target-URI, WARC-Date, payload digest).

The driver (`run_backfill`) sends the archives not yet done to a Dask cluster (a local one
sized to the machine, or an existing scheduler), reports progress as tasks finish, and
records each finished archive in `data/backfill/manifest.json` (its size, modification
time, SHA-256 and counts). An archive's partition is written in a temporary folder and
moved into place before the manifest names it, so a killed run leaves either a finished
partition or a temporary folder that the next run removes; archives the manifest names,
unchanged and with their partition present, are not read again.

With `--sample N`, each task also keeps the N pages with claims whose rank (a hash of the
page's bytes, `sample_rank`) is lowest, bytes and all, in `archive=<name>/sample.parquet`;
the driver then lists the N lowest of every archive in `data/backfill/sample.csv`. A rank
depends on nothing but the page, so the sample is the same whatever the workers, the order
or the machine, and adding archives only lets pages that outrank it in. `tracker backfill
--merge` (the `archives` source, tracker/sources/archives.py) keeps the sampled pages in
data/raw, so the review page shows their figures in their text.

With `--scheduler`, the workers write the partitions themselves: `data/backfill/` must be
on storage every worker sees (a shared file system).
"""

from __future__ import annotations

import csv
import glob
import hashlib
import heapq
import io
import json
import os
import shutil
import time
from dataclasses import asdict, dataclass, field
from pathlib import Path
from typing import Any, BinaryIO, Callable, Iterator

BACKFILL_DIR = "backfill"
CLAIMS_DIR = "claims"
MANIFEST_NAME = "manifest.json"
SAMPLE_NAME = "sample.csv"  # the review sample over every archive done
SAMPLE_PAGES_NAME = "sample.parquet"  # an archive's candidates for it, bytes and all
SAMPLE_COLUMNS = ("rank", "page_sha256", "archive", "record_offset", "warc_target_uri",
                  "warc_date", "content_type", "claims")
MANIFEST_VERSION = 1
TEMP_PREFIX = ".tmp-"
# Rows buffered per conflict before a Parquet row group is written: memory stays bounded
# whatever the archive's size.
ROW_GROUP_ROWS = 2_000
# How often a task tells the driver how far it has read (a Dask event), and how often the
# driver prints it: an archive of a gigabyte takes minutes.
TASK_PROGRESS_S = 5.0
PRINT_PROGRESS_S = 10.0
PROGRESS_TOPIC = "tracker-backfill"
PROVENANCE_COLUMNS = ("archive", "record_offset", "warc_target_uri", "warc_date",
                      "payload_digest")


class BackfillError(Exception):
    """The backfill cannot start (no archive, a path that is not a file, a bad URL)."""


@dataclass(frozen=True)
class Archive:
    """One archive to read: where it is (a path, or an http(s) URL streamed), its
    partition name, and how it was when listed (a URL: size and mtime 0, unknown)."""

    location: str
    name: str
    size: int
    mtime_ns: int

    @property
    def is_url(self) -> bool:
        return "://" in self.location


@dataclass
class ArchiveSummary:
    """What one task did; the manifest's entry for a finished archive."""

    name: str
    location: str
    size: int
    mtime_ns: int
    sha256: str = ""
    bytes_read: int = 0
    resumed: int = 0  # an archive at a URL: times its connection was lost and taken up again
    records: int = 0
    responses: int = 0
    html: int = 0
    prefiltered_out: int = 0
    too_large: int = 0
    pages_kept: int = 0
    pages_with_claims: int = 0
    pages_without_text: int = 0
    claims: int = 0
    conflicts: list[str] = field(default_factory=list)
    problems: list[str] = field(default_factory=list)
    sample_n: int = 0  # pages of the review sample kept (at most this many)
    extractor_version: str = ""
    seconds: float = 0.0
    peak_rss_mib: float = 0.0  # of the worker process so far (its high-water mark)
    error: str = ""  # the task failed: not in the manifest, read again next run


# --- which archives ----------------------------------------------------------------------


def resolve_archives(arguments: list[str]) -> list[Archive]:
    """The archives named on the command line (paths, globs and http(s) URLs), each once,
    in order. Nothing is fetched here: a URL is checked for its form only."""
    from tracker.store import safe_name

    found: dict[str, Path | str] = {}
    for argument in arguments:
        if "://" in argument:
            found.setdefault(argument, _checked_url(argument))
            continue
        matches = sorted(glob.glob(argument)) if glob.has_magic(argument) else [argument]
        if not matches:
            raise BackfillError(f"{argument}: no file matches this pattern")
        for match in matches:
            path = Path(match)
            if not path.is_file():
                raise BackfillError(f"{match}: no such file" if not path.exists()
                                    else f"{match}: not a regular file")
            found.setdefault(str(path.resolve()), path)
    names: dict[str, int] = {}
    archives = []
    for resolved, path in found.items():
        base = path.name if isinstance(path, Path) else _url_name(path)
        name = safe_name(base)
        if name in names:  # two files of one name in different folders
            name = f"{name}-{hashlib.sha256(resolved.encode()).hexdigest()[:8]}"
        names[name] = 1
        if isinstance(path, str):
            archives.append(Archive(location=path, name=name, size=0, mtime_ns=0))
            continue
        stat = path.stat()
        archives.append(Archive(location=resolved, name=name, size=stat.st_size,
                                mtime_ns=stat.st_mtime_ns))
    return archives


def _checked_url(url: str) -> str:
    from tracker.http import FetchError, check_url

    try:
        check_url(url)
    except FetchError as error:
        raise BackfillError(str(error)) from None
    if not _url_name(url):
        raise BackfillError(f"{url}: the URL names no file (its path ends in '/')")
    return url


def _url_name(url: str) -> str:
    from urllib.parse import unquote, urlsplit

    return unquote(urlsplit(url).path.rstrip("/").rpartition("/")[2])


# --- one archive (a Dask task) -------------------------------------------------------------


class _HashingReader:
    """A binary stream that hashes and counts what is read through it, and calls
    `on_read(bytes_read)` after each read (for progress)."""

    def __init__(self, raw: BinaryIO, on_read: Callable[[int], None] = lambda n: None) -> None:
        self.raw = raw
        self.digest = hashlib.sha256()
        self.bytes_read = 0
        self.on_read = on_read

    def read(self, size: int = -1) -> bytes:
        data = self.raw.read(size)
        self.digest.update(data)
        self.bytes_read += len(data)
        self.on_read(self.bytes_read)
        return data

    def readable(self) -> bool:
        return True

    def seekable(self) -> bool:
        return False


def sample_rank(page_sha256: str) -> str:
    """A page's place in the review sample (lowest first): a hash of its bytes' hash, so
    that the sample is random over pages yet the same on every run and every machine."""
    return hashlib.sha256(f"review-sample:{page_sha256}".encode("ascii")).hexdigest()


class _SampleKeeper:
    """The `size` pages with claims of lowest rank seen so far (a bounded heap)."""

    def __init__(self, size: int) -> None:
        self.size = size
        self.heap: list[tuple[int, str, Any, int]] = []  # (-rank, page sha256, page, claims)

    def offer(self, page: Any, page_sha256: str, claims: int) -> None:
        if self.size <= 0:
            return
        item = (-int(sample_rank(page_sha256), 16), page_sha256, page, claims)
        if len(self.heap) < self.size:
            heapq.heappush(self.heap, item)
        elif item[0] > self.heap[0][0]:
            heapq.heapreplace(self.heap, item)

    def write(self, path: Path, archive_name: str) -> None:
        import pyarrow as pa
        import pyarrow.parquet as pq

        if not self.heap:
            return
        rows = [{"rank": sample_rank(sha), "page_sha256": sha, "archive": archive_name,
                 "record_offset": page.record_offset, "warc_target_uri": page.target_uri,
                 "warc_date": page.warc_date, "content_type": page.content_type,
                 "claims": claims, "body": page.body}
                for _, sha, page, claims in sorted(self.heap, reverse=True)]
        path.parent.mkdir(parents=True, exist_ok=True)
        pq.write_table(pa.Table.from_pylist(rows, schema=_sample_schema()), path)


def _sample_schema():
    import pyarrow as pa

    return pa.schema([pa.field(name, pa.int64() if name in ("record_offset", "claims")
                               else pa.string()) for name in SAMPLE_COLUMNS]
                     + [pa.field("body", pa.binary())])


def _open_archive(archive: Archive, settings: Any):
    """A binary stream of the archive's bytes: the file, or the URL streamed (never the
    whole archive in memory, nor on disk)."""
    if not archive.is_url:
        return open(archive.location, "rb")
    from tracker.config import Settings
    from tracker.http import HttpClient

    return HttpClient(settings or Settings()).stream(archive.location)


def process_archive(archive: Archive, out_root: str, conflict: str = "",
                    max_page_bytes: int = 5_000_000, sample_n: int = 0,
                    settings: Any = None) -> ArchiveSummary:
    """Read one archive, extract its claims, write its partition; never raises for bad
    input (the summary's `problems` and `error` say what went wrong). `settings`: the
    HTTP settings an archive at a URL is streamed with."""
    from tracker.extract import EXTRACTOR_VERSION
    from tracker.http import FetchError
    from tracker.warc import ReadStats

    started = time.monotonic()
    summary = ArchiveSummary(name=archive.name, location=archive.location, size=archive.size,
                             mtime_ns=archive.mtime_ns, sample_n=sample_n,
                             extractor_version=EXTRACTOR_VERSION)
    temp = Path(out_root) / CLAIMS_DIR / f"{TEMP_PREFIX}{archive.name}-{os.getpid()}"
    sample = _SampleKeeper(sample_n)
    stats = ReadStats()
    try:
        shutil.rmtree(temp, ignore_errors=True)
        with _open_archive(archive, settings) as handle:
            # An archive at a URL: its size is what the server announced, if it did.
            size = archive.size or getattr(handle, "declared_bytes", None) or 0
            reader = _HashingReader(handle, _TaskProgress(archive.name, size, stats, summary))
            with _PartitionWriter(temp) as writer:
                for page, claims in _extracted_pages(reader, archive, summary, conflict,
                                                     max_page_bytes, stats):
                    for claim in claims:
                        writer.add(claim, page, archive.name)
                    if claims:
                        sample.offer(page, claims[0].snapshot_sha256, len(claims))
                # Read to the end, so that the digest is the whole file's.
                while reader.read(1 << 20):
                    pass
            summary.conflicts = sorted(writer.conflicts)
            summary.resumed = getattr(handle, "resumed", 0)
        sample.write(temp / SAMPLE_PAGES_NAME, archive.name)
        summary.sha256 = reader.digest.hexdigest()
        summary.bytes_read = reader.bytes_read
        final = Path(out_root) / CLAIMS_DIR / f"archive={archive.name}"
        shutil.rmtree(final, ignore_errors=True)  # a partition of a run killed before its manifest
        if temp.exists():
            os.replace(temp, final)
    except FetchError as error:  # it names the URL
        shutil.rmtree(temp, ignore_errors=True)
        summary.error = str(error)
    except (OSError, ValueError) as error:
        # ValueError: what zlib or warcio raise on bytes that are not what they claim.
        shutil.rmtree(temp, ignore_errors=True)
        summary.error = f"{archive.location}: {getattr(error, 'strerror', None) or error}"
    summary.seconds = round(time.monotonic() - started, 3)
    summary.peak_rss_mib = _peak_rss_mib()
    return summary


def _peak_rss_mib() -> float:
    import resource

    return round(resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024, 1)  # KiB on Linux


class _TaskProgress:
    """Tells the driver, every TASK_PROGRESS_S, how far a task has read (a Dask event on
    PROGRESS_TOPIC; nothing when not run by a Dask worker)."""

    def __init__(self, name: str, size: int, stats: Any, summary: ArchiveSummary) -> None:
        self.name, self.size, self.stats, self.summary = name, size, stats, summary
        self.next_at = time.monotonic() + TASK_PROGRESS_S

    def __call__(self, bytes_read: int) -> None:
        now = time.monotonic()
        if now < self.next_at:
            return
        self.next_at = now + TASK_PROGRESS_S
        try:
            from dask.distributed import get_worker

            worker = get_worker()
        except (ImportError, ValueError):  # not on a worker
            return
        worker.log_event(PROGRESS_TOPIC, {
            "archive": self.name, "bytes": bytes_read, "size": self.size,
            "records": self.stats.records, "kept": self.stats.kept,
            "claims": self.summary.claims})


def _extracted_pages(reader: _HashingReader, archive: Archive, summary: ArchiveSummary,
                     conflict: str, max_page_bytes: int, stats: Any) -> Iterator[tuple[Any, list]]:
    from tracker.warc import area_prefilter, iter_pages

    prefilter = area_prefilter()
    try:
        for page in iter_pages(reader, archive=archive.location, prefilter=prefilter,
                               stats=stats, max_page_bytes=max_page_bytes):
            claims = page_claims(page, conflict)
            if claims is None:
                summary.pages_without_text += 1
                continue
            if claims:
                summary.pages_with_claims += 1
                summary.claims += len(claims)
            yield page, claims
    finally:
        for key in ("records", "responses", "html", "prefiltered_out", "too_large"):
            setattr(summary, key, getattr(stats, key))
        summary.pages_kept = stats.kept
        summary.problems = list(stats.problems)


def page_claims(page: Any, conflict: str = "") -> list | None:
    """The claims of one archived page, read as the `article` source reads a page (None
    when it has no article text). Pure: the page's bytes in, claims out."""
    from tracker.model import Document
    from tracker.sources.article import article_claims, article_of

    article = article_of(page.body, page.content_type, page.target_uri)
    if not article.text:
        return None
    digest = hashlib.sha256(page.body).hexdigest()
    published = article.published or (page.warc_date[:10] if page.warc_date else None)
    document = Document(text=article.text, doc_id=digest[:16], url=page.target_uri,
                        publisher=article.publisher, title=article.title, published=published,
                        language=article.language, conflict=conflict, source_id="warc-backfill",
                        snapshot_sha256=digest, retrieved_at=page.warc_date)
    return article_claims(document, article)


class _PartitionWriter:
    """Claims of one archive as Parquet, one file per conflict, written in row groups."""

    def __init__(self, folder: Path) -> None:
        self.folder = folder
        self.rows: dict[str, list[dict[str, Any]]] = {}
        self.writers: dict[str, Any] = {}
        self.conflicts: set[str] = set()

    def __enter__(self) -> "_PartitionWriter":
        return self

    def add(self, claim: Any, page: Any, archive_name: str) -> None:
        row = claim.to_dict()
        row.update(archive=archive_name, record_offset=page.record_offset,
                   warc_target_uri=page.target_uri, warc_date=page.warc_date,
                   payload_digest=page.payload_digest)
        key = row.get("conflict") or "unknown"
        self.conflicts.add(key)
        self.rows.setdefault(key, []).append(row)
        if len(self.rows[key]) >= ROW_GROUP_ROWS:
            self._flush(key)

    def _flush(self, key: str) -> None:
        import pyarrow as pa
        import pyarrow.parquet as pq

        rows = self.rows.pop(key, [])
        if not rows:
            return
        schema = parquet_schema()
        table = pa.Table.from_pylist([_typed(row) for row in rows], schema=schema)
        if key not in self.writers:
            from tracker.store import safe_name

            path = self.folder / f"conflict={safe_name(key)}" / "part-0.parquet"
            path.parent.mkdir(parents=True, exist_ok=True)
            self.writers[key] = pq.ParquetWriter(path, schema)
        self.writers[key].write_table(table)

    def __exit__(self, kind, error, trace) -> None:
        try:
            if kind is None:
                for key in list(self.rows):
                    self._flush(key)
        finally:
            for writer in self.writers.values():
                writer.close()


def parquet_schema():
    """Claim columns typed as the ledger's schema types them, then the provenance."""
    import pyarrow as pa

    from tracker.model import CLAIM_COLUMNS, FLOAT_COLUMNS, INT_COLUMNS

    fields = []
    for column in CLAIM_COLUMNS:
        kind = pa.float64() if column in FLOAT_COLUMNS else pa.int64() if column in INT_COLUMNS \
            else pa.string()
        fields.append(pa.field(column, kind))
    fields += [pa.field(name, pa.int64() if name == "record_offset" else pa.string())
               for name in PROVENANCE_COLUMNS]
    return pa.schema(fields)


def _typed(row: dict[str, Any]) -> dict[str, Any]:
    from tracker.model import FLOAT_COLUMNS, INT_COLUMNS

    typed = {}
    for key, value in row.items():
        if key in FLOAT_COLUMNS or key in INT_COLUMNS:
            typed[key] = None if value in (None, "") else value
        elif key == "record_offset":
            typed[key] = value
        else:
            typed[key] = "" if value is None else str(value)
    return typed


# --- the manifest --------------------------------------------------------------------------


def load_manifest(root: Path) -> dict[str, dict[str, Any]]:
    """Finished archives by partition name ({} when absent or damaged)."""
    try:
        return _read_manifest(root / MANIFEST_NAME)
    except (OSError, ValueError):
        return {}


def _read_manifest(path: Path) -> dict[str, dict[str, Any]]:
    """The manifest's archives ({} when there is none); ValueError saying what is wrong
    with one that cannot be read as this version writes it."""
    try:
        loaded = json.loads(path.read_text(encoding="utf-8"))
    except FileNotFoundError:
        return {}
    except UnicodeDecodeError:
        raise ValueError("not UTF-8 text") from None
    if not isinstance(loaded, dict) or loaded.get("version") != MANIFEST_VERSION:
        raise ValueError(f"not a version {MANIFEST_VERSION} backfill manifest")
    archives = loaded.get("archives")
    if not isinstance(archives, dict):
        raise ValueError("no 'archives' object")
    return archives


def save_manifest(root: Path, archives: dict[str, dict[str, Any]]) -> None:
    from tracker.store import write_if_changed

    payload = json.dumps({"version": MANIFEST_VERSION, "archives": archives}, indent=1,
                         sort_keys=True, ensure_ascii=False) + "\n"
    write_if_changed(root / MANIFEST_NAME, payload.encode("utf-8"))


def is_done(archive: Archive, manifest: dict[str, dict[str, Any]], root: Path,
            sample_n: int = 0) -> bool:
    """Whether the manifest names this archive, as it is now, read with this extractor,
    with its partition in place (an archive that gave no claim has none, and needs none)
    and with as many sample pages as asked for (or all its pages with claims)."""
    from tracker.extract import EXTRACTOR_VERSION

    entry = manifest.get(archive.name)
    if not isinstance(entry, dict):
        return False
    # An archive at a URL is taken as fixed once published (as CC-NEWS files are).
    unchanged = (entry.get("location") == archive.location
                 and (archive.is_url or (entry.get("size") == archive.size
                                         and entry.get("mtime_ns") == archive.mtime_ns))
                 and entry.get("extractor_version") == EXTRACTOR_VERSION)
    partition = root / CLAIMS_DIR / f"archive={archive.name}"
    kept = entry.get("sample_n") or 0
    sampled = kept >= sample_n or kept >= (entry.get("pages_with_claims") or 0)
    return unchanged and sampled and (partition.is_dir() or not entry.get("claims"))


def sweep_temporary(root: Path) -> int:
    """Remove the temporary partitions of a run that was stopped; how many."""
    claims = root / CLAIMS_DIR
    if not claims.is_dir():
        return 0
    stale = [p for p in claims.iterdir() if p.name.startswith(TEMP_PREFIX)]
    for path in stale:
        shutil.rmtree(path, ignore_errors=True)
    return len(stale)


# --- the driver ----------------------------------------------------------------------------


@dataclass
class BackfillResult:
    done: list[ArchiveSummary] = field(default_factory=list)
    failed: list[ArchiveSummary] = field(default_factory=list)
    skipped: int = 0

    @property
    def claims(self) -> int:
        return sum(s.claims for s in self.done)


def run_backfill(archives: list[Archive], data_dir: Path, *, workers: int | None = None,
                 scheduler: str | None = None, conflict: str = "", processes: bool = True,
                 sample_n: int = 0, settings: Any = None,
                 progress: Callable[[str], None] = lambda message: None) -> BackfillResult:
    """Read every archive not yet done on a Dask cluster; record each one finished. With
    `sample_n`, write the review sample of every archive done (`write_sample`)."""
    root = Path(data_dir) / BACKFILL_DIR
    (root / CLAIMS_DIR).mkdir(parents=True, exist_ok=True)
    if sweep_temporary(root):
        progress("backfill: removed the temporary partitions of a run that was stopped")
    path = root / MANIFEST_NAME
    try:
        manifest = _read_manifest(path)
    except (OSError, ValueError) as error:
        # Not started afresh: the manifest written after this run would list only its own
        # archives, and the merge would retract the figures of every other one.
        raise BackfillError(f"{path}: the backfill manifest cannot be read "
                            f"({getattr(error, 'strerror', None) or error}); restore it, or "
                            "move it aside to read every archive again") from None
    result = BackfillResult()
    todo = [a for a in archives if not is_done(a, manifest, root, sample_n)]
    result.skipped = len(archives) - len(todo)
    if result.skipped:
        progress(f"backfill: {result.skipped} archive(s) already done, not read again")
    if todo:
        _run_tasks(todo, root, manifest, result, workers=workers, scheduler=scheduler,
                   conflict=conflict, processes=processes, sample_n=sample_n,
                   settings=settings, progress=progress)
    if sample_n:
        chosen = write_sample(root, load_manifest(root), sample_n)
        progress(f"backfill: review sample of {len(chosen)} page(s) with claims in "
                 f"{root / SAMPLE_NAME} (tracker backfill --merge keeps them for the review page)")
    return result


def _run_tasks(todo: list[Archive], root: Path, manifest: dict[str, dict[str, Any]],
               result: BackfillResult, *, workers: int | None, scheduler: str | None,
               conflict: str, processes: bool, sample_n: int, settings: Any,
               progress: Callable[[str], None]) -> None:
    total_bytes = sum(a.size for a in todo)  # archives at URLs count 0: their size is unknown
    with _client(workers, scheduler, processes) as client:
        progress(f"backfill: {len(todo)} archive(s), {total_bytes / 1e6:,.1f} MB of files on "
                 f"{_worker_count(client)} worker(s); dashboard {client.dashboard_link}")
        from dask.distributed import as_completed

        meter = _Meter(todo, progress)
        client.subscribe_topic(PROGRESS_TOPIC, meter.task_event)
        futures = client.map(process_archive, todo, out_root=str(root), conflict=conflict,
                             sample_n=sample_n, settings=settings, pure=False)
        try:
            for future in as_completed(futures):
                summary = future.result()
                if summary.error:
                    result.failed.append(summary)
                    meter.finished(summary, failed=True)
                    progress(f"backfill: FAILED {summary.name}: {summary.error}")
                    continue
                manifest[summary.name] = asdict(summary)
                save_manifest(root, manifest)
                result.done.append(summary)
                progress(meter.finished(summary))
        finally:
            client.unsubscribe_topic(PROGRESS_TOPIC)


# --- the review sample ---------------------------------------------------------------------


def read_sample(root: Path) -> list[dict[str, str]]:
    """The rows of `sample.csv` ([] when there is none); OSError or ValueError (csv.Error,
    UnicodeDecodeError) when it cannot be read."""
    try:
        text = (root / SAMPLE_NAME).read_text(encoding="utf-8")
    except FileNotFoundError:
        return []
    try:
        return list(csv.DictReader(io.StringIO(text)))
    except csv.Error as error:
        raise ValueError(str(error)) from None


def write_sample(root: Path, manifest: dict[str, dict[str, Any]], size: int) -> list[dict[str, Any]]:
    """The `size` pages of lowest rank among every archive done, as `sample.csv` (without
    their bytes, which stay in each archive's sample.parquet); returns its rows."""
    import pyarrow.parquet as pq

    from tracker.store import write_if_changed

    candidates: list[dict[str, Any]] = []
    for name in sorted(manifest):
        path = root / CLAIMS_DIR / f"archive={name}" / SAMPLE_PAGES_NAME
        if path.is_file():
            candidates += pq.read_table(path, columns=list(SAMPLE_COLUMNS)).to_pylist()
    chosen, seen = [], set()
    for row in sorted(candidates, key=lambda row: (row["rank"], row["archive"])):
        if row["page_sha256"] not in seen and len(chosen) < size:  # one page in two archives
            seen.add(row["page_sha256"])
            chosen.append(row)
    text = io.StringIO()
    writer = csv.DictWriter(text, fieldnames=SAMPLE_COLUMNS, lineterminator="\n")
    writer.writeheader()
    writer.writerows(chosen)
    write_if_changed(root / SAMPLE_NAME, text.getvalue().encode("utf-8"))
    return chosen


class _Meter:
    """The run's progress: archives finished, and how far the tasks under way have read
    (their events, at most a line every PRINT_PROGRESS_S); MB/s and the ETA over both."""

    def __init__(self, todo: list[Archive], progress: Callable[[str], None]) -> None:
        import threading

        self.file_bytes = sum(a.size for a in todo if not a.is_url)
        self.urls = {a.name for a in todo if a.is_url}
        self.url_bytes: dict[str, int] = {}  # announced by the server, then as read
        self.progress = progress
        self.started = time.monotonic()
        self.printed_at = self.started
        self.lock = threading.Lock()  # events arrive on the client's thread
        self.under_way: dict[str, dict[str, Any]] = {}
        self.done_bytes = self.records = self.pages = self.claims = self.archives = 0

    def task_event(self, event: tuple[float, dict[str, Any]]) -> None:
        _, message = event
        with self.lock:
            if not isinstance(message, dict) or "archive" not in message:
                return
            name = message["archive"]
            if name in self.urls and message.get("size"):
                self.url_bytes.setdefault(name, message["size"])
            self.under_way[name] = message
            now = time.monotonic()
            if now - self.printed_at < PRINT_PROGRESS_S:
                return
            self.printed_at = now
            parts = []
            for name, seen in sorted(self.under_way.items())[:3]:
                share = f" ({seen['bytes'] / seen['size']:.0%})" if seen.get("size") else ""
                parts.append(f"{name} at {seen['bytes'] / 1e6:,.0f} MB{share}")
            more = len(self.under_way) - len(parts)
            line = (f"backfill: under way {', '.join(parts)}{f' and {more} more' if more else ''}; "
                    + self._totals())
        self.progress(line)

    def finished(self, summary: ArchiveSummary, failed: bool = False) -> str:
        with self.lock:
            self.under_way.pop(summary.name, None)
            if summary.name in self.urls:
                self.url_bytes[summary.name] = 0 if failed else summary.bytes_read
            elif failed:
                self.file_bytes -= summary.size
            if failed:
                return ""
            self.archives += 1
            self.done_bytes += summary.bytes_read
            self.records += summary.records
            self.pages += summary.pages_kept
            self.claims += summary.claims
            problems = f"; {len(summary.problems)} problem(s)" if summary.problems else ""
            return (f"backfill: {summary.name} done ({summary.claims} claims{problems}); "
                    f"{self.archives} archive(s), " + self._totals())

    def _totals(self) -> str:
        """Counts of the archives finished, the rate and the ETA over every byte read."""
        read = self.done_bytes + sum(seen["bytes"] for seen in self.under_way.values())
        elapsed_s = time.monotonic() - self.started
        rate = read / elapsed_s / 1e6 if elapsed_s > 0 else 0.0
        total = self.file_bytes + sum(self.url_bytes.values())
        left_s = (total - read) / (rate * 1e6) if rate > 0 else 0.0
        records = self.records + sum(seen["records"] for seen in self.under_way.values())
        pages = self.pages + sum(seen["kept"] for seen in self.under_way.values())
        claims = self.claims + sum(seen["claims"] for seen in self.under_way.values())
        eta = (f"ETA {max(left_s, 0):,.0f} s" if self.urls <= set(self.url_bytes)
               else "ETA unknown until every archive at a URL has begun")
        return (f"{records:,} records, {pages:,} pages kept, {claims:,} claims; "
                f"{rate:,.1f} MB/s, {eta}")


class _client:
    """A Dask client: on the scheduler given, or on a local cluster sized to the machine."""

    def __init__(self, workers: int | None, scheduler: str | None, processes: bool) -> None:
        self.workers, self.scheduler, self.processes = workers, scheduler, processes
        self.cluster = None
        self.client = None

    def __enter__(self):
        import dask
        from dask.distributed import Client, LocalCluster

        if self.scheduler:
            self.client = Client(self.scheduler)
        else:
            count = self.workers or os.cpu_count() or 1
            # One thread per worker: the extractor is CPU-bound Python, so threads would
            # share one interpreter lock; processes scale with the cores. The workers'
            # statistical profiler is off: it keeps a profile of every second of the last
            # thousand, which for this deep a call stack grew a worker by ~90 MiB over a
            # 1 GB archive (the memory a worker needs must not grow with the archive).
            with dask.config.set({"distributed.worker.profile.enabled": False}):
                self.cluster = LocalCluster(n_workers=count, threads_per_worker=1,
                                            processes=self.processes, dashboard_address=":0")
            self.client = Client(self.cluster)
        return self.client

    def __exit__(self, *exc: object) -> None:
        if self.client is not None:
            self.client.close()
        if self.cluster is not None:
            self.cluster.close()


def _worker_count(client: Any) -> int:
    return len(client.scheduler_info().get("workers", {}))
