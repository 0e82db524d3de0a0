"""Migration 0013 gives the members already there their natural sort key."""

from contextlib import contextmanager
from datetime import UTC, datetime

import pytest
from alembic.script import ScriptDirectory
from sqlalchemy import text

from scim_gateway.migrate import alembic_config, upgrade
from seat_core import make_engine
from tests.databases import postgres_database

AT = datetime(2025, 3, 1, tzinfo=UTC)
# The organization as its table was at that revision: today's models have later columns.
INSERT_ORGANIZATION = text(
    "INSERT INTO organization (slug, name, created_at) VALUES ('acme', 'Acme', :at)"
)
INSERT = text(
    "INSERT INTO member (id, organization_id, user_name, user_name_key, active, source, scim,"
    " version, created_at, updated_at)"
    " VALUES (:id, :org, :name, :key, false, 'scim', '{}', 1, :at, :at)"
)


@contextmanager
def database_before_0013(kind, tmp_path):
    """Yield the URL of a database migrated up to the revision before 0013."""
    script = ScriptDirectory.from_config(alembic_config("sqlite://"))
    before = script.get_revision("0013").down_revision
    if kind == "sqlite":
        url = f"sqlite:///{tmp_path / 'before-0013.db'}"
        upgrade(url, before)
        yield url
    else:
        with postgres_database(before) as url:
            yield url


@pytest.mark.parametrize("kind", ["sqlite", pytest.param("postgresql", marks=pytest.mark.postgres)])
def test_the_migration_fills_the_sort_key_of_the_members_already_there(kind, tmp_path):
    with database_before_0013(kind, tmp_path) as url:
        engine = make_engine(url)
        with engine.begin() as connection:
            connection.execute(INSERT_ORGANIZATION, {"at": AT})
            org = connection.execute(text("SELECT id FROM organization")).scalar_one()
            for n, key in enumerate(["user10", "user3", "user007x"]):
                connection.execute(
                    INSERT, {"id": f"m{n}", "org": org, "name": key, "key": key, "at": AT}
                )
        engine.dispose()

        upgrade(url)

        engine = make_engine(url)
        with engine.connect() as connection:
            keys = dict(
                connection.execute(text("SELECT user_name_key, name_sort_key FROM member")).all()
            )
        engine.dispose()

    assert keys == {"user10": "user00210", "user3": "user0013", "user007x": "user0017x"}
