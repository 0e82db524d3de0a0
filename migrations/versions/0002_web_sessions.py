"""server-side web sessions and SSO flow state

Revision ID: 0002
Revises: 0001
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0002"
down_revision: str | None = "0001"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.create_table(
        "web_session",
        sa.Column("id_hash", sa.String(length=64), nullable=False),
        sa.Column("kind", sa.String(length=8), nullable=False),
        sa.Column("organization_id", sa.Integer(), nullable=False),
        sa.Column("member_id", sa.String(length=36), nullable=True),
        sa.Column("owner_id", sa.Integer(), nullable=True),
        sa.Column("via", sa.String(length=8), nullable=False),
        sa.Column("id_token", sa.Text(), nullable=True),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("last_seen_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("expires_at", sa.DateTime(timezone=True), nullable=False),
        sa.CheckConstraint(
            "(kind = 'member' AND member_id IS NOT NULL AND owner_id IS NULL)"
            " OR (kind = 'owner' AND owner_id IS NOT NULL AND member_id IS NULL)",
            name=op.f("ck_web_session_one_holder"),
        ),
        sa.CheckConstraint("via IN ('password', 'sso')", name=op.f("ck_web_session_via_known")),
        sa.CheckConstraint(
            "kind = 'owner' OR via = 'sso'", name=op.f("ck_web_session_members_via_sso")
        ),
        sa.CheckConstraint(
            "expires_at > created_at", name=op.f("ck_web_session_expires_after_creation")
        ),
        sa.ForeignKeyConstraint(
            ["member_id"],
            ["member.id"],
            name=op.f("fk_web_session_member_id_member"),
            ondelete="CASCADE",
        ),
        sa.ForeignKeyConstraint(
            ["organization_id"],
            ["organization.id"],
            name=op.f("fk_web_session_organization_id_organization"),
        ),
        sa.ForeignKeyConstraint(
            ["owner_id"],
            ["owner.id"],
            name=op.f("fk_web_session_owner_id_owner"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("id_hash", name=op.f("pk_web_session")),
    )
    with op.batch_alter_table("web_session", schema=None) as batch_op:
        batch_op.create_index("ix_web_session_expires", ["expires_at"], unique=False)
        batch_op.create_index("ix_web_session_member", ["member_id"], unique=False)
        batch_op.create_index("ix_web_session_owner", ["owner_id"], unique=False)

    op.create_table(
        "sign_in_flow",
        sa.Column("state_hash", sa.String(length=64), nullable=False),
        sa.Column("organization_id", sa.Integer(), nullable=False),
        sa.Column("code_verifier", sa.String(length=128), nullable=False),
        sa.Column("nonce", sa.String(length=128), nullable=False),
        sa.Column("next", sa.String(length=8), nullable=False),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("expires_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("used_at", sa.DateTime(timezone=True), nullable=True),
        sa.CheckConstraint("next IN ('member', 'admin')", name=op.f("ck_sign_in_flow_next_known")),
        sa.ForeignKeyConstraint(
            ["organization_id"],
            ["organization.id"],
            name=op.f("fk_sign_in_flow_organization_id_organization"),
        ),
        sa.PrimaryKeyConstraint("state_hash", name=op.f("pk_sign_in_flow")),
    )
    with op.batch_alter_table("sign_in_flow", schema=None) as batch_op:
        batch_op.create_index("ix_sign_in_flow_expires", ["expires_at"], unique=False)


def downgrade() -> None:
    with op.batch_alter_table("sign_in_flow", schema=None) as batch_op:
        batch_op.drop_index("ix_sign_in_flow_expires")

    op.drop_table("sign_in_flow")
    with op.batch_alter_table("web_session", schema=None) as batch_op:
        batch_op.drop_index("ix_web_session_owner")
        batch_op.drop_index("ix_web_session_member")
        batch_op.drop_index("ix_web_session_expires")

    op.drop_table("web_session")
