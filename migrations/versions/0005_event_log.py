"""event log: one append-only log of who did what, per organization

Revision ID: 0005
Revises: 0004
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0005"
down_revision: str | None = "0004"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

# As they were at this revision; later revisions change the constraint, not this list.
EVENT_TYPES = (
    "member.created",
    "member.updated",
    "member.deactivated",
    "member.deleted",
    "seat.taken",
    "seat.released",
    "seat.refused",
    "seat_request.created",
    "seat_request.admitted",
    "seat_request.dismissed",
    "seats.purchased",
    "contract.renewed",
    "contract.expired",
    "token.issued",
    "token.revoked",
    "owner.signed_in",
    "owner.sign_in_failed",
    "sso.configured",
    "policy.changed",
    "webhook.endpoint_changed",
)
ACTOR_TYPES = ("scim_token", "api_token", "owner", "member", "system")


def _one_of(column: str, values: Sequence[str]) -> str:
    return f"{column} IN ({', '.join(repr(value) for value in values)})"


def upgrade() -> None:
    """Create the event log, and let webhook endpoints subscribe to its event types."""
    op.create_table(
        "event",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("organization_id", sa.Integer(), nullable=False),
        sa.Column("type", sa.String(length=40), nullable=False),
        sa.Column("occurred_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("actor_type", sa.String(length=16), nullable=False),
        sa.Column("actor_id", sa.String(length=64), nullable=True),
        sa.Column("actor_label", sa.String(length=320), nullable=True),
        sa.Column("subject", sa.String(length=320), nullable=True),
        sa.Column("data", sa.JSON(), nullable=False),
        sa.Column("xact_id", sa.BigInteger(), nullable=False),
        sa.CheckConstraint(_one_of("type", EVENT_TYPES), name=op.f("ck_event_type_known")),
        sa.CheckConstraint(
            _one_of("actor_type", ACTOR_TYPES), name=op.f("ck_event_actor_type_known")
        ),
        sa.ForeignKeyConstraint(
            ["organization_id"],
            ["organization.id"],
            name=op.f("fk_event_organization_id_organization"),
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_event")),
        sqlite_autoincrement=True,
    )
    with op.batch_alter_table("event", schema=None) as batch_op:
        batch_op.create_index("ix_event_org_xact_id", ["organization_id", "xact_id", "id"])
        batch_op.create_index("ix_event_org_occurred", ["organization_id", "occurred_at"])
        batch_op.create_index("ix_event_occurred_at", ["occurred_at"])
    with op.batch_alter_table("webhook_endpoint", schema=None) as batch_op:
        batch_op.add_column(sa.Column("event_types", sa.Text(), server_default="", nullable=False))
        batch_op.add_column(sa.Column("events_cursor", sa.String(length=48), nullable=True))


def downgrade() -> None:
    """Drop the event log and the endpoints' subscriptions."""
    with op.batch_alter_table("webhook_endpoint", schema=None) as batch_op:
        batch_op.drop_column("events_cursor")
        batch_op.drop_column("event_types")
    with op.batch_alter_table("event", schema=None) as batch_op:
        batch_op.drop_index("ix_event_occurred_at")
        batch_op.drop_index("ix_event_org_occurred")
        batch_op.drop_index("ix_event_org_xact_id")
    op.drop_table("event")
