"""languages: an organization's, an owner's own choice, and the one an invoice was issued in

Revision ID: 0014
Revises: 0013
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0014"
down_revision: str | None = "0013"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    """Everything before this revision was English: organizations and invoices say so."""
    with op.batch_alter_table("organization", schema=None) as batch_op:
        batch_op.add_column(
            sa.Column("language", sa.String(length=8), server_default="en", nullable=False)
        )
        batch_op.create_check_constraint(
            batch_op.f("ck_organization_language_known"), "language IN ('en', 'es')"
        )
    with op.batch_alter_table("owner", schema=None) as batch_op:
        batch_op.add_column(sa.Column("language", sa.String(length=8), nullable=True))
        batch_op.create_check_constraint(
            batch_op.f("ck_owner_language_known"),
            "language IS NULL OR language IN ('en', 'es')",
        )
    with op.batch_alter_table("invoice", schema=None) as batch_op:
        batch_op.add_column(
            sa.Column("language", sa.String(length=8), server_default="en", nullable=False)
        )
        batch_op.create_check_constraint(
            batch_op.f("ck_invoice_language_known"), "language IN ('en', 'es')"
        )


def downgrade() -> None:
    for table in ("invoice", "owner", "organization"):
        with op.batch_alter_table(table, schema=None) as batch_op:
            batch_op.drop_constraint(batch_op.f(f"ck_{table}_language_known"), type_="check")
            batch_op.drop_column("language")
