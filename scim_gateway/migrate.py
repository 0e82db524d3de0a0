"""Run Alembic migrations from Python, for the CLI and the tests."""

from __future__ import annotations

from pathlib import Path

from alembic import command
from alembic.config import Config

MIGRATIONS = Path(__file__).resolve().parent.parent / "migrations"


def alembic_config(url: str, pooler: str = "direct") -> Config:
    """Return an Alembic configuration for the database at url, reached through pooler."""
    config = Config()
    config.set_main_option("script_location", str(MIGRATIONS))
    config.set_main_option("sqlalchemy.url", url.replace("%", "%%"))
    config.set_main_option("pooler", pooler)
    return config


def upgrade(url: str, revision: str = "head", *, pooler: str = "direct") -> None:
    """Migrate the database at url up to revision; pooler as in seat_core.make_engine."""
    command.upgrade(alembic_config(url, pooler), revision)
