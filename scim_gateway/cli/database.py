"""Commands for the database (migrate, back up) and the configuration (check)."""

from __future__ import annotations

import click

from . import Context, cli, pass_context


@cli.group()
def db() -> None:
    """Manage the database schema."""


@db.command("upgrade")
@pass_context
def db_upgrade(ctx: Context) -> None:
    """Migrate the database to the latest schema."""
    from ..migrate import upgrade

    upgrade(ctx.app.config["DATABASE_URL"], pooler=ctx.app.config["DATABASE_POOLER"])
    click.echo("Database is up to date.")


@db.command("backup")
@click.argument("destination", type=click.Path(dir_okay=False, writable=True))
@pass_context
def db_backup(ctx: Context, destination: str) -> None:
    """Copy a live SQLite database to DESTINATION, consistently, while it serves."""
    import sqlite3

    from sqlalchemy.engine import make_url

    url = make_url(ctx.app.config["DATABASE_URL"])
    if url.get_backend_name() != "sqlite" or not url.database:
        raise click.ClickException("db backup is for SQLite; back up PostgreSQL with pg_dump")
    # SQLite's online backup API copies a consistent snapshot without stopping writers.
    with sqlite3.connect(url.database) as source, sqlite3.connect(destination) as target:
        source.backup(target)
    click.echo(f"Backed up {url.database} to {destination}.")


@cli.command("check")
@pass_context
def check(ctx: Context) -> None:
    """Check the configuration: one line saying what is missing, or where it serves."""
    config = ctx.app.config
    if config.get("METRICS_TOKEN"):
        metrics = "behind a token"
    else:
        metrics = "open" if config["METRICS_OPEN"] else "closed"
    click.echo(
        f"Configuration is complete ({config['ENVIRONMENT']}): "
        f"public URL {config['PUBLIC_URL']}, metrics {metrics}."
    )
