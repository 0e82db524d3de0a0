"""Commands that deliver owner alerts."""

from __future__ import annotations

import signal
import threading
from types import FrameType

import click

from . import Context, cli, pass_context


@cli.group()
def alerts() -> None:
    """Deliver owner alerts by email and webhook."""


@alerts.command("deliver")
@pass_context
def deliver(ctx: Context) -> None:
    """Send every alert that is due now, once, and exit."""
    from ..outbox import deliver_once

    report = deliver_once(ctx.app)
    click.echo(
        f"{report.delivered} delivered, {report.retrying} to retry, {report.dead} given up, "
        f"{report.digests} digests, {report.renewal_notices} renewal notices."
    )
    for error in report.errors:
        click.echo(f"  {error}", err=True)


@alerts.command("worker")
@pass_context
def worker(ctx: Context) -> None:
    """Send alerts as they come, until stopped with SIGTERM or Ctrl-C."""
    from ..outbox import run_worker

    app = ctx.app
    stop = threading.Event()

    def request_stop(signum: int, _frame: FrameType | None) -> None:
        # Finish the delivery in flight, give back the rest of the batch, then exit.
        stop.set()

    signal.signal(signal.SIGTERM, request_stop)
    signal.signal(signal.SIGINT, request_stop)
    click.echo("Alert worker started; stop it with SIGTERM or Ctrl-C.", err=True)
    run_worker(app, stop)
    click.echo("Alert worker stopped.", err=True)
