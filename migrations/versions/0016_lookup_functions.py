"""members: a lookup by userName or externalId on PostgreSQL by a function that keeps its
statement's plan

As revision 0015 did for a create: behind a pooler in transaction mode nothing can be
prepared, so PostgreSQL planned each lookup afresh. Each function holds one statement
(scim_gateway.scim.lookup.LOOKUP_FUNCTIONS, as function_sql wrote them at this revision);
PL/pgSQL keeps their plans for the life of each server connection. SQLite has nothing to
add.

Revision ID: 0016
Revises: 0015
"""

from collections.abc import Sequence

from alembic import op

revision: str = "0016"
down_revision: str | None = "0015"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

BY_USER_NAME = """\
CREATE OR REPLACE FUNCTION member_by_user_name(
    key VARCHAR(256), organization_id INTEGER
)
RETURNS TABLE (
    id VARCHAR(36), scim JSON, user_name VARCHAR(256), active BOOLEAN, external_id
    VARCHAR(256), display_name VARCHAR(256), email VARCHAR(320), version INTEGER, created_at
    TIMESTAMP WITH TIME ZONE, updated_at TIMESTAMP WITH TIME ZONE, groups JSON
)
LANGUAGE plpgsql STABLE AS $function$
#variable_conflict use_column
BEGIN
RETURN QUERY
    SELECT member.id, member.scim, member.user_name, member.active, member.external_id,
    member.display_name, member.email, member.version, member.created_at, member.updated_at,
    (SELECT json_agg(json_build_array(scim_group.id, scim_group.display_name,
    scim_group.display_name_key) ORDER BY scim_group.display_name_key) AS json_agg_1 FROM
    group_membership JOIN scim_group ON group_membership.group_id = scim_group.id WHERE
    group_membership.member_id = member.id) AS groups FROM member WHERE
    member.organization_id = $2::INTEGER AND member.user_name_key = $1::VARCHAR LIMIT
    2::INTEGER;
END
$function$"""

BY_EXTERNAL_ID = """\
CREATE OR REPLACE FUNCTION member_by_external_id(
    key VARCHAR(256), organization_id INTEGER
)
RETURNS TABLE (
    id VARCHAR(36), scim JSON, user_name VARCHAR(256), active BOOLEAN, external_id
    VARCHAR(256), display_name VARCHAR(256), email VARCHAR(320), version INTEGER, created_at
    TIMESTAMP WITH TIME ZONE, updated_at TIMESTAMP WITH TIME ZONE, groups JSON
)
LANGUAGE plpgsql STABLE AS $function$
#variable_conflict use_column
BEGIN
RETURN QUERY
    SELECT member.id, member.scim, member.user_name, member.active, member.external_id,
    member.display_name, member.email, member.version, member.created_at, member.updated_at,
    (SELECT json_agg(json_build_array(scim_group.id, scim_group.display_name,
    scim_group.display_name_key) ORDER BY scim_group.display_name_key) AS json_agg_1 FROM
    group_membership JOIN scim_group ON group_membership.group_id = scim_group.id WHERE
    group_membership.member_id = member.id) AS groups FROM member WHERE
    member.organization_id = $2::INTEGER AND member.external_id = $1::VARCHAR ORDER BY
    member.created_at, member.id LIMIT 2::INTEGER;
END
$function$"""


def upgrade() -> None:
    """Create the functions on PostgreSQL."""
    if op.get_bind().dialect.name == "postgresql":
        op.execute(BY_USER_NAME)
        op.execute(BY_EXTERNAL_ID)


def downgrade() -> None:
    """Drop them."""
    if op.get_bind().dialect.name == "postgresql":
        op.execute("DROP FUNCTION member_by_external_id")
        op.execute("DROP FUNCTION member_by_user_name")
