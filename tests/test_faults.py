"""Deterministic fault injection at every write step of a run.

Every file the job writes is committed by one os.replace, so those calls are the write
steps. For each step, a run in a forked process is killed just before it (the temporary
file written, the target not replaced: a power cut or SIGKILL) or the step fails with a
full disk; then
the ledger, the derived tables and the state must be valid, and the next ordinary run
must end in exactly the files an undisturbed run gives.
"""

from __future__ import annotations

import errno
import os
import shutil
from contextlib import contextmanager
from pathlib import Path

import pytest
from click.testing import CliRunner
from pytest_httpserver import HTTPServer

from conftest import curated_row, file_contents, write_curated
from test_job import ARTICLE, SETTINGS, item, rss
from tracker.cli import cli
from tracker.ledger_file import load_ledger_file

NOW = "2026-01-02T03:04:05Z"
KILLED = 137  # the exit status of a process ended by SIGKILL, as a shell reports it


def make_project(folder: Path, feed_url: str) -> Path:
    write_curated(folder / "inputs" / "figures.csv", [
        curated_row(),
        curated_row(metric="share_controlled_pct", value="19.3", period_start="", period_end="",
                    as_of="2025-11-30"),
    ])
    (folder / "sources.toml").write_text(
        SETTINGS + '[[source]]\nid = "figures"\nkind = "curated"\npath = "inputs/figures.csv"\n\n'
        f'[[source]]\nid = "wire"\nkind = "feed"\nurl = "{feed_url}"\nconflict = "russia-ukraine"\n',
        encoding="utf-8")
    return folder


@contextmanager
def write_steps(fault):
    """Route every os.replace through `fault(step, source, target, replace)`."""
    real_replace = os.replace
    calls = 0

    def replace(source, target, *args, **kwargs):
        nonlocal calls
        calls += 1
        return fault(calls, source, target, lambda: real_replace(source, target, *args, **kwargs))

    os.replace = replace
    try:
        yield lambda: calls
    finally:
        os.replace = real_replace


def run_killed(project: Path, step: int, *, after: bool = False) -> int:
    """Run the ingest in a forked process that dies just before (or after) write step
    `step`, as under SIGKILL: no handler, no clean-up. Returns its exit status."""
    pid = os.fork()
    if pid == 0:  # the child: it never returns to the test
        def die(call, source, target, replace):
            if call == step and not after:
                os._exit(KILLED)
            replace()
            if call == step and after:
                os._exit(KILLED)

        try:
            with write_steps(die):
                ingest(project)
        finally:
            os._exit(0)  # only when the run had fewer steps
    _, status = os.waitpid(pid, 0)
    return os.waitstatus_to_exitcode(status)


def ingest(project: Path):
    return CliRunner().invoke(cli, ["ingest", "--sources", str(project / "sources.toml"),
                                    "--data-dir", str(project / "data")], env={"TRACKER_NOW": NOW})


def snapshot(project: Path) -> dict[str, bytes]:
    """What an analyst relies on: data/processed and data/raw, byte for byte (the ledger's
    store by its content: see conftest.file_contents)."""
    files = {}
    for folder in ("processed", "raw"):
        files.update({f"{folder}/{name}": payload for name, payload in
                      file_contents(project / "data" / folder).items()})
    return files


def assert_consistent(project: Path, where: str) -> None:
    """The state a fault leaves: no ledger yet, or a ledger every reader accepts."""
    ledger = project / "data" / "processed" / "claims.csv"
    if ledger.exists():
        load_ledger_file(ledger)  # raises on a torn or damaged ledger
        validate = CliRunner().invoke(cli, ["validate", "--data-dir", str(project / "data")])
        assert validate.exit_code == 0, f"{where}: {validate.output}"


def leftovers(project: Path) -> list[str]:
    return [str(p) for p in (project / "data").rglob(".*.tmp")]


@pytest.fixture
def feed(httpserver: HTTPServer) -> str:
    body = ("Russian troops took about 505 square kilometres of Ukrainian land in November, "
            "according to an AFP review of ISW maps.")
    httpserver.expect_request("/page").respond_with_data(
        ARTICLE.format(title="Front", body=body), content_type="text/html")
    httpserver.expect_request("/feed.xml").respond_with_data(
        rss(item("Front", httpserver.url_for("/page"))), content_type="application/rss+xml")
    return httpserver.url_for("/feed.xml")


@pytest.fixture
def reference(tmp_path: Path, feed: str) -> tuple[dict[str, bytes], int]:
    """The files of an undisturbed run, and how many write steps it takes."""
    project = make_project(tmp_path / "reference", feed)
    with write_steps(lambda call, source, target, replace: replace()) as count:
        assert ingest(project).exit_code == 0
        steps = count()
    assert steps >= 10  # raw bytes and sidecars, state, ledger, derived tables, health
    return snapshot(project), steps


def test_a_kill_before_any_write_step_is_completed_by_the_next_run(tmp_path: Path, feed: str,
                                                                   reference):
    expected, steps = reference
    for step in range(1, steps + 1):
        project = make_project(tmp_path / f"kill-{step}", feed)
        assert run_killed(project, step) == KILLED, f"step {step}"
        assert_consistent(project, f"killed before step {step}")
        result = ingest(project)
        assert result.exit_code == 0, f"step {step}: {result.output}"
        assert snapshot(project) == expected, f"killed before step {step}"
        assert not leftovers(project), f"step {step}"
        again = ingest(project)
        assert again.exit_code == 0 and "(unchanged)" in again.output, f"step {step}: {again.output}"
        shutil.rmtree(project)


def test_a_kill_after_the_last_write_step_leaves_a_finished_run(tmp_path: Path, feed: str,
                                                                 reference):
    expected, steps = reference
    project = make_project(tmp_path / "kill-after", feed)
    assert run_killed(project, steps, after=True) == KILLED
    assert snapshot(project) == expected
    assert "(unchanged)" in ingest(project).output


def test_a_full_disk_at_any_write_step_is_reported_and_completed_by_the_next_run(
        tmp_path: Path, feed: str, reference):
    expected, steps = reference
    for step in range(1, steps + 1):
        project = make_project(tmp_path / f"full-{step}", feed)

        def full_disk(call, source, target, replace, step=step):
            if call == step:
                raise OSError(errno.ENOSPC, "No space left on device", str(target))
            return replace()

        with write_steps(full_disk):
            failed = ingest(project)
        # A failing source is recorded (1); a failing ledger write stops the run (2).
        assert failed.exit_code in (1, 2), f"step {step}: {failed.output}"
        assert "No space left on device" in failed.output and "Traceback" not in failed.output
        assert_consistent(project, f"full disk at step {step}")
        assert not leftovers(project), f"step {step}: a temporary file was left"
        result = ingest(project)
        assert result.exit_code == 0, f"step {step}: {result.output}"
        assert snapshot(project) == expected, f"full disk at step {step}"
        shutil.rmtree(project)
