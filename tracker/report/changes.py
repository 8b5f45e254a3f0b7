"""What changed since the previous report: a small JSON state kept next to the PDF.

`reports/.last_report.json` holds, per selection (conflict, window, metrics), the latest
figure of every chart and source as printed ("current") and those of the report before
it ("baseline"). A report compares its figures with the baseline of the last report
whose figures differed, so re-running on unchanged data prints the same comparison and
gives a byte-identical PDF; new data moves "current" to "baseline".
"""

from __future__ import annotations

import json
from pathlib import Path

from tracker.store import write_if_changed

STATE_NAME = ".last_report.json"

Figures = dict[str, dict[str, str]]  # "chart | source" -> {"observation_id", "figure"}


def load_baseline(path: Path, scope: str, current: Figures) -> tuple[Figures | None, dict]:
    """The figures to compare with, and the whole state to save back (updated)."""
    state = _read(path)
    entry = state.get(scope)
    if isinstance(entry, dict) and entry.get("current") == current:
        baseline = entry.get("baseline")
    else:
        baseline = entry.get("current") if isinstance(entry, dict) else None
    state[scope] = {"baseline": baseline, "current": current}
    return baseline, state


def save_state(path: Path, state: dict) -> None:
    payload = json.dumps(state, indent=1, sort_keys=True, ensure_ascii=False) + "\n"
    write_if_changed(path, payload.encode("utf-8"))


def _read(path: Path) -> dict:
    try:
        state = json.loads(path.read_text(encoding="utf-8"))
    except (OSError, ValueError):
        return {}  # absent or damaged: the report says it has nothing to compare with
    return state if isinstance(state, dict) else {}


def change_lines(baseline: Figures | None, current: Figures, prefix: str = "") -> list[str]:
    """Lines for the first page; only keys starting with `prefix` (one conflict's charts)."""
    if baseline is None:
        return ["    First report for this selection: there is no earlier report to compare with."]
    now = {k: v for k, v in current.items() if k.startswith(prefix)}
    before = {k: v for k, v in baseline.items() if k.startswith(prefix)}
    lines = []
    for key in sorted(now):
        label = key.split("|", 1)[1].strip() if "|" in key else key
        chart = key.split("|", 1)[0].strip()
        if key not in before:
            lines.append(f"    New: {chart} — {label}: {now[key]['figure']}")
        elif before[key]["observation_id"] != now[key]["observation_id"]:
            lines.append(f"    Changed: {chart} — {label}: {before[key]['figure']}  →  {now[key]['figure']}")
    for key in sorted(set(before) - set(now)):
        lines.append(f"    No longer shown: {key.replace('|', '—')}: {before[key]['figure']}")
    return lines or ["    No latest figure changed since the previous report."]
