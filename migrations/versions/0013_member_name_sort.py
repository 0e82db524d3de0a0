"""members: a natural sort key, so that "user3" lists before "user10"

Revision ID: 0013
Revises: 0007
"""

import re
from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0013"
down_revision: str | None = "0011"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

BATCH = 1000
_DIGITS = re.compile(r"[0-9]+")


def natural_key(text: str) -> str:
    """Return the key as seat_core.identity.natural_key made it at this revision."""

    def number(match: re.Match[str]) -> str:
        digits = match.group().lstrip("0") or "0"
        return f"{len(digits):03d}{digits}"

    return _DIGITS.sub(number, text)


def upgrade() -> None:
    """Add member.name_sort_key, fill it from user_name_key, then index it."""
    with op.batch_alter_table("member", schema=None) as batch_op:
        batch_op.add_column(sa.Column("name_sort_key", sa.String(length=1024), nullable=True))
    member = sa.table(
        "member",
        sa.column("id", sa.String),
        sa.column("user_name_key", sa.String),
        sa.column("name_sort_key", sa.String),
    )
    connection = op.get_bind()
    fill = (
        sa.update(member)
        .where(member.c.id == sa.bindparam("m_id"))
        .values(name_sort_key=sa.bindparam("m_key"))
    )
    last = ""
    while True:
        rows = connection.execute(
            sa.select(member.c.id, member.c.user_name_key)
            .where(member.c.id > last)
            .order_by(member.c.id)
            .limit(BATCH)
        ).all()
        if not rows:
            break
        connection.execute(fill, [{"m_id": id_, "m_key": natural_key(key)} for id_, key in rows])
        last = rows[-1][0]
    with op.batch_alter_table("member", schema=None) as batch_op:
        batch_op.alter_column("name_sort_key", existing_type=sa.String(length=1024), nullable=False)
        batch_op.create_index(
            "ix_member_org_name_sort",
            ["organization_id", "name_sort_key", "user_name_key"],
            unique=False,
        )


def downgrade() -> None:
    with op.batch_alter_table("member", schema=None) as batch_op:
        batch_op.drop_index("ix_member_org_name_sort")
        batch_op.drop_column("name_sort_key")
