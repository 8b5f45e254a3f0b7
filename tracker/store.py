"""Storage without pandas: the raw snapshot store, atomic file writes and the job lock.

Raw bytes are kept once, by content hash, and never rewritten. Every other file is
written to a temporary file in the same directory and moved into place with os.replace,
so a reader (or a crash) sees either the old file or the new one, never half of one.
(The processed tables themselves are in tracker/ledger.py, which needs pandas; keeping
this module free of it lets an unchanged run finish without importing pandas at all.)
"""

from __future__ import annotations

import hashlib
import json
import os
import re
import stat
import tempfile
from dataclasses import asdict, dataclass
from pathlib import Path

from filelock import FileLock, Timeout

_SAFE_NAME = re.compile(r"[^A-Za-z0-9._-]+")

# Extensions for the raw copies, so that a person browsing data/raw can open them.
_EXTENSIONS = {
    "text/html": ".html",
    "application/xhtml+xml": ".html",
    "text/plain": ".txt",
    "text/csv": ".csv",
    "application/json": ".json",
    "text/json": ".json",
    "application/geo+json": ".geojson",
    "application/xml": ".xml",
    "text/xml": ".xml",
    "application/rss+xml": ".xml",
    "application/atom+xml": ".xml",
}


SIDECAR_SUFFIX = ".meta.json"


class StoreError(Exception):
    """A stored file cannot be read or written; the message names the file."""


@dataclass(frozen=True)
class RawRecord:
    """Sidecar of one stored document: where its bytes came from and when."""

    source_id: str
    origin: str
    retrieved_at: str
    content_type: str
    size_bytes: int
    sha256: str
    path: str  # relative to the data directory


def safe_name(text: str) -> str:
    """A file-system-safe version of a source id."""
    cleaned = _SAFE_NAME.sub("-", text).strip("-.")
    return cleaned or "source"


def atomic_write_bytes(path: Path, payload: bytes) -> None:
    """Write `payload` to `path` so that the file is either old or new, never partial."""
    path.parent.mkdir(parents=True, exist_ok=True)
    handle, temp_name = tempfile.mkstemp(prefix=f".{path.name}.", suffix=".tmp", dir=path.parent)
    try:
        with os.fdopen(handle, "wb") as temp:
            temp.write(payload)
            temp.flush()
            os.fsync(temp.fileno())
        # mkstemp creates the file 0600; give it the mode a plain open() would have.
        umask = os.umask(0)
        os.umask(umask)
        os.chmod(temp_name, 0o666 & ~umask)
        os.replace(temp_name, path)
    except BaseException:
        Path(temp_name).unlink(missing_ok=True)
        raise


def read_regular_file(path: Path, limit_bytes: int, *, label: str = "",
                      raise_hint: str = "") -> bytes:
    """The bytes of a regular file, at most `limit_bytes`; StoreError names the file.

    The type is checked before opening, so that a FIFO or a device is never opened (a
    FIFO blocks, /dev/zero never ends), and again on the open file."""
    label = label or str(path)
    hint = f" ({raise_hint})" if raise_hint else ""
    try:
        info = os.stat(path)
        _check_regular(label, info.st_mode)
        if info.st_size > limit_bytes:
            raise StoreError(f"{label}: {info.st_size:,} bytes, over the {limit_bytes:,}-byte cap{hint}")
        # O_NONBLOCK: should the file be swapped for a FIFO after the stat, opening it
        # still returns at once; the fstat below then refuses it. O_NOFOLLOW: nor may the
        # resolved name have become a symlink.
        handle = os.open(path, os.O_RDONLY | os.O_NONBLOCK | getattr(os, "O_NOFOLLOW", 0))
    except OSError as error:
        raise StoreError(f"{label}: cannot read: {error.strerror}") from None
    with os.fdopen(handle, "rb") as file:
        _check_regular(label, os.fstat(file.fileno()).st_mode)
        try:
            # One byte more than allowed tells a file that grew (or whose size the system
            # does not report, as in /proc) from one that fits.
            payload = file.read(limit_bytes + 1)
        except OSError as error:
            raise StoreError(f"{label}: cannot read: {error.strerror}") from None
    if len(payload) > limit_bytes:
        raise StoreError(f"{label}: more than {limit_bytes:,} bytes, over the {limit_bytes:,}-byte cap{hint}")
    return payload


def _check_regular(label: str, mode: int) -> None:
    if not stat.S_ISREG(mode):
        raise StoreError(f"{label}: not a regular file ({_file_kind(mode)}); only files are read")


def _file_kind(mode: int) -> str:
    for test, kind in ((stat.S_ISDIR, "a folder"), (stat.S_ISFIFO, "a FIFO"), (stat.S_ISCHR, "a character device"),
                       (stat.S_ISBLK, "a block device"), (stat.S_ISSOCK, "a socket")):
        if test(mode):
            return kind
    return "not a plain file"


def sweep_temp_files(data_dir: Path) -> int:
    """Remove the temporary files that killed runs left behind; return how many.

    Only under the job lock: a running job's own temporary files are never swept. The
    names are those atomic_write_bytes gives ('.<name>.<random>.tmp')."""
    removed = 0
    for folder in ("processed", "state", "raw"):
        root = Path(data_dir) / folder
        if root.is_dir():
            for leftover in root.rglob(".*.tmp"):
                if leftover.is_file():
                    leftover.unlink(missing_ok=True)
                    removed += 1
    return removed


class RawStore:
    """`data/raw/<source_id>/<sha256><ext>` plus `<sha256>.meta.json` sidecars.

    The sidecar's double suffix keeps it apart from a payload that is itself JSON.
    """

    def __init__(self, data_dir: Path) -> None:
        self.data_dir = Path(data_dir)
        self.root = self.data_dir / "raw"

    def put(self, source_id: str, payload: bytes, *, origin: str, content_type: str,
            retrieved_at: str) -> RawRecord:
        """Keep `payload`; return its record (see `keep`)."""
        return self.keep(source_id, payload, origin=origin, content_type=content_type,
                         retrieved_at=retrieved_at)[0]

    def keep(self, source_id: str, payload: bytes, *, origin: str, content_type: str,
             retrieved_at: str) -> tuple[RawRecord, bool]:
        """Keep `payload`; return its record and whether these bytes are new to the source.

        Bytes already stored are not written again, and their sidecar keeps the first
        retrieval time (so re-runs change nothing)."""
        digest = hashlib.sha256(payload).hexdigest()
        folder = self.root / safe_name(source_id)
        sidecar = folder / f"{digest}{SIDECAR_SUFFIX}"
        if sidecar.exists():
            existing = self._read_sidecar(sidecar)
            if existing is not None and (self.data_dir / existing.path).exists():
                return existing, False
        extension = _EXTENSIONS.get(content_type.split(";")[0].strip().lower(), ".bin")
        blob = folder / f"{digest}{extension}"
        if not blob.exists():
            atomic_write_bytes(blob, payload)
        record = RawRecord(
            source_id=source_id, origin=origin, retrieved_at=retrieved_at,
            content_type=content_type, size_bytes=len(payload), sha256=digest,
            path=blob.relative_to(self.data_dir).as_posix(),
        )
        # The sidecar goes last: its presence means the bytes are complete.
        atomic_write_bytes(sidecar, (json.dumps(asdict(record), indent=2, sort_keys=True) + "\n").encode())
        return record, True

    def stored(self, source_id: str, sha256: str) -> RawRecord | None:
        """The record of these bytes of the source, when its sidecar and payload are there."""
        sidecar = self.root / safe_name(source_id) / f"{sha256}{SIDECAR_SUFFIX}"
        if not sidecar.exists():
            return None
        record = self._read_sidecar(sidecar)
        if record is None or not (self.data_dir / record.path).exists():
            return None
        return record

    def records(self, source_id: str) -> list[RawRecord]:
        folder = self.root / safe_name(source_id)
        if not folder.is_dir():
            return []
        found = (self._read_sidecar(p) for p in sorted(folder.glob(f"*{SIDECAR_SUFFIX}")))
        return [r for r in found if r is not None]

    def read(self, record: RawRecord) -> bytes:
        return (self.data_dir / record.path).read_bytes()

    @staticmethod
    def _read_sidecar(path: Path) -> RawRecord | None:
        try:
            return RawRecord(**json.loads(path.read_text(encoding="utf-8")))
        except (OSError, ValueError, TypeError):
            return None  # a damaged sidecar is treated as absent; the bytes are re-stored


def read_state_json(path: Path | None) -> dict:
    """An operational state file (data/state/*.json) as a dict; absent or damaged (not JSON,
    not an object) is empty: such a file only ever saves work, and losing it costs that."""
    if path is None:
        return {}
    try:
        loaded = json.loads(Path(path).read_text(encoding="utf-8"))
    except (OSError, ValueError):
        return {}
    return loaded if isinstance(loaded, dict) else {}


def write_state_json(path: Path | None, data: dict) -> None:
    """Write an operational state file, only when its content changes."""
    if path is not None:
        write_if_changed(Path(path), json.dumps(data, indent=1, sort_keys=True).encode("utf-8"))


def file_signature(path: Path) -> list[int]:
    """[size, mtime_ns, inode, mode] of the file at `path` (following symlinks): what the
    file system says of it without reading it. Raises OSError (FileNotFoundError) as stat."""
    info = os.stat(path)
    return [info.st_size, info.st_mtime_ns, info.st_ino, info.st_mode]


def _signature_text(path: Path) -> str:
    """file_signature as the digests' memory keeps it; '' when the file is absent."""
    try:
        return json.dumps(file_signature(path))
    except FileNotFoundError:
        return ""


# data/state/file_digests.json: the digest of each file the job wrote, with the signature
# it had then, so that an unchanged run need not read large files to know they are intact.
DIGESTS_NAME = "file_digests.json"


def _memory_key(path: Path, data_dir: Path) -> str:
    path, data_dir = Path(path), Path(data_dir)
    return str(path.relative_to(data_dir)) if path.is_relative_to(data_dir) else str(path)


def remember_digest(path: Path, data_dir: Path, digest: str) -> None:
    """Remember `digest` for the file the job has just written at `path` (not read again)."""
    signature = _signature_text(path)
    if not signature:
        return
    memory_path = Path(data_dir) / "state" / DIGESTS_NAME
    memory = read_state_json(memory_path)
    memory[_memory_key(path, data_dir)] = [signature, digest]
    memory_path.parent.mkdir(parents=True, exist_ok=True)
    write_state_json(memory_path, memory)


def remembered_digest(path: Path, data_dir: Path) -> str:
    """SHA-256 of the file at `path` ('' when absent). The file is read only when its size,
    modification time or inode differ from those remembered with its digest (a digest is
    remembered by `remember_digest`, never by reading: a command that only reads writes
    nothing)."""
    signature = _signature_text(path)
    if not signature:
        return ""
    memory = read_state_json(Path(data_dir) / "state" / DIGESTS_NAME)
    known = memory.get(_memory_key(path, data_dir))
    if isinstance(known, list) and len(known) == 2 and known[0] == signature:
        return str(known[1])
    with open(path, "rb") as handle:
        return hashlib.file_digest(handle, "sha256").hexdigest()


def write_if_changed(path: Path, payload: bytes) -> bool:
    """Replace `path` only when its content differs, so unchanged runs touch nothing."""
    if path.exists() and path.read_bytes() == payload:
        return False
    atomic_write_bytes(path, payload)
    return True


class JobLock:
    """An exclusive lock on the data directory for one job at a time."""

    def __init__(self, data_dir: Path, timeout_s: float = 0.0) -> None:
        state = Path(data_dir) / "state"
        state.mkdir(parents=True, exist_ok=True)
        self.path = state / "job.lock"
        self._lock = FileLock(str(self.path), timeout=timeout_s)

    def __enter__(self) -> "JobLock":
        try:
            self._lock.acquire()
        except Timeout as error:
            raise StoreError(
                f"another tracker job holds {self.path}; wait for it to finish or pass --wait"
            ) from error
        return self

    def __exit__(self, *exc: object) -> None:
        self._lock.release()
