"""`tracker review`: serve the page where a person checks machine-read figures.

A group, so that subcommands (`tracker review export`, ...) can join it; with no
subcommand it serves the page (tracker/review/app.py) with waitress.
"""

from __future__ import annotations

import os
from pathlib import Path

import click

from tracker.cli import EXIT_OK, _fail, _now, cli, data_dir_option

LOOPBACK = "127.0.0.1"


def default_reviewer() -> str:
    """The login name of whoever runs the page ($USER when the system has no name for them)."""
    try:
        import getpass  # here, not at start-up: every tracker command loads this module

        return getpass.getuser()
    except (KeyError, OSError):  # no passwd entry (a container's arbitrary uid) and no $USER
        return os.environ.get("USER", "")


def is_loopback(host: str) -> bool:
    if host.lower() == "localhost":
        return True
    try:
        import ipaddress

        return ipaddress.ip_address(host.strip("[]")).is_loopback
    except ValueError:
        return False


@click.group(invoke_without_command=True)
@data_dir_option
@click.option("--host", default=LOOPBACK, show_default=True,
              help="Address to listen on. The page has no login: anything but a loopback address "
                   "lets anyone who can reach it record decisions under your name.")
@click.option("--port", type=click.IntRange(0, 65535), default=8765, show_default=True,
              help="Port to listen on; 0 picks any free port.")
@click.option("--reviewer", default=None,
              help="Name recorded with each decision. Default: your login name.")
@click.pass_context
def review(ctx: click.Context, data_dir: Path, host: str, port: int, reviewer: str | None) -> None:
    """Serve the review page: check the figures the extractor read from text, one by one,
    in their document's text (confirm, correct or reject).

    Decisions are appended to data/review/decisions.jsonl; the ledger is never changed.
    Stop the server with Ctrl-C.

    \b
    Example:
        tracker review --data-dir data --reviewer "A. Analyst"
        (then open the URL it prints, e.g. http://127.0.0.1:8765/)
    """
    if ctx.invoked_subcommand is not None:
        return
    _serve(data_dir, host, port, reviewer if reviewer is not None else default_reviewer())
    ctx.exit(EXIT_OK)


def _serve(data_dir: Path, host: str, port: int, reviewer: str) -> None:
    import socket

    from waitress.server import create_server

    from tracker.review.app import LOOPBACK_HOSTS, create_app
    from tracker.review.log import ReviewError
    from tracker.store import StoreError

    ledger = Path(data_dir) / "processed" / "claims.csv"
    if not ledger.is_file():
        _fail(f"{ledger}: no ledger; nothing to review (check --data-dir, or run `tracker ingest` first)")
    local = is_loopback(host)
    _now()  # a malformed TRACKER_NOW fails here, not on the first decision
    try:
        app = create_app(data_dir, reviewer, clock=_now,
                         # Loopback: refuse requests addressed to any other name (DNS rebinding).
                         allowed_hosts=LOOPBACK_HOSTS if local else None)
    except (ReviewError, StoreError) as error:
        _fail(f"{error} (--reviewer)" if isinstance(error, ReviewError) else str(error))
    if not local:
        click.echo(f"warning: serving on {host}: the review page has no login; anyone who can reach "
                   "this address can read the figures and record decisions under your name", err=True)
    try:
        server = create_server(app, host=host, port=port, threads=4, ident="tracker-review")
    except (OSError, socket.gaierror) as error:
        _fail(f"cannot listen on {host}:{port}: {error.strerror or error}")
    bound_port = getattr(server, "effective_port", port)  # the port bound (--port 0 picks one)
    shown = f"[{host}]" if ":" in host else host
    click.echo(f"review page for {reviewer}: http://{shown}:{bound_port}/ (data: {data_dir}; Ctrl-C stops)",
               err=True)
    try:
        server.run()
    except KeyboardInterrupt:
        pass
    finally:
        server.close()


cli.add_command(review)
