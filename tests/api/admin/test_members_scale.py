"""The members page reads a page, not the table, at 100,000 members: key paging, no OFFSET."""

from datetime import UTC, datetime

from sqlalchemy import text

from scim_gateway.admin.members import member_page
from scim_gateway.db import transaction
from seat_core import get_organization

MEMBERS = 100_000


SQLITE_FILL = """
WITH RECURSIVE n(i) AS (SELECT 0 UNION ALL SELECT i + 1 FROM n WHERE i < :last)
INSERT INTO member (id, organization_id, user_name, user_name_key, name_sort_key, email,
                    email_key, active, source, scim, version, created_at, updated_at)
SELECT printf('00000000-0000-0000-0000-%012d', i), :org, printf('user%06d@acme.test', i),
       printf('user%06d@acme.test', i), printf('user%03d%d@acme.test', length(i), i),
       printf('user%06d@acme.test', i), printf('user%06d@acme.test', i), 0, 'scim', '{}', 1,
       :at, :at
FROM n
"""
POSTGRES_FILL = """
INSERT INTO member (id, organization_id, user_name, user_name_key, name_sort_key, email,
                    email_key, active, source, scim, version, created_at, updated_at)
SELECT '00000000-0000-0000-0000-' || lpad(i::text, 12, '0'), :org, name, name,
       'user' || lpad(length(i::text)::text, 3, '0') || i::text || '@acme.test', name, name,
       false, 'scim', '{}', 1, :at, :at
FROM generate_series(0, :last) AS i,
     LATERAL (SELECT 'user' || lpad(i::text, 6, '0') || '@acme.test' AS name) AS n
"""


def fill(app, organization_id):
    """Insert 100,000 inactive members in one statement (the ORM would take half a minute).

    name_sort_key is written as seat_core.identity.natural_key would: the number without
    its leading zeros, after its length in three digits.
    """
    at = datetime.now(UTC)
    with app.app_context(), transaction() as session:
        sqlite = session.get_bind().dialect.name == "sqlite"
        session.execute(
            text(SQLITE_FILL if sqlite else POSTGRES_FILL),
            {
                "last": MEMBERS - 1,
                "org": organization_id,
                "at": at.replace(tzinfo=None).isoformat(" ") if sqlite else at,
            },
        )
        if not sqlite:
            session.execute(text("ANALYZE member"))


def test_pages_of_100000_members_read_a_page_not_the_table(primary, app, acme):
    fill(app, acme["id"])

    for name, url in {
        "first": "/admin/acme/members",
        "middle": "/admin/acme/members?after=user050000%40acme.test",
        "last": "/admin/acme/members?before=user099999%40acme.test",
        "filtered": "/admin/acme/members?seat=without&after=user090000%40acme.test",
        "search": "/admin/acme/members?q=USER0999",
    }.items():
        page = primary.get(url)
        assert page.status_code == 200 and page.text.count("Assign seat") == 50, name

    # Speed is measured by the benchmarks; here the query plan shows a page is read
    # through an index, with no sort of the whole table.
    with app.app_context(), transaction() as session:
        organization = get_organization(session, "acme")
        query = member_page(organization.id, q=None, seat="all", after="user050000", before=None)
        sql = str(
            query.limit(51).compile(session.get_bind(), compile_kwargs={"literal_binds": True})
        )
        dialect = session.get_bind().dialect.name
        plan = "\n".join(
            str(row[-1])
            for row in session.execute(
                text(("EXPLAIN QUERY PLAN " if dialect == "sqlite" else "EXPLAIN ") + sql)
            )
        )
    assert "TEMP B-TREE" not in plan and "Sort" not in plan, plan
    assert "INDEX" in plan.upper(), plan
