"""seat policy: licensed groups, dormant-seat reclamation, exempt groups

Revision ID: 0004
Revises: 0003
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0004"
down_revision: str | None = "0003"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    """Add the policy tables, the warned reclamation day of seats and the reason of events."""
    op.create_table(
        "seat_policy",
        sa.Column("organization_id", sa.Integer(), nullable=False),
        sa.Column("reclaim_after_days", sa.Integer(), nullable=True),
        sa.Column("updated_at", sa.DateTime(timezone=True), nullable=False),
        sa.CheckConstraint(
            "reclaim_after_days IS NULL OR reclaim_after_days >= 14",
            name=op.f("ck_seat_policy_reclaim_after_enough_days"),
        ),
        sa.ForeignKeyConstraint(
            ["organization_id"],
            ["organization.id"],
            name=op.f("fk_seat_policy_organization_id_organization"),
        ),
        sa.PrimaryKeyConstraint("organization_id", name=op.f("pk_seat_policy")),
    )
    op.create_table(
        "seat_policy_group",
        sa.Column("organization_id", sa.Integer(), nullable=False),
        sa.Column("kind", sa.String(length=8), nullable=False),
        sa.Column("display_name_key", sa.String(length=256), nullable=False),
        sa.Column("display_name", sa.String(length=256), nullable=False),
        sa.CheckConstraint(
            "kind IN ('licensed', 'exempt')", name=op.f("ck_seat_policy_group_kind_known")
        ),
        sa.ForeignKeyConstraint(
            ["organization_id"],
            ["organization.id"],
            name=op.f("fk_seat_policy_group_organization_id_organization"),
        ),
        sa.PrimaryKeyConstraint(
            "organization_id", "kind", "display_name_key", name=op.f("pk_seat_policy_group")
        ),
    )
    with op.batch_alter_table("seat", schema=None) as batch_op:
        batch_op.add_column(sa.Column("reclaim_warned_for", sa.Date(), nullable=True))
    with op.batch_alter_table("seat_event", schema=None) as batch_op:
        batch_op.add_column(sa.Column("reason", sa.String(length=16), nullable=True))


def downgrade() -> None:
    """Drop what upgrade added."""
    with op.batch_alter_table("seat_event", schema=None) as batch_op:
        batch_op.drop_column("reason")
    with op.batch_alter_table("seat", schema=None) as batch_op:
        batch_op.drop_column("reclaim_warned_for")
    op.drop_table("seat_policy_group")
    op.drop_table("seat_policy")
