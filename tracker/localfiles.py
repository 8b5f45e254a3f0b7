"""Which local files an unchanged run need not read again: `data/state/local_files.json`.

A local article file whose size, modification time (ns), inode and type are those it had
when its bytes were stored, and whose stored copy is still in data/raw, is the same file:
the run skips reading, hashing and extracting it, as a 304 skips a page. The stat is taken
on the resolved path, after the same checks `read_local_file` makes, so a file swapped for
a FIFO or a symlink out of the project is still refused. A file modified less than
RACY_WINDOW_S before the run started is not remembered (its next change could keep the same
modification time), and the cache is written only once the claims of the run are stored,
like the HTTP validators: a crash before that means the files are read again.
"""

from __future__ import annotations

from pathlib import Path

from tracker.store import read_state_json, write_state_json

RACY_WINDOW_S = 2.0
CACHE_NAME = "local_files.json"


class LocalFileCache:
    """Signature and sha256 of each local file last stored, per source and origin."""

    def __init__(self, path: Path | None) -> None:
        self.path = path
        # A damaged cache only costs reading the files again.
        self._entries: dict[str, dict[str, dict]] = {
            str(source_id): {str(origin): entry for origin, entry in files.items()
                             if isinstance(entry, dict) and _well_formed(entry)}
            for source_id, files in read_state_json(path).items() if isinstance(files, dict)}

    def unchanged_sha256(self, source_id: str, origin: str, signature: list[int]) -> str:
        """The sha256 stored for this file when its signature is the remembered one, else ''."""
        entry = self._entries.get(source_id, {}).get(origin)
        if entry is None or entry["signature"] != signature:
            return ""
        return entry["sha256"]

    def remember(self, source_id: str, origin: str, signature: list[int], sha256: str,
                 started_at_ns: int) -> None:
        if started_at_ns - signature[1] < RACY_WINDOW_S * 1e9:
            self.forget(source_id, origin)  # modified just now: its next change may not show
            return
        self._entries.setdefault(source_id, {})[origin] = {"signature": signature, "sha256": sha256}

    def forget(self, source_id: str, origin: str) -> None:
        self._entries.get(source_id, {}).pop(origin, None)

    def save(self) -> None:
        write_state_json(self.path, self._entries)


def _well_formed(entry: dict) -> bool:
    signature, sha256 = entry.get("signature"), entry.get("sha256")
    return (isinstance(signature, list) and len(signature) == 4
            and all(isinstance(n, int) for n in signature)
            and isinstance(sha256, str) and len(sha256) == 64)
