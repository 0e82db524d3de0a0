"""invoice details: billing party, tax, due dates and status

Revision ID: 0003
Revises: 0002
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0003"
down_revision: str | None = "0002"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

_PARTIES = [
    (f"{party}_{field}", size)
    for party in ("seller", "customer")
    for field, size in (("name", 200), ("address", 1000), ("tax_id", 64))
]

_INVOICE_CHECKS = [
    ("tax_not_negative", "tax_minor >= 0"),
    ("total_adds_up", "total_minor = subtotal_minor + tax_minor"),
    ("tax_rate_in_range", "tax_rate_bp BETWEEN 0 AND 10000"),
    ("due_after_issue", "due_on >= issued_on"),
]


def upgrade() -> None:
    """Add billing details to organizations and tax, dates and both parties to invoices."""
    with op.batch_alter_table("organization", schema=None) as batch_op:
        batch_op.add_column(
            sa.Column("billing_name", sa.String(length=200), server_default="", nullable=False)
        )
        batch_op.add_column(
            sa.Column("billing_address", sa.String(length=1000), server_default="", nullable=False)
        )
        batch_op.add_column(
            sa.Column("billing_tax_id", sa.String(length=64), server_default="", nullable=False)
        )
        batch_op.add_column(
            sa.Column("tax_rate_bp", sa.Integer(), server_default="0", nullable=False)
        )
        batch_op.create_check_constraint(
            op.f("ck_organization_tax_rate_in_range"), "tax_rate_bp BETWEEN 0 AND 10000"
        )

    with op.batch_alter_table("invoice", schema=None) as batch_op:
        batch_op.add_column(sa.Column("subtotal_minor", sa.BigInteger(), nullable=True))
        batch_op.add_column(
            sa.Column("tax_rate_bp", sa.Integer(), server_default="0", nullable=False)
        )
        batch_op.add_column(
            sa.Column("tax_minor", sa.BigInteger(), server_default="0", nullable=False)
        )
        batch_op.add_column(sa.Column("due_on", sa.Date(), nullable=True))
        batch_op.add_column(sa.Column("paid_on", sa.Date(), nullable=True))
        for name, size in _PARTIES:
            batch_op.add_column(
                sa.Column(name, sa.String(length=size), server_default="", nullable=False)
            )
    # Invoices issued before this revision carried no tax and were due when issued.
    op.execute("UPDATE invoice SET subtotal_minor = total_minor, due_on = issued_on")
    with op.batch_alter_table("invoice", schema=None) as batch_op:
        batch_op.alter_column("subtotal_minor", existing_type=sa.BigInteger(), nullable=False)
        batch_op.alter_column("due_on", existing_type=sa.Date(), nullable=False)
        for name, condition in _INVOICE_CHECKS:
            batch_op.create_check_constraint(op.f(f"ck_invoice_{name}"), condition)

    with op.batch_alter_table("invoice_line", schema=None) as batch_op:
        batch_op.add_column(sa.Column("month_days", sa.Integer(), nullable=True))


def downgrade() -> None:
    """Drop the invoice details again."""
    with op.batch_alter_table("invoice_line", schema=None) as batch_op:
        batch_op.drop_column("month_days")
    with op.batch_alter_table("invoice", schema=None) as batch_op:
        for name, _condition in _INVOICE_CHECKS:
            batch_op.drop_constraint(op.f(f"ck_invoice_{name}"), type_="check")
        for name, _size in reversed(_PARTIES):
            batch_op.drop_column(name)
        for name in ("paid_on", "due_on", "tax_minor", "tax_rate_bp", "subtotal_minor"):
            batch_op.drop_column(name)
    with op.batch_alter_table("organization", schema=None) as batch_op:
        batch_op.drop_constraint(op.f("ck_organization_tax_rate_in_range"), type_="check")
        for name in ("tax_rate_bp", "billing_tax_id", "billing_address", "billing_name"):
            batch_op.drop_column(name)
