"""The review log: every decision a person took on a figure, one JSON object per line.

`data/review/decisions.jsonl` is append-only: a decision is never edited or removed, a
later decision on the same figure overrides an earlier one in the current view (see
tracker/view.py `decisions_in_force`). One line is written with one `write` under its own lock
(`data/state/review.lock`) and flushed to disk before the call returns, so two reviewers
at once never interleave or lose a line. A line cut short by a crash (or edited into
nonsense) is reported with its line number and skipped; every other line is kept, and a
new line never glues onto a damaged one.

Why not the job lock: an ingest run may hold it for minutes, and a reviewer's key press
must not wait for a whole run. Nothing else writes this file.
"""

from __future__ import annotations

import hashlib
import json
import math
import os
import re
from dataclasses import asdict, dataclass, field
from datetime import date
from pathlib import Path
from typing import Any

from filelock import FileLock, Timeout

LOG_PATH = Path("review") / "decisions.jsonl"
LOCK_PATH = Path("state") / "review.lock"

ACTIONS: tuple[str, ...] = ("confirm", "correct", "reject")

# The fields a reviewer may correct: what the figure says, never its lineage.
CORRECTABLE_FIELDS: tuple[str, ...] = (
    "conflict", "metric", "value", "value_min", "value_max", "qualifier", "actor", "territory",
    "period_start", "period_end", "as_of", "attribution", "analyst", "data_producer",
    "definition",
)

_NUMBER_FIELDS = frozenset({"value", "value_min", "value_max"})
_DATE_FIELDS = frozenset({"period_start", "period_end", "as_of"})
_ID = re.compile(r"^[0-9a-f]{16}$")
_DATE = re.compile(r"^\d{4}-\d{2}-\d{2}$")
_TIMESTAMP = re.compile(r"^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}Z$")
# Reviewer names go into CSVs and the PDF: short, one line, printable.
_REVIEWER = re.compile(r"^[^\x00-\x1f\x7f]{1,64}$")
MAX_REASON_CHARS = 500


class ReviewError(ValueError):
    """A decision that cannot be recorded; the message says what is wrong."""


@dataclass(frozen=True)
class Decision:
    """One person's decision on one reading of a figure."""

    action: str  # confirm | correct | reject
    claim_id: str  # the reading the reviewer saw
    location_id: str  # the figure's identity: where it was read
    reviewer: str
    at: str  # UTC, YYYY-MM-DDTHH:MM:SSZ
    reading: dict[str, Any] = field(default_factory=dict)  # CORRECTABLE_FIELDS as shown
    fields: dict[str, Any] = field(default_factory=dict)  # corrected values (correct only)
    reason: str = ""  # why (reject: required)
    decision_id: str = ""

    def as_line(self) -> bytes:
        record = asdict(self)
        record["decision_id"] = self.decision_id or decision_id(record)
        return (json.dumps(record, ensure_ascii=False, sort_keys=True) + "\n").encode("utf-8")


def decision_id(record: dict[str, Any]) -> str:
    body = {k: v for k, v in record.items() if k != "decision_id"}
    return hashlib.sha256(json.dumps(body, sort_keys=True, ensure_ascii=False).encode()).hexdigest()[:16]


def check_decision(decision: Decision) -> None:
    """Raise ReviewError naming what is wrong with a decision before it is written (and
    with a line read back: a hand-edited log must not stop the readers)."""
    for name in ("action", "claim_id", "location_id", "reviewer", "at", "reason", "decision_id"):
        if not isinstance(getattr(decision, name), str):
            raise ReviewError(f"{name} must be text")
    for name in ("reading", "fields"):
        if not isinstance(getattr(decision, name), dict):
            raise ReviewError(f"{name} must be an object of field values")
    if not _TIMESTAMP.match(decision.at):
        raise ReviewError(f"at {decision.at!r} is not a UTC time written YYYY-MM-DDTHH:MM:SSZ")
    for name, value in [*decision.reading.items(), *decision.fields.items()]:
        problem = field_value_problem(name, value)
        if problem:
            raise ReviewError(problem)
    if decision.action not in ACTIONS:
        raise ReviewError(f"unknown action {decision.action!r} (one of {', '.join(ACTIONS)})")
    for name in ("claim_id", "location_id"):
        if not _ID.match(getattr(decision, name) or ""):
            raise ReviewError(f"{name} {getattr(decision, name)!r} is not a 16-hex id")
    if not _REVIEWER.match(decision.reviewer or ""):
        raise ReviewError("the reviewer's name must be 1-64 printable characters on one line")
    if decision.action == "correct" and not decision.fields:
        raise ReviewError("a correction must change at least one field")
    if decision.action == "reject" and not decision.reason.strip():
        raise ReviewError("a rejection needs a reason")
    if len(decision.reason) > MAX_REASON_CHARS:
        raise ReviewError(f"the reason is longer than {MAX_REASON_CHARS} characters")


def field_value_problem(name: str, value: Any) -> str:
    """What is wrong with a value of a correctable field ('' when nothing): numbers are
    JSON numbers or null, dates YYYY-MM-DD or empty, text one line."""
    if name not in CORRECTABLE_FIELDS:
        return f"{name!r} is not a field a review can set"
    if name in _NUMBER_FIELDS:
        if value is None or (isinstance(value, (int, float)) and not isinstance(value, bool)
                             and math.isfinite(value)):
            return ""
        return f"{name} {value!r} is not a number"
    if not isinstance(value, str) and value is not None:
        return f"{name} {value!r} is not text"
    text = value or ""
    if name in _DATE_FIELDS and text:
        try:
            date.fromisoformat(text)
        except ValueError:
            return f"{name} {text!r} is not a date written YYYY-MM-DD"
        if not _DATE.match(text):
            return f"{name} {text!r} is not a date written YYYY-MM-DD"
    if any(ord(ch) < 32 or ord(ch) == 127 for ch in text):
        return f"{name} holds a control character or a line break"
    return ""


def append_decision(data_dir: Path, decision: Decision, timeout_s: float = 10.0) -> Decision:
    """Check `decision` and append it to the log; return it with its decision_id."""
    check_decision(decision)
    record = json.loads(decision.as_line())
    decision = Decision(**record)
    path = Path(data_dir) / LOG_PATH
    path.parent.mkdir(parents=True, exist_ok=True)
    (Path(data_dir) / LOCK_PATH).parent.mkdir(parents=True, exist_ok=True)
    try:
        with FileLock(str(Path(data_dir) / LOCK_PATH), timeout=timeout_s):
            handle = os.open(path, os.O_WRONLY | os.O_APPEND | os.O_CREAT, 0o644)
            try:
                line = decision.as_line()
                size = os.fstat(handle).st_size
                if size and _last_byte(path, size) != b"\n":
                    # The last line was cut short by a crash: start on a line of our own.
                    line = b"\n" + line
                os.write(handle, line)
                os.fsync(handle)
            finally:
                os.close(handle)
    except Timeout:
        raise ReviewError(f"{path}: another reviewer holds the log's lock; try again") from None
    return decision


def _last_byte(path: Path, size: int) -> bytes:
    with open(path, "rb") as file:
        file.seek(size - 1)
        return file.read(1)


def read_decisions(data_dir: Path) -> tuple[list[Decision], list[str]]:
    """(every sound decision in log order, one 'file:line: problem' per damaged line)."""
    path = Path(data_dir) / LOG_PATH
    try:
        payload = path.read_bytes()
    except FileNotFoundError:
        return [], []
    decisions: list[Decision] = []
    problems: list[str] = []
    for number, raw in enumerate(payload.split(b"\n"), start=1):
        if not raw.strip():
            continue
        try:
            record = json.loads(raw.decode("utf-8"))
            if not isinstance(record, dict):
                raise ValueError("not a JSON object")
            record.setdefault("decision_id", "")
            decision = Decision(**record)
            check_decision(decision)
        except (UnicodeDecodeError, ValueError, TypeError) as error:
            problems.append(f"{path}:{number}: damaged review decision skipped ({error})")
            continue
        decisions.append(decision)
    return decisions, problems
