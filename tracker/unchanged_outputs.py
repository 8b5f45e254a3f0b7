"""Whether the report or export in a folder was made from exactly the inputs a new one
would read.

A report and an export are functions of the ledger, the derived tables, the review log,
the options and publishing settings, and the tracker's own code: they read no clock. So
when all of these are those of the outputs already written, and their files are still the
bytes written, new ones would be the same bytes; the scheduled job then keeps them instead
of drawing every chart and writing every table again (seconds on a run that found nothing
new, more at scale).

`.inputs.json` in the output folder holds the fingerprint of the inputs and the SHA-256 of
each file written. It is written after the files, so a step that fails leaves the previous
fingerprint, which no longer matches its inputs or its files.
"""

from __future__ import annotations

import dataclasses
import functools
import hashlib
import json
from importlib import metadata
from pathlib import Path
from typing import Any, Iterable

from tracker.store import write_if_changed

STATE_NAME = ".inputs.json"
_PACKAGE = Path(__file__).resolve().parent  # tracker/
_LIBRARIES = ("matplotlib", "pandas", "numpy", "pypdf", "pillow")


def fingerprint(data_dir: Path, step: str, options: dict[str, Any], publishing: Any) -> str:
    """SHA-256 over everything the `step` ("report", "export") of `data_dir` with these
    options reads."""
    from tracker.pipeline import derived_digests, reviews_digest
    from tracker.store import remembered_digest

    data_dir = Path(data_dir)
    inputs = {
        "step": step,
        "ledger": remembered_digest(data_dir / "processed" / "claims.csv", data_dir),
        "tables": derived_digests(data_dir),
        "reviews": reviews_digest(data_dir),
        "options": options,
        "publishing": _plain(dataclasses.asdict(publishing)) if publishing is not None else None,
        "code": code_digest(),
        "libraries": {name: _version(name) for name in _LIBRARIES},
    }
    text = json.dumps(inputs, sort_keys=True, ensure_ascii=False, default=str)
    return hashlib.sha256(text.encode("utf-8")).hexdigest()


@functools.lru_cache(maxsize=1)
def code_digest() -> str:
    """SHA-256 of the tracker's own sources and data files: a new version draws anew.
    Read once a process: a run's report and export share it."""
    digest = hashlib.sha256()
    for path in sorted(_PACKAGE.rglob("*")):
        if path.suffix in (".py", ".csv", ".json") and "__pycache__" not in path.parts:
            digest.update(str(path.relative_to(_PACKAGE)).encode("utf-8"))
            digest.update(path.read_bytes())
    return digest.hexdigest()


def kept_files(out_dir: Path, key: str) -> list[Path] | None:
    """The files in `out_dir` when they were made from inputs `key` and every one of them
    is still the bytes written; None otherwise (make them again)."""
    try:
        state = json.loads((Path(out_dir) / STATE_NAME).read_text(encoding="utf-8"))
    except (OSError, ValueError):
        return None
    if not isinstance(state, dict) or state.get("inputs") != key:
        return None
    files = state.get("files")
    if not isinstance(files, dict) or not files:
        return None
    kept = []
    for name, sha256 in sorted(files.items()):
        path = Path(out_dir) / str(name)
        try:
            if hashlib.sha256(path.read_bytes()).hexdigest() != sha256:
                return None
        except OSError:
            return None
        kept.append(path)
    return kept


def remember(out_dir: Path, key: str, files: Iterable[Path]) -> None:
    """Record the inputs and the files just written."""
    out_dir = Path(out_dir)
    listed = {}
    for path in files:
        path = Path(path).resolve()
        # Relative to the folder (an export's parquet/ files too): a moved folder still
        # matches, and the same run in another folder writes the same bytes.
        name = (path.relative_to(out_dir.resolve()).as_posix()
                if path.is_relative_to(out_dir.resolve()) else str(path))
        listed[name] = hashlib.sha256(path.read_bytes()).hexdigest()
    payload = json.dumps({"inputs": key, "files": listed}, indent=1, sort_keys=True) + "\n"
    write_if_changed(out_dir / STATE_NAME, payload.encode("utf-8"))


def _plain(value: Any) -> Any:
    if isinstance(value, (set, frozenset)):
        return sorted(value)
    if isinstance(value, dict):
        return {k: _plain(v) for k, v in value.items()}
    return value


def _version(name: str) -> str:
    try:
        return metadata.version(name)
    except metadata.PackageNotFoundError:
        return ""
