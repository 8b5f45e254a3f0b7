"""`archives`: the figures `tracker backfill ARCHIVE...` read out of WARC news archives.

The backfill (tracker/archive_backfill.py) writes claims as Parquet under
`data/backfill/claims/archive=<name>/`, outside the ledger, so that a cluster can write them
without the job lock. This source merges them into the ledger the way every source does:
each row becomes a claim of this source, validated by the same pandera schema (a row it
refuses is quarantined, named by archive and record offset), identified as every figure is
(claim_id, location_id), and planned by tracker/history.py, so that a page read again by a
newer extractor supersedes its earlier reading. `tracker backfill --merge` runs the ingest
with this source alone; listed in sources.toml, every `tracker run` merges what is done.

Only archives the manifest names as finished are read: a partition being written (or left
by a run that was stopped) is not. The source is read whole, so the figures of an archive
whose partition was removed are retracted, unless a row was refused (then nothing is).

The pages of the review sample (`tracker backfill --sample N`, `data/backfill/sample.csv`)
are kept in data/raw under this source, their bytes checked against their hash, so the
review page shows their figures in their text (`?sample=1` lists them alone).
"""

from __future__ import annotations

import hashlib
import json
import math
from pathlib import Path
from typing import Any

from tracker.config import Source
from tracker.model import CLAIM_COLUMNS, DATE_COLUMNS, FLOAT_COLUMNS, INT_COLUMNS, Claim
from tracker.sources import Collected, Context, Reject, SourceError, resolve_inside

KIND = "archives"
REQUIRED = frozenset()
OPTIONAL = frozenset({"path"})

# What the backfill fills in as its own; this source sets them as the ledger expects.
_RESET = ("claim_id", "location_id", "recorded_at", "status", "status_at", "superseded_by")


def folder(source: Source, context: Context) -> Path:
    """The backfill folder: `path` on the source (against sources.toml's folder, and inside
    it unless `allow_outside`, as every local file a source reads), else the data
    folder's `backfill/`."""
    from tracker.archive_backfill import BACKFILL_DIR

    if "path" in source.options:
        return resolve_inside(source, source.path_option("path"), str(source.options["path"]))
    return context.store.data_dir / BACKFILL_DIR


def collect(source: Source, context: Context) -> Collected:
    from tracker.archive_backfill import CLAIMS_DIR, MANIFEST_NAME

    try:
        import pyarrow.parquet  # noqa: F401
    except ImportError:
        raise SourceError("merging the backfill needs the 'archives' extra (pyarrow is "
                          "missing): pip install -e '.[archives]'") from None
    root = folder(source, context)
    manifest = _manifest(root / MANIFEST_NAME)
    collected = Collected()
    pages: set[str] = set()
    for name in sorted(manifest):
        entry = manifest[name]
        if not isinstance(entry, dict) or not entry.get("claims"):
            continue
        partition = root / CLAIMS_DIR / f"archive={name}"
        parts = sorted(partition.glob("conflict=*/*.parquet"))
        if not parts:
            collected.rejects.append(Reject(str(partition), (
                f"{partition}: the manifest lists {entry.get('claims')} claim(s) of archive "
                f"{name} but its partition is missing; run tracker backfill on it again")))
            continue
        for part in parts:
            _read_part(source, part, collected, pages)
    collected.documents_read = len(pages)
    collected.read_documents = {(source.id, sha) for sha in pages}
    collected.whole = not collected.rejects
    _keep_sample(source, context, root, collected)
    context.progress(f"    {len(manifest)} archive(s) done in {root}; "
                     f"{len(collected.claims):,} claim(s) from {len(pages):,} page(s)")
    return collected


def _manifest(path: Path) -> dict[str, Any]:
    """The finished archives; a missing or damaged manifest fails the source (read whole,
    an empty reading would retract every figure merged before)."""
    try:
        loaded = json.loads(path.read_text(encoding="utf-8"))
    except FileNotFoundError:
        raise SourceError(f"{path}: no backfill here (no manifest); run "
                          "tracker backfill ARCHIVE... first") from None
    except (OSError, ValueError) as error:
        raise SourceError(f"{path}: cannot read the backfill manifest: "
                          f"{getattr(error, 'strerror', None) or error}") from None
    archives = loaded.get("archives") if isinstance(loaded, dict) else None
    if not isinstance(archives, dict):
        raise SourceError(f"{path}: not a backfill manifest (no 'archives' object)")
    return archives


def _read_part(source: Source, part: Path, collected: Collected, pages: set[str]) -> None:
    import pyarrow.parquet as pq

    try:
        rows = pq.read_table(part).to_pylist()
    except Exception as error:  # noqa: BLE001 - pyarrow raises several kinds for a bad file
        collected.rejects.append(Reject(str(part), f"{part}: not a readable Parquet file ({error})"))
        return
    for row in rows:
        origin = _origin(row, part)
        claim, problem = _claim(source, row)
        if problem:
            record = json.dumps({k: v for k, v in row.items() if v not in (None, "")},
                                ensure_ascii=False, sort_keys=True, default=str)
            collected.rejects.append(Reject(origin, f"{origin}: {problem}", record))
            continue
        pages.add(claim.snapshot_sha256)
        collected.add(claim, origin)


def _origin(row: dict[str, Any], part: Path) -> str:
    """Where a row was read: its archive and record offset (the page's address after)."""
    archive = row.get("archive") or part.parent.parent.name.removeprefix("archive=")
    return f"{archive}@{row.get('record_offset')} {row.get('warc_target_uri') or ''}".rstrip()


def _claim(source: Source, row: dict[str, Any]) -> tuple[Claim, str]:
    """A claim of this source from one Parquet row, or why the row cannot be one (the
    values themselves are the schema's to judge, in the pipeline)."""
    fields: dict[str, Any] = {}
    for name in CLAIM_COLUMNS:
        value = row.get(name)
        if name in FLOAT_COLUMNS or name in INT_COLUMNS:
            if isinstance(value, float) and math.isnan(value):
                value = None
            if value is not None and (isinstance(value, bool) or not isinstance(value, (int, float))):
                return Claim(), f"{name} is not a number: {value!r}"
            if name in INT_COLUMNS and value is not None and value != int(value):
                return Claim(), f"{name} is not a whole number: {value!r}"
            fields[name] = value if value is None or name in FLOAT_COLUMNS else int(value)
        elif value is None or value == "":
            fields[name] = None if name in DATE_COLUMNS else ""
        else:
            fields[name] = str(value)
    for name in _RESET:
        fields.pop(name, None)
    if len(str(row.get("snapshot_sha256") or "")) != 64:
        return Claim(), "no page hash (snapshot_sha256): not a row tracker backfill wrote"
    claim = Claim(**fields)
    claim.source_id = source.id
    claim.conflict = claim.conflict or source.conflict
    claim.publisher = source.publisher or claim.publisher
    claim.attribution = claim.attribution or source.attribution
    return claim, ""


def _keep_sample(source: Source, context: Context, root: Path, collected: Collected) -> None:
    """Keep the sampled pages' bytes in data/raw under this source (checked against their
    hash), for the review page; a page that cannot be kept is quarantined, not fatal."""
    from tracker.archive_backfill import CLAIMS_DIR, SAMPLE_NAME, SAMPLE_PAGES_NAME, read_sample

    path = root / SAMPLE_NAME
    try:
        rows = read_sample(root)
    except (OSError, ValueError) as error:
        collected.rejects.append(Reject(str(path), f"{path}: cannot read the review sample: {error}"))
        return
    wanted: dict[str, dict[str, str]] = {}
    for row in rows:
        wanted.setdefault(row.get("archive", ""), {})[row.get("page_sha256", "")] = row
    for archive, by_sha in sorted(wanted.items()):
        pages_path = root / CLAIMS_DIR / f"archive={archive}" / SAMPLE_PAGES_NAME
        bodies = _sample_bodies(pages_path, set(by_sha), collected)
        for sha, row in by_sha.items():
            origin = f"{archive}@{row.get('record_offset')} {row.get('warc_target_uri', '')}".rstrip()
            body = bodies.get(sha)
            if body is None or hashlib.sha256(body).hexdigest() != sha:
                collected.rejects.append(Reject(origin, (
                    f"{origin}: sampled page {sha[:12]}… is missing from {pages_path} or its "
                    "bytes do not match their hash; not kept for review")))
                continue
            _, is_new = context.store.keep(source.id, body, origin=row.get("warc_target_uri", ""),
                                           content_type=row.get("content_type") or "text/html",
                                           retrieved_at=row.get("warc_date") or context.retrieved_at)
            collected.documents_new += is_new


def _sample_bodies(path: Path, wanted: set[str], collected: Collected) -> dict[str, bytes]:
    import pyarrow.parquet as pq

    try:
        table = pq.read_table(path, columns=["page_sha256", "body"])
    except Exception as error:  # noqa: BLE001 - a missing or damaged file: each page says so
        collected.rejects.append(Reject(str(path), f"{path}: cannot read the sampled pages ({error})"))
        return {}
    return {sha: body for sha, body in zip(table.column("page_sha256").to_pylist(),
                                           table.column("body").to_pylist()) if sha in wanted}
