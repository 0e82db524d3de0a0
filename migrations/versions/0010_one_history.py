"""One history: the seat counts move from seat_event into the event log, and seat_event goes

Every seat_event row is carried over into the event of the same change (the seat.taken,
seat.released, seats.purchased, contract.renewed or contract.expired the same transaction
logged: same organization, type and instant, and member for a seat): its data gains the
counts after the change, the term and the day (seat_core/history.py). A row whose event is
not in the log (written before the log began, or pruned) becomes an event of its own, by
the system. Downgrade rebuilds seat_event from those events.

Revision ID: 0010
Revises: 0007
"""

from collections.abc import Sequence
from datetime import date
from typing import Any

import sqlalchemy as sa
from alembic import op

revision: str = "0010"
down_revision: str | None = "0007"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

TYPES = {
    "take": "seat.taken",
    "release": "seat.released",
    "purchase": "seats.purchased",
    "renew": "contract.renewed",
    "expire": "contract.expired",
}
KINDS = {type_: kind for kind, type_ in TYPES.items()}
# Of a take or a release, the event names the member too.
OF_A_MEMBER = ("take", "release")

metadata = sa.MetaData()
contract = sa.Table(
    "contract",
    metadata,
    sa.Column("id", sa.Integer),
    sa.Column("organization_id", sa.Integer),
)
seat_event = sa.Table(
    "seat_event",
    metadata,
    sa.Column("id", sa.Integer, primary_key=True),
    sa.Column("contract_id", sa.Integer),
    sa.Column("member_id", sa.String(36)),
    sa.Column("kind", sa.String(16)),
    sa.Column("seats_used", sa.Integer),
    sa.Column("seats_purchased", sa.Integer),
    sa.Column("term_index", sa.Integer),
    sa.Column("on", sa.Date),
    sa.Column("at", sa.DateTime(timezone=True)),
    sa.Column("reason", sa.String(16)),
)
event = sa.Table(
    "event",
    metadata,
    sa.Column("id", sa.Integer, primary_key=True),
    sa.Column("organization_id", sa.Integer),
    sa.Column("type", sa.String(40)),
    sa.Column("occurred_at", sa.DateTime(timezone=True)),
    sa.Column("actor_type", sa.String(16)),
    sa.Column("actor_id", sa.String(64)),
    sa.Column("actor_label", sa.String(320)),
    sa.Column("subject", sa.String(320)),
    sa.Column("data", sa.JSON),
    sa.Column("xact_id", sa.BigInteger),
)


def _counts(row: Any) -> dict[str, Any]:
    return {
        "seats_used": row.seats_used,
        "seats_purchased": row.seats_purchased,
        "term_index": row.term_index,
        "on": row.on.isoformat(),
    }


def upgrade() -> None:
    connection = op.get_bind()
    xact_id: Any = (
        sa.cast(sa.cast(sa.func.pg_current_xact_id(), sa.Text), sa.BigInteger)
        if connection.dialect.name == "postgresql"
        else sa.literal(0, sa.BigInteger)
    )
    organizations = connection.execute(sa.select(contract.c.id, contract.c.organization_id)).all()
    for contract_id, organization_id in organizations:
        rows = connection.execute(
            sa.select(seat_event)
            .where(seat_event.c.contract_id == contract_id)
            .order_by(seat_event.c.id)
        ).all()
        if not rows:
            continue
        # The organization's events of those types not yet carrying counts, by instant.
        waiting: dict[tuple[str, Any], list[Any]] = {}
        for found in connection.execute(
            sa.select(event.c.id, event.c.type, event.c.occurred_at, event.c.data)
            .where(event.c.organization_id == organization_id, event.c.type.in_(KINDS))
            .order_by(event.c.id)
        ):
            if "on" not in (found.data or {}):
                waiting.setdefault((found.type, found.occurred_at), []).append(found)
        updates, inserts = [], []
        for row in rows:
            candidates = waiting.get((TYPES[row.kind], row.at), [])
            match = next(
                (
                    found
                    for found in candidates
                    if row.kind not in OF_A_MEMBER or found.data.get("member_id") == row.member_id
                ),
                None,
            )
            if match is not None:
                candidates.remove(match)
                updates.append({"event_id": match.id, "new_data": {**match.data, **_counts(row)}})
                continue
            data = {"member_id": row.member_id} if row.kind in OF_A_MEMBER else {}
            data |= _counts(row) | ({"reason": row.reason} if row.reason else {})
            inserts.append(
                {
                    "organization_id": organization_id,
                    "type": TYPES[row.kind],
                    "occurred_at": row.at,
                    "actor_type": "system",
                    "actor_id": None,
                    "actor_label": None,
                    "subject": None,
                    "data": data,
                }
            )
        if updates:
            connection.execute(
                event.update()
                .where(event.c.id == sa.bindparam("event_id"))
                .values(data=sa.bindparam("new_data", type_=sa.JSON)),
                updates,
            )
        if inserts:
            connection.execute(event.insert().values(xact_id=xact_id), inserts)
    with op.batch_alter_table("seat_event", schema=None) as batch_op:
        batch_op.drop_index("ix_seat_event_contract_at")
    op.drop_table("seat_event")


def downgrade() -> None:
    """Rebuild seat_event from the events that carry counts; their data keeps them."""
    op.create_table(
        "seat_event",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("contract_id", sa.Integer(), nullable=False),
        sa.Column("member_id", sa.String(length=36), nullable=True),
        sa.Column("kind", sa.String(length=16), nullable=False),
        sa.Column("seats_used", sa.Integer(), nullable=False),
        sa.Column("seats_purchased", sa.Integer(), nullable=False),
        sa.Column("term_index", sa.Integer(), nullable=False),
        sa.Column("on", sa.Date(), nullable=False),
        sa.Column("at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("reason", sa.String(length=16), nullable=True),
        sa.CheckConstraint(
            "kind IN ('take', 'release', 'purchase', 'renew', 'expire')",
            name=op.f("ck_seat_event_kind_known"),
        ),
        sa.ForeignKeyConstraint(
            ["contract_id"], ["contract.id"], name=op.f("fk_seat_event_contract_id_contract")
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_seat_event")),
    )
    with op.batch_alter_table("seat_event", schema=None) as batch_op:
        batch_op.create_index("ix_seat_event_contract_at", ["contract_id", "at"], unique=False)
    connection = op.get_bind()
    contracts = {
        organization_id: contract_id
        for organization_id, contract_id in connection.execute(
            sa.select(contract.c.organization_id, contract.c.id)
        )
    }
    rows = []
    for found in connection.execute(
        sa.select(event.c.organization_id, event.c.type, event.c.occurred_at, event.c.data)
        .where(event.c.type.in_(KINDS))
        .order_by(event.c.id)
    ):
        data = found.data or {}
        if "on" not in data or found.organization_id not in contracts:
            continue
        rows.append(
            {
                "contract_id": contracts[found.organization_id],
                "member_id": data.get("member_id"),
                "kind": KINDS[found.type],
                "seats_used": data["seats_used"],
                "seats_purchased": data["seats_purchased"],
                "term_index": data["term_index"],
                "on": date.fromisoformat(data["on"]),
                "at": found.occurred_at,
                "reason": data.get("reason"),
            }
        )
    if rows:
        connection.execute(seat_event.insert(), rows)
