"""Operators: tokens, console sign-in, organizations created once per key, owner invitations

Revision ID: 0011
Revises: 0007
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

from seat_core.models import ACTOR_TYPES, EVENT_TYPES

revision: str = "0011"
down_revision: str | None = "0010"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

NEW_EVENT_TYPES = (
    "organization.created",
    "organization.changed",
    "owner.invited",
    "owner.removed",
    "owner.password_set",
    "invoice.paid",
    "invoice.due",
)


def _one_of(column: str, values: Sequence[str]) -> str:
    return f"{column} IN ({', '.join(repr(value) for value in values)})"


def _event_checks(types: Sequence[str], actors: Sequence[str]) -> None:
    # The lists come from the models, so that whichever revisions add event types, the
    # last one to run leaves exactly the types the code records.
    with op.batch_alter_table(
        "event", schema=None, table_kwargs={"sqlite_autoincrement": True}
    ) as batch_op:
        batch_op.drop_constraint(op.f("ck_event_type_known"), type_="check")
        batch_op.drop_constraint(op.f("ck_event_actor_type_known"), type_="check")
        batch_op.create_check_constraint(op.f("ck_event_type_known"), _one_of("type", types))
        batch_op.create_check_constraint(
            op.f("ck_event_actor_type_known"), _one_of("actor_type", actors)
        )


def upgrade() -> None:
    op.create_table(
        "operator_token",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("token_hash", sa.String(length=64), nullable=False),
        sa.Column("prefix", sa.String(length=16), nullable=False),
        sa.Column("label", sa.String(length=200), nullable=False),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("expires_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("revoked_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column("last_used_at", sa.DateTime(timezone=True), nullable=True),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_operator_token")),
        sa.UniqueConstraint("token_hash", name=op.f("uq_operator_token_token_hash")),
    )
    op.create_table(
        "organization_key",
        sa.Column("key", sa.String(length=255), nullable=False),
        sa.Column("request_hash", sa.String(length=64), nullable=False),
        sa.Column("organization_id", sa.Integer(), nullable=False),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(
            ["organization_id"],
            ["organization.id"],
            name=op.f("fk_organization_key_organization_id_organization"),
        ),
        sa.PrimaryKeyConstraint("key", name=op.f("pk_organization_key")),
    )
    op.create_table(
        "owner_invitation",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("token_hash", sa.String(length=64), nullable=False),
        sa.Column("organization_id", sa.Integer(), nullable=False),
        sa.Column("owner_id", sa.Integer(), nullable=False),
        sa.Column("purpose", sa.String(length=8), nullable=False),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("expires_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("used_at", sa.DateTime(timezone=True), nullable=True),
        sa.CheckConstraint(
            "purpose IN ('invite', 'reset')", name=op.f("ck_owner_invitation_purpose_known")
        ),
        sa.CheckConstraint(
            "expires_at > created_at", name=op.f("ck_owner_invitation_expires_after_creation")
        ),
        sa.ForeignKeyConstraint(
            ["organization_id"],
            ["organization.id"],
            name=op.f("fk_owner_invitation_organization_id_organization"),
        ),
        sa.ForeignKeyConstraint(
            ["owner_id"],
            ["owner.id"],
            name=op.f("fk_owner_invitation_owner_id_owner"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_owner_invitation")),
        sa.UniqueConstraint("token_hash", name=op.f("uq_owner_invitation_token_hash")),
    )
    with op.batch_alter_table("owner_invitation", schema=None) as batch_op:
        batch_op.create_index("ix_owner_invitation_owner", ["owner_id"], unique=False)
    op.create_table(
        "operator",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("email", sa.String(length=320), nullable=False),
        sa.Column("email_key", sa.String(length=320), nullable=False),
        sa.Column("password_hash", sa.String(length=255), nullable=True),
        sa.Column("totp_secret_encrypted", sa.Text(), nullable=True),
        sa.Column("totp_last_step", sa.BigInteger(), nullable=True),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_operator")),
        sa.UniqueConstraint("email_key", name=op.f("uq_operator_email_key")),
    )
    for table in ("operator_link", "operator_session"):
        key = (
            [
                sa.Column("id", sa.Integer(), nullable=False),
                sa.Column("token_hash", sa.String(length=64), nullable=False),
            ]
            if table == "operator_link"
            else [sa.Column("id_hash", sa.String(length=64), nullable=False)]
        )
        op.create_table(
            table,
            *key,
            sa.Column("operator_id", sa.Integer(), nullable=False),
            sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
            sa.Column("expires_at", sa.DateTime(timezone=True), nullable=False),
            *(
                [sa.Column("used_at", sa.DateTime(timezone=True), nullable=True)]
                if table == "operator_link"
                else []
            ),
            sa.CheckConstraint(
                "expires_at > created_at", name=op.f(f"ck_{table}_expires_after_creation")
            ),
            sa.ForeignKeyConstraint(
                ["operator_id"],
                ["operator.id"],
                name=op.f(f"fk_{table}_operator_id_operator"),
                ondelete="CASCADE",
            ),
            sa.PrimaryKeyConstraint(
                "id" if table == "operator_link" else "id_hash", name=op.f(f"pk_{table}")
            ),
            *(
                [sa.UniqueConstraint("token_hash", name=op.f("uq_operator_link_token_hash"))]
                if table == "operator_link"
                else []
            ),
        )
        with op.batch_alter_table(table, schema=None) as batch_op:
            batch_op.create_index(f"ix_{table}_operator", ["operator_id"], unique=False)
    with op.batch_alter_table("contract", schema=None) as batch_op:
        batch_op.add_column(
            sa.Column("renewal_price_per_seat_year_minor", sa.BigInteger(), nullable=True)
        )
        batch_op.create_check_constraint(
            "renewal_price_not_negative", "renewal_price_per_seat_year_minor >= 0"
        )
    with op.batch_alter_table("owner", schema=None) as batch_op:
        batch_op.add_column(sa.Column("totp_secret_encrypted", sa.Text(), nullable=True))
        batch_op.add_column(sa.Column("totp_last_step", sa.BigInteger(), nullable=True))
    with op.batch_alter_table("organization", schema=None) as batch_op:
        batch_op.add_column(
            sa.Column(
                "owner_totp_required", sa.Boolean(), server_default=sa.false(), nullable=False
            )
        )
    _event_checks(EVENT_TYPES, ACTOR_TYPES)


def downgrade() -> None:
    op.execute(
        sa.text(
            f"DELETE FROM event WHERE {_one_of('type', NEW_EVENT_TYPES)} OR actor_type = 'operator'"
        )
    )
    _event_checks(
        [each for each in EVENT_TYPES if each not in NEW_EVENT_TYPES],
        [each for each in ACTOR_TYPES if each != "operator"],
    )
    with op.batch_alter_table("organization", schema=None) as batch_op:
        batch_op.drop_column("owner_totp_required")
    with op.batch_alter_table("owner", schema=None) as batch_op:
        batch_op.drop_column("totp_last_step")
        batch_op.drop_column("totp_secret_encrypted")
    with op.batch_alter_table("contract", schema=None) as batch_op:
        batch_op.drop_constraint("renewal_price_not_negative", type_="check")
        batch_op.drop_column("renewal_price_per_seat_year_minor")
    for table in ("operator_session", "operator_link"):
        with op.batch_alter_table(table, schema=None) as batch_op:
            batch_op.drop_index(f"ix_{table}_operator")
        op.drop_table(table)
    op.drop_table("operator")
    with op.batch_alter_table("owner_invitation", schema=None) as batch_op:
        batch_op.drop_index("ix_owner_invitation_owner")
    op.drop_table("owner_invitation")
    op.drop_table("organization_key")
    op.drop_table("operator_token")
