"""The operator's command line, installed as `scim-gateway`."""

from __future__ import annotations

import sys
from collections.abc import Iterator
from contextlib import contextmanager
from typing import Any

import click
from flask import Flask
from sqlalchemy.exc import OperationalError
from sqlalchemy.orm import Session

from seat_core import SeatError, events

from ..config import ConfigurationError


class Context:
    """The app, created on first use so that `--help` needs no configuration."""

    def __init__(self) -> None:
        self._app: Flask | None = None

    @property
    def app(self) -> Flask:
        if self._app is None:
            from .. import create_app

            self._app = create_app()
        return self._app

    def close(self) -> None:
        """Close the database connections the command opened."""
        if self._app is not None:
            self._app.extensions["db"].dispose()

    @contextmanager
    def transaction(self, *, durable: bool = False) -> Iterator[Session]:
        """Run the block in one transaction inside the app's context (durable: see db)."""
        from ..db import transaction

        with self.app.app_context(), transaction(durable=durable) as session:
            yield session


pass_context = click.make_pass_decorator(Context, ensure=True)


class Group(click.Group):
    """A group whose command list shows each command's first line whole, not cut at 45."""

    group_class = type  # subgroups are Groups too

    def format_commands(self, ctx: click.Context, formatter: click.HelpFormatter) -> None:
        rows = [
            (name, command.get_short_help_str(limit=1000))
            for name in self.list_commands(ctx)
            if (command := self.get_command(ctx, name)) is not None and not command.hidden
        ]
        if rows:
            with formatter.section("Commands"):
                formatter.write_dl(rows)


@click.group(cls=Group, context_settings={"help_option_names": ["-h", "--help"]})
@click.pass_context
def cli(ctx: click.Context) -> None:
    """Operate SCIM Seat Gateway: database, organizations, seats, tokens, alerts."""
    ctx.call_on_close(ctx.ensure_object(Context).close)
    # What an operator does here is logged as the system's (docs/events.md, "Actors").
    events.act_as(events.Actor("system", None, "command line"))


def main(argv: list[str] | None = None) -> Any:
    """Run the command line; domain and configuration errors end as one line on stderr."""
    try:
        return cli.main(args=argv, prog_name="scim-gateway", standalone_mode=False)
    except click.exceptions.Abort:
        click.echo("Aborted.", err=True)
        sys.exit(1)
    except click.ClickException as error:
        error.show()
        sys.exit(error.exit_code)
    except (SeatError, ConfigurationError) as error:
        click.echo(f"Error: {error}", err=True)
        sys.exit(1)
    except OperationalError as error:
        click.echo(f"Error: the database is unavailable: {error.orig}", err=True)
        sys.exit(1)


from . import alerts, database, demo, invoices, operators, orgs, owners, policy, seats, sso, tokens  # noqa: E402  (commands register on cli)

__all__ = [
    "Context",
    "alerts",
    "cli",
    "database",
    "demo",
    "invoices",
    "main",
    "operators",
    "orgs",
    "owners",
    "pass_context",
    "policy",
    "seats",
    "sso",
    "tokens",
]
